# Post-processing steps. Each step reads its parent chain's video, so dn-up
# reuses dn and up-dn reuses up (cached intermediates).


rule denoise:
    input:
        lambda wc: video(wc.image, wc.motion, parent_chain(wc.chain)),
    output:
        video(),
    log:
        log_path(R, "denoise"),
    wildcard_constraints:
        chain=DENOISE_CHAIN_RE,
    conda:
        env_for("denoise")
    threads: config["resources"]["denoise"]["threads"]
    resources:
        gpu=gpu_tag("denoise"),
        mem_mb=config["resources"]["denoise"]["mem_mb"],
        runtime=config["resources"]["denoise"]["runtime"],
    params:
        method=lambda wc: config["denoise"]["method"],
        options=lambda wc: options_json("denoise"),
        weights_dir=lambda wc: config["weights_dir"],
    shell:
        "python -m roomtour --threads {threads} denoise {input:q} {output:q} --method {params.method:q}"
        " --options {params.options:q} --weights-dir {params.weights_dir:q} 2> {log:q}"


rule upscale:
    input:
        lambda wc: video(wc.image, wc.motion, parent_chain(wc.chain)),
    output:
        video(),
    log:
        log_path(R, "upscale"),
    wildcard_constraints:
        chain=UPSCALE_CHAIN_RE,
    conda:
        env_for("upscale")
    threads: config["resources"]["upscale"]["threads"]
    resources:
        gpu=gpu_tag("upscale"),
        mem_mb=config["resources"]["upscale"]["mem_mb"],
        runtime=config["resources"]["upscale"]["runtime"],
    params:
        method=lambda wc: config["upscale"]["method"],
        scale=config["upscale"]["scale"],
        options=lambda wc: options_json("upscale"),
        weights_dir=lambda wc: config["weights_dir"],
    shell:
        "python -m roomtour --threads {threads} upscale {input:q} {output:q} --method {params.method:q}"
        " --scale {params.scale} --options {params.options:q} --weights-dir {params.weights_dir:q}"
        " 2> {log:q}"


rule freeze:
    input:
        video(chain="raw"),
    output:
        video(chain="frozen"),
    log:
        log_path(R, "freeze"),
    conda:
        "../../envs/cpu.yaml"
    threads: config["resources"]["metrics"]["threads"]
    resources:
        mem_mb=config["resources"]["metrics"]["mem_mb"],
        runtime=config["resources"]["metrics"]["runtime"],
    shell:
        "python -m roomtour freeze {input:q} {output:q} 2> {log:q}"


rule previews:
    input:
        lambda wc: [video(wc.image, wc.motion, c) for c in CHAINS],
    output:
        [video(chain=c, ext="mp4") for c in CHAINS],
    log:
        log_path(R, "previews"),
    conda:
        "../../envs/cpu.yaml"
    threads: config["resources"]["metrics"]["threads"]
    resources:
        mem_mb=config["resources"]["metrics"]["mem_mb"],
        runtime=config["resources"]["metrics"]["runtime"],
    params:
        pairs=lambda wc, input, output: " ".join(
            shlex.quote(f"{i}={o}") for i, o in zip(input, output)
        ),
    shell:
        "python -m roomtour preview {params.pairs} 2> {log:q}"
