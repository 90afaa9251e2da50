"""Adapters for external tools (CamI2V, Upscale-A-Video) with stand-in programs.

The stand-ins are tiny Python scripts written by the tests: they check the
arguments the adapter passes and write frames, so the plumbing (template
validation, files in and out, resizing, errors) is tested without the models.
"""

import sys

import numpy as np
import pytest

from conftest import REPO
from roomtour.camera import preset_path
from roomtour.errors import RoomtourError
from roomtour.generators import GENERATORS
from roomtour.upscalers import UPSCALERS

FAKE_GENERATOR = """
import argparse, sys
sys.path.insert(0, {workflow!r})
import numpy as np
from pathlib import Path
from roomtour.camera import read_pose_file
from roomtour.images import read_image, write_image
ap = argparse.ArgumentParser()
for a in ("--image", "--poses", "--out", "--frames", "--size"):
    ap.add_argument(a)
a = ap.parse_args()
photo, cam = read_image(a.image), read_pose_file(a.poses)
assert len(cam) == int(a.frames)
out = Path(a.out); out.mkdir()
for t in range(len(cam)):  # a 'video' that brightens, at twice the size asked for
    write_image(out / f"{{t:03d}}.png", np.clip(np.kron(photo.astype(int), np.ones((2, 2, 1), int)) + 10 * t, 0, 255).astype(np.uint8))
"""

FAKE_UPSCALER = """
import sys
sys.path.insert(0, {workflow!r})
import numpy as np
from roomtour.video import read_video, write_video
src, out, scale = sys.argv[1], sys.argv[2], float(sys.argv[3])
frames = read_video(src)
k = int(scale)
write_video(out, np.stack([np.kron(f, np.ones((k, k, 1), np.uint8)) for f in frames]), fps=8)
"""


@pytest.fixture
def tools(tmp_path):
    gen = tmp_path / "fake_cami2v.py"
    gen.write_text(FAKE_GENERATOR.format(workflow=str(REPO / "workflow")))
    up = tmp_path / "fake_uav.py"
    up.write_text(FAKE_UPSCALER.format(workflow=str(REPO / "workflow")))
    return gen, up


def test_cami2v_adapter_passes_photo_and_path_and_brings_the_video_back(tools, textured_frame):
    gen_script, _ = tools
    cmd = f"{sys.executable} {gen_script} --image {{photo}} --poses {{path}} --out {{out}} --frames {{frames}}"
    gen = GENERATORS.create("cami2v", {"command": cmd})
    cam = preset_path("pan_left", 4, aspect=64 / 48)
    out = gen.generate(textured_frame, cam, 64, 48)
    assert out.shape == (4, 48, 64, 3)  # resized back from the tool's 2x frames
    assert out[3].astype(int).mean() > out[0].astype(int).mean() + 20  # the tool's frames, in order


def test_upscale_a_video_adapter_round_trip(tools, textured_frame):
    _, up_script = tools
    clip = np.stack([textured_frame] * 3)
    up = UPSCALERS.create("upscale-a-video", {"command": f"{sys.executable} {up_script} {{input}} {{out}} {{scale}}"})
    out = up.upscale(clip, 2)
    assert out.shape == (3, 96, 128, 3)
    assert np.array_equal(out[0, ::2, ::2], textured_frame)


def test_templates_are_validated_with_one_line_errors(tmp_path):
    with pytest.raises(RoomtourError, match=r"unknown placeholder\(s\) \{checkpoint\}"):
        GENERATORS.create("cami2v", {"command": "python run.py {photo} {out} {checkpoint}"})
    with pytest.raises(RoomtourError, match="must write {out}"):
        GENERATORS.create("cami2v", {"command": "python run.py {photo}"})
    with pytest.raises(RoomtourError, match="program 'no-such-tool' not found"):
        UPSCALERS.create("upscale-a-video", {"command": "no-such-tool {input} {out}"})
    with pytest.raises(RoomtourError, match=r"ckpt\.pt: generate cami2v: required file not found"):
        GENERATORS.create("cami2v", {"command": f"{sys.executable} x.py {{out}}", "requires": [str(tmp_path / "ckpt.pt")]})
    with pytest.raises(RoomtourError, match="options.command is empty"):
        GENERATORS.create("cami2v", {})


def test_a_failing_tool_reports_its_last_error_line(textured_frame):
    cmd = f"{sys.executable} -c \"import sys; sys.exit('CUDA out of memory')\" {{out}}"
    gen = GENERATORS.create("cami2v", {"command": cmd})
    with pytest.raises(RoomtourError, match="exited with status 1: CUDA out of memory"):
        gen.generate(textured_frame, preset_path("pan_left", 3), 64, 48)
