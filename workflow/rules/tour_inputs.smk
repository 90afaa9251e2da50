# Tours: the listing's shots, formats and variants, and the spec each tour step gets (input
# functions and constraints of workflow/rules/tours.smk).

TOUR_FORMATS = {"16x9": "16:9", "9x16": "9:16", "1x1": "1:1"}
TOUR_VARIANTS = {"": "branded", "-unbranded": "unbranded"}
# options a step does not use stay out of its spec, so changing them does not re-run it
TOUR_MUX_ONLY = {"music"}
TOUR_CARDS_ONLY = {
    "title",
    "outro",
    "agent_name",
    "agent_phone",
    "agent_email",
    "brokerage",
    "logo",
    "price",
    "address",
    "unbranded",
    "target",
    "poster",
    "contact_sheet",
}
TOUR_STILLS_ONLY = {"poster", "contact_sheet"}
_TOUR_SHOTS = {}


wildcard_constraints:
    fmt="|".join(TOUR_FORMATS),
    variant="(-unbranded)?",


def tour_shots(listing):
    """The listing's shots in order (read once per run; a bad folder is one line)."""
    if listing not in _TOUR_SHOTS:
        from roomtour.tour import read_folder
        from roomtour.images import photo_problem

        spec = config["tours"][listing]
        try:
            shots = read_folder(spec["photos"], strict=spec["strict"])
        except RoomtourError as exc:
            raise WorkflowError(f"roomtour: tours.{listing}: {exc}") from None
        usable = []
        for shot in shots:
            problem = photo_problem(shot.path)
            if problem:
                print(
                    f"roomtour: tours.{listing}: warning: skipping {problem}",
                    file=sys.stderr,
                )
            else:
                usable.append(shot)
        if not usable:
            raise WorkflowError(
                f"roomtour: tours.{listing}: no usable photo in {spec['photos']}"
            )
        if spec["length"]:
            from roomtour.tour import TourOptions, fit_length

            options = TourOptions.from_spec(spec)
            try:
                usable = [
                    s for s, _ in fit_length([(s, None) for s in usable], options)
                ]
            except RoomtourError as exc:
                raise WorkflowError(f"roomtour: tours.{listing}: {exc}") from None
        _TOUR_SHOTS[listing] = usable
    return _TOUR_SHOTS[listing]


def tour_shot(listing, name):
    for shot in tour_shots(listing):
        if shot.name == name:
            return shot
    raise WorkflowError(f"roomtour: tours.{listing}: no photo named {name!r}")


def tour_shot_videos(listing, fmt, ext=".mp4"):
    """The listing's shot files of one format, in tour order (``ext``: the video or ``.coverage.csv``)."""
    return [
        f"{R}/tours/{listing}/{fmt}/shots/{s.name}{ext}" for s in tour_shots(listing)
    ]


def tour_seconds_arg(listing, name):
    seconds = tour_shot(listing, name).seconds
    return f"--seconds {float(seconds)}" if seconds else ""


def tour_spec(listing, fmt, leave_out=()):
    """The listing's options for one format, as JSON (the folder is the rules' business; a
    preview ``size`` is this format's, scaled like the first format's), without ``leave_out``.
    """
    from roomtour.tour import TourOptions

    spec = {
        k: v
        for k, v in config["tours"][listing].items()
        if k != "photos" and k not in leave_out
    }
    if spec.get("size"):
        w, h = TourOptions.from_spec(spec).size_of(TOUR_FORMATS[fmt])
        spec["size"] = f"{w}x{h}"
    spec["formats"] = [TOUR_FORMATS[fmt]]
    if spec.get("depth") == "learned":
        spec["weights_dir"] = config["weights_dir"]
    return json.dumps(spec, sort_keys=True)


def tour_mux_inputs(wc):
    """The silent tour, and the music when it exists (a missing music file fails this job
    alone, with one line naming it, instead of stopping the whole run)."""
    inputs = {"video": f"{R}/tours/{wc.listing}/{wc.fmt}{wc.variant}.silent.mp4"}
    music = config["tours"][wc.listing]["music"]
    if music and Path(music).exists():
        inputs["music"] = music
    return inputs


def tour_targets():
    """Each listing's videos, and the poster and contact sheet beside each where asked for."""
    from roomtour.tour import TourOptions

    targets = []
    for listing, spec in config.get("tours", {}).items():
        options = TourOptions.from_spec(spec)
        beside = (
            [".mp4"]
            + [".jpg"] * options.poster
            + [".contact.png"] * options.contact_sheet
        )
        for fmt in spec["formats"]:
            for suffix, variant in TOUR_VARIANTS.items():
                if variant in options.variants:
                    stem = f"{R}/tours/{listing}/{fmt.replace(':', 'x')}{suffix}"
                    targets += [stem + ext for ext in beside]
    return targets
