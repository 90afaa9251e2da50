"""Video I/O: every video that enters or leaves roomtour (still images: :mod:`roomtour.images`).

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
import queue
import re
import subprocess
import tempfile
import threading
from pathlib import Path

import cv2
import ffmpeg
import numpy as np

from .errors import RoomtourError

__all__ = [
    "ffmpeg_exe",
    "read_video",
    "iter_frames",
    "write_video",
    "write_preview",
    "VideoWriter",
    "probe",
    "mux_audio",
    "video_info",
    "atomic_path",
]


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary: ``$ROOMTOUR_FFMPEG`` or the imageio-ffmpeg one."""
    exe = os.environ.get("ROOMTOUR_FFMPEG")
    if exe:
        return exe
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str | Path, suffix: str | None = None):
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=suffix or path.suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        # mkstemp makes the file private (0600); the result gets the mode any new file would
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def check_output(out: str | Path, inputs=(), suffixes: tuple[str, ...] = ()) -> Path:
    """Refuse, before any work, an output that would lose data or not be what its name says.

    ``out`` must not be (or link to, or share a hard link with) any of ``inputs``, nor an
    existing directory; its suffix must be one of ``suffixes`` (when given), since that is the
    container written; its directory must be creatable and writable.  Raises
    :class:`RoomtourError` naming ``out`` and the problem; returns ``out`` as a Path.
    """
    out = Path(out)
    if out.is_dir():
        raise RoomtourError(out, "is a directory; give a file name for the output")
    target = out.resolve()
    for item in inputs:
        item = Path(item)
        same = item.resolve() == target
        if not same and out.exists() and item.exists():
            try:
                same = os.path.samefile(item, out)
            except OSError:
                same = False
        if same:
            raise RoomtourError(out, f"is the input {item}; refusing to overwrite it (choose another output name)")
    if suffixes and out.suffix.lower() not in suffixes:
        raise RoomtourError(out, f"the output is written as {suffixes[0][1:].upper()}; name it "
                                 f"{' or '.join('*' + s for s in suffixes)} (not {out.suffix or 'no extension'!r})")
    parent = target.parent
    existing = next((p for p in [parent, *parent.parents] if p.exists()), None)
    if existing is None or not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise RoomtourError(out, f"cannot write there ({existing or parent} is not a writable directory)")
    return out


_STREAM_RE = re.compile(r"Stream #\d+:\d+.*?: Video: .*?(\d{2,5})x(\d{2,5})")
_FPS_RE = re.compile(r"([\d.]+) fps")


def _banner(path: Path) -> str:
    """ffmpeg's report on a file (what ``ffmpeg -i`` prints: tags, duration, streams); the
    ``imageio-ffmpeg`` wheel has no ffprobe."""
    if path.is_dir():
        raise RoomtourError(path, "a directory, not a video file")
    if not path.is_file():
        raise RoomtourError(path, "video not found")
    return subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr


def video_info(path: str | Path) -> dict:
    """Width, height and frame rate of the first video stream (read from ffmpeg's banner)."""
    path = Path(path)
    if path.is_file() and path.stat().st_size == 0:
        raise RoomtourError(path, "video file is empty (0 bytes)")
    for line in _banner(path).splitlines():
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


LOSSLESS = {"vcodec": "ffv1", "level": 3, "pix_fmt": "gbrp", "format": "matroska"}


# how :class:`VideoWriter` turns RGB into yuv420p (OpenCV's BT.601 limited-range matrix), stated in
# the stream so players do not guess (photos are sRGB: BT.709 primaries and transfer)
YUV_TAGS = {"colorspace": "smpte170m", "color_primaries": "bt709", "color_trc": "bt709", "color_range": "tv"}


def h264(crf: int = 18, preset: str = "medium") -> dict:
    """H.264 settings every browser and phone plays: yuv420p, moov atom first (``+faststart``)."""
    return {"vcodec": "libx264", "pix_fmt": "yuv420p", "crf": crf, "preset": preset, "movflags": "+faststart",
            "format": "mp4", **YUV_TAGS}


class VideoWriter:
    """Stream frames to ffmpeg one at a time, so memory does not grow with the video.

    The file appears under its final name only when :meth:`close` succeeds
    (a temporary file beside it is renamed); leaving the ``with`` block by an
    exception discards it.  Frames are ``(H, W, 3)`` uint8 RGB of the size
    given; ``output`` is ffmpeg output settings (:data:`LOSSLESS`, :func:`h264`).  For a
    yuv420p output of even size the frames are converted here (OpenCV, :data:`YUV_TAGS`): half
    the bytes through the pipe and about 9 ms less encoder time per 1080p frame than ffmpeg's
    own conversion.
    """

    def __init__(self, path: str | Path, width: int, height: int, fps: float, output: dict | None = None):
        self.path = Path(path)
        self.size = (int(width), int(height))
        output = dict(output or LOSSLESS)
        suffix = ".mkv" if output.get("format") == "matroska" else self.path.suffix or ".mp4"
        self._atomic = atomic_path(self.path, suffix=suffix)
        self.tmp = self._atomic.__enter__()
        self.yuv = output.get("pix_fmt") == "yuv420p" and width % 2 == 0 and height % 2 == 0
        if self.yuv:
            output = {**output, **YUV_TAGS}
        stream = ffmpeg.input("pipe:", format="rawvideo", pix_fmt="yuv420p" if self.yuv else "rgb24",
                              s=f"{width}x{height}", framerate=fps)
        self.proc = (
            stream.output(str(self.tmp), **output)
            .overwrite_output()
            .global_args("-loglevel", "error")
            .run_async(pipe_stdin=True, pipe_stderr=True, cmd=ffmpeg_exe())
        )
        self.frames = 0
        self._queue: queue.Queue = queue.Queue(maxsize=3)
        self._feeder: threading.Thread | None = None
        self._error: BaseException | None = None

    def write(self, frame: np.ndarray) -> None:
        """Queue one frame.  A feeder thread writes it to ffmpeg, so the caller renders the next
        frame while the encoder takes this one (one blocked pipe no longer stalls the others)."""
        frame = np.asarray(frame)
        if frame.shape != (self.size[1], self.size[0], 3) or frame.dtype != np.uint8:
            raise ValueError(f"expected a {self.size[0]}x{self.size[1]} uint8 RGB frame, got {frame.shape} {frame.dtype}")
        if self._error is not None:
            self._fail()
        # a converted copy or a copy: the caller may reuse its frame
        data = cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420) if self.yuv else np.array(frame, order="C")
        if self._feeder is None:
            self._feeder = threading.Thread(target=self._feed, daemon=True)
            self._feeder.start()
        self._queue.put(data)
        self.frames += 1

    def _feed(self) -> None:
        while True:
            data = self._queue.get()
            if data is None:
                return
            if self._error is None:
                try:
                    self.proc.stdin.write(data.data)
                except (BrokenPipeError, OSError) as exc:
                    self._error = exc  # reported by the next write or close; keep draining the queue

    def _drain(self) -> None:
        if self._feeder is not None:
            self._queue.put(None)
            self._feeder.join()
            self._feeder = None

    def _stop_input(self) -> None:
        self._drain()
        if self.proc.stdin and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except OSError:
                pass

    def _give_up(self, err: str, default: str):
        """Discard the temporary file and raise one line naming the output (a full disk as such)."""
        self._atomic.__exit__(RuntimeError, None, None)
        if "No space left" in err or getattr(self._error, "errno", None) == 28:
            raise RoomtourError(self.path, "the disk is full (no space left while writing the video)")
        raise RoomtourError(self.path, f"ffmpeg failed to encode: {err[-200:] or default}")

    def _fail(self):
        self._stop_input()
        err = self.proc.stderr.read().decode(errors="replace").strip()
        self.proc.wait()
        self._give_up(err, "no message")

    def close(self) -> None:
        self._drain()
        if self._error is not None:
            self._fail()
        self._stop_input()
        err = self.proc.stderr.read().decode(errors="replace").strip()
        if self.proc.wait() != 0 or self.frames == 0:
            self._give_up(err, "no frames written")
        self._atomic.__exit__(None, None, None)

    def abort(self) -> None:
        self.proc.kill()
        self._stop_input()
        self.proc.wait()
        self._atomic.__exit__(RuntimeError, None, None)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self.abort()
        return False


def _encode(frames: np.ndarray, target: Path, fps: float, output: dict) -> None:
    _, h, w, _ = frames.shape
    with VideoWriter(target, w, h, fps, output) as writer:
        for frame in frames:
            writer.write(frame)


def write_video(path: str | Path, frames, fps: float = 8.0, tags: dict[str, str] | None = None) -> None:
    """Write frames losslessly (FFV1, RGB planes, Matroska), atomically, with ``tags`` as the
    file's global metadata (read back by :func:`video_tags`)."""
    metadata = {f"metadata:g:{i}": f"{k}={v}" for i, (k, v) in enumerate((tags or {}).items())}
    _encode(_as_frames(frames), Path(path), fps, {**LOSSLESS, **metadata})


_TAG_RE = re.compile(r"^    (\w+)\s*: (.*)$")


def video_tags(path: str | Path) -> dict[str, str]:
    """The file's global metadata tags, names in lower case (Matroska stores them in upper case),
    from ffmpeg's banner: e.g. the post-processing that made a study video (``roomtour_denoise``,
    ``roomtour_upscale``), without the muxer's own ``encoder``."""
    tags, inside = {}, False
    text = _banner(Path(path))
    for line in text.splitlines():
        if line.startswith("Input #"):
            continue
        if line == "  Metadata:":
            inside = True
        elif inside and (m := _TAG_RE.match(line)):
            if m.group(1).lower() != "encoder":
                tags[m.group(1).lower()] = m.group(2).strip()
        else:
            inside = False
            if line.startswith("  Duration") or "Stream #" in line:
                break
    return tags


def write_preview(path: str | Path, frames, fps: float = 8.0, crf: int = 18) -> None:
    """Write a viewable H.264 MP4 (yuv420p; odd sizes padded by one pixel), atomically."""
    frames = _as_frames(frames)
    _, h, w, _ = frames.shape
    if h % 2 or w % 2:
        frames = np.pad(frames, ((0, 0), (0, h % 2), (0, w % 2), (0, 0)), mode="edge")
    _encode(frames, Path(path), fps, h264(crf))


def iter_frames(path: str | Path):
    """Decode a video frame by frame (uint8 RGB), without holding it all in memory.

    A caller may stop early (``break``, or taking only the frames it needs): the decoder is
    then stopped, and its broken pipe is not an error."""
    info = video_info(path)
    w, h = info["width"], info["height"]
    proc = (
        ffmpeg.input(str(path))
        .output("pipe:", format="rawvideo", pix_fmt="rgb24")
        .global_args("-loglevel", "error")
        .run_async(pipe_stdout=True, pipe_stderr=True, cmd=ffmpeg_exe())
    )
    size = w * h * 3
    read_to_end = False
    try:
        while True:
            buf = proc.stdout.read(size)
            if len(buf) < size:
                break
            yield np.frombuffer(buf, np.uint8).reshape(h, w, 3)
        read_to_end = True
    finally:
        if not read_to_end:
            proc.kill()
        proc.stdout.close()
        err = proc.stderr.read().decode(errors="replace").strip()
        if proc.wait() != 0 and err and read_to_end:
            raise RoomtourError(path, f"ffmpeg could not decode it ({err.splitlines()[-1]})")


def probe(path: str | Path) -> dict:
    """What a player sees in a video file, from ffmpeg's own report (the ``imageio-ffmpeg``
    wheel has no ffprobe): ``{"duration", "bitrate_kbps", "video": {"codec", "profile",
    "pix_fmt", "width", "height", "fps"}, "audio": {"codec", "profile", "sample_rate",
    "channels"} or None, "faststart"}``.  ``faststart`` is whether the MP4's index (``moov``)
    precedes its data (``mdat``), so browsers can start playing before the download ends."""
    path = Path(path)
    text = _banner(path)
    out = {"duration": None, "bitrate_kbps": None, "video": None, "audio": None, "faststart": None}
    m = re.search(r"Duration: (\d+):(\d+):([\d.]+)", text)
    if m:
        out["duration"] = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    m = re.search(r"Duration:.*bitrate: (\d+) kb/s", text)
    if m:
        out["bitrate_kbps"] = int(m.group(1))
    for line in text.splitlines():
        v = re.search(r"Stream #\S+.*?: Video: (\w+)(?: \(([^)]*)\))?.*?, (\w+)(?:\([^)]*\))?, (\d+)x(\d+)", line)
        if v and out["video"] is None:
            fps = _FPS_RE.search(line)
            out["video"] = {"codec": v.group(1), "profile": v.group(2), "pix_fmt": v.group(3),
                            "width": int(v.group(4)), "height": int(v.group(5)),
                            "fps": float(fps.group(1)) if fps else None}
        a = re.search(r"Stream #\S+.*?: Audio: (\w+)(?: \(([^)]*)\))?.*?, (\d+) Hz, ([^,]+)", line)
        if a and out["audio"] is None:
            out["audio"] = {"codec": a.group(1), "profile": a.group(2), "sample_rate": int(a.group(3)),
                            "channels": a.group(4).strip()}
    if path.suffix.lower() in (".mp4", ".m4v", ".mov"):
        out["faststart"] = _moov_before_mdat(path)
    return out


def _moov_before_mdat(path: Path) -> bool:
    """Walk the MP4's top-level boxes: is ``moov`` met before ``mdat``?"""
    import struct

    with open(path, "rb") as fh:
        while True:
            header = fh.read(8)
            if len(header) < 8:
                return False
            size, kind = struct.unpack(">I4s", header)
            if kind == b"moov":
                return True
            if kind == b"mdat":
                return False
            if size == 1:
                size = struct.unpack(">Q", fh.read(8))[0] - 8
            elif size == 0:
                return False
            fh.seek(size - 8, 1)


def mux_audio(video: str | Path, music: str | Path, out: str | Path, duration: float, fade_in: float = 1.0,
              fade_out: float = 2.0, audio: dict | None = None, loudness: str = "") -> None:
    """Put ``music`` under ``video`` (video stream copied): looped if short, cut to ``duration``
    seconds, ``loudness`` normalised (an ffmpeg ``loudnorm`` filter, or none), faded in over
    ``fade_in`` and out over the last ``fade_out`` seconds, encoded with ``audio`` settings
    (default AAC-LC 48 kHz stereo, any channel layout downmixed), ``+faststart``."""
    music = Path(music)
    if not music.is_file():
        raise RoomtourError(music, "music file not found")
    audio = audio or {"acodec": "aac", "profile:a": "aac_low", "ar": 48000, "ac": 2, "b:a": "192k"}
    fade_out = min(fade_out, duration / 2)
    fade_in = min(fade_in, duration / 2)
    # downmix first, so loudness is measured on what is heard; loudnorm works at 192 kHz:
    # resample after it to the encoder's rate
    layout = {1: "mono", 2: "stereo"}.get(int(audio.get("ac", 2)), "stereo")
    filters = [f"aformat=channel_layouts={layout}"] + ([loudness] if loudness else [])
    filters += [f"aresample={audio.get('ar', 48000)}", f"afade=t=in:st=0:d={fade_in:.3f}",
                f"afade=t=out:st={max(0.0, duration - fade_out):.3f}:d={fade_out:.3f}"]
    settings = [x for k, v in audio.items() for x in ("-" + {"acodec": "c:a"}.get(k, k), str(v))]
    cmd = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(video), "-stream_loop", "-1",
           "-i", str(music), "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", *settings,
           "-af", ",".join(filters), "-t", f"{duration:.3f}", "-movflags", "+faststart"]
    with atomic_path(out, suffix=".mp4") as tmp:
        proc = subprocess.run([*cmd, "-f", "mp4", str(tmp)], capture_output=True, text=True)
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
            if "No space left" in proc.stderr:
                raise RoomtourError(out, "the disk is full (no space left while writing the video with music)")
            raise RoomtourError(music, f"ffmpeg could not use it as music ({last[:160]})")


def check_music(music: str | Path) -> dict:
    """That ``music`` exists, is not empty and ffmpeg finds an audio stream in it: checked before a
    tour renders, so a bad file costs no render.  Returns :func:`probe`'s report."""
    music = Path(music)
    if music.is_dir():
        raise RoomtourError(music, "a directory, not a music file")
    if not music.is_file():
        raise RoomtourError(music, "music file not found")
    if music.stat().st_size == 0:
        raise RoomtourError(music, "music file is empty (0 bytes)")
    report = probe(music)
    if report["audio"] is None:
        raise RoomtourError(music, "no audio stream that ffmpeg can decode (not a music file?)")
    return report
