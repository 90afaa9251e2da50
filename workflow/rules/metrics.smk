# Metrics per video: temporal proxies, fidelity against the reference (when
# the input has one), and warp error at the common comparison size.


rule metrics:
    input:
        unpack(metrics_inputs),
    output:
        f"{R}/metrics/{{image}}/{{motion}}/{{chain}}.csv",
    log:
        log_path(R, "metrics"),
    conda:
        "../../envs/cpu.yaml"
    threads: config["resources"]["metrics"]["threads"]
    resources:
        mem_mb=config["resources"]["metrics"]["mem_mb"],
        runtime=config["resources"]["metrics"]["runtime"],
    params:
        reference=lambda wc, input: (
            f"--reference {shlex.quote(input.reference)}"
            if "reference" in input.keys()
            else ""
        ),
        size=f"{COMPARE_W}x{COMPARE_H}",
        kernel=config["metrics"]["resize_kernel"],
    shell:
        "python -m roomtour --threads {threads} metrics {input.video:q} {output:q} {params.reference}"
        " --coverage {input.coverage:q} --compare-size {params.size} --kernel {params.kernel:q}"
        " --image {wildcards.image:q} --motion {wildcards.motion:q} --chain {wildcards.chain:q}"
        " 2> {log:q}"


rule camera_accuracy:
    input:
        video=lambda wc: video(wc.image, wc.motion, wc.chain),
        path=f"{R}/paths/{{motion}}.txt",
        coverage=lambda wc: coverage(wc.image, wc.motion),
    output:
        f"{R}/camera/{{image}}/{{motion}}/{{chain}}.csv",
    log:
        log_path(R, "camera_accuracy"),
    conda:
        "../../envs/cpu.yaml"
    threads: config["resources"]["metrics"]["threads"]
    resources:
        mem_mb=config["resources"]["metrics"]["mem_mb"],
        runtime=config["resources"]["metrics"]["runtime"],
    params:
        estimator=config["metrics"]["camera"]["estimator"],
        trials=config["metrics"]["camera"]["trials"],
        size=f"{COMPARE_W}x{COMPARE_H}",
        kernel=config["metrics"]["resize_kernel"],
    shell:
        "python -m roomtour --threads {threads} camera-accuracy {input.video:q} {output:q}"
        " --path {input.path:q} --coverage {input.coverage:q}"
        " --estimator {params.estimator:q} --trials {params.trials}"
        " --compare-size {params.size} --kernel {params.kernel:q}"
        " --image {wildcards.image:q} --motion {wildcards.motion:q} --chain {wildcards.chain:q}"
        " 2> {log:q}"
