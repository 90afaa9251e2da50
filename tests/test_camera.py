import numpy as np
import pytest

from conftest import relative_path, shared_path
from roomtour.camera import (
    CameraPath,
    build_path,
    fx_for_hfov,
    intrinsics_matrix,
    preset_path,
    read_pose_file,
    write_pose_file,
)
from roomtour.errors import RoomtourError

LINE = "0 0.5 0.8 0.5 0.5 0 0 1 0 0 0.1 0 1 0 0.2 0 0 1 0.3"


def forward(pose):
    """Camera viewing direction in the frame-0 (world) coordinates."""
    return pose[:, :3].T @ np.array([0.0, 0.0, 1.0])


def center(pose):
    return -pose[:, :3].T @ pose[:, 3]


def test_read_pose_file_parses_header_intrinsics_and_pose(tmp_path):
    f = tmp_path / "p.txt"
    f.write_text("https://example.invalid/video\n" + LINE + "\n" + LINE.replace("0.3", "0.4", 1) + "\n")
    cam = read_pose_file(f)
    assert len(cam) == 2
    np.testing.assert_allclose(cam.intrinsics[0], [0.5, 0.8, 0.5, 0.5])
    np.testing.assert_allclose(cam.w2c[0], [[1, 0, 0, 0.1], [0, 1, 0, 0.2], [0, 0, 1, 0.3]])
    np.testing.assert_allclose(cam.w2c[1, 2, 3], 0.4)


def test_pose_file_round_trip(tmp_path):
    cam = preset_path("orbit_up", 7, 60, 1.5, angle_deg=25, radius=2.0)
    write_pose_file(tmp_path / "o.txt", cam)
    back = read_pose_file(tmp_path / "o.txt")
    np.testing.assert_allclose(back.w2c, cam.w2c, atol=1e-8)
    np.testing.assert_allclose(back.intrinsics, cam.intrinsics, atol=1e-8)


@pytest.mark.parametrize(
    "content, problem",
    [
        ("", "empty"),
        ("header\n1 2 3\n", "expected 19 numbers"),
        ("header\n" + LINE.replace("0.5", "abc", 1) + "\n", "not a number"),
        ("header only\n", "no pose lines"),
    ],
)
def test_bad_pose_files_give_one_line_naming_the_file(tmp_path, content, problem):
    f = tmp_path / "bad.txt"
    f.write_text(content)
    with pytest.raises(RoomtourError) as exc:
        read_pose_file(f)
    msg = str(exc.value)
    assert str(f) in msg and problem in msg and "\n" not in msg


def test_missing_pose_file(tmp_path):
    with pytest.raises(RoomtourError, match="not found"):
        read_pose_file(tmp_path / "nope.txt")


def test_reflection_is_rejected_after_making_relative(tmp_path):
    # frame 1 mirrors x relative to frame 0: not a camera motion
    f = tmp_path / "mirror.txt"
    f.write_text("h\n" + LINE + "\n" + LINE.replace(" 1 0 0 0.1", " -1 0 0 0.1", 1) + "\n")
    with pytest.raises(RoomtourError, match="reflection"):
        build_path({"file": str(f)}, frames=2, hfov_deg=60, aspect=1.5)


def test_relative_to_first_makes_frame0_identity_and_keeps_relative_motion():
    cam = preset_path("look_left", 5, 60, 1.5, angle_deg=40)
    offset = np.array([[0, -1, 0, 2.0], [1, 0, 0, -1.0], [0, 0, 1, 0.5]])  # some other world frame
    world = np.stack([(np.vstack([p, [0, 0, 0, 1]]) @ np.vstack([offset, [0, 0, 0, 1]]))[:3] for p in cam.w2c])
    moved = CameraPath(cam.intrinsics, world, cam.timestamps).relative_to_first()
    np.testing.assert_allclose(moved.w2c, cam.w2c, atol=1e-12)


def test_cami2v_files_with_improper_matrices_become_proper_relative_paths():
    f = shared_path("data", "camera_trajectories", "cami2v_demo", "look_left.txt")
    raw = read_pose_file(f)
    assert np.linalg.det(raw.rotations[0]) < 0  # CamI2V stores reflections
    cam = build_path({"file": str(f)}, frames=16, hfov_deg=60, aspect=1.0)
    assert len(cam) == 16
    assert np.all(np.linalg.det(cam.rotations) > 0)
    # the file's last pose looks 90 degrees to the left
    np.testing.assert_allclose(forward(cam.w2c[-1]), [-1, 0, 0], atol=1e-6)


def test_cami2v_pan_left_translates_left_without_rotation():
    f = shared_path("data", "camera_trajectories", "cami2v_demo", "pan_left.txt")
    cam = build_path({"file": str(f), "translation_scale": 2.0}, frames=4, hfov_deg=60, aspect=1.0)
    c = center(cam.w2c[-1])
    assert c[0] < 0 and abs(c[1]) < 1e-9 and abs(c[2]) < 1e-9
    np.testing.assert_allclose(cam.rotations[-1], np.eye(3), atol=1e-9)


def test_presets_move_the_way_their_names_say():
    n = 9
    pan = preset_path("pan_left", n, 60, 1.5, distance=0.4)
    np.testing.assert_allclose(center(pan.w2c[-1]), [-0.4, 0, 0], atol=1e-12)
    np.testing.assert_allclose(center(pan.w2c[4]), [-0.2, 0, 0], atol=1e-12)
    look = preset_path("look_left", n, 60, 1.5, angle_deg=30)
    f = forward(look.w2c[-1])
    np.testing.assert_allclose(f, [-np.sin(np.radians(30)), 0, np.cos(np.radians(30))], atol=1e-12)
    np.testing.assert_allclose(center(look.w2c[-1]), 0, atol=1e-12)
    orbit = preset_path("orbit_up", n, 60, 1.5, angle_deg=20, radius=3.0)
    c, f = center(orbit.w2c[-1]), forward(orbit.w2c[-1])
    assert c[1] < 0  # up is -y
    target = np.array([0, 0, 3.0])
    np.testing.assert_allclose(np.linalg.norm(c - target), 3.0, atol=1e-9)
    np.testing.assert_allclose(f, (target - c) / np.linalg.norm(target - c), atol=1e-9)
    zoom = preset_path("zoom_in", n, 60, 1.5, distance=1.0)
    np.testing.assert_allclose(center(zoom.w2c[-1]), [0, 0, 1.0], atol=1e-12)
    for cam in (pan, look, orbit, zoom):
        np.testing.assert_allclose(cam.w2c[0], np.hstack([np.eye(3), np.zeros((3, 1))]), atol=1e-12)
        cam.validate()


def test_preset_intrinsics_give_square_pixels_and_the_configured_fov():
    cam = preset_path("stationary", 2, 90, 2.0)
    k = intrinsics_matrix(cam.intrinsics[0], 200, 100)
    assert k[0, 0] == pytest.approx(100.0)  # 90 degrees: fx = W/2
    assert k[1, 1] == pytest.approx(k[0, 0])
    assert fx_for_hfov(60) == pytest.approx(0.5 / np.tan(np.radians(30)))


def test_unknown_preset_and_bad_parameters():
    with pytest.raises(RoomtourError, match="unknown preset"):
        preset_path("fly_through_wall", 4)
    with pytest.raises(RoomtourError, match="bad parameters"):
        preset_path("pan_left", 4, speed=2)


def test_resampling_keeps_ends_and_interpolates_rotation_and_centre():
    cam = preset_path("look_left", 3, 60, 1.5, angle_deg=40)
    fine = cam.resampled(5)
    assert len(fine) == 5
    np.testing.assert_allclose(fine.w2c[0], cam.w2c[0], atol=1e-12)
    np.testing.assert_allclose(fine.w2c[-1], cam.w2c[-1], atol=1e-12)
    # halfway between 0 and 20 degrees is 10 degrees
    np.testing.assert_allclose(forward(fine.w2c[1]), [-np.sin(np.radians(10)), 0, np.cos(np.radians(10))], atol=1e-9)
    pan = preset_path("pan_left", 2, 60, 1.5, distance=1.0).resampled(5)
    np.testing.assert_allclose(center(pan.w2c[1]), [-0.25, 0, 0], atol=1e-12)


def test_pose_file_round_trip_keeps_a_parallax_path(tmp_path):
    cam = relative_path(translations=[(0, 0, 0), (-0.1, 0.02, 0.05)], rotations=[(0, 0, 0), (0.01, 0.02, 0)])
    write_pose_file(tmp_path / "p.txt", cam)
    back = read_pose_file(tmp_path / "p.txt")
    assert np.allclose(back.w2c, cam.w2c, atol=1e-6) and np.allclose(back.intrinsics, cam.intrinsics)
