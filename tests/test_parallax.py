"""The parallax generator, its depth sources and the RealEstate10K suite."""

import numpy as np
import pytest

from conftest import shared_path
from roomtour.camera import CameraPath, intrinsics_matrix, preset_path, read_pose_file, write_pose_file
from roomtour.depth import OnnxDepthModel, estimate_depth, layout_depth, read_depth
from roomtour.errors import RoomtourError
from roomtour.generators import GENERATORS
from roomtour.render import INPAINTED, ParallaxRenderer
from roomtour.metrics import masked_psnr, psnr

W, H = 96, 64


def _path(translations=(), rotations=()):
    """A camera path from frame-0: ``w2c = [R | t]`` per frame (world = first camera)."""
    from scipy.spatial.transform import Rotation

    n = max(len(translations), len(rotations))
    w2c = []
    for i in range(n):
        m = np.zeros((3, 4))
        m[:, :3] = Rotation.from_rotvec(rotations[i]).as_matrix() if rotations else np.eye(3)
        m[:, 3] = translations[i] if translations else 0.0
        w2c.append(m)
    intr = np.tile([0.8, 0.8 * W / H, 0.5, 0.5], (n, 1))
    return CameraPath(intr, np.stack(w2c), np.arange(n) * 125000)


def _texture(rng, w=W, h=H):
    import cv2

    return cv2.resize(rng.integers(0, 256, (h // 4, w // 4, 3), dtype=np.uint8), (w, h), interpolation=cv2.INTER_CUBIC)


def test_fronto_parallel_plane_moves_by_the_predicted_disparity(rng):
    # a plane at depth Z seen by a camera moved by b along x: image shift = fx * b / Z pixels
    photo = _texture(rng)
    z, b = 4.0, 0.25
    cam = _path(translations=[(0, 0, 0), (-b, 0, 0)])  # w2c t = -C: the camera moves +b to the right
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
    cam = _path(rotations=[(0, 0, 0), (0, 0.05, 0), (0.03, -0.04, 0.01)])
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
    out = GENERATORS.create("static", {}).generate(photo, _path(translations=[(0, 0, 0)] * 3), W, H)
    assert out.shape == (3, H, W, 3) and all(np.array_equal(f, photo) for f in out)


def test_layout_depth_finds_the_vanishing_point_of_a_drawn_corridor():
    import cv2

    img = np.full((240, 320, 3), 200, np.uint8)
    vp = (190, 110)
    for x0, y0 in [(0, 0), (320, 0), (0, 240), (320, 240), (0, 60), (320, 60), (0, 180), (320, 180), (100, 240),
                   (260, 240), (100, 0), (260, 0)]:
        end = (int(vp[0] + 0.35 * (x0 - vp[0])), int(vp[1] + 0.35 * (y0 - vp[1])))
        cv2.line(img, (x0, y0), end, (30, 30, 30), 2)
    k = intrinsics_matrix([0.8, 0.8 * 320 / 240, 0.5, 0.5], 320, 240)
    depth, layout = layout_depth(img, k)
    assert not layout.fallback
    assert np.hypot(layout.vanishing_point[0] - vp[0], layout.vanishing_point[1] - vp[1]) < 4
    assert depth[239, 190] < depth[120, 190]  # the floor near the camera is closer than the back wall
    assert depth.max() == pytest.approx(6.0)


def test_layout_depth_falls_back_to_a_centred_box_without_lines():
    flat = np.full((64, 96, 3), 128, np.uint8)
    k = intrinsics_matrix([0.8, 1.2, 0.5, 0.5], 96, 64)
    depth, layout = layout_depth(flat, k)
    assert layout.fallback and layout.vanishing_point == (k[0, 2], k[1, 2])
    assert np.all(np.isfinite(depth)) and depth.min() > 0


def test_depth_files_npy_and_16bit_png(tmp_path):
    import cv2

    d = np.linspace(1, 5, 48 * 32, dtype=np.float32).reshape(32, 48)
    d[3, 4] = np.nan
    np.save(tmp_path / "d.npy", d)
    got = read_depth(tmp_path / "d.npy")
    assert np.isfinite(got).all() and got[3, 4] == pytest.approx(d[3, 5], abs=0.01)
    cv2.imwrite(str(tmp_path / "d.png"), (np.nan_to_num(d) * 1000).astype(np.uint16))
    assert read_depth(tmp_path / "d.png", 24, 16).shape == (16, 24)
    with pytest.raises(RoomtourError, match="d.txt: depth file not found"):
        read_depth(tmp_path / "d.txt")
    cv2.imwrite(str(tmp_path / "rgb.png"), np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(RoomtourError, match="rgb.png: depth image has colour channels"):
        read_depth(tmp_path / "rgb.png")


def _tiny_onnx_depth_model(path, size=(32, 24)):
    """A 1-conv 'depth network': inverse depth = mean of the normalised channels (no real weights)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array(np.full((1, 3, 1, 1), 1 / 3, np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("Conv", ["image", "w"], ["disparity"])],
        "tiny_depth",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, size[1], size[0]])],
        [helper.make_tensor_value_info("disparity", TensorProto.FLOAT, [1, 1, size[1], size[0]])],
        [w],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))


def test_onnx_depth_model_pre_and_post_processing(tmp_path):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    _tiny_onnx_depth_model(tmp_path / "depth.onnx")
    model = OnnxDepthModel(tmp_path / "depth.onnx", near=1.0, far=8.0)
    assert model.size == (32, 24)  # read from the model's fixed input shape
    photo = np.zeros((60, 90, 3), np.uint8)
    photo[:, 45:] = 255  # bright right half = high disparity = near
    x = model.preprocess(photo)
    assert x.shape == (1, 3, 24, 32) and x.dtype == np.float32
    assert x[0, 0, 0, 0] == pytest.approx((0 - 0.485) / 0.229, abs=1e-5)
    depth = model(photo)
    assert depth.shape == (60, 90)
    assert depth[:, :40].mean() == pytest.approx(8.0, abs=0.01) and depth[:, 50:].mean() == pytest.approx(1.0, abs=0.01)
    via_spec = estimate_depth(photo, {"source": "onnx", "model": str(tmp_path / "depth.onnx"), "near": 1.0,
                                      "far": 8.0, "straight_lines": False}, np.eye(3))
    assert np.allclose(via_spec, depth)
    # straightened by default: the step's edge is one straight line, each side keeps its depth
    straight = estimate_depth(photo, {"source": "onnx", "model": str(tmp_path / "depth.onnx"), "near": 1.0,
                                      "far": 8.0}, np.eye(3))
    assert straight[:, :30].mean() == pytest.approx(8.0, rel=0.05) and straight[:, 60:].mean() == pytest.approx(
        1.0, rel=0.05)
    with pytest.raises(RoomtourError, match="missing.onnx: ONNX depth model not found"):
        OnnxDepthModel(tmp_path / "missing.onnx")
    (tmp_path / "bad.onnx").write_bytes(b"nope")
    with pytest.raises(RoomtourError, match="bad.onnx: onnxruntime cannot load it"):
        OnnxDepthModel(tmp_path / "bad.onnx")


def test_masked_psnr_only_counts_the_mask():
    a = np.zeros((4, 4, 3), np.uint8)
    b = a.copy()
    b[:2] = 255
    mask = np.zeros((4, 4), bool)
    mask[2:] = True
    assert masked_psnr(a, b, mask) == float("inf")
    assert np.isnan(masked_psnr(a, b, np.zeros((4, 4), bool)))


def test_pose_file_round_trip_keeps_a_parallax_path(tmp_path):
    cam = _path(translations=[(0, 0, 0), (-0.1, 0.02, 0.05)], rotations=[(0, 0, 0), (0.01, 0.02, 0)])
    write_pose_file(tmp_path / "p.txt", cam)
    back = read_pose_file(tmp_path / "p.txt")
    assert np.allclose(back.w2c, cam.w2c, atol=1e-6) and np.allclose(back.intrinsics, cam.intrinsics)


def test_suite_end_to_end_on_two_clips(tmp_path):
    from roomtour.suite import run_suite, summarize_suite

    data = shared_path("data", "re10k_cameractrl")
    config = {
        "data": str(data),
        "clips": ["0bf152ef84195293", "2c80f9eb0d3b2bb4"],
        "frames": 6,
        "generators": {
            "static": {"method": "static"},
            "homography": {"method": "homography"},
            "parallax": {"method": "parallax", "options": {"depth": {"source": "layout"}}},
        },
    }
    frames, study = run_suite(config, log=lambda m: None, figure_dir=tmp_path)
    assert study is None
    assert set(frames.generator) == {"static", "homography", "parallax"}
    # coverage is reported per frame: the static video is all photo, the moving ones are not
    assert (frames[frames.generator == "static"].visible == 1).all()
    assert frames[frames.generator == "parallax"].extrapolated.max() > 0
    assert sorted(frames.frame.unique()) == [1, 2, 3, 4, 5]  # frame 0 is the input
    assert (tmp_path / "0bf152ef84195293.png").is_file()
    per_clip, text = summarize_suite(frames)
    assert len(per_clip) == 6 and "generator − baseline" in text and "| parallax | static | raw |" in text
    static = per_clip[per_clip.generator == "static"].ref_psnr.mean()
    parallax = per_clip[per_clip.generator == "parallax"].ref_psnr.mean()
    assert parallax > static


def test_suite_chains_generate_small_and_compare_every_chain_at_the_reference_size():
    from roomtour.suite import apply_chain, run_suite, summarize_suite

    data = shared_path("data", "re10k_cameractrl")
    config = {
        "data": str(data),
        "clips": ["0c11dbe781b1c11c"],
        "frames": 5,
        "generators": {"static": {"method": "static"}, "parallax": {"method": "parallax"}},
        "chains": {"generate_scale": 2, "chains": ["raw", "up", "dn-up"],
                   "denoise": {"method": "nlmeans", "options": {"h": 3, "window": 3}},
                   "upscale": {"method": "lanczos"}},
    }
    frames, _ = run_suite(config, log=lambda m: None)
    assert set(frames.chain) == {"raw", "up", "dn-up"}
    per_clip, text = summarize_suite(frames, baselines=["static"])
    assert "| static | up |" in text
    # dn-up reuses the denoised video: the cache holds dn after computing dn-up
    calls = []

    class Counting:
        def denoise(self, v):
            calls.append("dn")
            return v

        def upscale(self, v, s):
            calls.append("up")
            return np.repeat(np.repeat(v, 2, axis=1), 2, axis=2)

    cache = {}
    raw = np.zeros((2, 4, 6, 3), np.uint8)
    out = apply_chain(raw, "dn-up", Counting(), Counting(), 2, cache)
    apply_chain(raw, "dn", Counting(), Counting(), 2, cache)
    assert out.shape == (2, 8, 12, 3) and calls == ["dn", "up"] and set(cache) == {"dn", "dn-up"}
