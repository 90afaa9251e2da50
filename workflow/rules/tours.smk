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
        shots=lambda wc: tour_shot_videos(wc.listing, wc.fmt),
        first=lambda wc: str(tour_shots(wc.listing)[0].path),
        last=lambda wc: str(tour_shots(wc.listing)[-1].path),
    output:
        f"{R}/tours/{{listing}}/{{fmt}}{{variant}}.silent.mp4",
    log:
        log_path(R, "tour_video"),
    conda:
        "../../envs/cpu.yaml"
    threads: config["resources"]["tours"]["threads"]
    resources:
        mem_mb=config["resources"]["tours"]["mem_mb"],
        runtime=config["resources"]["tours"]["runtime"],
    params:
        spec=lambda wc: tour_spec(
            wc.listing, wc.fmt, leave_out=TOUR_MUX_ONLY | TOUR_STILLS_ONLY
        ),
        variant=lambda wc: TOUR_VARIANTS[wc.variant],
    shell:
        "python -m roomtour --threads {threads} tour-assemble {output:q} {input.shots:q}"
        " --first-photo {input.first:q} --last-photo {input.last:q} --variant {params.variant:q}"
        " --spec {params.spec:q} 2> {log:q}"


# Poster and contact sheet are targets of their own, so a listing with `poster: false` or
# `contact_sheet: false` gets none (the tour's video does not change with them).
rule tour_poster:
    input:
        shot=lambda wc: tour_shot_videos(wc.listing, wc.fmt)[0],
        coverage=lambda wc: tour_shot_videos(wc.listing, wc.fmt, ".coverage.csv")[0],
    output:
        f"{R}/tours/{{listing}}/{{fmt}}{{variant}}.jpg",
    log:
        log_path(R, "tour_poster"),
    conda:
        "../../envs/cpu.yaml"
    resources:
        mem_mb=config["resources"]["tours"]["mem_mb"],
        runtime=config["resources"]["tours"]["runtime"],
    shell:
        "python -m roomtour tour-poster {output:q} {input.shot:q} --coverage {input.coverage:q} 2> {log:q}"


rule tour_contact_sheet:
    input:
        shots=lambda wc: tour_shot_videos(wc.listing, wc.fmt),
        first=lambda wc: str(tour_shots(wc.listing)[0].path),
        last=lambda wc: str(tour_shots(wc.listing)[-1].path),
    output:
        f"{R}/tours/{{listing}}/{{fmt}}{{variant}}.contact.png",
    log:
        log_path(R, "tour_contact_sheet"),
    conda:
        "../../envs/cpu.yaml"
    resources:
        mem_mb=config["resources"]["tours"]["mem_mb"],
        runtime=config["resources"]["tours"]["runtime"],
    params:
        spec=lambda wc: tour_spec(
            wc.listing, wc.fmt, leave_out=TOUR_MUX_ONLY | TOUR_STILLS_ONLY
        ),
        variant=lambda wc: TOUR_VARIANTS[wc.variant],
    shell:
        "python -m roomtour tour-contact-sheet {output:q} {input.shots:q}"
        " --first-photo {input.first:q} --last-photo {input.last:q} --variant {params.variant:q}"
        " --spec {params.spec:q} 2> {log:q}"


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
