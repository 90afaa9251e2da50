"""Depth sources (roomtour.depth): pop-up depth, layout depth, depth files, the ONNX runner."""

import numpy as np
import pytest

from roomtour.camera import intrinsics_matrix, preset_path
from roomtour.depth import OnnxDepthModel, estimate_depth, floor_contact, layout_depth, popup_depth, read_depth
from roomtour.errors import RoomtourError
from roomtour.scenes import Box, Scene, render_frame


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
