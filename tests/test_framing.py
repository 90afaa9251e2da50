"""Framing: fit zoom and damping so every frame stays inside the photo (roomtour.framing)."""


import numpy as np
import pytest

from roomtour.camera import preset_path
from roomtour.errors import RoomtourError
from roomtour.framing import Framing, apply_framing, damp_path, fit_framing
from roomtour.generators import GENERATORS

W, H = 96, 64


def _texture(rng, w=W, h=H):
    import cv2

    return cv2.resize(rng.integers(0, 256, (h // 4, w // 4, 3), dtype=np.uint8), (w, h), interpolation=cv2.INTER_CUBIC)


def test_fit_framing_keeps_every_frame_from_the_photo_on_a_90_degree_look_left():
    rng = np.random.default_rng(11)
    photo = _texture(rng)
    cam = preset_path("look_left", 16, 60, W / H, angle_deg=90)
    gen = GENERATORS.create("parallax", {})
    depth = np.full((H, W), 4.0)
    exact = gen.generate(photo, cam, W, H, depth=depth, framing="exact")
    assert min(c["visible"] for c in gen.coverage) < 0.1
    fitted = gen.generate(photo, cam, W, H, depth=depth, framing="fit")
    assert min(c["visible"] for c in gen.coverage) >= 0.97
    assert gen.framing.mode == "fit" and gen.framing.damping < 1 and gen.framing.zoom >= 1
    # the path keeps its shape: the camera still turns left, only less
    assert not np.array_equal(fitted[0], fitted[-1])
    assert exact.shape == fitted.shape


def test_fit_prefers_zooming_to_damping_and_damping_keeps_the_path_shape():
    # a small pan is fixed by zoom alone
    calls = []

    def worst(zoom, damping):
        calls.append((zoom, damping))
        return 0.9 + 0.1 * (zoom - 1) / 0.2 if damping == 1 else 1.0

    found = fit_framing(worst, 0.97, max_zoom=1.5)
    assert found.damping == 1.0 and 1.1 <= found.zoom <= 1.2
    cam = preset_path("orbit_up", 5, 60, 1.5, angle_deg=20)
    half = damp_path(cam, 0.5)
    full_angle = np.degrees(np.arccos((np.trace(cam.rotations[-1]) - 1) / 2))
    half_angle = np.degrees(np.arccos((np.trace(half.rotations[-1]) - 1) / 2))
    assert half_angle == pytest.approx(full_angle / 2, rel=1e-6)
    assert np.allclose(half.centers[-1], cam.relative_to_first().centers[-1] * 0.5)
    zoomed = apply_framing(cam, Framing("fit", 1.25, 1.0))
    assert np.allclose(zoomed.intrinsics[:, :2], cam.intrinsics[:, :2] * 1.25)


def test_bad_framing_is_one_line():
    with pytest.raises(RoomtourError, match="must be one of exact, fit"):
        GENERATORS.create("parallax", {}).generate(np.zeros((H, W, 3), np.uint8), preset_path("pan_left", 2),
                                                   W, H, depth=np.ones((H, W)), framing="wide")


def test_the_camera_job_reads_back_the_framing_its_video_was_rendered_with(tmp_path):
    """read_framing (no pandas) returns what coverage_table recorded: fit's zoom and damping, or None."""
    from roomtour.coverage import coverage_table, read_framing, write_coverage

    rng = np.random.default_rng(3)
    gen = GENERATORS.create("parallax", {})
    cam = preset_path("look_left", 6, 60, W / H, angle_deg=60)
    gen.generate(_texture(rng), cam, W, H, depth=np.full((H, W), 4.0), framing="fit")
    write_coverage(tmp_path / "fit.csv", coverage_table(gen, 6))
    assert read_framing(tmp_path / "fit.csv") == (gen.framing.zoom, gen.framing.damping)
    assert gen.framing.zoom > 1 or gen.framing.damping < 1  # it did frame the shot
    write_coverage(tmp_path / "none.csv", coverage_table(object(), 6))  # a generator that cannot tell
    assert read_framing(tmp_path / "none.csv") is None
    (tmp_path / "other.csv").write_text("image,psnr\na,30\n")
    with pytest.raises(RoomtourError, match=r"other\.csv: not a coverage table \(no column frame"):
        read_framing(tmp_path / "other.csv")
