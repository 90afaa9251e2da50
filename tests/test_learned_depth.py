"""Learned depth (roomtour.depth.learned, roomtour.models.tcmonodepth): the network and its loader,
the fusion with the room, straight lines, and the scale-and-shift alignment of relative depth."""

import numpy as np
import pytest
import torch

from conftest import relative_path, shared_path
from roomtour.camera import intrinsics_matrix, preset_path
from roomtour.depth.learned import DepthNetwork, fuse_with_room, run_medians, snap_depth_edges
from roomtour.errors import RoomtourError
from roomtour.models.loading import load_tcmonodepth
from roomtour.models.tcmonodepth import TCSmallNet
from roomtour.scale import SparsePoints, affine_alignment, fit_inverse_affine
from roomtour.scenes import Box, Scene, get_scene, render_frame

WEIGHTS = ("weights", "tcmonodepth", "_ckpt_small.pt.tar")


def _room(scene, w=192, h=128):
    cam = preset_path("stationary", 1, 60, w / h)
    photo, exact = render_frame(scene, cam.w2c[0], cam.intrinsics[0], w, h, depth=True)
    return photo, exact, intrinsics_matrix(cam.intrinsics[0], w, h)


# a room with one box standing on the floor in front of the back wall (front face at z = 3.0)
BOX_ROOM = Scene(name="box", boxes=(Box((-0.6, 0.2, 3.0), (0.6, 1.2, 3.8), (0.2, 0.3, 0.8), "plain"),))


def test_the_released_weights_load_with_no_missing_key_and_see_near_things_as_near():
    from scipy.stats import spearmanr

    model, report = load_tcmonodepth(shared_path(*WEIGHTS))
    assert report == {"missing": [], "unexpected": [], "mismatched": []}
    assert sum(p.numel() for p in model.parameters()) == 186063  # TCMonoDepth small, as published
    net = DepthNetwork(weights=str(shared_path(*WEIGHTS)))
    for name in ("living", "bedroom"):
        photo, exact, _ = _room(get_scene(name), 384, 256)
        inverse = net(photo)
        assert inverse.shape == exact.shape
        # measured 0.65 (living) and 0.84 (bedroom): relative inverse depth, so rank agreement only
        assert spearmanr(inverse.ravel(), (1 / exact).ravel())[0] > 0.5, name


def test_the_network_is_deterministic_and_sized_to_multiples_of_32():
    net = DepthNetwork(weights=str(shared_path(*WEIGHTS)))
    assert net.input_size(320, 213) == (384, 256)
    assert net.input_size(1080, 1920) == (256, 448)
    photo = np.random.default_rng(0).integers(0, 256, (90, 130, 3), dtype=np.uint8)
    assert np.array_equal(net(photo), net(photo))


def _state(tmp_path, edit):
    """The architecture's own state dict (random weights: plumbing only), written after ``edit``."""
    state = TCSmallNet().state_dict()
    # the checkpoint's aliases of the encoder's units (see roomtour.models.tcmonodepth)
    for key in list(state):
        if key.startswith("encoder.features.") and int(key.split(".")[2]) < 4:
            state["encoder.stage1." + key[len("encoder.features."):]] = state[key].clone()
    edit(state)
    path = tmp_path / "ckpt.pt.tar"
    torch.save(state, path)
    return path


def test_a_tampered_checkpoint_is_named_key_by_key(tmp_path):
    model, report = load_tcmonodepth(_state(tmp_path, lambda s: None))
    assert report["missing"] == [] and report["unexpected"] == []

    with pytest.raises(RoomtourError, match="missing 1 keys .*decoder.final.bias"):
        load_tcmonodepth(_state(tmp_path, lambda s: s.pop("decoder.final.bias")))
    with pytest.raises(RoomtourError, match="unexpected 1 keys .*decoder.extra.weight"):
        load_tcmonodepth(_state(tmp_path, lambda s: s.update({"decoder.extra.weight": torch.zeros(1)})))
    with pytest.raises(RoomtourError, match="shape mismatch: decoder.final.weight"):
        load_tcmonodepth(_state(tmp_path, lambda s: s.update({"decoder.final.weight": torch.zeros(2, 24, 3, 3)})))
    # an alias that does not hold its unit's tensor is not the published checkpoint
    with pytest.raises(RoomtourError, match="encoder.stage1.0.branch_main.0.weight differs"):
        load_tcmonodepth(_state(tmp_path, lambda s: s["encoder.stage1.0.branch_main.0.weight"].add_(1)))


def test_missing_or_foreign_weights_are_one_line(tmp_path):
    with pytest.raises(RoomtourError, match="tcmonodepth/_ckpt_small.pt.tar: weights file not found"):
        DepthNetwork(weights_dir=str(tmp_path))
    bad = tmp_path / "tcmonodepth" / "_ckpt_small.pt.tar"
    bad.parent.mkdir()
    bad.write_text("not a checkpoint")
    with pytest.raises(RoomtourError, match="not a readable PyTorch checkpoint"):
        DepthNetwork(weights_dir=str(tmp_path))


def _network_like(exact, blur=4.0, scale=3.0, shift=-0.2):
    """What a monocular network gives for exact depth: inverse depth with outlines blurred into ramps,
    under an unknown scale and shift."""
    import cv2

    inverse = cv2.GaussianBlur((1 / exact).astype(np.float32), (0, 0), blur)
    return scale * inverse + shift


def test_a_box_in_front_of_a_wall_is_one_step_at_its_outline_with_the_wall_intact_behind():
    photo, exact, k = _room(BOX_ROOM)
    depth, fit, layout = fuse_with_room(_network_like(exact), photo, k)
    face = exact < 3.05
    wall = (exact > 5.9) & (np.abs(np.arange(exact.shape[0])[:, None] - 30) < 8)  # back wall above the box
    assert face.sum() > 300 and wall.sum() > 300
    # the room's frame brings the network to metric depth: the box face near 3.0, the wall near 6.0
    assert np.median(depth[face]) == pytest.approx(3.0, rel=0.15)
    assert np.median(depth[wall]) == pytest.approx(6.0, rel=0.15)
    # the wall behind stays a plane (fronto-parallel: one depth), not bulged towards the box
    assert np.std(1 / depth[wall]) / np.mean(1 / depth[wall]) < 0.03
    # along a row through the box, from its face to the wall beside it, depth is one step:
    # hardly a pixel in between (a ramp would leave ~10 there)
    row = int(np.median(np.nonzero(face)[0]))
    cols = np.nonzero(face[row])[0]
    near = slice(cols.min() - 12, cols.max() + 13)  # the face and the wall on either side of it
    across = depth[row, near]
    between = (across > 1.15 * 3.0) & (across < 0.85 * 6.0)
    assert between.sum() <= 2, np.round(across, 2)
    # the blurred input had many such pixels on the same stretch
    ramp = 1 / fit(_network_like(exact)[row, near])
    assert ((ramp > 1.15 * 3.0) & (ramp < 0.85 * 6.0)).sum() >= 8, np.round(ramp, 2)


def test_a_blank_wall_the_network_puts_far_is_brought_back_to_the_room():
    photo, exact, k = _room(BOX_ROOM)
    relative = _network_like(exact)
    left = np.zeros(exact.shape, bool)
    left[:, :20] = True  # the network sees the left wall 3x farther than it is (inverse / 3)
    relative = np.where(left, (relative - (-0.2)) / 3 + (-0.2), relative)
    depth, _, _ = fuse_with_room(relative, photo, k, envelope=1.5)
    unfused, _, _ = fuse_with_room(relative, photo, k, envelope=0, side_envelope=0)
    truth = np.median(exact[left])
    assert np.median(depth[left]) < 1.6 * truth  # within the envelope of the room's wall
    assert np.median(unfused[left]) > 2.0 * truth  # without it, as far as the network said


def test_edges_snap_to_the_side_the_photo_puts_them_with():
    photo = np.zeros((20, 40, 3), np.uint8)
    photo[:, 20:] = 200  # a colour edge at column 20
    ramp = np.tile(np.clip((np.arange(40) - 14) / 12, 0, 1) * 0.5 + 0.5, (20, 1)).astype(np.float32)
    snapped = snap_depth_edges(photo, ramp, radius=6)
    assert set(np.unique(np.round(snapped[10, 12:28], 3))) <= {0.5, 1.0, round(float(ramp[10, 12]), 3),
                                                                round(float(ramp[10, 27]), 3)}
    assert snapped[10, 18] < 0.75 < snapped[10, 22]  # the step sits at the photo's edge


def test_run_medians_make_vertical_runs_one_value():
    values = np.arange(20.0).reshape(5, 4)
    mask = np.zeros((5, 4), bool)
    mask[0:4, 1] = True
    mask[1:5, 2] = True
    out = run_medians(values, mask, min_run=2)
    assert np.all(out[0:4, 1] == 7.0) and np.all(out[1:5, 2] == 12.0)
    assert np.array_equal(out[~mask], values[~mask])


@pytest.mark.parametrize("move", ["truck", "dolly"])
def test_straight_edges_stay_straight_with_learned_depth(move):
    from roomtour.depth import estimate_depth
    from roomtour.straight import photo_segments, predicted_bend, segment_points

    photo, _, k = _room(get_scene("living"), 240, 160)
    depth = estimate_depth(photo, {"source": "learned"}, k, weights_dir=str(shared_path("weights")))
    raw = estimate_depth(photo, {"source": "learned", "straight_lines": False}, k,
                         weights_dir=str(shared_path("weights")))
    t = [0.25, 0, 0] if move == "truck" else [0, 0, -0.5]
    pose = np.hstack([np.eye(3), np.array(t)[:, None]])
    points = segment_points(photo_segments(photo))
    bend = predicted_bend(depth, k, points, k, pose, (240, 160))
    assert bend < 1.0, bend
    assert bend < predicted_bend(raw, k, points, k, pose, (240, 160))


def test_scale_and_shift_of_inverse_depth_are_recovered():
    rng = np.random.default_rng(0)
    x = rng.uniform(0.1, 1.0, 400)  # relative inverse depth
    target = 0.7 * x + 0.15
    target[:40] *= 2.5  # outliers: bad matches
    fit = fit_inverse_affine(x, target)
    assert fit.scale == pytest.approx(0.7, rel=1e-3) and fit.shift == pytest.approx(0.15, abs=1e-3)
    assert fit.inliers == pytest.approx(0.9, abs=0.01)
    # through sparse points: depth whose inverse is off by a known affine is brought back
    exact = np.fromfunction(lambda y, x: 2.0 + 0.05 * x + 0.02 * y, (40, 60))
    estimate = 1 / (2.0 / exact + 0.3)  # 1/z_est = 2/z + 0.3
    uv = rng.uniform([0, 0], [59, 39], (50, 2))
    z = np.array([exact[int(round(v)), int(round(u))] for u, v in uv])
    uv = np.round(uv)
    aligned, affine = affine_alignment(estimate, SparsePoints(uv, z))
    assert affine.scale == pytest.approx(0.5, rel=1e-3) and affine.shift == pytest.approx(-0.15, abs=1e-3)
    assert np.allclose(aligned, exact, rtol=1e-3)
    assert affine_alignment(estimate, SparsePoints(uv[:3], z[:3])) is None  # too few points


def test_the_learned_source_renders_a_video_with_parallax(tmp_path):
    from roomtour.generators import GENERATORS

    photo, _, _ = _room(BOX_ROOM, 160, 96)
    cam = relative_path(translations=[[0, 0, 0], [0.1, 0, 0], [0.2, 0, 0]], w=160, h=96)
    gen = GENERATORS.create("parallax", {"depth": {"source": "learned"}}, weights_dir=str(shared_path("weights")))
    video = gen.generate(photo, cam, 160, 96)
    assert video.shape == (3, 96, 160, 3)
    assert np.abs(video[2].astype(int) - video[0]).mean() > 2  # the camera moved, and the frames show it


FORKED = """
import multiprocessing, sys
from concurrent.futures import ProcessPoolExecutor
import numpy as np
from roomtour.depth.learned import DepthNetwork
net = DepthNetwork(weights=sys.argv[1])
photo = np.random.default_rng(0).integers(0, 256, (96, 128, 3), dtype=np.uint8)
here = net(photo)
with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
    there = list(pool.map(net, [photo, photo]))
print(max(float(np.abs(t - here).max()) for t in there))
"""


def test_a_process_forked_after_the_network_ran_can_run_it_too():
    # a multi-format tour forks its workers; torch's thread pool does not survive a fork, and a
    # child's first parallel region used to wait for it for ever (run apart, so a hang is a failure)
    import os
    import subprocess
    import sys

    from conftest import REPO

    env = dict(os.environ, PYTHONPATH=str(REPO / "workflow"))
    proc = subprocess.run([sys.executable, "-c", FORKED, str(shared_path(*WEIGHTS))], capture_output=True,
                          text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert float(proc.stdout.strip().splitlines()[-1]) < 1e-4
