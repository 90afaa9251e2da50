# Resources per step: the conda environment and the GPU tag of each GPU-capable step.


def env_for(step):
    """GPU-capable methods get the CUDA environment; the rest the CPU one."""
    registry = {"generate": GENERATORS, "denoise": DENOISERS, "upscale": UPSCALERS}[
        step
    ]
    gpu = registry.uses_gpu(config[step]["method"])
    return "../../envs/gpu.yaml" if gpu else "../../envs/cpu.yaml"


def gpu_tag(step):
    """The ``gpu`` resource of a step's jobs: 1 where they will hold a GPU.

    A function, so it is read when the DAG is built and the executor is known:
    a cluster run tags GPU-capable methods so the executor routes them to a
    GPU; a local run on a host without a GPU runs them on the CPU, so they
    carry 0 and run side by side instead of one at a time behind the
    workstation profile's ``gpu=1``.  ``options: {device: cpu}`` never tags.
    """
    registry = {"generate": GENERATORS, "denoise": DENOISERS, "upscale": UPSCALERS}[
        step
    ]
    wants = registry.uses_gpu(config[step]["method"])
    wants = wants and config[step].get("options", {}).get("device", "auto") != "cpu"

    def tag(wildcards):
        # a dry run shows the tag a cluster run would carry
        on_gpu = not workflow.local_exec or workflow.dryrun or host_has_gpu()
        return int(wants and on_gpu)

    return tag
