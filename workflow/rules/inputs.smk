# Inputs: validated photos at the video size, camera paths, exact references.


rule prepare_input:
    output:
        "results/inputs/{image}.png",
    log:
        "results/logs/prepare_input/{image}.log",
    conda:
        "../../envs/cpu.yaml"
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
        "results/inputs/{image}.depth.npy",
    log:
        "results/logs/render_depth/{image}.log",
    conda:
        "../../envs/cpu.yaml"
    params:
        size=f"{WIDTH}x{HEIGHT}",
        hfov=config["video"]["hfov_deg"],
    shell:
        "python -m roomtour render-depth {output:q} --scene {wildcards.image} --size {params.size}"
        " --hfov-deg {params.hfov} 2> {log:q}"


rule camera_path:
    output:
        "results/paths/{motion}.txt",
    log:
        "results/logs/camera_path/{motion}.log",
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
        path="results/paths/{motion}.txt",
    output:
        "results/reference/{image}/{motion}.mkv",
    log:
        "results/logs/render_reference/{image}/{motion}.log",
    conda:
        "../../envs/cpu.yaml"
    params:
        size=f"{COMPARE_W}x{COMPARE_H}",
        fps=config["video"]["fps"],
    shell:
        "python -m roomtour render-reference {output:q} --scene {wildcards.image} --path {input.path:q}"
        " --size {params.size} --fps {params.fps} 2> {log:q}"
