# Property tours: photo folder -> one shot per photo and format (cached) -> a silent tour per
# variant (branded, unbranded) -> the tour with music. Changing one photo re-renders its shots
# only; changing the music re-runs tour_mux only. The listing's validated options travel to
# every step as one JSON spec, so the steps and `roomtour tour` share the schema's defaults.


rule tour_shot:
    input:
        photo=lambda wc: str(tour_shot(wc.listing, wc.shot).path),
    output:
        video=f"{R}/tours/{{listing}}/{{fmt}}/shots/{{shot}}.mp4",
        coverage=f"{R}/tours/{{listing}}/{{fmt}}/shots/{{shot}}.coverage.csv",
    log:
        log_path(R, "tour_shot"),
    conda:
        "../../envs/cpu.yaml"
    threads: config["resources"]["tours"]["threads"]
    resources:
        mem_mb=config["resources"]["tours"]["mem_mb"],
        runtime=config["resources"]["tours"]["runtime"],
    params:
        caption=lambda wc: (
            tour_shot(wc.listing, wc.shot).caption
            if config["tours"][wc.listing]["captions"]
            else ""
        ),
        move=lambda wc: tour_shot(wc.listing, wc.shot).move,
        seconds=lambda wc: tour_seconds_arg(wc.listing, wc.shot),
        spec=lambda wc: tour_spec(
            wc.listing, wc.fmt, leave_out=TOUR_MUX_ONLY | TOUR_CARDS_ONLY
        ),
    shell:
        "python -m roomtour --threads {threads} tour-segment {output.video:q} --photo {input.photo:q}"
        " --caption {params.caption:q} --move {params.move:q} {params.seconds} --spec {params.spec:q}"
        " --coverage {output.coverage:q} 2> {log:q}"


rule tour_video:
    input:
        shots=lambda wc: [
            f"{R}/tours/{wc.listing}/{wc.fmt}/shots/{s.name}.mp4"
            for s in tour_shots(wc.listing)
        ],
        first=lambda wc: str(tour_shots(wc.listing)[0].path),
        last=lambda wc: str(tour_shots(wc.listing)[-1].path),
        first_coverage=lambda wc: (
            f"{R}/tours/{wc.listing}/{wc.fmt}/shots/"
            f"{tour_shots(wc.listing)[0].name}.coverage.csv"
        ),
    output:
        video=f"{R}/tours/{{listing}}/{{fmt}}{{variant}}.silent.mp4",
        poster=f"{R}/tours/{{listing}}/{{fmt}}{{variant}}.jpg",
        contact_sheet=f"{R}/tours/{{listing}}/{{fmt}}{{variant}}.contact.png",
    log:
        log_path(R, "tour_video"),
    conda:
        "../../envs/cpu.yaml"
    threads: config["resources"]["tours"]["threads"]
    resources:
        mem_mb=config["resources"]["tours"]["mem_mb"],
        runtime=config["resources"]["tours"]["runtime"],
    params:
        spec=lambda wc: tour_spec(wc.listing, wc.fmt, leave_out=TOUR_MUX_ONLY),
        variant=lambda wc: TOUR_VARIANTS[wc.variant],
    shell:
        "python -m roomtour --threads {threads} tour-assemble {output.video:q} {input.shots:q}"
        " --first-photo {input.first:q} --last-photo {input.last:q} --variant {params.variant:q}"
        " --first-coverage {input.first_coverage:q} --poster {output.poster:q}"
        " --contact-sheet {output.contact_sheet:q} --spec {params.spec:q} 2> {log:q}"


rule tour_mux:
    input:
        unpack(tour_mux_inputs),
    output:
        f"{R}/tours/{{listing}}/{{fmt}}{{variant}}.mp4",
    log:
        log_path(R, "tour_mux"),
    conda:
        "../../envs/cpu.yaml"
    resources:
        mem_mb=config["resources"]["tours"]["mem_mb"],
        runtime=config["resources"]["tours"]["runtime"],
    params:
        music=lambda wc: (
            f"--music {shlex.quote(config['tours'][wc.listing]['music'])}"
            if config["tours"][wc.listing]["music"]
            else ""
        ),
    shell:
        "python -m roomtour tour-mux {input.video:q} {output:q} {params.music} 2> {log:q}"
