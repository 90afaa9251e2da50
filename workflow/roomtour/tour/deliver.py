"""Every deliverable of a listing from one call: :func:`render_tour`.

For each format (16:9, 9:16, 1:1) the timeline (title card, one shot per photo, closing
card) is rendered once and written to one encoder per *variant*: the branded video (agent
card, price/address badge) and, when asked, its unbranded twin for MLS, from the same
frames.  Each photo's geometry is solved once and reused by every format.  Beside each
video go a poster (JPEG) and a contact sheet (PNG).

Everything that can be checked is checked before the first frame (outputs that would
overwrite an input or are not what their name says, the music, the logo, the platform's
limits), so a bad option costs no render and nothing already made is lost: every file
appears under its final name only when complete.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ..errors import RoomtourError
from . import cards
from .cards import contact_sheet, thumbnail
from .options import CARD_SECONDS, TourOptions
from .outputs import Deliverable, commit, deliverables, files_of, owned
from .plan import Shot, card_count, load_for_tour, read_folder, shot_frames, timeline_frames
from .platforms import AUDIO, LOUDNESS, PLATFORMS, check_video, delivery_h264, preflight
from .shot import PhotoGeometry, ShotRenderer

__all__ = ["render_tour", "crossfade", "repeat", "TourProgress", "shot_stream",
           "write_shot"]

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = (".mp4", ".m4v")


# --------------------------------------------------------------------------- the timeline


def _blend(old, new, a: float):
    if isinstance(old, tuple):
        return tuple(_blend(o, n, a) for o, n in zip(old, new))
    return cv2.addWeighted(old, 1.0 - a, new, a, 0.0)  # rounds to nearest, saturates; uint8 throughout


def crossfade(items, overlap: int):
    """Join frame iterators, blending the last ``overlap`` frames of each item with the first
    ``overlap`` of the next (``overlap`` 0: cuts).  A frame may be an array or a tuple of
    arrays (one per variant), blended alike.  Holds at most ``overlap`` frames."""
    tail: list = []
    for item in items:
        it = iter(item)
        for i, old in enumerate(tail):
            yield _blend(old, next(it), (i + 1) / (len(tail) + 1))
        buf: deque = deque()
        for frame in it:
            buf.append(frame)
            if len(buf) > overlap:
                yield buf.popleft()
        tail = list(buf)
    yield from tail


def repeat(frame, n: int):
    for _ in range(n):
        yield frame


class TourProgress:
    """``tour: 16:9 photo 3/10 [#####.....] frame 312/1190, 12.3 fps, eta 71 s`` on stderr, at
    most twice a second on a terminal and every 5 s in a log (``ROOMTOUR_PROGRESS_SECONDS``
    sets the interval)."""

    def __init__(self, photos: int, frames: int, stream=None):
        self.photos, self.total = photos, frames
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        # a front end reading the lines (the studio) asks for more: ROOMTOUR_PROGRESS_SECONDS
        self.every = float(os.environ.get("ROOMTOUR_PROGRESS_SECONDS", 0.5 if self.tty else 5.0))
        self.start = self.last = time.monotonic()
        self.done, self.photo, self.label = 0, 0, ""

    def frame(self) -> None:
        self.done += 1
        now = time.monotonic()
        if now - self.last >= self.every or self.done == self.total:
            self.last = now
            rate = self.done / max(now - self.start, 1e-9)
            bar = "#" * int(20 * self.done / self.total)
            line = (f"tour: {self.label}photo {self.photo}/{self.photos} [{bar:<20}] frame {self.done}/{self.total}, "
                    f"{rate:.1f} fps, eta {(self.total - self.done) / max(rate, 1e-9):.0f} s")
            print(("\r" + line) if self.tty else line, end="" if self.tty and self.done < self.total else "\n",
                  file=self.stream, flush=True)


def shot_stream(geometry: PhotoGeometry, shot: Shot, options: TourOptions, size: tuple[int, int],
                done: list | None = None):
    """Frames of one shot at ``size`` before any overlay: rendered (chain ``raw``), or rendered
    at half size and enlarged by ``options.upscaler`` (chain ``up``).  The renderer is appended
    to ``done`` when the shot ends (its per-frame coverage)."""
    w, h = size
    frames = shot_frames(options, shot)
    half = options.chain == "up"
    renderer = ShotRenderer(geometry, shot, options, frames, (w // 2, h // 2) if half else (w, h))
    stream = iter(renderer)
    if half:
        from ..upscalers import UPSCALERS

        spec = dict(options.upscaler)
        up = UPSCALERS.create(spec.pop("method", "lanczos"), dict(spec.get("options", {})),
                              weights_dir=options.weights_dir)
        stream = (_exact_size(up.upscale(f[None], 2.0)[0], w, h) for f in stream)
    for frame in stream:
        yield frame, renderer
    if done is not None:
        done.append(renderer)


def write_shot(out: str | Path, shot: Shot, options: TourOptions, crf: int = 12):
    """One shot alone, captioned, as an H.264 file (nearly lossless by default: an intermediate
    for the workflow's tour, or a move's preview).  Returns the shot's renderer (coverage,
    framing)."""
    from ..images import read_image
    from ..video import VideoWriter, h264
    from .cards import CaptionOverlay

    geometry = PhotoGeometry.solve(read_image(shot.path), shot, options)
    w, h = options.size_px
    done: list = []
    caption = CaptionOverlay(shot.caption, w, h) if options.captions and shot.caption else None
    with VideoWriter(out, w, h, options.fps, h264(crf=crf, preset="veryfast")) as writer:
        for i, (frame, renderer) in enumerate(shot_stream(geometry, shot, options, (w, h), done)):
            if caption is not None:
                caption.draw(frame, i, renderer.frames, options.fps)
            writer.write(frame)
    return done[0]


def _exact_size(frame: np.ndarray, w: int, h: int) -> np.ndarray:
    return frame if frame.shape[:2] == (h, w) else cv2.resize(frame, (w, h), interpolation=cv2.INTER_LINEAR)


# --------------------------------------------------------------------------- one format


@dataclass
class _FormatRun:
    """What rendering one format leaves behind: poster frame, contact-sheet tiles, renderers."""

    poster: np.ndarray | None = None
    poster_visible: float = -1.0
    tiles: list = field(default_factory=list)  # [(place in the timeline, label, (frame per variant))]
    renderers: list = field(default_factory=list)


def _format_items(fmt: str, options: TourOptions, loaded, geometry: dict, run: _FormatRun,
                  progress: TourProgress, logo):
    """The timeline of one format as frame iterators; each frame is a tuple, one per variant."""
    from ..images import read_image

    w, h = options.size_of(fmt)
    variants = options.variants
    card_n = options.frames_for(CARD_SECONDS)
    items = []

    def card_item(label, make, place):
        frames = tuple(make(v == "branded") for v in variants)
        run.tiles.append((place, label, tuple(thumbnail(f) for f in frames)))
        return repeat(frames, card_n)

    if options.title:
        first = read_image(loaded[0].path)
        clean = not cards.contact_details(options.title, options)
        if not clean and "unbranded" in variants:
            log.warning("the title %r names the agent or a contact; the unbranded video shows the photo without it",
                        options.title)
        items.append(card_item("title", lambda branded: cards.card(
            options.title if branded or clean else "", w, h, first), 0))
    for index, shot in enumerate(loaded, start=1):
        items.append(_shot_item(fmt, index, shot, options, geometry, run, progress))
    if card_count(options) > bool(options.title):
        last = read_image(loaded[-1].path)
        items.append(card_item("closing", lambda branded: cards.closing_card(
            options, w, h, last, branded, logo), len(loaded) + 1))
    return items


def _shot_item(fmt, index, shot, options, geometry, run, progress):
    """Frames of one shot, rendered lazily (only when the timeline reaches it)."""
    from ..images import read_image

    w, h = options.size_of(fmt)
    if index not in geometry:
        geometry[index] = PhotoGeometry.solve(read_image(shot.path), shot, options)
    progress.photo = index
    variants = options.variants
    caption = cards.CaptionOverlay(shot.caption, w, h) if options.captions and shot.caption else None
    unbranded_caption = caption if caption and not cards.contact_details(shot.caption, options) else None
    badge_text = " · ".join(x for x in (options.price, options.address) if x)
    badge = cards.Badge(badge_text, w, h) if badge_text else None
    n = shot_frames(options, shot)
    middle = n // 2
    for i, (base, renderer) in enumerate(shot_stream(geometry[index], shot, options, (w, h), run.renderers)):
        if index == 1 and renderer.coverage[-1]["visible"] > run.poster_visible:
            run.poster, run.poster_visible = base.copy(), renderer.coverage[-1]["visible"]
        made: dict = {}  # (caption, badge) -> frame: variants with the same overlays share one frame
        for variant in variants:
            overlays = (caption, badge) if variant == "branded" else (unbranded_caption, None)
            if overlays not in made:
                # the last variant may draw on the rendered frame itself; the others on copies
                frame = base if variant == variants[-1] else base.copy()
                for overlay in overlays:
                    if overlay is not None:
                        overlay.draw(frame, i, n, options.fps)
                made[overlays] = frame
        out = tuple(made[(caption, badge) if v == "branded" else (unbranded_caption, None)] for v in variants)
        if i == middle:
            label = f"{index} {shot.caption or shot.path.stem} · {renderer.move}"
            run.tiles.append((index, label, tuple(thumbnail(f) for f in out)))
        yield out


# --------------------------------------------------------------------------- the whole run


def _quiet_worker() -> None:
    """A format worker: Ctrl-C is the parent's to handle; SIGTERM (the parent stopping it) ends it."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _render_in_workers(workers: int, items: list[Deliverable], options: TourOptions, photos: int) -> list:
    """Every photo's geometry once, in parallel; then one format per worker, sharing it.  An
    interrupt or a failure stops every worker at once (they ignore Ctrl-C themselves: the parent
    decides), so nothing keeps rendering or prints a traceback of its own."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=_quiet_worker)
    try:
        geometry = dict(enumerate(pool.map(_solve_geometry, range(photos)), start=1))
        mine = [[d for d in items if d.format == f] for f in options.formats]
        parts = list(pool.map(_render_format, options.formats, mine, [geometry] * len(mine)))
    except BaseException:
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return parts


def _preflight(out, options: TourOptions, shots: list[Shot], seconds: float, folder: str | Path) -> list[Deliverable]:
    """Every check that needs no frame (see the module docstring); returns the deliverables."""
    from ..video import check_music, check_output

    inputs = [s.path for s in shots] + [p for p in (options.music, options.logo) if p]
    items = deliverables(out, options)
    for d in items:
        check_output(d.path, inputs, suffixes=VIDEO_SUFFIXES)
        if options.poster:
            check_output(d.poster, inputs, suffixes=(".jpg",))
        if options.contact_sheet:
            check_output(d.contact_sheet, inputs, suffixes=(".png",))
    if Path(out).resolve().parent.is_relative_to(Path(folder).resolve()):
        raise RoomtourError(out, f"is inside the photo folder {folder}; the next run would take its poster and "
                                 "contact sheet for photos: write the tour elsewhere")
    for d in items:
        for path in files_of(d, options):
            if path.exists() and not options.overwrite and not owned(path):
                raise RoomtourError(path, "exists and was not made by roomtour (or was changed since); refusing "
                                          "to replace it: choose another -o, or --overwrite")
    if options.music:
        check_music(options.music)
    for problem in preflight(options, seconds, options.formats):
        log.info("not for %s", problem)
    return items


def render_tour(folder: str | Path, out: str | Path, options: TourOptions) -> dict:
    """Make every video of a tour from a photo folder (see the module docstring).

    With several formats and more than one CPU core, each format renders in its own process
    (forked after every photo's geometry is solved, so they share it): the second format's
    rendering overlaps the first's encoding.

    Returns a report: ``videos`` (path, format, variant, frames, duration, poster, contact
    sheet, and the platforms it fails with why), ``shots`` (per format and photo: move, zoom,
    motion kept, bend, parallax, worst visible share), ``frames`` (of the first video),
    ``render_seconds`` and ``fps`` (frames rendered per second, all formats)."""
    global _SHARED

    options.check()
    shots = read_folder(folder, options.strict)
    loaded = load_for_tour(shots, options)
    short = [s.path.name for s in loaded if 2 * options.crossfade_frames > shot_frames(options, s)]
    if short:
        raise RoomtourError(short[0], "its time is shorter than two crossfades")
    per_format = timeline_frames(options, loaded)
    options.check_length(per_format / options.fps, f"{folder}: the tour")
    final = _preflight(out, options, shots, per_format / options.fps, folder)
    logo = cards.load_logo(options.logo) if options.logo else None
    start = time.monotonic()
    # every file is written into a hidden folder beside the outputs and moved into place only when
    # the whole run succeeded: a failure or an interrupt leaves the previous complete set as it was
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{Path(out).stem}.roomtour-", dir=Path(out).parent))
    items = [Deliverable(d.format, d.variant, stage / d.path.name) for d in final]
    workers = min(len(options.formats), _cores())
    _SHARED = (options, loaded, {}, logo, per_format)
    try:
        if workers > 1:
            parts = _render_in_workers(workers, items, options, len(loaded))
        else:
            parts = [_render_format(f, [d for d in items if d.format == f]) for f in options.formats]
        commit(items, final, options)
    finally:
        _SHARED = None
        shutil.rmtree(stage, ignore_errors=True)
    staged_to_final = {str(s.path): str(d.path) for s, d in zip(items, final)}
    for part in parts:
        for v in part["videos"]:
            d = next(d for d in final if str(d.path) == staged_to_final[v["path"]])
            v.update(path=str(d.path), poster=str(d.poster) if v["poster"] else "",
                     contact_sheet=str(d.contact_sheet) if v["contact_sheet"] else "")
    seconds = time.monotonic() - start
    report = {"videos": [v for part in parts for v in part["videos"]],
              "shots": [s for part in parts for s in part["shots"]]}
    total = sum(v["frames"] for v in report["videos"] if v["variant"] == options.variants[0])
    report.update(frames=report["videos"][0]["frames"], duration=report["videos"][0]["duration"],
                  render_seconds=seconds, fps=total / max(seconds, 1e-9))
    for v in report["videos"]:
        names = list(PLATFORMS) if options.target == "all" else [options.target]
        branded = v["variant"] == "branded" and options.branded
        v["platforms"] = {n: check_video(v["path"], n, branded=branded, decode=False) for n in names}
    return report


_SHARED = None  # (options, loaded, geometry, logo, frames per format): inherited by forked workers


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _solve_geometry(i: int) -> PhotoGeometry:
    from ..images import read_image

    options, loaded = _SHARED[:2]
    shot = loaded[i]
    return PhotoGeometry.solve(read_image(shot.path), shot, options)


def _render_format(fmt: str, mine: list[Deliverable], geometry: dict | None = None) -> dict:
    """Render one format's timeline into its variants' encoders, then music, poster and
    contact sheet beside each.  ``geometry``: photo index -> :class:`PhotoGeometry`, solved
    here when missing.  Returns the videos' and shots' report rows."""
    from ..images import write_image
    from ..video import VideoWriter, mux_audio

    options, loaded, shared, logo, per_format = _SHARED
    geometry = shared if geometry is None else geometry
    # (no cv2.setNumThreads in a forked worker: OpenCV's inherited thread pool deadlocks there)
    w, h = options.size_of(fmt)
    run = _FormatRun()
    progress = TourProgress(len(loaded), per_format)
    progress.label = f"{fmt} " if len(options.formats) > 1 else ""
    targets = [d.silent if options.music else d.path for d in mine]
    # every encoder of the run works at once: share the cores out between them
    threads = max(1, _cores() // (len(options.formats) * len(options.variants)))
    encoding = delivery_h264(w, h, options.fps, options.crf, options.preset, threads=threads)
    writers = [VideoWriter(t, w, h, options.fps, encoding) for t in targets]
    try:
        for frames in crossfade(_format_items(fmt, options, loaded, geometry, run, progress, logo),
                                options.crossfade_frames):
            for writer, frame in zip(writers, frames):
                writer.write(frame)
            progress.frame()
    except BaseException:
        for writer in writers:
            writer.abort()
        raise
    for writer in writers:
        writer.close()
    part = {"videos": [], "shots": []}
    for k, d in enumerate(mine):
        if options.music:
            try:
                mux_audio(d.silent, options.music, d.path, writers[k].frames / options.fps,
                          audio=AUDIO, loudness=LOUDNESS)
            finally:
                d.silent.unlink(missing_ok=True)
        if options.poster and run.poster is not None:
            write_image(d.poster, run.poster)
        if options.contact_sheet:
            write_image(d.contact_sheet, contact_sheet([(lbl, f[k]) for _, lbl, f in sorted(run.tiles, key=lambda t: t[0])]))
        part["videos"].append({"path": str(d.path), "format": fmt, "variant": d.variant,
                               "frames": writers[k].frames, "duration": writers[k].frames / options.fps,
                               "poster": str(d.poster) if options.poster else "",
                               "contact_sheet": str(d.contact_sheet) if options.contact_sheet else ""})
    for renderer in run.renderers:
        part["shots"].append({"format": fmt, "photo": renderer.shot.path.name, "move": renderer.move,
                              "zoom": renderer.zoom, "motion_kept": renderer.framing.damping, "travel": renderer.reach,
                              "bend_px": renderer.framing.bend_px, "parallax_px": renderer.framing.parallax_px,
                              "min_visible": min(c["visible"] for c in renderer.coverage)})
    return part
