"""Video and image I/O: one place for every pixel that enters or leaves roomtour.

Frames are ``uint8`` RGB arrays of shape ``(H, W, 3)``; a video is a list or a
``(T, H, W, 3)`` array of them.  Working videos are stored losslessly as FFV1
(``gbrp`` planes) in Matroska, so a write/read round trip is bit-exact and no
codec noise enters the metrics.  H.264 MP4 files are written only as previews
for people to watch; no metric reads them.

ffmpeg comes from the ``imageio-ffmpeg`` wheel (a static binary, offline) and
is driven through ffmpeg-python.  Every write goes to a temporary file in the
target directory first and is renamed into place, so an interrupted job never
leaves a half-written video under its final name.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import tempfile
from pathlib import Path

import cv2
import ffmpeg
import numpy as np

from .errors import RoomtourError

__all__ = [
    "ffmpeg_exe",
    "read_video",
    "write_video",
    "write_preview",
    "video_info",
    "read_image",
    "write_image",
    "atomic_path",
]


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary: ``$ROOMTOUR_FFMPEG`` or the imageio-ffmpeg one."""
    exe = os.environ.get("ROOMTOUR_FFMPEG")
    if exe:
        return exe
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@contextlib.contextmanager
def atomic_path(path: str | Path, suffix: str | None = None):
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=suffix or path.suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


_STREAM_RE = re.compile(r"Stream #\d+:\d+.*?: Video: .*?(\d{2,5})x(\d{2,5})")
_FPS_RE = re.compile(r"([\d.]+) fps")


def video_info(path: str | Path) -> dict:
    """Width, height and frame rate of the first video stream (read from ffmpeg's banner)."""
    path = Path(path)
    if not path.is_file():
        raise RoomtourError(path, "video not found")
    if path.stat().st_size == 0:
        raise RoomtourError(path, "video file is empty (0 bytes)")
    proc = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True)
    for line in proc.stderr.splitlines():
        m = _STREAM_RE.search(line)
        if m:
            fps = _FPS_RE.search(line)
            return {"width": int(m.group(1)), "height": int(m.group(2)), "fps": float(fps.group(1)) if fps else None}
    raise RoomtourError(path, "not a readable video (ffmpeg finds no video stream)")


def read_video(path: str | Path, with_fps: bool = False):
    """Decode every frame of a video to a ``(T, H, W, 3)`` uint8 RGB array.

    With ``with_fps`` return ``(frames, fps)`` (8.0 when the file states none),
    so callers that rewrite the video need not probe it a second time.
    """
    info = video_info(path)
    w, h = info["width"], info["height"]
    try:
        out, _ = (
            ffmpeg.input(str(path))
            .output("pipe:", format="rawvideo", pix_fmt="rgb24")
            .global_args("-loglevel", "error")
            .run(capture_stdout=True, capture_stderr=True, cmd=ffmpeg_exe())
        )
    except ffmpeg.Error as exc:
        msg = exc.stderr.decode(errors="replace").strip().splitlines()
        raise RoomtourError(path, f"ffmpeg could not decode it ({msg[-1] if msg else 'no message'})") from None
    frame_bytes = w * h * 3
    if len(out) == 0 or len(out) % frame_bytes:
        raise RoomtourError(path, f"decoded {len(out)} bytes, not a whole number of {w}x{h} RGB frames")
    frames = np.frombuffer(out, np.uint8).reshape(-1, h, w, 3).copy()
    return (frames, info["fps"] or 8.0) if with_fps else frames


def _as_frames(frames) -> np.ndarray:
    arr = np.asarray(frames)
    if arr.ndim != 4 or arr.shape[-1] != 3 or arr.dtype != np.uint8:
        raise ValueError(f"expected (T, H, W, 3) uint8 frames, got {arr.shape} {arr.dtype}")
    if len(arr) == 0:
        raise ValueError("a video needs at least one frame")
    return np.ascontiguousarray(arr)


def _encode(frames: np.ndarray, target: Path, fps: float, output_kwargs: dict) -> None:
    _, h, w, _ = frames.shape
    stream = ffmpeg.input("pipe:", format="rawvideo", pix_fmt="rgb24", s=f"{w}x{h}", framerate=fps)
    proc = (
        stream.output(str(target), **output_kwargs)
        .overwrite_output()
        .global_args("-loglevel", "error")
        .run_async(pipe_stdin=True, pipe_stderr=True, cmd=ffmpeg_exe())
    )
    _, err = proc.communicate(input=frames.tobytes())
    if proc.returncode != 0:
        raise RoomtourError(target, f"ffmpeg failed to encode: {err.decode(errors='replace').strip()[-200:]}")


def write_video(path: str | Path, frames, fps: float = 8.0) -> None:
    """Write frames losslessly (FFV1, RGB planes, Matroska), atomically."""
    frames = _as_frames(frames)
    with atomic_path(path, suffix=".mkv") as tmp:
        _encode(frames, tmp, fps, {"vcodec": "ffv1", "level": 3, "pix_fmt": "gbrp", "format": "matroska"})


def write_preview(path: str | Path, frames, fps: float = 8.0, crf: int = 18) -> None:
    """Write a viewable H.264 MP4 (yuv420p; odd sizes padded by one pixel), atomically."""
    frames = _as_frames(frames)
    _, h, w, _ = frames.shape
    if h % 2 or w % 2:
        frames = np.pad(frames, ((0, 0), (0, h % 2), (0, w % 2), (0, 0)), mode="edge")
    with atomic_path(path, suffix=".mp4") as tmp:
        _encode(
            frames,
            tmp,
            fps,
            {"vcodec": "libx264", "pix_fmt": "yuv420p", "crf": crf, "movflags": "+faststart", "format": "mp4"},
        )


# --------------------------------------------------------------------------- images


def read_image(path: str | Path) -> np.ndarray:
    """Read a photo as ``(H, W, 3)`` uint8 RGB; alpha is dropped, grey is expanded.

    16-bit images are scaled to 8 bit.  Raises :class:`RoomtourError` with one
    line naming the file for a missing, empty or undecodable file.
    """
    path = Path(path)
    if not path.exists():
        raise RoomtourError(path, "image not found")
    if path.is_dir():
        raise RoomtourError(path, "is a directory, not an image")
    if path.stat().st_size == 0:
        raise RoomtourError(path, "image file is empty (0 bytes)")
    data = np.fromfile(str(path), dtype=np.uint8)
    img = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise RoomtourError(path, "not a decodable image (OpenCV cannot read it)")
    if img.dtype == np.uint16:
        img = (img.astype(np.float64) / 257.0).round().astype(np.uint8)
    elif img.dtype != np.uint8:
        raise RoomtourError(path, f"unsupported pixel type {img.dtype}")
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2RGB)
    elif img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_BGRA2RGB)
    else:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    if min(img.shape[:2]) < 8:
        raise RoomtourError(path, f"image is too small ({img.shape[1]}x{img.shape[0]} pixels)")
    return img


def write_image(path: str | Path, rgb: np.ndarray) -> None:
    """Write an RGB uint8 image (format from the suffix), atomically."""
    path = Path(path)
    ok, buf = cv2.imencode(path.suffix or ".png", cv2.cvtColor(np.asarray(rgb), cv2.COLOR_RGB2BGR))
    if not ok:
        raise RoomtourError(path, "OpenCV could not encode the image")
    with atomic_path(path) as tmp:
        buf.tofile(str(tmp))


def fit_to_size(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """Centre-crop to the target aspect ratio, then resize with area averaging
    (or Lanczos when enlarging) to exactly ``width`` x ``height``."""
    h, w = rgb.shape[:2]
    target = width / height
    if w / h > target:  # too wide: crop columns
        new_w = max(1, round(h * target))
        x0 = (w - new_w) // 2
        rgb = rgb[:, x0 : x0 + new_w]
    elif w / h < target:
        new_h = max(1, round(w / target))
        y0 = (h - new_h) // 2
        rgb = rgb[y0 : y0 + new_h]
    interp = cv2.INTER_AREA if rgb.shape[1] >= width else cv2.INTER_LANCZOS4
    return cv2.resize(rgb, (width, height), interpolation=interp)
