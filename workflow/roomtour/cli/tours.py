"""Tours: ``roomtour tour`` for agents, and the workflow's tour steps.

Every tour flag is generated from the schema's ``$defs/tour_options`` (:func:`add_tour_flags`):
its name (``seconds_per_photo`` -> ``--seconds-per-photo``), default, choices and help, so the
command line, ``TourOptions`` and a workflow config cannot disagree.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import RoomtourError
from .args import _positive_float


def _formats(text: str) -> list[str]:
    from ..tour import FORMATS

    names = [t.strip() for t in text.split(",") if t.strip()]
    bad = [n for n in names if n not in FORMATS]
    if bad or not names:
        raise argparse.ArgumentTypeError(f"formats are {', '.join(FORMATS)} (comma-separated), not {text!r}")
    return names


def _bounded(spec: dict, kind):
    """An argparse type honouring a schema number's bounds."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {'a whole number' if kind is int else 'a number'}, "
                                             f"got {text!r}") from None
        if "minimum" in spec and value < spec["minimum"]:
            raise argparse.ArgumentTypeError(f"must be at least {spec['minimum']}, got {value}")
        if "exclusiveMinimum" in spec and value <= spec["exclusiveMinimum"]:
            raise argparse.ArgumentTypeError(f"must be more than {spec['exclusiveMinimum']}, got {value}")
        if "maximum" in spec and value > spec["maximum"]:
            raise argparse.ArgumentTypeError(f"must be at most {spec['maximum']}, got {value}")
        return value

    return parse


def add_tour_flags(s, skip=()) -> None:
    """One flag per tour option, from the schema (see the module docstring)."""
    from ..tour.options import tour_option_specs

    for key, spec in tour_option_specs().items():
        if key in skip:
            continue
        flag = "--" + key.replace("_", "-")
        default = spec.get("default")
        text = spec.get("description", "")
        if key == "formats":
            s.add_argument("--format", "--formats", dest="formats", type=_formats, default=list(default),
                           metavar="16:9[,9:16,1:1]", help=f"{text} (default: {','.join(default)})")
        elif spec.get("type") == "boolean":
            s.add_argument(flag, action=argparse.BooleanOptionalAction, default=default,
                           help=f"{text} (default: {'on' if default else 'off'})")
        elif "enum" in spec:
            s.add_argument(flag, choices=spec["enum"], default=default, help=f"{text} (default: %(default)s)")
        elif spec.get("type") in ("number", "integer"):
            kind = int if spec["type"] == "integer" else float
            s.add_argument(flag, type=_bounded(spec, kind), default=default, help=f"{text} (default: %(default)s)")
        else:
            s.add_argument(flag, default=default, help=text + (f" (default: {default})" if default else ""))


def _tour_options(a):
    from ..tour.options import TourOptions, tour_option_specs

    options = TourOptions(**{k: getattr(a, k) for k in tour_option_specs()},
                          weights_dir=getattr(a, "weights_dir", "")).check()
    if options.depth.get("source") == "learned":
        # before any photo is read: a missing network is one line, with the way round it
        from ..depth.learned import WEIGHTS
        from ..models.weights import find_weights

        try:
            find_weights(options.weights_dir, WEIGHTS, options.depth.get("weights", ""))
        except RoomtourError as exc:
            raise RoomtourError(exc.where, f"{exc.problem} (or --depth layout: no network)") from None
    return options


def _spec_options(a):
    """A workflow step's options: the listing's validated config, passed as ``--spec`` JSON."""
    from ..tour.options import TourOptions

    try:
        spec = json.loads(a.spec)
    except json.JSONDecodeError as exc:
        raise RoomtourError("--spec", f"not JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(spec, dict):
        raise RoomtourError("--spec", "must be a JSON object of tour options")
    return TourOptions.from_spec(spec).check()


def cmd_tour(a):
    from ..tour import render_tour

    options = _tour_options(a)
    report = render_tour(a.folder, a.out, options)
    worst = min((s["min_visible"] for s in report["shots"]), default=float("nan"))
    print(f"rendered {report['frames']} frames per video ({report['duration']:.1f} s at {options.fps:g} fps) at "
          f"{report['fps']:.1f} frames/s; worst frame {100 * worst:.1f}% from the photos")
    for v in report["videos"]:
        ok = [n for n, problems in v["platforms"].items() if not problems]
        no = [f"{n} ({problems[0]})" for n, problems in v["platforms"].items() if problems]
        print(f"{v['path']}: {v['format']} {v['variant']}, {v['duration']:.1f} s; ready for {', '.join(ok) or 'none'}"
              + (f"; not for {'; '.join(no)}" if no else ""))
        extras = [x for x in (v["poster"], v["contact_sheet"]) if x]
        if extras:
            print(f"  beside it: {', '.join(Path(x).name for x in extras)}")


def cmd_tour_segment(a):
    from ..coverage import write_coverage
    from ..tour import Shot, write_shot

    options = _spec_options(a)
    renderer = write_shot(a.out, Shot(Path(a.photo), a.caption or "", a.move, a.seconds), options)
    if a.coverage:
        import pandas as pd

        table = pd.DataFrame(renderer.coverage).assign(move=renderer.move, zoom=renderer.zoom,
                                                       damping=renderer.framing.damping,
                                                       bend_px=renderer.framing.bend_px,
                                                       parallax_px=renderer.framing.parallax_px)
        table.insert(0, "frame", range(len(table)))
        write_coverage(a.coverage, table)


def _variant_cards(a, options):
    """One variant's title card, badge and closing card (None where it has none), as in `roomtour tour`."""
    from ..tour import card
    from ..tour.cards import Badge, closing_card, contact_details, load_logo
    from ..images import read_image

    w, h = options.size_px
    branded = a.variant == "branded"
    first = read_image(a.first_photo) if a.first_photo else None
    last = read_image(a.last_photo) if a.last_photo else None
    title = None
    if options.title:
        clean = branded or not contact_details(options.title, options)
        title = card(options.title if clean else "", w, h, first)
    badge_text = " · ".join(x for x in (options.price, options.address) if x)
    badge = Badge(badge_text, w, h) if badge_text and branded else None
    closing = None
    if options.outro or options.branded:
        logo = load_logo(options.logo) if options.logo and branded else None
        closing = closing_card(options, w, h, last, branded, logo)
    return title, badge, closing


def _badged(frames, badge):
    """The frames with the badge drawn on copies (as they are without one)."""
    for frame in frames:
        if badge is not None:
            frame = frame.copy()
            badge.blend(frame)
        yield frame


def cmd_tour_assemble(a):
    from ..tour import CARD_SECONDS, crossfade, repeat
    from ..tour.platforms import delivery_h264
    from ..video import VideoWriter, iter_frames

    options = _spec_options(a)
    w, h = options.size_px
    title, badge, closing = _variant_cards(a, options)
    cards_n = options.frames_for(CARD_SECONDS)
    items = [repeat(title, cards_n)] if title is not None else []
    items += [_badged(iter_frames(p), badge) for p in a.segments]
    if closing is not None:
        items.append(repeat(closing, cards_n))
    with VideoWriter(a.out, w, h, options.fps, delivery_h264(w, h, options.fps, options.crf, options.preset)) as wr:
        for frame in crossfade(items, options.crossfade_frames):
            wr.write(frame)


def cmd_tour_poster(a):
    """The poster: the first shot's frame with the most of the photo in it (its coverage table),
    without the badge, so every variant of a listing gets the same picture."""
    from ..coverage import read_coverage
    from ..errors import RoomtourError
    from ..images import write_image
    from ..video import iter_frames

    best = int(read_coverage(a.coverage)["visible"].to_numpy(float).argmax())
    for i, frame in enumerate(iter_frames(a.shot)):
        if i == best:
            write_image(a.out, frame)
            return
    raise RoomtourError(a.shot, f"has no frame {best}, which its coverage table {a.coverage} names")


def cmd_tour_contact_sheet(a):
    """One tile per card and shot (the shot's middle frame, badge included), in timeline order."""
    from itertools import islice

    from ..errors import RoomtourError
    from ..tour.cards import contact_sheet, thumbnail
    from ..images import write_image
    from ..video import iter_frames, probe

    options = _spec_options(a)
    title, badge, closing = _variant_cards(a, options)
    tiles = [("title", thumbnail(title))] if title is not None else []
    for index, path in enumerate(a.segments, start=1):
        info = probe(path)
        if info["video"] is None or info["duration"] is None:
            raise RoomtourError(path, "not a readable video (ffmpeg finds no video stream)")
        middle = int(round(info["duration"] * options.fps)) // 2
        frame = next(islice(iter_frames(path), middle, None))
        tiles.append((f"{index} {Path(path).stem}", thumbnail(next(_badged([frame], badge)))))
    if closing is not None:
        tiles.append(("closing", thumbnail(closing)))
    write_image(a.out, contact_sheet(tiles))


def cmd_tour_mux(a):
    import shutil

    from ..tour.platforms import AUDIO, LOUDNESS
    from ..video import atomic_path, check_music, mux_audio, probe, video_info

    video_info(a.video)  # one line when the silent tour is not a video (a directory, text, nothing)
    if a.music:
        check_music(a.music)
        mux_audio(a.video, a.music, a.out, probe(a.video)["duration"], audio=AUDIO, loudness=LOUDNESS)
    else:
        with atomic_path(a.out) as tmp:
            shutil.copyfile(a.video, tmp)


def _card_args(s) -> None:
    """What a workflow step needs to draw one variant's cards: the photos behind them and the spec."""
    s.add_argument("--first-photo", default="", help="the photo behind the title card")
    s.add_argument("--last-photo", default="", help="the photo behind the closing card")
    s.add_argument("--variant", choices=["branded", "unbranded"], default="branded")
    s.add_argument("--spec", default="{}", help="the listing's tour options as JSON")


def add_commands(sub) -> None:
    s = sub.add_parser("tour", help="a folder of listing photos -> the tour videos to post (every format, branded "
                                    "and unbranded, posters, contact sheets)",
                       epilog='example: roomtour tour photos/ -o tour.mp4 --format 16:9,9:16 --length 30 '
                              '--title "12 Oak Street" --agent-name "Jane Roe" --agent-phone "555-0100" '
                              '--unbranded.  Order: sorted file names, or a tour.yaml in the folder '
                              "(photos: [{file, caption, motion, seconds}, ...]).")
    s.add_argument("folder", help="folder of photos (JPEG, PNG, WebP, HEIC)")
    s.add_argument("-o", "--out", default="tour.mp4",
                   help="MP4 to write; several formats or --unbranded add -16x9, -9x16, -unbranded to its name "
                        "(default: %(default)s)")
    add_tour_flags(s)
    s.add_argument("--weights-dir", default="",
                   help="directory of model weights, for --depth learned (default: the config schema's weights_dir, "
                        "../shared/weights)")
    s.set_defaults(func=cmd_tour)

    # the workflow's steps: the listing's validated config travels as --spec JSON (one source of options)
    s = sub.add_parser("tour-segment", help="(workflow step) one photo's shot of a tour, captioned")
    s.add_argument("out")
    s.add_argument("--photo", required=True)
    s.add_argument("--caption", default="")
    s.add_argument("--move", default="auto", choices=["auto", "dolly_in", "push_in", "truck_left", "truck_right",
                                                      "still"])
    s.add_argument("--seconds", type=_positive_float, default=None)
    s.add_argument("--coverage", default="")
    s.add_argument("--spec", default="{}", help="the listing's tour options as JSON")
    s.set_defaults(func=cmd_tour_segment)

    s = sub.add_parser("tour-assemble", help="(workflow step) shots + cards + transitions -> a silent tour MP4")
    s.add_argument("out")
    s.add_argument("segments", nargs="+")
    _card_args(s)
    s.set_defaults(func=cmd_tour_assemble)

    s = sub.add_parser("tour-poster", help="(workflow step) the poster JPEG: the first shot's frame with the most "
                                           "of the photo in it")
    s.add_argument("out")
    s.add_argument("shot", help="the first shot's video")
    s.add_argument("--coverage", required=True, help="the first shot's coverage table")
    s.set_defaults(func=cmd_tour_poster)

    s = sub.add_parser("tour-contact-sheet", help="(workflow step) a PNG with one frame per card and shot")
    s.add_argument("out")
    s.add_argument("segments", nargs="+")
    _card_args(s)
    s.set_defaults(func=cmd_tour_contact_sheet)

    s = sub.add_parser("tour-mux", help="(workflow step) put music under a tour (or copy it)")
    s.add_argument("video")
    s.add_argument("out")
    s.add_argument("--music", default="")
    s.set_defaults(func=cmd_tour_mux)
