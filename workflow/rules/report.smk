# Summary tables, figures and the Snakemake report.


rule summarize:
    input:
        metrics=expand(
            f"{R}/metrics/{{image}}/{{motion}}/{{chain}}.csv",
            image=IMAGES,
            motion=MOTIONS,
            chain=SCORED_CHAINS,
        ),
        camera=expand(
            f"{R}/camera/{{image}}/{{motion}}/{{chain}}.csv",
            image=IMAGES,
            motion=MOTIONS,
            chain=SCORED_CHAINS,
        ),
    output:
        csv=f"{R}/summary.csv",
        md=report(
            f"{R}/summary.md", caption="../report/summary.rst", category="Summary"
        ),
        per_video=f"{R}/per_video.csv",
        diffs=f"{R}/paired_differences.csv",
    log:
        log_path(R, "summarize"),
    conda:
        "../../envs/cpu.yaml"
    params:
        args=summary_args(),
    shell:
        "python -m roomtour summarize {input.metrics:q} --camera {input.camera:q}"
        " --out-csv {output.csv:q} --out-md {output.md:q}"
        " --per-video-csv {output.per_video:q} --diffs-csv {output.diffs:q} {params.args}"
        " 2> {log:q}"


rule figure_metrics:
    input:
        f"{R}/summary.csv",
    output:
        report(
            f"{R}/figures/metrics.png",
            caption="../report/metrics.rst",
            category="Figures",
        ),
    log:
        log_path(R, "figure_metrics"),
    conda:
        "../../envs/cpu.yaml"
    params:
        title="mean ± std over videos per chain",
    shell:
        "python -m roomtour figures {input:q} {output:q} --title {params.title:q} 2> {log:q}"


rule contact_sheet:
    input:
        unpack(contact_sheet_inputs),
        coverage=coverage(),
        camera=lambda wc: [
            f"{R}/camera/{wc.image}/{wc.motion}/{c}.csv" for c in SCORED_CHAINS
        ],
    output:
        report(
            f"{R}/figures/contact/{{image}}/{{motion}}.png",
            caption="../report/contact.rst",
            category="Figures",
            subcategory="Contact sheets",
        ),
    log:
        log_path(R, "contact_sheet"),
    conda:
        "../../envs/cpu.yaml"
    params:
        pairs=lambda wc, input: " ".join(
            shlex.quote(f"{name}={path}")
            for name, path in input.items()
            if name not in ("coverage", "camera")
        ),
        frames=config["contact_sheets"],
        title=lambda wc: f"{wc.image} / {wc.motion} ({framing_of(wc.motion)} framing)",
        min_visible=config["generate"]["min_visible"],
    shell:
        "python -m roomtour contact-sheet {output:q} {params.pairs} --coverage {input.coverage:q}"
        " --camera {input.camera:q} --frames {params.frames} --title {params.title:q}"
        " --min-visible {params.min_visible:q} 2> {log:q}"
