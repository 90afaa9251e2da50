# Generation: photo + camera path -> raw video.


rule generate:
    input:
        unpack(generate_inputs),
    output:
        video(chain="raw"),
    log:
        "results/logs/generate/{image}/{motion}.log",
    conda:
        env_for("generate")
    threads: 1
    resources:
        gpu=gpu_tag("generate"),
        mem_mb=config["resources"]["generate"]["mem_mb"],
        runtime=config["resources"]["generate"]["runtime"],
    params:
        method=config["generate"]["method"],
        options=options_json("generate"),
        size=f"{WIDTH}x{HEIGHT}",
        fps=config["video"]["fps"],
        extra=generate_extra_args,
    shell:
        "python -m roomtour --threads {threads} generate {output:q} --method {params.method}"
        " --options {params.options:q} --photo {input.photo:q} --path {input.path:q}"
        " {params.extra} --size {params.size} --fps {params.fps} 2> {log:q}"
