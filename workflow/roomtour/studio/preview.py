"""A move's preview: a few seconds of one photo's shot at a small size, made in a process of its
own that keeps the depth network loaded between previews (the first costs the imports, the
next about a second), never in the web server's process."""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

__all__ = ["PREVIEW", "preview_name", "make_preview", "PreviewPool"]

PREVIEW = {"size": "320x180", "fps": 12, "seconds_per_photo": 3, "captions": False, "formats": ["16:9"],
           "crossfade": 0.25}


def preview_name(photo_file: str, move: str) -> str:
    """A server-made name from what the preview depends on (photo content name, move, settings)."""
    key = f"{photo_file}|{move}|{sorted(PREVIEW.items())}"
    return hashlib.sha256(key.encode()).hexdigest()[:32] + ".mp4"


def make_preview(photo: str, move: str, out: str, weights_dir: str = "") -> str:
    """Render the preview to ``out`` (written beside, then renamed); runs in the pool's process."""
    from ..tour import Shot, TourOptions, write_shot

    options = TourOptions(**PREVIEW, weights_dir=weights_dir).check()
    tmp = Path(out).with_name(f".{Path(out).name}.part.mp4")
    try:
        write_shot(tmp, Shot(Path(photo), "", move), options, crf=20)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def warm(weights_dir: str = "") -> None:
    """Import the renderer and load the depth network, so the first preview is as quick as the next."""
    from ..depth.learned import DepthNetwork
    from ..errors import RoomtourError
    from ..tour import deliver  # noqa: F401

    try:
        DepthNetwork(weights_dir=weights_dir)
    except RoomtourError:
        pass  # no network here: the preview will say so


class PreviewPool:
    """One process for previews, started with the server (:meth:`start`) and shut down with it."""

    def __init__(self):
        self._pool = None

    def _ensure(self):
        if self._pool is None:
            import multiprocessing

            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    def start(self, weights_dir: str = "") -> None:
        self._ensure().submit(warm, weights_dir)

    def submit(self, *args):
        return self._ensure().submit(make_preview, *args)

    def shutdown(self):
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
