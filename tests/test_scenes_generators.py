import numpy as np
import pytest

from roomtour.camera import intrinsics_matrix, preset_path
from roomtour.errors import RoomtourError
from roomtour.generators import GENERATORS, warn_if_frozen
from roomtour.metrics import psnr
from roomtour.scenes import SCENES, get_scene, render_frame, render_path

W, H = 96, 64


def _texture(rng, w=96, h=64):
    import cv2

    return cv2.resize(rng.integers(0, 256, (h // 4, w // 4, 3), dtype=np.uint8), (w, h), interpolation=cv2.INTER_CUBIC)


def test_render_is_deterministic_and_depth_is_exact():
    sc = SCENES["living"]
    cam = preset_path("stationary", 1, 60, W / H)
    a, depth = render_frame(sc, cam.w2c[0], cam.intrinsics[0], W, H, depth=True)
    b, _ = render_frame(sc, cam.w2c[0], cam.intrinsics[0], W, H)
    assert a.dtype == np.uint8 and a.shape == (H, W, 3)
    assert np.array_equal(a, b)
    # the pixel at the principal point looks straight down +z at the back wall (z = 6 m)
    assert depth[H // 2 - 1 : H // 2 + 1, W // 2 - 1 : W // 2 + 1].mean() == pytest.approx(6.0, abs=0.05)
    # the bottom row sees the floor (1.2 m below the camera) at depth 1.2 / tan(angle below the axis)
    k = intrinsics_matrix(cam.intrinsics[0], W, H)
    y = H - 1
    expected = 1.2 * k[1, 1] / (y - k[1, 2])
    assert depth[y, 0] == pytest.approx(expected, rel=1e-3)


def test_unknown_scene():
    with pytest.raises(RoomtourError, match="unknown procedural scene"):
        get_scene("castle")


def test_homography_identity_path_returns_the_photo(textured_frame):
    cam = preset_path("stationary", 3, 60, 64 / 48)
    gen = GENERATORS.create("homography")
    out = gen.generate(textured_frame, cam, 64, 48)
    assert out.shape == (3, 48, 64, 3)
    for f in out:
        assert np.abs(f.astype(int) - textured_frame).max() <= 1


def test_pure_rotation_equals_the_exact_render():
    """Rotation about the optical centre is a homography: re-projecting the
    frame-0 render must match the scene rendered at the rotated pose wherever
    the rotated view still sees frame-0 content."""
    sc = SCENES["bedroom"]
    cam = preset_path("look_left", 2, 60, W / H, angle_deg=8)
    truth = render_path(sc, cam, W, H)
    gen = GENERATORS.create("homography")
    out = gen.generate(truth[0], cam, W, H)
    # columns revealed at the left edge are outside the photo; compare the rest
    k = intrinsics_matrix(cam.intrinsics[0], W, H)
    margin = int(np.ceil(k[0, 0] * np.tan(np.radians(8)))) + 4
    assert psnr(out[1][:, margin:], truth[1][:, margin:]) > 30
    # and it is far better than not moving at all
    assert psnr(truth[0][:, margin:], truth[1][:, margin:]) < 25


def test_translation_is_ignored_without_plane_depth(textured_frame):
    cam = preset_path("pan_left", 3, 60, 64 / 48, distance=1.0)
    out = GENERATORS.create("homography").generate(textured_frame, cam, 64, 48)
    assert np.array_equal(out[0], out[-1])


def test_plane_depth_moves_a_fronto_parallel_plane_by_the_predicted_disparity(textured_frame):
    d, shift_m = 4.0, 0.5
    cam = preset_path("pan_left", 2, 60, 64 / 48, distance=shift_m)
    out = GENERATORS.create("homography", {"plane_depth": d}).generate(textured_frame, cam, 64, 48)
    fx = intrinsics_matrix(cam.intrinsics[0], 64, 48)[0, 0]
    disparity = fx * shift_m / d  # camera moves left -> the scene moves right in the image
    px = int(round(disparity))
    assert abs(disparity - px) < 0.5
    err = np.abs(out[1][:, px + 2 :].astype(int) - textured_frame[:, 2 : 64 - px].astype(int)).mean()
    assert err < 3.0


def test_rays_behind_the_first_camera_are_extrapolated_not_black(textured_frame):
    cam = preset_path("look_left", 2, 60, 64 / 48, angle_deg=180)
    gen = GENERATORS.create("homography")
    out = gen.generate(textured_frame, cam, 64, 48)
    assert gen.coverage[1]["extrapolated"] == 1.0  # nothing of the photo: coverage says so
    assert out[1].mean() > 20 and out[1].reshape(-1, 3).std(axis=0).max() > 1  # filled, not black


def test_import_generator_resizes_frames(tmp_path, rng):
    from roomtour.video import write_video

    frames = rng.integers(0, 256, (4, 40, 60, 3), dtype=np.uint8)
    write_video(tmp_path / "clip.mkv", frames)
    gen = GENERATORS.create("import", {"directory": str(tmp_path), "pattern": "{image}.mkv"})
    assert gen.source("clip", "m") == f"{tmp_path}/clip.mkv"
    cam = preset_path("stationary", 4, 60, 1.5)
    out = gen.generate(None, cam, 30, 20, video=gen.source("clip", "m"))
    assert out.shape == (4, 20, 30, 3)


def test_registry_reports_unknown_methods_and_options():
    with pytest.raises(RoomtourError, match="unknown method"):
        GENERATORS.create("sora")
    with pytest.raises(RoomtourError, match="unknown option"):
        GENERATORS.create("homography", {"strength": 1})


W, H = 96, 64
FX = 0.8  # normalised focal length used by the hand-built cases: fx = 76.8 px


def test_homography_generator_warns_when_a_translating_path_gives_a_frozen_video(rng, caplog):
    photo = _texture(rng)
    cam = preset_path("pan_left", 4, 60, W / H, distance=0.5)
    video = GENERATORS.create("homography", {}).generate(photo, cam, W, H)
    caplog.set_level("WARNING", logger="roomtour")
    assert warn_if_frozen(video, cam, "homography")
    assert any("camera path moves but every frame" in r.getMessage() and r.levelname == "WARNING"
               for r in caplog.records)
    moving = GENERATORS.create("parallax", {}).generate(photo, cam, W, H, depth=np.full((H, W), 3.0))
    assert not warn_if_frozen(moving, cam, "parallax")
