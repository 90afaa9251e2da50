"""Property tours: a folder of listing photos becomes one MP4 to post.

Each photo gets a *shot*: a short camera move over the photo, rendered with
real parallax (:mod:`roomtour.render`, box-room depth from the photo) in
``fit`` framing (:mod:`roomtour.framing`), so no frame shows more than a few
percent of made-up pixels (``min_visible``, 97 % by default).  Shots are
joined by crossfades (or cuts), framed by an optional title and outro card,
captioned with room names, put to music, and encoded as H.264 that browsers
and phones play (yuv420p, ``+faststart``).

The move is chosen from the photo's geometry (:func:`choose_move`): a dolly
towards the vanishing point for a deep one-point view, a sideways move
towards the open side for a room seen at an angle, a gentle push-in when the
photo shows no clear perspective.  Motion is eased in and out (each shot
starts and ends at rest, so shots join without a jolt).  For portrait (9:16)
and square (1:1) formats the window also sweeps across the photo: the crop
travels with the move instead of sitting in the centre.

Rendering streams: geometry is solved on a small copy (``geometry_width``
pixels) and the full-resolution photo is resampled through the upscaled
maps, frame by frame, straight into the encoder, so memory stays flat
however long the tour is.
"""

from __future__ import annotations

import re
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from .errors import RoomtourError

FORMATS = {"16:9": (1920, 1080), "9:16": (1080, 1920), "1:1": (1080, 1080)}
MOVES = ("auto", "dolly_in", "push_in", "truck_left", "truck_right", "still")  # auto + camera.TOUR_MOVES
TRANSITIONS = ("crossfade", "cut")
CHAINS = ("raw", "up")
CARD_SECONDS = 2.5


def format_size(name: str) -> tuple[int, int]:
    if name not in FORMATS:
        raise RoomtourError(f"format {name!r}", f"choose one of {', '.join(FORMATS)}")
    return FORMATS[name]


def format_slug(name: str) -> str:
    """File-name form of a format: ``16:9`` -> ``16x9``."""
    return name.replace(":", "x")


# --------------------------------------------------------------------------- the plan


@dataclass
class Shot:
    """One photo's part of the tour."""

    path: Path
    caption: str = ""
    move: str = "auto"
    seconds: float | None = None  # None: the tour's seconds per photo

    @property
    def name(self) -> str:
        from .config import safe_name

        return safe_name(self.path.stem)


@dataclass
class TourOptions:
    format: str = "16:9"
    seconds_per_photo: float = 4.0
    fps: float = 30.0
    title: str = ""
    outro: str = ""
    captions: bool = False
    music: str = ""
    chain: str = "raw"
    transition: str = "crossfade"
    crossfade: float = 0.5
    strict: bool = False
    min_visible: float = 0.97
    max_bend: float = 1.0  # output pixels a straight segment may stray from a line (predicted)
    depth: dict = field(default_factory=lambda: {"source": "layout"})  # roomtour.depth.estimate_depth spec
    crf: int = 18
    preset: str = "veryfast"
    geometry_width: int = 320
    hfov_deg: float = 60.0
    upscaler: dict = field(default_factory=lambda: {"method": "lanczos"})
    weights_dir: str = "../shared/weights"
    resolution: tuple | None = None  # (width, height) instead of the format's: previews, tests

    def check(self) -> "TourOptions":
        format_size(self.format)
        if self.seconds_per_photo <= 0 or self.fps <= 0:
            raise RoomtourError("tour", "seconds per photo and fps must be positive")
        if self.transition not in TRANSITIONS:
            raise RoomtourError("tour", f"transition must be one of {', '.join(TRANSITIONS)}")
        if self.chain not in CHAINS:
            raise RoomtourError("tour", f"chain must be one of {', '.join(CHAINS)} (see README: tours)")
        if self.max_bend <= 0:
            raise RoomtourError("tour", "max_bend must be positive (pixels)")
        if self.transition == "crossfade" and self.crossfade_frames * 2 > self.frames_for(self.seconds_per_photo):
            raise RoomtourError("tour", "the crossfade may last at most half of a photo's time")
        return self

    @property
    def size(self) -> tuple[int, int]:
        if self.resolution:
            w, h = (int(v) for v in self.resolution)
            return w - w % 2, h - h % 2  # yuv420p needs even sizes
        return format_size(self.format)

    @property
    def crossfade_frames(self) -> int:
        return int(round(self.crossfade * self.fps)) if self.transition == "crossfade" else 0

    def frames_for(self, seconds: float) -> int:
        return max(1, int(round(seconds * self.fps)))


def caption_from_name(path: Path) -> str:
    """A room name from a file name: ``03_living-room.jpg`` -> ``Living room``."""
    words = re.sub(r"[_\-.]+", " ", path.stem).strip()
    words = re.sub(r"^\d+\s*", "", words) or words
    return words[:1].upper() + words[1:].lower() if words else ""


def read_folder(folder: str | Path, log=print, strict: bool = False) -> list[Shot]:
    """The shots of a photo folder, in order: sorted file names, or the order of a
    ``tour.yaml`` sidecar (``photos:`` a list of file names or of mappings with ``file``,
    and optionally ``caption``, ``motion``, ``seconds``).  A link whose target is gone is
    named in a warning (``strict``: an error)."""
    from .config import photo_files

    folder = Path(folder)
    if not folder.is_dir():
        raise RoomtourError(folder, "not a directory of photos")
    for link in sorted(p for p in folder.iterdir() if p.is_symlink() and not p.exists()):
        if strict:
            raise RoomtourError(link, "a link whose target does not exist")
        log(f"tour: warning: skipping {link}: a link whose target does not exist")
    photos, skipped = photo_files(folder)
    if skipped:
        log(f"tour: skipping {len(skipped)} file(s) that are not photos: "
            f"{', '.join(p.name for p in skipped[:5])}{', ...' if len(skipped) > 5 else ''}")
    sidecar = next((folder / n for n in ("tour.yaml", "tour.yml") if (folder / n).is_file()), None)
    if sidecar is None:
        shots = [Shot(p, caption_from_name(p)) for p in photos]
    else:
        shots = _read_sidecar(sidecar, folder)
        listed = {s.path.name for s in shots}
        left = [p.name for p in photos if p.name not in listed]
        if left:
            log(f"tour: {sidecar.name} leaves out {len(left)} photo(s): {', '.join(left[:5])}")
    if not shots:
        raise RoomtourError(folder, "no photos (jpg, png, webp, heic, ...) in the folder")
    return shots


def _read_sidecar(path: Path, folder: Path) -> list[Shot]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RoomtourError(path, f"cannot read it ({exc.__class__.__name__})") from None
    items = data.get("photos") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise RoomtourError(path, "expected 'photos:' with a list of file names or {file, caption, motion, seconds}")
    shots = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            item = {"file": item}
        if not isinstance(item, dict) or "file" not in item:
            raise RoomtourError(path, f"photos[{i}]: needs 'file'")
        unknown = set(item) - {"file", "caption", "motion", "seconds"}
        if unknown:
            raise RoomtourError(path, f"photos[{i}]: unknown key(s) {', '.join(sorted(unknown))}")
        move = item.get("motion", "auto")
        if move not in MOVES:
            raise RoomtourError(path, f"photos[{i}]: motion must be one of {', '.join(MOVES)}")
        seconds = item.get("seconds")
        if seconds is not None and (not isinstance(seconds, (int, float)) or seconds <= 0):
            raise RoomtourError(path, f"photos[{i}]: seconds must be a positive number")
        p = folder / str(item["file"])
        if not p.resolve().is_relative_to(folder.resolve()):
            raise RoomtourError(path, f"photos[{i}]: {item['file']!r} is outside the tour's folder; list only "
                                      "photos inside it")
        shots.append(Shot(p, str(item.get("caption", caption_from_name(p))), move, seconds))
    return shots


# --------------------------------------------------------------------------- camera moves


def choose_move(photo: np.ndarray, k: np.ndarray) -> tuple[str, str]:
    """A move from the photo's geometry and why: ``(move, reason)``."""
    from .depth import layout_depth

    _, layout = layout_depth(photo, k)
    w = photo.shape[1]
    if layout.fallback:
        return "push_in", "no clear perspective: a gentle push-in"
    offset = (layout.vanishing_point[0] - k[0, 2]) / w
    if abs(offset) < 0.15:
        return "dolly_in", "deep one-point view: a dolly towards the vanishing point"
    side = "right" if offset > 0 else "left"
    return f"truck_{side}", f"room seen at an angle (vanishing point {side} of centre): a sideways move"


# --------------------------------------------------------------------------- one shot


class ShotRenderer:
    """Frames of one photo's shot at the output size, one at a time (see the module docstring).

    The geometry (depth that keeps the photo's straight lines straight, the fit search with
    its visibility and bend budgets) is solved once on a small copy of the photo."""

    def __init__(self, photo: np.ndarray, shot: Shot, options: TourOptions, frames: int, log=print,
                 scale: float = 1.0):
        from .camera import fx_for_hfov, tour_move_path
        from .depth import estimate_depth
        from .framing import apply_framing, fit_shot
        from .render import ParallaxRenderer
        from .straight import segment_points, segments_for
        from .video import trim_borders

        self.options, self.shot, self.frames = options, shot, frames
        out_w, out_h = (int(round(v * scale)) for v in options.size)
        self.size = (out_w, out_h)
        photo = trim_borders(photo)
        self.photo = photo
        h0, w0 = photo.shape[:2]
        # geometry on a small copy of the photo, and the output window at the same scale
        g = min(1.0, options.geometry_width / w0)
        gw, gh = max(16, int(round(w0 * g))), max(16, int(round(h0 * g)))
        small = cv2.resize(photo, (gw, gh), interpolation=cv2.INTER_AREA)
        f0 = fx_for_hfov(options.hfov_deg) * gw
        k0 = np.array([[f0, 0, gw / 2 - 0.5], [0, f0, gh / 2 - 0.5], [0, 0, 1.0]])
        t = min(1.0, options.geometry_width / max(out_w, out_h))
        self.tw, self.th = max(16, int(round(out_w * t))), max(16, int(round(out_h * t)))
        # the output window inside the photo ("cover"): same pinhole, scaled to fit both ways
        ft = max((self.tw / 2) / ((gw / 2) / f0), (self.th / 2) / ((gh / 2) / f0))
        window = (ft / self.tw, ft / self.th, 0.5, 0.5)
        move, why = (shot.move, "as asked") if shot.move != "auto" else choose_move(small, k0)
        # portrait and square windows sweep across a wider photo
        spare = np.degrees(np.arctan((gw / 2) / f0) - np.arctan((self.tw / 2) / ft))
        sweep = 0.0
        if out_w / out_h < 1.2 and spare > 1:
            direction = -1.0 if move == "truck_left" else 1.0
            sweep = direction * 1.6 * spare  # from one side towards the other; fit keeps it inside
        lines = segments_for(photo, (gw, gh))
        depth = estimate_depth(small, options.depth, k0, segments=lines)
        # "stretched" flags parallax smearing beyond the window's own magnification of the photo (a
        # 9:16 window over a landscape photo magnifies it 1.8x before any move: framing, not smear)
        self.renderer = ParallaxRenderer(small, depth, k0, max_stretch=3.0 * max(1.0, ft / f0))
        path = tour_move_path(move, frames, window, sweep)
        # labels at the size they are rendered at: at half size the visibility test is twice as tolerant
        # (a 9:16 dolly measured 97.5% there but 90% as rendered); bend at the output size
        segments = segment_points(lines, spacing=2.0)
        self.framing = fit_shot(self.renderer, path, (self.tw, self.th), output_size=(out_w, out_h),
                                lines=(depth, k0, segments), min_visible=options.min_visible,
                                max_bend=options.max_bend,
                                max_zoom=1.6)
        self.camera = apply_framing(path, self.framing)
        self.zoom = self.framing.zoom
        self.move = move
        log(f"tour: {shot.path.name}: {move} ({why}); zoom {self.zoom:.2f}, motion kept {self.framing.damping:.2f}, "
            f"bend {self.framing.bend_px:.2f} px, parallax {self.framing.parallax_px:.0f} px (predicted)")
        # full-resolution sampling: geometry pixel (x + 0.5) / g - 0.5 in the photo
        self.scale = (w0 / gw, h0 / gh)
        self.coverage: list[dict] = []

    def __iter__(self):
        from .camera import intrinsics_matrix
        from .render import STRETCHED, VISIBLE, coverage_fractions

        out_w, out_h = self.size
        sx, sy = self.scale
        for i in range(self.frames):
            k = intrinsics_matrix(self.camera.intrinsics[i], self.tw, self.th)
            small, labels, mx, my = self.renderer.render(k, self.camera.w2c[i], (self.tw, self.th), maps=True)
            self.coverage.append(coverage_fractions(labels))
            # photo coordinates at full resolution (affine, so done on the small maps), upscaled,
            # then fixed-point maps: remap runs about twice as fast on them
            big_x = cv2.resize((mx + 0.5) * sx - 0.5, (out_w, out_h), interpolation=cv2.INTER_LINEAR)
            big_y = cv2.resize((my + 0.5) * sy - 0.5, (out_w, out_h), interpolation=cv2.INTER_LINEAR)
            fixed, frac = cv2.convertMaps(big_x, big_y, cv2.CV_16SC2)
            frame = cv2.remap(self.photo, fixed, frac, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
            made_up = (labels != VISIBLE) & (labels != STRETCHED)
            if made_up.any():
                mask = cv2.resize(made_up.astype(np.uint8), (out_w, out_h), interpolation=cv2.INTER_NEAREST) > 0
                filled = cv2.resize(small, (out_w, out_h), interpolation=cv2.INTER_LINEAR)
                frame[mask] = filled[mask]
            yield frame


# --------------------------------------------------------------------------- text


def font_path(bold: bool = True) -> str:
    """DejaVu Sans, which ships with matplotlib (no system fonts needed)."""
    from matplotlib import font_manager

    return font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans",
                                                             weight="bold" if bold else "normal"))


def _wrap(draw, text: str, font, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        trial = f"{line} {word}".strip()
        if draw.textlength(trial, font=font) <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = word
    return lines + ([line] if line else [])


def safe_area(width: int, height: int) -> tuple[int, int, int, int]:
    """``(x0, y0, x1, y1)`` where text may go: 8 % margins, and for portrait video the top
    12 % and bottom 20 % left free (where apps put their own buttons and captions)."""
    if height > width:
        return int(0.08 * width), int(0.12 * height), int(0.92 * width), int(0.80 * height)
    return int(0.08 * width), int(0.08 * height), int(0.92 * width), int(0.92 * height)


def card(text: str, width: int, height: int, background: np.ndarray | None = None, subtitle: str = "") -> np.ndarray:
    """A title or outro card: ``text`` (and ``subtitle``) centred in the safe area over a
    darkened, blurred ``background`` photo (or dark grey)."""
    from PIL import Image, ImageDraw, ImageFont

    if background is not None:
        from .video import fit_to_size

        base = fit_to_size(background, width, height)
        base = cv2.GaussianBlur(base, (0, 0), max(width, height) / 60)
        base = (base.astype(np.float32) * 0.45).astype(np.uint8)
    else:
        base = np.full((height, width, 3), 28, np.uint8)
    img = Image.fromarray(base)
    draw = ImageDraw.Draw(img)
    x0, y0, x1, y1 = safe_area(width, height)
    big = ImageFont.truetype(font_path(True), max(12, int(0.075 * min(width, height))))
    small = ImageFont.truetype(font_path(False), max(10, int(0.04 * min(width, height))))
    lines = [(ln, big) for ln in _wrap(draw, text, big, x1 - x0)] + \
            [(ln, small) for ln in _wrap(draw, subtitle, small, x1 - x0)]
    heights = [f.getbbox(ln)[3] - f.getbbox(ln)[1] for ln, f in lines]
    gap = int(0.35 * (heights[0] if heights else 0))
    total = sum(heights) + gap * max(0, len(lines) - 1)
    y = (y0 + y1) // 2 - total // 2
    for (line, font), hgt in zip(lines, heights):
        tw = draw.textlength(line, font=font)
        draw.text(((x0 + x1) / 2 - tw / 2, y - font.getbbox(line)[1]), line, font=font, fill=(255, 255, 255))
        y += hgt + gap
    return np.asarray(img)


class CaptionOverlay:
    """A room name in a translucent band, lower third of the safe area, faded in and out."""

    def __init__(self, text: str, width: int, height: int):
        from PIL import Image, ImageDraw, ImageFont

        x0, y0, x1, y1 = safe_area(width, height)
        font = ImageFont.truetype(font_path(True), max(10, int(0.045 * min(width, height))))
        probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
        text = (_wrap(probe, text, font, x1 - x0) or [""])[0]
        box = font.getbbox(text)
        pad = int(0.45 * (box[3] - box[1]))
        bw, bh = int(probe.textlength(text, font=font)) + 2 * pad, (box[3] - box[1]) + 2 * pad
        band = Image.new("RGBA", (bw, bh), (0, 0, 0, 150))
        ImageDraw.Draw(band).text((pad, pad - box[1]), text, font=font, fill=(255, 255, 255, 255))
        rgba = np.asarray(band).astype(np.float32)
        self.rgb, self.alpha = rgba[..., :3], rgba[..., 3:] / 255.0
        self.x, self.y = x0, y1 - bh

    def draw(self, frame: np.ndarray, i: int, n: int, fps: float) -> None:
        ramp = max(1, int(round(0.4 * fps)))
        strength = min(1.0, (i + 1) / ramp, (n - i) / ramp)
        h, w = self.alpha.shape[:2]
        region = frame[self.y: self.y + h, self.x: self.x + w].astype(np.float32)
        a = self.alpha[: region.shape[0], : region.shape[1]] * strength
        frame[self.y: self.y + h, self.x: self.x + w] = (region * (1 - a) + self.rgb[: region.shape[0],
                                                                                      : region.shape[1]] * a
                                                         + 0.5).astype(np.uint8)


# --------------------------------------------------------------------------- the timeline


def crossfade(items, overlap: int):
    """Join frame iterators, blending the last ``overlap`` frames of each item with the first
    ``overlap`` of the next (``overlap`` 0: cuts).  Holds at most ``overlap`` frames."""
    tail: list = []
    for item in items:
        it = iter(item)
        for i, old in enumerate(tail):
            new = next(it)
            a = (i + 1) / (len(tail) + 1)
            yield (old.astype(np.float32) * (1 - a) + new.astype(np.float32) * a + 0.5).astype(np.uint8)
        buf: deque = deque()
        for frame in it:
            buf.append(frame)
            if len(buf) > overlap:
                yield buf.popleft()
        tail = list(buf)
    yield from tail


def repeat(frame: np.ndarray, n: int):
    for _ in range(n):
        yield frame


class TourProgress:
    """``tour: photo 3/10 [#####.....] frame 312/1190, 12.3 fps, eta 71 s`` on stderr, at
    most twice a second on a terminal and every 5 s in a log."""

    def __init__(self, photos: int, frames: int, stream=None):
        self.photos, self.total = photos, frames
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.every = 0.5 if self.tty else 5.0
        self.start = self.last = time.monotonic()
        self.done, self.photo = 0, 0

    def frame(self) -> None:
        self.done += 1
        now = time.monotonic()
        if now - self.last >= self.every or self.done == self.total:
            self.last = now
            rate = self.done / max(now - self.start, 1e-9)
            bar = "#" * int(20 * self.done / self.total)
            line = (f"tour: photo {self.photo}/{self.photos} [{bar:<20}] frame {self.done}/{self.total}, "
                    f"{rate:.1f} fps, eta {(self.total - self.done) / max(rate, 1e-9):.0f} s")
            print(("\r" + line) if self.tty else line, end="" if self.tty and self.done < self.total else "\n",
                  file=self.stream, flush=True)


def load_shots(shots: list[Shot], strict: bool, log=print):
    """``[(shot, photo)]`` for the photos that can be read; a bad one is skipped with one
    warning line naming it (``strict``: the error stops the tour)."""
    from .video import read_image

    import hashlib

    usable, seen = [], {}
    for shot in shots:
        try:
            usable.append((shot, read_image(shot.path)))
        except RoomtourError as exc:
            if strict:
                raise
            log(f"tour: warning: skipping {exc}")
            continue
        digest = hashlib.sha256(usable[-1][1].tobytes()).hexdigest()
        if digest in seen:
            log(f"tour: warning: {shot.path.name} shows the same pixels as {seen[digest]}; it is used twice")
        seen.setdefault(digest, shot.path.name)
    if not usable:
        raise RoomtourError(shots[0].path.parent if shots else "tour", "no usable photo (every one failed to read)")
    return usable


def shot_frames(options: TourOptions, shot: Shot) -> int:
    return options.frames_for(shot.seconds or options.seconds_per_photo)


def timeline_frames(options: TourOptions, shots: list[Shot]) -> int:
    """Frames of the whole tour: shots and cards, less one crossfade per join."""
    counts = [shot_frames(options, s) for s in shots]
    counts += [options.frames_for(CARD_SECONDS)] * (bool(options.title) + bool(options.outro))
    return sum(counts) - options.crossfade_frames * (len(counts) - 1)


def tour_items(options: TourOptions, loaded, progress: TourProgress | None = None, log=print, coverage=None):
    """The tour's pieces in order, each an iterator of frames: title card, shots, outro card."""
    w, h = options.size
    items = []
    if options.title:
        items.append(repeat(card(options.title, w, h, loaded[0][1]), options.frames_for(CARD_SECONDS)))
    for index, (shot, photo) in enumerate(loaded, start=1):
        items.append(_shot_stream(photo, shot, options, index, progress, log, coverage))
    if options.outro:
        items.append(repeat(card(options.outro, w, h, loaded[-1][1]), options.frames_for(CARD_SECONDS)))
    return items


def _shot_stream(photo, shot, options, index, progress, log, coverage):
    """Frames of one shot, rendered lazily (only when the timeline reaches it)."""
    if progress is not None:
        progress.photo = index
    yield from shot_stream(photo, shot, options, log, coverage)


def shot_stream(photo, shot: Shot, options: TourOptions, log=print, coverage: list | None = None):
    """Finished frames of one shot at the output size: rendered (chain ``raw``), or rendered at
    half size and enlarged by ``options.upscaler`` (chain ``up``), then captioned.  The
    renderer is appended to ``coverage`` when the shot is done (its per-frame coverage)."""
    w, h = options.size
    frames = shot_frames(options, shot)
    half = options.chain == "up"
    renderer = ShotRenderer(photo, shot, options, frames, log, scale=0.5 if half else 1.0)
    stream = iter(renderer)
    if half:
        from .upscalers import UPSCALERS

        spec = dict(options.upscaler)
        method = spec.pop("method", "lanczos")
        opts = dict(spec.get("options", {}))
        if UPSCALERS.accepts(method, "weights_dir"):
            opts.setdefault("weights_dir", options.weights_dir)
        up = UPSCALERS.create(method, opts)
        stream = (_exact_size(up.upscale(f[None], 2.0)[0], w, h) for f in stream)
    caption = CaptionOverlay(shot.caption, w, h) if options.captions and shot.caption else None
    for i, frame in enumerate(stream):
        if caption is not None:
            caption.draw(frame, i, frames, options.fps)
        yield frame
    if coverage is not None:
        coverage.append((shot, renderer))


def _exact_size(frame: np.ndarray, w: int, h: int) -> np.ndarray:
    return frame if frame.shape[:2] == (h, w) else cv2.resize(frame, (w, h), interpolation=cv2.INTER_LINEAR)


def render_tour(folder: str | Path, out: str | Path, options: TourOptions, log=print) -> dict:
    """Make one tour MP4 from a photo folder (see the module docstring).  Returns a report:
    frames, seconds, per-shot move/zoom/damping and worst visible share."""
    from .video import VideoWriter, check_music, check_output, h264, mux_audio

    options.check()
    shots = read_folder(folder, log, options.strict)
    loaded = load_shots(shots, options.strict, log)
    short = [s.path.name for s, _ in loaded if 2 * options.crossfade_frames > shot_frames(options, s)]
    if short:
        raise RoomtourError(short[0], "its time is shorter than two crossfades")
    total = timeline_frames(options, [s for s, _ in loaded])
    progress = TourProgress(len(loaded), total)
    w, h = options.size
    # everything that can be checked is checked before the first frame: nothing already made is lost
    out = check_output(out, [s.path for s in shots] + ([options.music] if options.music else []),
                       suffixes=(".mp4", ".m4v"))
    if options.music:
        check_music(options.music)
    coverage: list = []
    start = time.monotonic()
    silent = out.with_name(out.stem + ".silent.mp4") if options.music else out
    items = tour_items(options, loaded, progress, log, coverage)
    with VideoWriter(silent, w, h, options.fps, h264(options.crf, options.preset)) as writer:
        for frame in crossfade(items, options.crossfade_frames):
            writer.write(frame)
            progress.frame()
    if options.music:
        try:
            mux_audio(silent, options.music, out, writer.frames / options.fps)
        finally:
            silent.unlink(missing_ok=True)
    seconds = time.monotonic() - start
    report = {"frames": writer.frames, "duration": writer.frames / options.fps, "render_seconds": seconds,
              "fps": writer.frames / max(seconds, 1e-9), "shots": []}
    for shot, renderer in coverage:
        report["shots"].append({"photo": shot.path.name, "move": renderer.move, "zoom": renderer.zoom,
                                "motion_kept": renderer.framing.damping, "bend_px": renderer.framing.bend_px,
                                "parallax_px": renderer.framing.parallax_px,
                                "min_visible": min(c["visible"] for c in renderer.coverage)})
    return report
