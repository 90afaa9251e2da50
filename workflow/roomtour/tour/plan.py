"""Which photos a tour shows, in which order, for how long.

:func:`read_folder` lists a folder's shots (sorted names, or the order of a ``tour.yaml``
sidecar, whose errors name their line); :func:`load_for_tour` checks the photos it keeps, skipping or
refusing bad ones; :func:`fit_length` fits them to a target length; :func:`timeline_frames`
counts the frames of the whole tour.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import RoomtourError
from .options import CARD_SECONDS, MOVES, TourOptions

__all__ = ["Shot", "caption_from_name", "read_folder", "load_for_tour", "fit_length",
           "timeline_frames", "card_count"]

log = logging.getLogger(__name__)

# names cameras and phones give files: no room name in them
_CAMERA_NAME = re.compile(r"^[\s\d]*(img|dsc[nf]?|pxl|mvimg|photo|image|picture|pic|p|dji|gopr|screenshot)?[\s\d]*$",
                          re.IGNORECASE)


@dataclass
class Shot:
    """One photo's part of the tour."""

    path: Path
    caption: str = ""
    move: str = "auto"
    seconds: float | None = None  # None: the tour's seconds per photo

    @property
    def name(self) -> str:
        from ..config import safe_name

        return safe_name(self.path.stem)


def caption_from_name(path: Path) -> str:
    """A room name from a file name: ``03_living-room.jpg`` -> ``Living room``; a camera's name
    (``IMG_1234``, ``DSC0042``, ``119_image``) gives none."""
    words = re.sub(r"[_\-.]+", " ", path.stem).strip()
    if _CAMERA_NAME.match(words):
        return ""
    words = re.sub(r"^\d+\s*", "", words) or words
    return words[:1].upper() + words[1:].lower() if words else ""


def read_folder(folder: str | Path, strict: bool = False) -> list[Shot]:
    """The shots of a photo folder, in order: sorted file names, or the order of a
    ``tour.yaml`` sidecar (``photos:`` a list of file names or of mappings with ``file``,
    and optionally ``caption``, ``motion``, ``seconds``).  A link whose target is gone is
    named in a warning (``strict``: an error)."""
    from ..config import photo_files

    folder = Path(folder)
    if not folder.is_dir():
        raise RoomtourError(folder, "not a directory of photos")
    for link in sorted(p for p in folder.iterdir() if p.is_symlink() and not p.exists()):
        if strict:
            raise RoomtourError(link, "a link whose target does not exist")
        log.warning("skipping %s: a link whose target does not exist", link)
    photos, skipped = photo_files(folder)
    if skipped:
        log.info("skipping %d file(s) that are not photos: %s%s", len(skipped),
                 ", ".join(p.name for p in skipped[:5]), ", ..." if len(skipped) > 5 else "")
    sidecar = next((folder / n for n in ("tour.yaml", "tour.yml") if (folder / n).is_file()), None)
    if sidecar is None:
        shots = [Shot(p, caption_from_name(p)) for p in photos]
    else:
        shots = _read_sidecar(sidecar, folder)
        listed = {s.path.name for s in shots}
        left = [p.name for p in photos if p.name not in listed]
        if left:
            log.info("%s leaves out %d photo(s): %s", sidecar.name, len(left), ", ".join(left[:5]))
    if not shots:
        raise RoomtourError(folder, "no photos (jpg, png, webp, heic, ...) in the folder")
    return shots


def _read_sidecar(path: Path, folder: Path) -> list[Shot]:
    """Shots from ``tour.yaml``; every error names the file and its line."""
    import yaml

    from ..config import read_yaml

    data = read_yaml(path, "tour.yaml") or {}
    root = yaml.compose(path.read_text())  # the node tree, for the line of each photo
    items = data.get("photos") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise RoomtourError(path, "expected 'photos:' with a list of file names or {file, caption, motion, seconds}")
    lines = _item_lines(root)

    def fail(i, problem):
        line = f"line {lines[i]}: " if i < len(lines) else ""
        raise RoomtourError(path, f"{line}photos[{i}]: {problem}")

    shots = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            item = {"file": item}
        if not isinstance(item, dict) or "file" not in item:
            fail(i, "needs 'file'")
        unknown = set(item) - {"file", "caption", "motion", "seconds"}
        if unknown:
            fail(i, f"unknown key(s) {', '.join(sorted(unknown))}")
        move = item.get("motion", "auto")
        if move not in MOVES:
            fail(i, f"motion must be one of {', '.join(MOVES)}")
        seconds = item.get("seconds")
        if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float))
                                    or seconds <= 0):
            fail(i, "seconds must be a positive number")
        p = folder / str(item["file"])
        if not p.resolve().is_relative_to(folder.resolve()):
            fail(i, f"{item['file']!r} is outside the tour's folder; list only photos inside it")
        shots.append(Shot(p, str(item.get("caption", caption_from_name(p))), move, seconds))
    return shots


def _item_lines(root) -> list[int]:
    """1-based line of each item of the sidecar's photo list (from the YAML node tree)."""
    import yaml

    node = root
    if isinstance(node, yaml.MappingNode):
        node = next((v for k, v in node.value if getattr(k, "value", None) == "photos"), None)
    if not isinstance(node, yaml.SequenceNode):
        return []
    return [item.start_mark.line + 1 for item in node.value]


def load_for_tour(shots: list[Shot], options: TourOptions) -> list[Shot]:
    """The kept shots of a tour, each photo checked by decoding it: :func:`fit_length` chooses
    the photos first (it needs only their count and seconds), then only those are decoded, one at
    a time and not kept (a shot reads its photo again when it renders), so memory follows one
    photo, not the folder.  A photo that cannot be read is left out with one warning
    (``options.strict``: the error stops the tour) and the choice is made again without it."""
    candidates, readable, digests = list(shots), {}, {}
    while True:
        kept = fit_length([(s, None) for s in candidates], options)
        for shot, _ in kept:
            if shot.path not in readable:
                readable[shot.path] = _read_one(shot, options.strict, digests)
        bad = {s.path for s, _ in kept if not readable[s.path]}
        if not bad:
            return [s for s, _ in kept]
        candidates = [s for s in candidates if s.path not in bad]
        if not candidates:
            raise RoomtourError(shots[0].path.parent, "no usable photo (every one failed to read)")


def _read_one(shot: Shot, strict: bool, digests: dict) -> bool:
    """Whether the shot's photo decodes; ``digests`` (pixel hash -> file name) names repeats."""
    from ..images import read_image

    try:
        photo = read_image(shot.path)
    except RoomtourError as exc:
        if strict:
            raise
        log.warning("skipping %s", exc)
        return False
    except MemoryError:
        raise RoomtourError(shot.path, "out of memory while decoding the photo") from None
    digest = hashlib.sha256(photo.tobytes()).hexdigest()
    if digest in digests and digests[digest] != shot.path.name:
        log.warning("%s shows the same pixels as %s; it is used twice", shot.path.name, digests[digest])
    digests.setdefault(digest, shot.path.name)
    return True


def card_count(options: TourOptions) -> int:
    """Cards in the timeline: a title card, and a closing card for the outro or the agent."""
    closing = bool(options.outro) or options.branded
    return bool(options.title) + closing


def shot_frames(options: TourOptions, shot: Shot) -> int:
    return options.frames_for(shot.seconds or options.seconds_per_photo)


def timeline_frames(options: TourOptions, shots: list[Shot]) -> int:
    """Frames of the whole tour: shots and cards, less one crossfade per join."""
    counts = [shot_frames(options, s) for s in shots] + [options.frames_for(CARD_SECONDS)] * card_count(options)
    return sum(counts) - options.crossfade_frames * (len(counts) - 1)


def fit_length(loaded: list, options: TourOptions) -> list:
    """Fit the tour to ``options.length`` seconds: every shot's time scaled by one factor (a
    shot's own ``seconds`` keeps its share), and when the shortest would fall below
    ``min_seconds_per_photo`` (or two crossfades) the last photos in order are left out, each
    named in a log line.  Returns the kept ``[(shot, photo)]`` with ``shot.seconds`` set so
    that the frames add up to the target exactly."""
    if not options.length:
        return loaded
    fps, xf = options.fps, options.crossfade_frames
    target = int(round(options.length * fps))
    floor = max(options.frames_for(options.min_seconds_per_photo), 2 * xf + 1)
    cards = card_count(options)
    card_frames = options.frames_for(CARD_SECONDS) * cards
    kept = list(loaded)
    while kept:
        weights = np.array([s.seconds or options.seconds_per_photo for s, _ in kept], float)
        budget = target - card_frames + xf * (len(kept) + cards - 1)
        frames = _split(budget, weights)
        if frames.min() >= floor:
            break
        dropped = kept.pop()
        log.info("leaving out %s: %d photos do not fit in %g s at %g s or more each",
                 dropped[0].path.name, len(kept) + 1, options.length, options.min_seconds_per_photo)
    if not kept:
        raise RoomtourError("--length", f"{options.length:g} s is too short for even one photo "
                                        f"(cards {card_frames / fps:g} s, at least "
                                        f"{options.min_seconds_per_photo:g} s per photo)")
    out = []
    for (shot, photo), n in zip(kept, frames):
        out.append((Shot(shot.path, shot.caption, shot.move, n / fps), photo))
    return out


def _split(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to ``weights`` adding up to ``total`` (largest remainders)."""
    share = total * weights / weights.sum()
    base = np.floor(share).astype(int)
    order = np.argsort(-(share - base))
    base[order[: total - base.sum()]] += 1
    return base
