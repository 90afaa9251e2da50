# Generation: photo + camera path -> raw video, and its per-frame coverage.


rule generate:
    input:
        unpack(generate_inputs),
    output:
        video=video(chain="raw"),
        coverage=coverage(),
    log:
        log_path(R, "generate"),
    conda:
        env_for("generate")
    threads: config["resources"]["generate"]["threads"]
    resources:
        gpu=gpu_tag("generate"),
        mem_mb=config["resources"]["generate"]["mem_mb"],
        runtime=config["resources"]["generate"]["runtime"],
    params:
        method=lambda wc: config["generate"]["method"],
        options=lambda wc: options_json("generate"),
        framing=lambda wc: framing_of(wc.motion),
        size=f"{WIDTH}x{HEIGHT}",
        fps=config["video"]["fps"],
        extra=generate_extra_args,
        min_visible=config["generate"]["min_visible"],
        weights_dir=config["weights_dir"],
    shell:
        "python -m roomtour --threads {threads} generate {output.video:q} --method {params.method:q}"
        " --options {params.options:q} --photo {input.photo:q} --path {input.path:q}"
        " {params.extra} --framing {params.framing:q} --min-visible {params.min_visible:q}"
        " --weights-dir {params.weights_dir:q} --coverage {output.coverage:q}"
        " --size {params.size} --fps {params.fps} 2> {log:q}"
