"""Coverage, framing, background-only hole filling, extrapolation and pop-up depth (the renderer)."""


import numpy as np
import pytest

from roomtour.camera import intrinsics_matrix, preset_path
from roomtour.depth import floor_contact, popup_depth
from roomtour.errors import RoomtourError
from roomtour.framing import Framing, apply_framing, damp_path, fit_framing
from roomtour.generators import GENERATORS, warn_if_frozen
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
from roomtour.scenes import Box, Scene, render_frame

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


def test_a_floor_standing_box_gets_the_depth_of_its_floor_contact():
    # an empty room with one box on the floor: its front face is at z = 3.0
    scene = Scene(name="box", boxes=(Box((-0.6, 0.4, 3.0), (0.6, 1.2, 3.8), (0.2, 0.3, 0.8), "plain"),))
    w, h = 192, 128
    cam = preset_path("stationary", 1, 60, w / h)
    photo, exact = render_frame(scene, cam.w2c[0], cam.intrinsics[0], w, h, depth=True)
    k = intrinsics_matrix(cam.intrinsics[0], w, h)
    depth, info = popup_depth(photo, k)
    assert not info.fallback and info.objects >= 1
    face = exact < 3.05  # pixels of the box's front face
    assert face.sum() > 200
    assert np.median(depth[face]) == pytest.approx(3.0, rel=0.1)
    # the wall above the box is not pulled forward with it
    above = (np.arange(h)[:, None] < 40) & (np.abs(np.arange(w) - w / 2) < 10)[None, :]
    assert np.median(depth[above]) > 4.5


def test_floor_contact_per_column():
    floor = np.zeros((10, 4), bool)
    floor[6:, 0] = True  # floor up to row 6
    floor[:, 1] = True  # floor all the way up
    floor[8:, 2] = True
    floor[5, 2] = True  # an island above a gap of 2 rows is not the same floor
    assert list(floor_contact(floor, gap=0)) == [6, 0, 8, 10]


def test_depth_holes_are_filled_from_the_farther_side():
    z = np.full((5, 9), np.inf)
    z[:, :3] = 1.0  # near on the left
    z[:, 6:] = 5.0  # far on the right
    filled = fill_depth_from_background(z)
    assert np.isfinite(filled).all()
    assert (filled[:, 3:6] == 5.0).all()


def test_fold_reflects_into_the_range():
    assert np.allclose(fold(np.array([-0.5, 0.25, 1.5, 2.5]), 0.0, 1.0), [0.5, 0.25, 0.5, 0.5])


def test_homography_generator_warns_when_a_translating_path_gives_a_frozen_video(rng, capsys):
    photo = _texture(rng)
    cam = preset_path("pan_left", 4, 60, W / H, distance=0.5)
    video = GENERATORS.create("homography", {}).generate(photo, cam, W, H)
    assert warn_if_frozen(video, cam, "homography")
    assert "camera path moves but every frame" in capsys.readouterr().err
    moving = GENERATORS.create("parallax", {}).generate(photo, cam, W, H, depth=np.full((H, W), 3.0))
    assert not warn_if_frozen(moving, cam, "parallax")


def test_bad_framing_is_one_line():
    with pytest.raises(RoomtourError, match="must be one of exact, fit"):
        GENERATORS.create("parallax", {}).generate(np.zeros((H, W, 3), np.uint8), preset_path("pan_left", 2),
                                                   W, H, depth=np.ones((H, W)), framing="wide")


def test_coverage_labels_are_listed_once():
    assert LABELS == ("visible", "stretched", "inpainted", "extrapolated")
    assert (VISIBLE, INPAINTED, EXTRAPOLATED) == (0, 2, 3)
