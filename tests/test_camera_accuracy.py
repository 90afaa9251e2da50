"""Camera accuracy: RotErr / TransErr / CamMC of a video against its camera path."""

import numpy as np
import pytest

from roomtour.camera import intrinsics_matrix, preset_path
from roomtour.camera_accuracy import camera_errors, dithered, relative_poses
from roomtour.scenes import SCENES, render_path

W, H = 256, 176
# The estimator's floor on exact renders of the procedural rooms (scripts/benchmarks/camera_floor.py, BENCHMARKS.md): 0.005-0.030
# rad per frame (0.005 on the living room's turn); a video that follows its turn must stay within 0.02 per frame.
ROT_TOLERANCE_PER_FRAME = 0.02
# Structure from motion's floor on the same renders (pan and orbit, scripts/benchmarks/camera_floor.py --estimator
# sfm): RotErr 0.0016-0.0051 rad per frame, TransErr 0.083-0.160 over 15 frames (0.006-0.011 per frame). A video
# that follows its truck must stay within 4x the worst of each.
SFM_ROT_PER_FRAME, SFM_TRANS_PER_FRAME = 0.02, 0.045


@pytest.fixture(scope="module")
def truck():
    cam = preset_path("pan_left", 8, aspect=W / H, distance=0.6)
    return render_path(SCENES["bedroom"], cam, W, H, aa=1), cam


@pytest.fixture(scope="module")
def turn():
    cam = preset_path("look_left", 6, aspect=W / H, angle_deg=15)
    return render_path(SCENES["living"], cam, W, H, aa=1), cam


def test_a_known_rotation_is_recovered(turn):
    frames, cam = turn
    k = intrinsics_matrix(cam.intrinsics[0], W, H)
    poses = relative_poses(frames, k)
    est = [p for p in poses[1:] if p is not None]
    assert len(est) >= 3
    for t, p in enumerate(poses[1:], start=1):
        if p is None:
            continue
        cos = (np.trace(p[:, :3].T @ cam.w2c[t][:, :3]) - 1) / 2
        assert np.arccos(np.clip(cos, -1, 1)) < ROT_TOLERANCE_PER_FRAME
    err = camera_errors(frames, k, cam.w2c, trials=2)
    assert err.rot_err < ROT_TOLERANCE_PER_FRAME * err.estimated
    assert err.trans_err == pytest.approx(0.0, abs=1e-9)  # a turn: no translation either way


def test_a_video_that_ignores_its_path_scores_worse(turn):
    frames, cam = turn
    k = intrinsics_matrix(cam.intrinsics[0], W, H)
    follows = camera_errors(frames, k, cam.w2c, trials=1)
    frozen = camera_errors(np.repeat(frames[:1], len(frames), 0), k, cam.w2c, trials=1)
    assert frozen.estimated == len(frames) - 1  # identical frames: estimated as "no motion", not skipped
    assert frozen.rot_err > 5 * follows.rot_err
    assert frozen.cam_mc > 5 * follows.cam_mc


def test_two_view_trials_average_dithered_draws_not_replicas(truck):
    """OpenCV's RANSAC gives the same pose for the same matches whatever the seed, so a second
    two-view trial re-estimates from the frames dithered by at most one grey level."""
    frames, cam = truck
    k = intrinsics_matrix(cam.intrinsics[0], W, H)
    jitter = dithered(frames, 1)
    assert np.abs(jitter.astype(int) - frames).max() == 1
    assert np.array_equal(jitter, dithered(frames, 1)) and not np.array_equal(jitter, dithered(frames, 2))
    first, second = camera_errors(frames, k, cam.w2c, trials=1), camera_errors(jitter, k, cam.w2c, trials=1)
    both = camera_errors(frames, k, cam.w2c, trials=2)
    assert first.estimated and second.estimated
    assert first.rot_err != second.rot_err  # an imperceptible change moves the estimate: a new draw
    assert both.rot_err == pytest.approx((first.rot_err + second.rot_err) / 2, rel=1e-9)
    assert both.trans_err == pytest.approx((first.trans_err + second.trans_err) / 2, rel=1e-9)


def test_a_truck_is_scored_on_its_direction():
    cam = preset_path("pan_left", 6, aspect=W / H, distance=0.6)
    frames = render_path(SCENES["bedroom"], cam, W, H, aa=1)
    k = intrinsics_matrix(cam.intrinsics[0], W, H)
    follows = camera_errors(frames, k, cam.w2c, trials=1)
    still = camera_errors(np.repeat(frames[:1], len(frames), 0), k, cam.w2c, trials=1)
    assert follows.estimated >= 3
    assert follows.trans_err / follows.estimated < 0.3  # directions within about 17 degrees
    assert still.trans_err > 2 * follows.trans_err


def test_a_flat_video_is_marked_not_scored():
    frames = np.full((4, H, W, 3), 127, np.uint8)
    cam = preset_path("pan_left", 4, aspect=W / H)
    err = camera_errors(frames, intrinsics_matrix(cam.intrinsics[0], W, H), cam.w2c, trials=1)
    assert err.estimated == 0 and err.unestimated == 3
    assert np.isnan(err.rot_err) and np.isnan(err.cam_mc)


def test_structure_from_motion_recovers_a_known_truck(truck):
    frames, cam = truck
    k = intrinsics_matrix(cam.intrinsics[0], W, H)
    err = camera_errors(frames, k, cam.w2c, trials=1, estimator="sfm")
    assert err.estimator == "sfm" and err.estimated == len(frames) - 1
    assert err.rot_err < SFM_ROT_PER_FRAME * err.estimated
    assert err.trans_err < SFM_TRANS_PER_FRAME * err.estimated  # lengths count, not only directions
    still = camera_errors(np.repeat(frames[:1], len(frames), 0), k, cam.w2c, trials=1, estimator="sfm")
    assert still.estimator == "two-view"  # no parallax, no model: the two-view estimator scores it
    assert still.trans_err > 5 * err.trans_err


def test_an_unknown_estimator_is_refused(truck):
    frames, cam = truck
    with pytest.raises(ValueError, match="choose one of sfm, two-view"):
        camera_errors(frames, intrinsics_matrix(cam.intrinsics[0], W, H), cam.w2c, estimator="colmap")


def test_a_pose_is_checked_against_its_own_matches(truck):
    from roomtour.camera_accuracy import explained_matches, frame_matches
    from scipy.spatial.transform import Rotation

    frames, cam = truck
    k = intrinsics_matrix(cam.intrinsics[0], W, H)
    a, b = frame_matches(frames)[-1]
    true = cam.w2c[-1]  # frame 0 is the world: this is the pose relative to frame 0
    turned = true.copy()
    # tilted 5 degrees: points move across the truck's horizontal epipolar lines (a turn about the
    # vertical axis would move them along the lines, which two views cannot tell from the truck)
    turned[:, :3] = Rotation.from_euler("x", 5, degrees=True).as_matrix() @ true[:, :3]
    assert explained_matches(true, a, b, k) > 0.8 * len(a)
    assert explained_matches(turned, a, b, k) < 0.2 * len(a)


def test_the_camera_job_estimates_at_the_comparison_size(tmp_path):
    """`roomtour camera-accuracy --compare-size` scores a half-size video as the study's fidelity
    metrics see it: resized with the metrics' kernel, intrinsics at that size."""
    import csv

    from roomtour.camera import write_pose_file
    from roomtour.cli import main
    from roomtour.metrics import resize_frames
    from roomtour.video import write_video

    cam = preset_path("pan_left", 6, aspect=W / H, distance=0.6)
    small = render_path(SCENES["bedroom"], cam, W // 2, H // 2, aa=1)
    write_video(tmp_path / "raw.mkv", small)
    write_pose_file(tmp_path / "path.txt", cam)
    out = tmp_path / "camera.csv"
    assert main(["camera-accuracy", str(tmp_path / "raw.mkv"), str(out), "--path", str(tmp_path / "path.txt"),
                 "--trials", "1", "--compare-size", f"{W}x{H}", "--kernel", "bicubic"]) == 0
    row = next(csv.DictReader(out.open()))
    big = resize_frames(small, W, H, "bicubic")
    want = camera_errors(big, intrinsics_matrix(cam.intrinsics[0], W, H), cam.relative_to_first().w2c, trials=1)
    # the pose file rounds the path: equal to 1e-6 (at the video's own size: 0.19 rad on 3 frames, not 0.06 on 5)
    assert float(row["rot_err"]) == pytest.approx(want.rot_err, rel=1e-6)
    assert float(row["trans_err"]) == pytest.approx(want.trans_err, rel=1e-6)
