"""The command line (roomtour.cli): streaming generation, errors that name the line, logging."""

import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO
from roomtour.camera import preset_path, read_pose_file, write_pose_file
from roomtour.errors import RoomtourError
from roomtour.images import write_image
from roomtour.video import read_video


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "workflow")
    return env


def _max_rss_mb(cmd) -> float:
    """Peak memory of a child process (``ru_maxrss`` of the children, in MB)."""
    code = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)")
    out = subprocess.run([sys.executable, "-c", code, *cmd], capture_output=True, text=True, env=_env(), cwd=REPO)
    assert out.returncode == 0, out.stderr[-1500:]
    return float(out.stdout.strip().splitlines()[-1])


def test_generate_streams_so_memory_stays_flat_however_long_the_path(tmp_path):
    photo = tmp_path / "photo.png"
    write_image(photo, (np.random.default_rng(0).random((144, 256, 3)) * 255).astype(np.uint8))
    peaks = {}
    for frames in (50, 2500):
        path = tmp_path / f"path{frames}.txt"
        write_pose_file(path, preset_path("pan_left", frames, 60, 16 / 9))
        out = tmp_path / f"v{frames}.mkv"
        peaks[frames] = _max_rss_mb([sys.executable, "-m", "roomtour", "generate", str(out), "--method", "static",
                                     "--photo", str(photo), "--path", str(path), "--size", "256x144"])
        assert len(read_video(out)) == frames
    # 2450 more frames of 256x144 held in memory would be 270 MB
    assert peaks[2500] - peaks[50] < 60, peaks


def test_pose_file_errors_name_the_line_counting_blank_lines(tmp_path):
    path = tmp_path / "poses.txt"
    write_pose_file(path, preset_path("pan_left", 3, 60, 1.5))
    lines = path.read_text().splitlines()
    lines.insert(2, "")  # a blank line: later line numbers still match an editor's
    bad = lines[3].split()
    bad[7] = "nan"
    lines[3] = " ".join(bad)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RoomtourError, match=r"poses.txt: line 4: pose values are not all finite"):
        read_pose_file(path)
    lines[3] = "1 2 3"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RoomtourError, match=r"line 4: expected 19 numbers"):
        read_pose_file(path)


def test_messages_go_through_logging_with_the_part_that_speaks(tmp_path):
    """Warnings are lines on stderr (``tour: warning: ...``), and --quiet keeps them but drops progress notes."""
    folder = tmp_path / "photos"
    folder.mkdir()
    write_image(folder / "a.png", (np.random.default_rng(1).random((36, 64, 3)) * 255).astype(np.uint8))
    (folder / "gone.jpg").symlink_to(tmp_path / "missing.jpg")
    cmd = [sys.executable, "-m", "roomtour", "tour", str(folder), "-o", str(tmp_path / "t.mp4"), "--size", "64x36",
           "--seconds-per-photo", "1", "--fps", "8", "--crossfade", "0.25", "--no-poster", "--no-contact-sheet"]
    loud = subprocess.run(cmd, capture_output=True, text=True, env=_env(), cwd=REPO)
    quiet = subprocess.run([*cmd[:3], "--quiet", *cmd[3:]], capture_output=True, text=True, env=_env(), cwd=REPO)
    assert loud.returncode == 0 and quiet.returncode == 0, loud.stderr[-1500:]
    for proc in (loud, quiet):
        assert "tour: warning: skipping" in proc.stderr and "gone.jpg" in proc.stderr
    assert "a.png (64x36):" in loud.stderr and "a.png (64x36):" not in quiet.stderr


def test_a_config_with_a_yaml_syntax_error_names_the_line(tmp_path):
    from roomtour.config import load_config

    path = tmp_path / "study.yaml"
    path.write_text("images:\n  procedural: [living\nmotions: {}\n")
    with pytest.raises(RoomtourError, match=r"study.yaml: line \d+: not valid YAML"):
        load_config(path)
