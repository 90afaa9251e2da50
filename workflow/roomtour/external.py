"""Adapters for models that run in their authors' own code and environment.

CamI2V and Upscale-A-Video need their own repositories, CUDA environments and
weights, none of which belong inside roomtour.  The adapters run them through
a command template from the config and bring the result back into the DAG as
the ``raw`` (generator ``cami2v``) or ``up`` (upscaler ``upscale-a-video``)
video.

A template is one command line with ``{placeholders}`` (see each adapter's
``PLACEHOLDERS``), for example::

    conda run -n cami2v python /opt/CamI2V/roomtour_entry.py --image {photo}
        --poses {path} --out {out} --frames {frames} --height {height}
        --width {width} --seed {seed}

Values are shell-quoted before substitution and the command runs without a
shell.  Before running, the adapter checks that the template names only known
placeholders, that the program exists (on ``PATH`` or as a file), and that
every file listed in ``requires`` (checkpoints) exists; each failure is one
line naming the problem.  The tool must write ``{out}``: a video file ffmpeg
can read, or a directory of numbered PNG frames.
"""

from __future__ import annotations

import shlex
import shutil
import string
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from .errors import RoomtourError


class ExternalCommand:
    """A validated command template (see the module docstring)."""

    def __init__(self, where: str, template: str, placeholders: tuple[str, ...], requires=(), timeout: float = 0):
        self.where, self.template, self.timeout = where, template, float(timeout) or None
        if not template or not template.strip():
            raise RoomtourError(where, "options.command is empty: give the command that runs the tool")
        try:
            names = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
        except ValueError as exc:
            raise RoomtourError(where, f"bad command template ({exc})") from None
        unknown = sorted(names - set(placeholders))
        if unknown:
            raise RoomtourError(where, f"unknown placeholder(s) {', '.join('{' + u + '}' for u in unknown)} in the "
                                f"command; allowed: {', '.join('{' + p + '}' for p in placeholders)}")
        if "{out}" not in template:
            raise RoomtourError(where, "the command must write {out}")
        program = shlex.split(template)[0]
        if not (shutil.which(program) or Path(program).is_file()):
            raise RoomtourError(where, f"program {program!r} not found (install the tool's environment; see envs/)")
        for required in requires:
            if not Path(required).exists():
                raise RoomtourError(required, f"{where}: required file not found (the tool's weights?)")

    def run(self, **values) -> None:
        quoted = {k: shlex.quote(str(v)) for k, v in values.items()}
        argv = shlex.split(self.template.format(**quoted))
        print(f"{self.where}: running {' '.join(shlex.quote(a) for a in argv)}", file=sys.stderr, flush=True)
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            raise RoomtourError(self.where, f"the tool ran longer than {self.timeout:.0f} s") from None
        if proc.stdout:
            print(proc.stdout[-4000:], file=sys.stderr)
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
            raise RoomtourError(self.where, f"the tool exited with status {proc.returncode}: {last}")


def read_tool_output(path: Path, where: str) -> np.ndarray:
    """Frames the tool wrote: a video file, or a directory of PNG frames."""
    from .images import read_image
    from .video import read_video

    if path.is_dir():
        files = sorted(path.glob("*.png"))
        if not files:
            raise RoomtourError(path, f"{where}: the tool wrote no PNG frames")
        return np.stack([read_image(f) for f in files])
    if not path.is_file():
        raise RoomtourError(path, f"{where}: the tool did not write its output")
    return read_video(path)


def run_generator_tool(command: ExternalCommand, photo: np.ndarray, camera, width: int, height: int,
                       fps: float, seed: int, suffix: str = ".mp4") -> np.ndarray:
    """Write the photo and the camera path (RealEstate10K format), run the tool, read its video back."""
    from .camera import write_pose_file
    from .images import write_image

    with tempfile.TemporaryDirectory(prefix="roomtour-tool-") as tmp:
        tmp = Path(tmp)
        write_image(tmp / "photo.png", photo)
        write_pose_file(tmp / "path.txt", camera)
        out = tmp / f"out{suffix}"
        command.run(photo=tmp / "photo.png", path=tmp / "path.txt", out=out, width=width, height=height,
                    frames=len(camera), fps=fps, seed=seed, workdir=tmp)
        return read_tool_output(out, command.where)


def run_video_tool(command: ExternalCommand, frames: np.ndarray, scale: float, fps: float = 8.0,
                   suffix: str = ".mp4") -> np.ndarray:
    """Write the video (lossless FFV1), run the tool, read its output back."""
    from .video import write_video

    with tempfile.TemporaryDirectory(prefix="roomtour-tool-") as tmp:
        tmp = Path(tmp)
        write_video(tmp / "input.mkv", frames, fps=fps)
        out = tmp / f"out{suffix}"
        h, w = frames.shape[1:3]
        command.run(input=tmp / "input.mkv", out=out, scale=scale, width=w, height=h, fps=fps, workdir=tmp)
        return read_tool_output(out, command.where)
