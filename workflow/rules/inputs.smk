# Inputs: validated photos at the video size, camera paths, exact references.


rule prepare_input:
    output:
        f"{R}/inputs/{{image}}.png",
    log:
        log_path(R, "prepare_input"),
    conda:
        "../../envs/cpu.yaml"
    threads: config["resources"]["inputs"]["threads"]
    resources:
        mem_mb=config["resources"]["inputs"]["mem_mb"],
        runtime=config["resources"]["inputs"]["runtime"],
    params:
        source=lambda wc: IMAGES[wc.image],
        size=f"{WIDTH}x{HEIGHT}",
        scale=COMPARE_SCALE,
        hfov=config["video"]["hfov_deg"],
    shell:
        "python -m roomtour prepare-input {params.source:q} {output:q} --size {params.size}"
        " --reference-scale {params.scale} --hfov-deg {params.hfov} 2> {log:q}"


rule render_depth:
    output:
        f"{R}/inputs/{{image}}.depth.npy",
    log:
        log_path(R, "render_depth"),
    conda:
        "../../envs/cpu.yaml"
    threads: config["resources"]["inputs"]["threads"]
    resources:
        mem_mb=config["resources"]["inputs"]["mem_mb"],
        runtime=config["resources"]["inputs"]["runtime"],
    params:
        size=f"{WIDTH}x{HEIGHT}",
        hfov=config["video"]["hfov_deg"],
    shell:
        "python -m roomtour render-depth {output:q} --scene {wildcards.image:q} --size {params.size}"
        " --hfov-deg {params.hfov} 2> {log:q}"


rule camera_path:
    output:
        f"{R}/paths/{{motion}}.txt",
    log:
        log_path(R, "camera_path"),
    conda:
        "../../envs/cpu.yaml"
    params:
        spec=lambda wc: json.dumps(config["motions"][wc.motion], sort_keys=True),
        frames=config["video"]["frames"],
        hfov=config["video"]["hfov_deg"],
        aspect=WIDTH / HEIGHT,
    shell:
        "python -m roomtour camera-path {output:q} --spec {params.spec:q} --frames {params.frames}"
        " --hfov-deg {params.hfov} --aspect {params.aspect} 2> {log:q}"


rule render_reference:
    input:
        path=f"{R}/paths/{{motion}}.txt",
    output:
        f"{R}/reference/{{image}}/{{motion}}.mkv",
    log:
        log_path(R, "render_reference"),
    conda:
        "../../envs/cpu.yaml"
    threads: config["resources"]["inputs"]["threads"]
    resources:
        mem_mb=config["resources"]["inputs"]["mem_mb"],
        runtime=config["resources"]["inputs"]["runtime"],
    params:
        size=f"{COMPARE_W}x{COMPARE_H}",
        fps=config["video"]["fps"],
    shell:
        "python -m roomtour render-reference {output:q} --scene {wildcards.image:q} --path {input.path:q}"
        " --size {params.size} --fps {params.fps} 2> {log:q}"
