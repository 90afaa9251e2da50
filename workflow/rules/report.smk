# Summary tables, figures and the Snakemake report.


rule summarize:
    input:
        expand(
            "results/metrics/{image}/{motion}/{chain}.csv",
            image=IMAGES,
            motion=MOTIONS,
            chain=SCORED_CHAINS,
        ),
    output:
        csv="results/summary.csv",
        md=report(
            "results/summary.md", caption="../report/summary.rst", category="Summary"
        ),
        per_video="results/per_video.csv",
        diffs="results/paired_differences.csv",
    log:
        "results/logs/summarize.log",
    conda:
        "../../envs/cpu.yaml"
    params:
        order=",".join(SCORED_CHAINS),
        kernel=config["metrics"]["resize_kernel"],
        samples=config["metrics"]["bootstrap"]["samples"],
        level=config["metrics"]["bootstrap"]["level"],
        seed=config["metrics"]["bootstrap"]["seed"],
        title=f"roomtour: {len(IMAGES)} images x {len(MOTIONS)} motions, generator {config['generate']['method']}",
    shell:
        "python -m roomtour summarize {input:q} --out-csv {output.csv:q} --out-md {output.md:q}"
        " --per-video-csv {output.per_video:q} --diffs-csv {output.diffs:q}"
        " --chain-order {params.order} --kernel {params.kernel} --title {params.title:q}"
        " --bootstrap-samples {params.samples} --bootstrap-level {params.level}"
        " --bootstrap-seed {params.seed} 2> {log:q}"


rule figure_metrics:
    input:
        "results/summary.csv",
    output:
        report(
            "results/figures/metrics.png",
            caption="../report/metrics.rst",
            category="Figures",
        ),
    log:
        "results/logs/figure_metrics.log",
    conda:
        "../../envs/cpu.yaml"
    params:
        title="mean ± std over videos per chain",
    shell:
        "python -m roomtour figures {input:q} {output:q} --title {params.title:q} 2> {log:q}"


rule contact_sheet:
    input:
        unpack(contact_sheet_inputs),
    output:
        report(
            "results/figures/contact/{image}/{motion}.png",
            caption="../report/contact.rst",
            category="Figures",
            subcategory="Contact sheets",
        ),
    log:
        "results/logs/contact_sheet/{image}/{motion}.log",
    conda:
        "../../envs/cpu.yaml"
    params:
        pairs=lambda wc, input: " ".join(
            shlex.quote(f"{name}={path}") for name, path in input.items()
        ),
        frames=config["contact_sheets"],
    shell:
        "python -m roomtour contact-sheet {output:q} {params.pairs} --frames {params.frames}"
        " --title '{wildcards.image} / {wildcards.motion}' 2> {log:q}"
