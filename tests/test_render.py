"""Coverage, framing, background-only hole filling, extrapolation and pop-up depth (the renderer)."""


import numpy as np
import pytest

from roomtour.camera import intrinsics_matrix, preset_path
from roomtour.generators import GENERATORS
from roomtour.render import (
    EXTRAPOLATED,
    INPAINTED,
    LABELS,
    VISIBLE,
    ParallaxRenderer,
    coverage_fractions,
    fill_depth_from_background,
    fold,
)

W, H = 96, 64
FX = 0.8  # normalised focal length used by the hand-built cases: fx = 76.8 px


def _texture(rng, w=W, h=H):
    import cv2

    return cv2.resize(rng.integers(0, 256, (h // 4, w // 4, 3), dtype=np.uint8), (w, h), interpolation=cv2.INTER_CUBIC)


def _k(w=W, h=H):
    return intrinsics_matrix([FX, FX * w / h, 0.5, 0.5], w, h)


def _shift(tx):
    return np.hstack([np.eye(3), [[tx], [0.0], [0.0]]])


def test_coverage_of_a_plane_shifted_by_a_known_number_of_pixels(rng):
    # a fronto-parallel wall at depth Z seen after the camera moves b to the right:
    # content shifts left by fx * b / Z = 5 px exactly, so the 5 right-most columns leave the photo
    z = 3.84
    b = 5.0 * z / (FX * W)
    renderer = ParallaxRenderer(_texture(rng), np.full((H, W), z), _k())
    frame, labels = renderer.render(_k(), _shift(-b))
    cov = coverage_fractions(labels)
    assert cov["extrapolated"] == pytest.approx(5 / W)
    assert cov["visible"] == pytest.approx(1 - 5 / W)
    assert cov["inpainted"] == 0 and cov["stretched"] == 0
    assert sum(cov.values()) == pytest.approx(1.0)
    assert (labels[:, -5:] == EXTRAPOLATED).all() and (labels[:, :-5] == VISIBLE).all()


def test_disoccluded_pixels_are_labelled_inpainted_and_filled_from_the_background_only():
    # a red box in front of a blue-green textured wall; the camera moves sideways and uncovers wall
    rng = np.random.default_rng(3)
    wall = _texture(rng).astype(np.int16)
    wall[..., 0] = wall[..., 0] // 4  # the wall has almost no red
    photo = wall.astype(np.uint8)
    depth = np.full((H, W), 6.0)
    depth[16:48, 30:60] = 1.5
    photo[16:48, 30:60] = (230, 20, 20)
    k = _k()
    for fill in ("background", "telea"):
        renderer = ParallaxRenderer(photo, depth, k, fill=fill)
        frame, labels = renderer.render(k, _shift(-0.3))
        hole = labels == INPAINTED
        assert hole.sum() > 100
        red = frame[..., 0].astype(int) - frame[..., 1:].astype(int).max(axis=2)
        if fill == "background":
            # no hole pixel takes the box's red: the fill never reaches across into the foreground
            assert red[hole].max() < 60, red[hole].max()
        else:
            assert red[hole].max() > 60  # plain Telea does smear the box: the test can tell them apart


def test_the_background_fill_carries_texture_that_telea_smooths_away():
    rng = np.random.default_rng(5)
    photo = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)  # strong texture everywhere
    depth = np.full((H, W), 6.0)
    depth[10:54, 40:56] = 1.5
    k = _k()
    energy = {}
    for fill in ("background", "telea"):
        frame, labels = ParallaxRenderer(photo, depth, k, fill=fill).render(k, _shift(-0.3))
        hole = labels == INPAINTED
        grad = np.abs(np.diff(frame.astype(float), axis=1)).sum(axis=2)
        energy[fill] = grad[hole[:, 1:]].mean()
    assert energy["background"] > 2 * energy["telea"], energy


def test_extrapolation_never_gives_a_constant_frame_or_one_pixel_streaks():
    # a 90-degree turn: the last frames see nothing of the photo
    rng = np.random.default_rng(7)
    photo = _texture(rng)
    cam = preset_path("look_left", 9, 60, W / H, angle_deg=90)
    gen = GENERATORS.create("parallax", {})
    video = gen.generate(photo, cam, W, H, depth=np.full((H, W), 4.0))
    assert gen.coverage[-1]["extrapolated"] == 1.0  # coverage says it is all made up
    for frame in video:
        assert frame.reshape(-1, 3).std(axis=0).max() > 2  # never one colour
    # an edge-clamped fill repeats the border pixel along each row: zero change along the row
    # while the rows differ.  Count such streak pixels in the made-up frames
    last = video[-1].astype(int)
    along = np.abs(np.diff(last, axis=1)).sum(axis=2)[:-1, :]
    across = np.abs(np.diff(last, axis=0)).sum(axis=2)[:, :-1]
    streaks = (along == 0) & (across > 20)
    assert streaks.mean() < 0.01


def test_a_camera_that_passes_through_the_surface_never_gives_a_constant_frame():
    """A path whose scale does not match the depth (RealEstate10K's SLAM units against a box room)
    can carry the camera through the estimated wall: nothing of the surface is in front of it."""
    rng = np.random.default_rng(5)
    photo = _texture(rng)
    renderer = ParallaxRenderer(photo, np.full((H, W), 2.0), _k())
    through = np.hstack([np.eye(3), [[0.0], [0.0], [-3.0]]])  # 3 units forward, the wall is at 2
    frame, labels = renderer.render(_k(), through)
    assert (labels == EXTRAPOLATED).all()
    assert frame.reshape(-1, 3).std(axis=0).max() > 10  # the photo at infinity, not one colour
    # a strong dolly-in that magnifies the wall 4x still renders the wall (sparse splats, full cover)
    near = np.hstack([np.eye(3), [[0.0], [0.0], [-1.5]]])
    frame, labels = renderer.render(_k(), near)
    assert (labels != EXTRAPOLATED).mean() > 0.9


def test_surface_support_counts_cells_not_pixels():
    from roomtour.render import surface_support

    z = np.full((64, 96), np.inf)
    z[::4, ::4] = 1.0  # one pixel in 16: a 4x magnified surface
    assert surface_support(z) == 1.0
    z[:, 48:] = np.inf
    assert surface_support(z) == 0.5
    assert surface_support(np.full((64, 96), np.inf)) == 0.0


def test_depth_holes_are_filled_from_the_farther_side():
    z = np.full((5, 9), np.inf)
    z[:, :3] = 1.0  # near on the left
    z[:, 6:] = 5.0  # far on the right
    filled = fill_depth_from_background(z)
    assert np.isfinite(filled).all()
    assert (filled[:, 3:6] == 5.0).all()


def test_fold_reflects_into_the_range():
    assert np.allclose(fold(np.array([-0.5, 0.25, 1.5, 2.5]), 0.0, 1.0), [0.5, 0.25, 0.5, 0.5])


def test_coverage_labels_are_listed_once():
    assert LABELS == ("visible", "stretched", "inpainted", "extrapolated")
    assert (VISIBLE, INPAINTED, EXTRAPOLATED) == (0, 2, 3)
