"""Room layout: box hypotheses, their surface labels against the procedural rooms' true layout."""

import numpy as np
import pytest

from roomtour.camera import fx_for_hfov, intrinsics_matrix
from roomtour.depth import layout_depth
from roomtour.layout import BACK, CEILING, FLOOR, LEFT, RIGHT, Box, box_depth, box_labels, fit_layout
from roomtour.scenes import SCENES, render_frame, room_surface_labels

W, H = 192, 128
INTR = np.array([fx_for_hfov(60.0), fx_for_hfov(60.0) * W / H, 0.5, 0.5])
START = np.hstack([np.eye(3), np.zeros((3, 1))])


def test_box_labels_are_the_nearest_plane():
    k = intrinsics_matrix(INTR, W, H)
    box = Box((W / 2 - 0.5, H / 2 - 0.5), left=2.0, right=2.5, back=5.0)
    labels = box_labels(box, k, W, H)
    assert labels[H - 1, W // 2] == FLOOR and labels[0, W // 2] == CEILING
    assert labels[H // 2, 0] == LEFT and labels[H // 2, W - 1] == RIGHT and labels[H // 2, W // 2] == BACK
    depth = box_depth(box, k, W, H)
    assert depth[H // 2, W // 2] == pytest.approx(5.0)
    assert depth.max() <= 5.0 + 1e-6


def test_true_layout_of_a_procedural_room():
    scene = SCENES["living"]
    labels = room_surface_labels(scene, START, INTR, W, H)
    assert labels[H - 1, W // 2] == FLOOR and labels[0, W // 2] == CEILING and labels[H // 2, W // 2] == BACK
    assert set(np.unique(labels)) <= {FLOOR, CEILING, LEFT, RIGHT, BACK}


@pytest.mark.parametrize("name", sorted(SCENES))
def test_layout_labels_are_right_within_the_reported_error(name):
    """BENCHMARKS.md (scripts/benchmarks/layout_labels.py, 384x256): the box room's label error on the start views is
    19.4% (living) and 19.5% (bedroom); it must stay within 25%."""
    w, h = 384, 256
    rgb, _ = render_frame(SCENES[name], START, INTR, w, h)
    truth = room_surface_labels(SCENES[name], START, INTR, w, h)
    k = intrinsics_matrix(INTR, w, h)
    _, info = layout_depth(rgb, k)
    assert not info.fallback
    err = float(np.mean(box_labels(info.box, k, w, h) != truth))
    assert err < 0.25


def test_fit_layout_prefers_the_box_the_lines_support():
    """A drawn one-point room whose side walls meet the floor along lines to the vanishing point: the fitted
    box's walls are on the side where those lines put them (narrow left, wide right)."""
    import cv2

    k = intrinsics_matrix(INTR, W, H)
    truth = Box((W / 2 - 0.5, H / 2 - 0.5), left=1.2, right=4.0, back=8.0)
    labels = box_labels(truth, k, W, H)
    img = np.zeros((H, W, 3), np.uint8)
    for lab, colour in enumerate([(120, 80, 40), (230, 230, 230), (180, 170, 150), (160, 150, 140), (200, 190, 170)]):
        img[labels == lab] = colour
    edges = cv2.Canny(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), 20, 60)
    ys, xs = np.nonzero(edges)
    assert len(xs)
    from roomtour.straight import photo_segments

    seg = photo_segments(img, min_length=8)
    box, _ = fit_layout(seg, truth.vanishing_point, k, W, H)
    assert box.left < box.right
