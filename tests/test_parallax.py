"""The parallax generator, its depth sources and the RealEstate10K suite."""

import numpy as np
import pytest

from conftest import relative_path

from roomtour.camera import intrinsics_matrix, preset_path
from roomtour.generators import GENERATORS
from roomtour.render import INPAINTED, ParallaxRenderer
from roomtour.metrics import psnr

W, H = 96, 64


def _texture(rng, w=W, h=H):
    import cv2

    return cv2.resize(rng.integers(0, 256, (h // 4, w // 4, 3), dtype=np.uint8), (w, h), interpolation=cv2.INTER_CUBIC)


def test_fronto_parallel_plane_moves_by_the_predicted_disparity(rng):
    # a plane at depth Z seen by a camera moved by b along x: image shift = fx * b / Z pixels
    photo = _texture(rng)
    z, b = 4.0, 0.25
    cam = relative_path(translations=[(0, 0, 0), (-b, 0, 0)])  # w2c t = -C: the camera moves +b to the right
    out = GENERATORS.create("parallax", {}).generate(photo, cam, W, H, depth=np.full((H, W), z))
    shift = 0.8 * W * b / z  # fx in pixels = 0.8 * W
    assert shift == pytest.approx(4.8)
    # content moves left by `shift`: out[:, x] == photo[:, x + shift] away from the right border
    import cv2

    m = np.float32([[1, 0, shift], [0, 1, 0]])
    expected = cv2.warpAffine(photo, m, (W, H), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
    inner = np.s_[:, 2 : W - 8]
    assert psnr(out[1][inner], expected[inner]) > 40


def test_pure_rotation_equals_the_homography_and_ignores_depth(rng):
    photo = _texture(rng)
    cam = relative_path(rotations=[(0, 0, 0), (0, 0.05, 0), (0.03, -0.04, 0.01)])
    bumpy = 2.0 + rng.random((H, W)) * 3.0
    par = GENERATORS.create("parallax", {"interpolation": "linear"}).generate(photo, cam, W, H, depth=bumpy)
    hom = GENERATORS.create("homography", {"interpolation": "linear"}).generate(photo, cam, W, H)
    for a, b in zip(par, hom):
        assert np.abs(a.astype(int) - b.astype(int)).max() <= 1


def test_disocclusions_are_filled_and_marked_invisible(rng):
    # a near box in front of a far wall; moving sideways uncovers wall behind the box edge
    photo = _texture(rng)
    depth = np.full((H, W), 6.0)
    depth[16:48, 30:60] = 1.5
    k = intrinsics_matrix([0.8, 0.8 * W / H, 0.5, 0.5], W, H)
    pose = np.hstack([np.eye(3), [[-0.3], [0], [0]]])
    frame, labels = ParallaxRenderer(photo, depth, k).render(k, pose)
    hole = labels == INPAINTED
    assert hole.sum() > 50  # the uncovered strip
    assert frame.min(axis=2)[hole].mean() > 5  # inpainted, not left black
    # the near box keeps its own pixels: it moved left by fx * 0.3 / 1.5 = 15.36 px
    import cv2

    moved = cv2.warpAffine(photo, np.float32([[1, 0, 76.8 * 0.3 / 1.5], [0, 1, 0]]), (W, H),
                           flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
    assert psnr(frame[20:44, 18:40], moved[20:44, 18:40]) > 35


def test_parallax_on_a_procedural_room_beats_homography_against_the_exact_render():
    from roomtour.scenes import get_scene, render_frame, render_path

    w, h = 128, 86
    cam = preset_path("pan_left", 4, aspect=w / h)
    scene = get_scene("living")
    photo, depth = render_frame(scene, cam.w2c[0], cam.intrinsics[0], w, h, depth=True)
    exact = render_path(scene, cam, w, h)
    par = GENERATORS.create("parallax", {}).generate(photo, cam, w, h, depth=depth)
    hom = GENERATORS.create("homography", {"plane_depth": 4.5}).generate(photo, cam, w, h)
    p_par = np.mean([psnr(a, b) for a, b in zip(par[1:], exact[1:])])
    p_hom = np.mean([psnr(a, b) for a, b in zip(hom[1:], exact[1:])])
    assert p_par > p_hom + 3, (p_par, p_hom)


def test_static_generator_repeats_the_photo(rng):
    photo = _texture(rng)
    out = GENERATORS.create("static", {}).generate(photo, relative_path(translations=[(0, 0, 0)] * 3), W, H)
    assert out.shape == (3, H, W, 3) and all(np.array_equal(f, photo) for f in out)


