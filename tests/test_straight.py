"""Straight lines: segments, line-keeping depth, the bend budget, and scale alignment with sparse points."""

import numpy as np
import pytest

from roomtour.camera import CameraPath, intrinsics_matrix, preset_path, tour_move_path
from roomtour.depth import estimate_depth, layout_depth
from roomtour.framing import Framing, describe_lines, fit_shot
from roomtour.render import ParallaxRenderer
from roomtour.scale import median_scale, sparse_points
from roomtour.scenes import SCENES, render_frame, render_path
from roomtour.straight import (
    join_collinear,
    photo_segments,
    predicted_bend,
    segment_points,
    segments_for,
    straighten_depth,
)

W, H = 240, 160
NORM = [0.8, 0.8 * W / H, 0.5, 0.5]  # normalised intrinsics: fx = 192 px


@pytest.fixture(scope="module")
def living():
    """The procedural living room (walls, a cabinet and a storage box standing on the floor) and its exact depth."""
    rgb, depth = render_frame(SCENES["living"], np.hstack([np.eye(3), np.zeros((3, 1))]), np.array(NORM), W, H,
                              depth=True)
    return rgb, depth.astype(np.float64)


def _moves():
    truck = preset_path("pan_left", 9, aspect=W / H, distance=0.5).with_intrinsics(NORM[0], NORM[1])
    dolly = preset_path("zoom_in", 9, aspect=W / H, distance=0.8).with_intrinsics(NORM[0], NORM[1])
    return {"truck": truck, "dolly": dolly}


def _worst_bend(depth, points, path):
    k = intrinsics_matrix(path.intrinsics[0], W, H)
    return max(predicted_bend(depth, k, points, k, pose, (W, H)) for pose in path.w2c)


def test_segments_are_found_long_and_whole():
    img = np.full((H, W, 3), 200, np.uint8)
    img[40:120, 100:102] = 20  # one vertical bar...
    img[78:82, 100:102] = 200  # ...broken by a small gap: still one 3-D edge
    seg = photo_segments(img, min_length=60)
    assert len(seg) >= 1
    lengths = np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1])
    assert lengths.max() >= 75  # joined across the gap, not two 38-pixel pieces


def test_join_collinear_keeps_parallel_neighbours_apart():
    seg = np.array([[0, 0, 10, 0], [12, 0.3, 20, 0.5], [0, 2.5, 10, 2.5]], float)
    out = join_collinear(seg, max_gap=5)
    assert len(out) == 2
    assert np.isclose(np.hypot(out[0, 2] - out[0, 0], out[0, 3] - out[0, 1]), 20, atol=0.5)


def test_segments_for_scales_to_the_target_size():
    img = np.full((2 * H, 2 * W, 3), 200, np.uint8)
    img[80:240, 200:204] = 20
    seg = segments_for(img, (W, H))
    assert len(seg)
    xs = seg[:, [0, 2]]
    assert np.all(np.abs(xs - 100.75) < 2)  # the bar's edges at x 99.75 and 101.75 in target pixels


@pytest.mark.parametrize("move", ["truck", "dolly"])
def test_exact_depth_keeps_a_wall_edge_and_a_box_edge_straight(living, move):
    """Forward-projected through the room's exact depth, the photo's straight edges (walls, the cabinet and
    the storage box in front of them) stay straight along truck and dolly moves: within the default budget of
    1 px (points sampled right on an occluding edge mix two depths, so exact depth is not exactly 0)."""
    rgb, depth = living
    points = segment_points(photo_segments(rgb), 2.0)
    assert len(points) >= 10
    assert _worst_bend(depth, points, _moves()[move]) < 1.0


@pytest.mark.parametrize("move", ["truck", "dolly"])
def test_straightened_depth_keeps_lines_that_the_box_room_bends(living, move):
    """A box-room estimate whose creases are not where the room's are (walls guessed too near) bends the
    room's long edges on the way in; the straightened estimate keeps them straight and keeps its depth
    range (parallax)."""
    rgb, _ = living
    k = intrinsics_matrix(NORM, W, H)
    box, _ = layout_depth(rgb, k, half_width=1.0, back_depth=3.0)
    seg = photo_segments(rgb)
    points = segment_points(seg, 2.0)
    straight = straighten_depth(rgb, box, seg)
    path = _moves()[move]
    before, after = _worst_bend(box, points, path), _worst_bend(straight, points, path)
    assert after < 0.5
    if move == "dolly":  # the box's creases cross the room's long edges on the way in
        assert before > 1.0 and after < 0.5 * before
    near, far = np.percentile(straight, [5, 95])
    box_near, box_far = np.percentile(box, [5, 95])
    assert far / near > 0.7 * box_far / box_near


def test_estimate_depth_straightens_estimates_but_not_measured_depth(living, tmp_path):
    rgb, depth = living
    k = intrinsics_matrix(NORM, W, H)
    plain = estimate_depth(rgb, {"source": "layout", "straight_lines": False}, k)
    straight = estimate_depth(rgb, {"source": "layout"}, k)
    assert np.allclose(plain, layout_depth(rgb, k)[0])
    assert not np.allclose(plain, straight)
    np.save(tmp_path / "d.npy", depth.astype(np.float32))
    assert np.allclose(estimate_depth(rgb, {"source": "file"}, k, depth_file=tmp_path / "d.npy"), depth, rtol=1e-6)


def test_bend_budget_damps_a_bending_depth_and_leaves_a_correct_one(living):
    rgb, depth = living
    k = intrinsics_matrix(NORM, W, H)
    seg = photo_segments(rgb)
    points = segment_points(seg, 2.0)
    path = tour_move_path("truck_left", 9, NORM)
    # a depth that bends lines: a ripple across the room (lines crossing it kink)
    yy, xx = np.mgrid[0:H, 0:W]
    rippled = depth * (1 + 0.35 * np.sin(xx / 9.0))
    found = {}
    for name, d in (("exact", depth), ("rippled", rippled)):
        r = ParallaxRenderer(rgb, d, k)
        found[name] = fit_shot(r, path, (W, H), lines=(d, k, points), min_visible=0.5, max_bend=1.0)
    assert found["exact"].damping == 1.0
    assert found["exact"].bend_px <= 1.0
    assert found["rippled"].damping < 1.0
    assert found["rippled"].bend_px <= 1.0
    # undamped, the rippled depth would have bent the lines beyond the budget
    undamped = describe_lines(Framing("fit", found["rippled"].zoom, 1.0), path, (W, H), rippled, k, points)
    assert undamped.bend_px > 1.0


def test_sparse_points_recover_a_known_scale():
    """A procedural room rendered along a path, whose translations are handed over multiplied by 2.5 (a SLAM
    scale): triangulation in those units gives depths 2.5 times the exact ones."""
    scene = SCENES["bedroom"]
    cam = preset_path("pan_left", 6, aspect=W / H, distance=0.4).with_intrinsics(NORM[0], NORM[1])
    frames = render_path(scene, cam, W, H, aa=2)
    _, depth = render_frame(scene, cam.w2c[0], cam.intrinsics[0], W, H, aa=1, depth=True)
    scaled = cam.scaled(2.5)
    points = sparse_points(frames, intrinsics_matrix(NORM, W, H), scaled.w2c)
    assert len(points) >= 20
    assert median_scale(depth, points) == pytest.approx(2.5, rel=0.05)
    assert np.isnan(median_scale(depth, points.__class__(points.uv[:3], points.z[:3])))


def test_sparse_points_need_a_baseline():
    """A pure rotation gives no depth: nothing is triangulated, and the scale is not invented."""
    scene = SCENES["living"]
    cam = preset_path("look_left", 5, aspect=W / H, angle_deg=6).with_intrinsics(NORM[0], NORM[1])
    frames = render_path(scene, cam, W, H, aa=1)
    points = sparse_points(frames, intrinsics_matrix(NORM, W, H), cam.w2c)
    assert np.isnan(median_scale(np.ones((H, W)), points))


def test_tour_move_path_is_a_relative_path_with_normalised_intrinsics():
    path = tour_move_path("dolly_in", 5, NORM)
    assert isinstance(path, CameraPath)
    assert np.allclose(path.w2c[0], np.hstack([np.eye(3), np.zeros((3, 1))]))
    assert np.allclose(path.centers[-1], [0, 0, 0.8])
    assert np.allclose(path.intrinsics, NORM)
    swept = tour_move_path("still", 5, NORM, sweep_deg=10)
    assert not np.allclose(swept.w2c[0][:, :3], np.eye(3))  # the sweep starts turned
