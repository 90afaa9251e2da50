# Shared setup: config validation, the study grid, and helpers for the rules.

import json
import shlex
import sys
from pathlib import Path

PACKAGE_DIR = str(Path(workflow.basedir) / "workflow")
sys.path.insert(0, PACKAGE_DIR)

from roomtour.chains import (
    BASELINES,
    CHAIN_RE,
    DENOISE_CHAIN_RE,
    UPSCALE_CHAIN_RE,
    parent_chain,
)
from roomtour.config import compare_scale, compare_size, image_sources, validate_config
from roomtour.denoisers import DENOISERS
from roomtour.errors import RoomtourError
from roomtour.generators import GENERATORS
from roomtour.jobenv import export_for_jobs, host_has_gpu
from roomtour.report import log_path
from roomtour.upscalers import UPSCALERS

_CONFIG_NAMES = (
    ", ".join(str(p) for p in getattr(workflow, "configfiles", [])) or "config"
)
try:
    validate_config(
        config,
        Path(workflow.basedir) / "workflow" / "schemas" / "config.schema.yaml",
        where=_CONFIG_NAMES,
    )
    IMAGES = image_sources(config, where=_CONFIG_NAMES)
except RoomtourError as exc:
    raise WorkflowError(f"roomtour: {exc}") from None

R = config["results_dir"].rstrip(
    "/"
)  # every output lives under it: one config, one results tree
MOTIONS = list(config.get("motions", {}))
CHAINS = list(config["chains"])
SCORED_CHAINS = CHAINS + list(BASELINES)
PROCEDURAL = "procedural" in config.get("images", {})
WIDTH, HEIGHT = config["video"]["width"], config["video"]["height"]
COMPARE_SCALE = compare_scale(config)
COMPARE_W, COMPARE_H = compare_size(config)

# The rules call the package through its CLI (python -m roomtour): jobs inherit
# this interpreter on PATH and the checkout's package on PYTHONPATH.
export_for_jobs(PACKAGE_DIR)


wildcard_constraints:
    image=r"[A-Za-z0-9_]+",
    motion=r"[A-Za-z0-9_]+",
    chain=CHAIN_RE,
    listing=r"[A-Za-z0-9_]+",
    fmt=r"16x9|9x16|1x1",
    shot=r"[A-Za-z0-9_]+",


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


def options_json(step):
    """A step's options as JSON.  Rules take it through a function: a string param would be
    formatted with wildcards, and adapter templates such as ``{photo}`` would break it.
    """
    return json.dumps(config[step].get("options", {}), sort_keys=True)


def video(image="{image}", motion="{motion}", chain="{chain}", ext="mkv"):
    return f"{R}/videos/{image}/{motion}/{chain}.{ext}"


def coverage(image="{image}", motion="{motion}"):
    return f"{R}/coverage/{image}/{motion}.csv"


def framing_of(motion):
    """The motion's own framing, else the generator's (exact | fit)."""
    return config["motions"][motion].get("framing", config["generate"]["framing"])


def final_targets():
    targets = tour_targets()
    if not (IMAGES and MOTIONS):
        return targets
    targets += [f"{R}/summary.csv", f"{R}/summary.md", f"{R}/figures/metrics.png"]
    targets += expand(
        f"{R}/figures/contact/{{image}}/{{motion}}.png", image=IMAGES, motion=MOTIONS
    )
    if config["previews"]:
        targets += expand(video(ext="mp4"), image=IMAGES, motion=MOTIONS, chain=CHAINS)
    return targets


def generate_inputs(wc):
    """Photo, path, and the depth map or imported video when they exist.

    A depth map or video that is missing is *not* declared as an input:
    Snakemake would refuse to start the whole grid.  The job gets the path
    as a parameter instead and fails alone, with one line naming the file,
    while ``--keep-going`` finishes the rest.
    """
    inputs = {
        "photo": f"{R}/inputs/{wc.image}.png",
        "path": f"{R}/paths/{wc.motion}.txt",
    }
    for key, path in external_inputs(wc.image, wc.motion).items():
        if path.startswith(f"{R}/") or Path(path).exists():
            inputs[key] = path
    return inputs


def external_inputs(image, motion):
    """Files the generator reads besides the photo and path: ``{"video"|"depth": path}``."""
    out = {}
    if config["generate"]["method"] == "import":
        gen = GENERATORS.create("import", config["generate"]["options"])
        out["video"] = gen.source(image, motion)
    depth = depth_file(image)
    if depth:
        out["depth"] = depth
    return out


def depth_file(image):
    """The depth input of the parallax (or render-guided svd) generator for an image,
    or None when it estimates depth from the photo itself (layout, onnx)."""
    if config["generate"]["method"] not in ("parallax", "svd"):
        return None
    spec = config["generate"].get("options", {}).get("depth", {})
    source = spec.get("source", "layout")
    if source == "procedural":
        if not PROCEDURAL:
            raise WorkflowError(
                "roomtour: generate.options.depth.source 'procedural' needs procedural images"
            )
        return f"{R}/inputs/{image}.depth.npy"
    if source == "file":
        return str(
            Path(spec.get("directory", "."))
            / spec.get("pattern", "{image}.npy").format(image=image)
        )
    return None


def generate_extra_args(wc):
    """``--video``/``--depth`` options (shell-quoted), whether or not the files exist."""
    return " ".join(
        f"--{key} {shlex.quote(path)}"
        for key, path in external_inputs(wc.image, wc.motion).items()
    )


def metrics_inputs(wc):
    inputs = {
        "video": video(wc.image, wc.motion, wc.chain),
        "coverage": coverage(wc.image, wc.motion),
    }
    if PROCEDURAL:
        inputs["reference"] = f"{R}/reference/{wc.image}/{wc.motion}.mkv"
    return inputs


def contact_sheet_inputs(wc):
    """Chain name -> video; the ground truth first where the input has one."""
    videos = {c: video(wc.image, wc.motion, c) for c in SCORED_CHAINS}
    if PROCEDURAL:
        videos = {"reference": f"{R}/reference/{wc.image}/{wc.motion}.mkv", **videos}
    return videos


def summary_args():
    """The summarize command's options (shell-quoted)."""
    boot = config["metrics"]["bootstrap"]
    title = f"roomtour: {len(IMAGES)} images x {len(MOTIONS)} motions, generator {config['generate']['method']}"
    return " ".join(
        [
            f"--chain-order {shlex.quote(','.join(SCORED_CHAINS))}",
            f"--kernel {shlex.quote(config['metrics']['resize_kernel'])}",
            f"--title {shlex.quote(title)}",
            f"--bootstrap-samples {int(boot['samples'])}",
            f"--bootstrap-level {float(boot['level'])}",
            f"--bootstrap-seed {int(boot['seed'])}",
            f"--min-visible {float(config['generate']['min_visible'])}",
        ]
    )


def partial_summary():
    """After a failed run (``--keep-going``): summarise the videos that finished and list
    the ones that did not, with the last line of each failed job's log."""
    import subprocess

    done = sorted(Path(R, "metrics").glob("*/*/*.csv"))
    expected = [
        f"{R}/metrics/{i}/{m}/{c}.csv"
        for i in IMAGES
        for m in MOTIONS
        for c in SCORED_CHAINS
    ]
    missing = [p for p in expected if not Path(p).exists()]
    if not done:
        return
    cmd = [
        sys.executable,
        "-m",
        "roomtour",
        "summarize",
        *map(str, done),
        "--out-csv",
        f"{R}/summary.csv",
        "--out-md",
        f"{R}/summary.md",
        "--per-video-csv",
        f"{R}/per_video.csv",
        "--diffs-csv",
        f"{R}/paired_differences.csv",
        "--logs",
        f"{R}/logs",
        *shlex.split(summary_args()),
    ]
    camera = sorted(Path(R, "camera").glob("*/*/*.csv"))
    if camera:
        cmd += ["--camera", *map(str, camera)]
    for path in missing:
        cmd += ["--missing", path]
    subprocess.run(cmd, check=False)
    print(
        f"roomtour: {len(missing)} of {len(expected)} metric tables missing; "
        f"partial summary written to {R}/summary.md (failures listed there)",
        file=sys.stderr,
    )


# --------------------------------------------------------------------------- tours

TOUR_FORMATS = {"16x9": "16:9", "9x16": "9:16", "1x1": "1:1"}
TOUR_VARIANTS = {"": "branded", "-unbranded": "unbranded"}
# options a step does not use stay out of its spec, so changing them does not re-run it
TOUR_MUX_ONLY = {"music"}
TOUR_CARDS_ONLY = {
    "title",
    "outro",
    "agent_name",
    "agent_phone",
    "agent_email",
    "brokerage",
    "logo",
    "price",
    "address",
    "unbranded",
    "target",
    "poster",
    "contact_sheet",
}
TOUR_STILLS_ONLY = {"poster", "contact_sheet"}
_TOUR_SHOTS = {}


wildcard_constraints:
    fmt="|".join(TOUR_FORMATS),
    variant="(-unbranded)?",


def tour_shots(listing):
    """The listing's shots in order (read once per run; a bad folder is one line)."""
    if listing not in _TOUR_SHOTS:
        from roomtour.tour import read_folder
        from roomtour.images import photo_problem

        spec = config["tours"][listing]
        try:
            shots = read_folder(spec["photos"], strict=spec["strict"])
        except RoomtourError as exc:
            raise WorkflowError(f"roomtour: tours.{listing}: {exc}") from None
        usable = []
        for shot in shots:
            problem = photo_problem(shot.path)
            if problem:
                print(
                    f"roomtour: tours.{listing}: warning: skipping {problem}",
                    file=sys.stderr,
                )
            else:
                usable.append(shot)
        if not usable:
            raise WorkflowError(
                f"roomtour: tours.{listing}: no usable photo in {spec['photos']}"
            )
        if spec["length"]:
            from roomtour.tour import TourOptions, fit_length

            options = TourOptions.from_spec(spec)
            try:
                usable = [
                    s for s, _ in fit_length([(s, None) for s in usable], options)
                ]
            except RoomtourError as exc:
                raise WorkflowError(f"roomtour: tours.{listing}: {exc}") from None
        _TOUR_SHOTS[listing] = usable
    return _TOUR_SHOTS[listing]


def tour_shot(listing, name):
    for shot in tour_shots(listing):
        if shot.name == name:
            return shot
    raise WorkflowError(f"roomtour: tours.{listing}: no photo named {name!r}")


def tour_shot_videos(listing, fmt, ext=".mp4"):
    """The listing's shot files of one format, in tour order (``ext``: the video or ``.coverage.csv``)."""
    return [
        f"{R}/tours/{listing}/{fmt}/shots/{s.name}{ext}" for s in tour_shots(listing)
    ]


def tour_seconds_arg(listing, name):
    seconds = tour_shot(listing, name).seconds
    return f"--seconds {float(seconds)}" if seconds else ""


def tour_spec(listing, fmt, leave_out=()):
    """The listing's options for one format, as JSON (the folder is the rules' business; a
    preview ``size`` is this format's, scaled like the first format's), without ``leave_out``.
    """
    from roomtour.tour import TourOptions

    spec = {
        k: v
        for k, v in config["tours"][listing].items()
        if k != "photos" and k not in leave_out
    }
    if spec.get("size"):
        w, h = TourOptions.from_spec(spec).size_of(TOUR_FORMATS[fmt])
        spec["size"] = f"{w}x{h}"
    spec["formats"] = [TOUR_FORMATS[fmt]]
    if spec.get("depth") == "learned":
        spec["weights_dir"] = config["weights_dir"]
    return json.dumps(spec, sort_keys=True)


def tour_mux_inputs(wc):
    """The silent tour, and the music when it exists (a missing music file fails this job
    alone, with one line naming it, instead of stopping the whole run)."""
    inputs = {"video": f"{R}/tours/{wc.listing}/{wc.fmt}{wc.variant}.silent.mp4"}
    music = config["tours"][wc.listing]["music"]
    if music and Path(music).exists():
        inputs["music"] = music
    return inputs


def tour_targets():
    """Each listing's videos, and the poster and contact sheet beside each where asked for."""
    from roomtour.tour import TourOptions

    targets = []
    for listing, spec in config.get("tours", {}).items():
        options = TourOptions.from_spec(spec)
        beside = (
            [".mp4"]
            + [".jpg"] * options.poster
            + [".contact.png"] * options.contact_sheet
        )
        for fmt in spec["formats"]:
            for suffix, variant in TOUR_VARIANTS.items():
                if variant in options.variants:
                    stem = f"{R}/tours/{listing}/{fmt.replace(':', 'x')}{suffix}"
                    targets += [stem + ext for ext in beside]
    return targets
