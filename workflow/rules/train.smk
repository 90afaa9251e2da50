# Training roomtour's FastDVDnet weights (not part of the default target):
#   snakemake --cores 2 train_fastdvdnet
# The committed weights in workflow/roomtour/weights/ were made by the same
# command the rule runs (see their .json record); point denoise.options.weights
# at <results_dir>/training/fastdvdnet.safetensors to use a retrained file.


rule train_fastdvdnet:
    input:
        recipe=config["training"]["recipe"],
    output:
        weights=f"{R}/training/fastdvdnet.safetensors",
        record=f"{R}/training/fastdvdnet.json",
    log:
        log_path(R, "train_fastdvdnet"),
    conda:
        "../../envs/gpu.yaml"
    threads: config["resources"]["train"]["threads"]
    resources:
        gpu=1,
        mem_mb=config["resources"]["train"]["mem_mb"],
        runtime=config["resources"]["train"]["runtime"],
    params:
        data_root=lambda wc: config["training"]["data_root"],
        device=lambda wc: config["training"]["device"],
    shell:
        "python -m roomtour --threads {threads} train-denoiser {input.recipe:q}"
        " --data-root {params.data_root:q} --device {params.device:q} --out {output.weights:q}"
        " > {log:q} 2>&1"
