import numpy as np
import pytest
import torch

from conftest import shared_path
from roomtour.errors import RoomtourError
from roomtour.metrics import psnr, warp_error
from roomtour.models.loading import load_weights, read_state_dict
from roomtour.models.srvgg import SRVGGNetCompact
from roomtour.temporal import stabilize
from roomtour.models.tiling import tiled_forward
from roomtour.models.weights import find_weights
from roomtour.upscalers import UPSCALERS, native_scale


def test_srvgg_output_shape_and_parameter_count():
    net = SRVGGNetCompact(num_feat=64, num_conv=16, upscale=4, act_type="prelu")
    assert sum(p.numel() for p in net.parameters()) == 621_424  # realesr-animevideov3
    assert net.receptive_radius == 18  # 18 convolutions of 3x3
    with torch.inference_mode():
        y = net(torch.rand(1, 3, 10, 14))
    assert y.shape == (1, 3, 40, 56)


def test_srvgg_values_with_hand_made_weights():
    """No hidden convs, 2 features: feat0 = x_r, feat1 = -x_r at the centre tap,
    PReLU slope 0.25, the last conv sums both features into every output
    channel.  For x_r > 0 the learned part is x_r - 0.25 x_r = 0.75 x_r, added
    to the nearest-upsampled input."""
    net = SRVGGNetCompact(num_in_ch=3, num_out_ch=3, num_feat=2, num_conv=0, upscale=2, act_type="prelu")
    sd = {k: torch.zeros_like(v) for k, v in net.state_dict().items()}
    sd["body.0.weight"][0, 0, 1, 1] = 1.0
    sd["body.0.weight"][1, 0, 1, 1] = -1.0
    sd["body.1.weight"][:] = 0.25
    sd["body.2.weight"][:, 0, 1, 1] = 1.0
    sd["body.2.weight"][:, 1, 1, 1] = 1.0
    net.load_state_dict(sd)
    x = torch.rand(1, 3, 3, 4) * 0.9 + 0.05
    with torch.inference_mode():
        y = net(x)
    nearest = x.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)
    learned = (0.75 * x[:, :1]).repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)
    torch.testing.assert_close(y, nearest + learned)


def _save(tmp_path, obj, name="w.pth"):
    p = tmp_path / name
    torch.save(obj, p)
    return p


def test_loader_unwraps_params_and_module_prefix(tmp_path):
    net = SRVGGNetCompact(num_feat=4, num_conv=1, upscale=2)
    sd = net.state_dict()
    for packed in ({"params": sd}, {"state_dict": {f"module.{k}": v for k, v in sd.items()}}, sd):
        other = SRVGGNetCompact(num_feat=4, num_conv=1, upscale=2)
        report = load_weights(other, _save(tmp_path, packed))
        assert report == {"missing": [], "unexpected": [], "mismatched": []}
        for k in sd:
            assert torch.equal(other.state_dict()[k], sd[k])


def test_loader_reports_missing_unexpected_and_shape_errors(tmp_path):
    net = SRVGGNetCompact(num_feat=4, num_conv=1, upscale=2)
    sd = net.state_dict()
    partial = {k: v for k, v in sd.items() if k != "body.0.bias"}
    partial["extra.weight"] = torch.zeros(1)
    path = _save(tmp_path, partial)
    with pytest.raises(RoomtourError) as exc:
        load_weights(SRVGGNetCompact(num_feat=4, num_conv=1, upscale=2), path)
    msg = str(exc.value)
    assert str(path) in msg and "missing 1 keys (e.g. body.0.bias)" in msg and "unexpected 1 keys" in msg
    report = load_weights(SRVGGNetCompact(num_feat=4, num_conv=1, upscale=2), path, strict=False)
    assert report["missing"] == ["body.0.bias"] and report["unexpected"] == ["extra.weight"]
    with pytest.raises(RoomtourError, match="shape mismatch"):
        load_weights(SRVGGNetCompact(num_feat=8, num_conv=1, upscale=2), _save(tmp_path, sd, "b.pth"))


def test_loader_refuses_files_that_are_not_checkpoints(tmp_path):
    bad = tmp_path / "weights.pth"
    bad.write_text("not a checkpoint")
    with pytest.raises(RoomtourError, match="not a readable PyTorch checkpoint"):
        read_state_dict(bad)
    with pytest.raises(RoomtourError, match="not found"):
        read_state_dict(tmp_path / "missing.pth")
    with pytest.raises(RoomtourError, match="state dict of tensors"):
        read_state_dict(_save(tmp_path, {"epoch": 3}, "c.pth"))


def test_released_realesrgan_weights_load_strictly():
    path = shared_path("weights", "realesrgan", "realesr-animevideov3.pth")
    net = SRVGGNetCompact()
    assert load_weights(net, path)["missing"] == []


def test_tiled_forward_equals_untiled_when_the_padding_covers_the_receptive_field():
    torch.manual_seed(0)
    net = SRVGGNetCompact(num_feat=8, num_conv=4, upscale=2).eval()
    x = torch.rand(1, 3, 37, 53)
    with torch.inference_mode():
        full = net(x)
        tiled = tiled_forward(net, x, 2, tile=16, pad=net.receptive_radius)
        seams = tiled_forward(net, x, 2, tile=16, pad=0)
    assert tiled.shape == full.shape
    assert (tiled - full).abs().max() < 1e-4
    assert (seams - full).abs().max() > 1e-3  # without context the tiles show seams


def test_native_scale_choice():
    assert native_scale(2, (2, 3, 4)) == 2
    assert native_scale(2.5, (2, 3, 4)) == 3
    assert native_scale(6, (2, 3, 4)) == 4
    assert native_scale(2, (4,)) == 4


def test_missing_weights_name_the_file_and_the_official_source(tmp_path):
    with pytest.raises(RoomtourError) as exc:
        find_weights(tmp_path, "realesrgan/realesr-animevideov3.pth")
    msg = str(exc.value)
    assert str(tmp_path / "realesrgan" / "realesr-animevideov3.pth") in msg
    assert "github.com/xinntao/Real-ESRGAN/releases" in msg
    with pytest.raises(RoomtourError, match="FSRCNN_Tensorflow"):
        UPSCALERS.create("fsrcnn", {"weights_dir": str(tmp_path)}).upscale(np.zeros((1, 8, 8, 3), np.uint8), 2)


def test_corrupt_opencv_weights_are_reported(tmp_path):
    (tmp_path / "ESPCN_x2.pb").write_bytes(b"\x00garbage")
    with pytest.raises(RoomtourError, match="OpenCV cannot run it"):
        UPSCALERS.create("espcn", {"weights_dir": str(tmp_path)}).upscale(np.zeros((1, 8, 8, 3), np.uint8), 2)


@pytest.mark.parametrize("method", ["fsrcnn", "espcn"])
def test_opencv_superres_on_a_small_image(method):
    import cv2

    from roomtour.camera import preset_path
    from roomtour.scenes import SCENES, render_frame

    weights = shared_path("weights")
    cam = preset_path("stationary", 1, 60, 4 / 3)
    clean, _ = render_frame(SCENES["living"], cam.w2c[0], cam.intrinsics[0], 128, 96)
    low = cv2.resize(clean, (64, 48), interpolation=cv2.INTER_AREA)[None]
    out = UPSCALERS.create(method, {"weights_dir": str(weights)}).upscale(low, 2)
    assert out.shape == (1, 96, 128, 3)
    nearest = cv2.resize(low[0], (128, 96), interpolation=cv2.INTER_NEAREST)
    assert psnr(out[0], clean) > psnr(nearest, clean) + 1.0
    # any scale: x2.5 runs the x3 model, then resizes exactly
    odd = UPSCALERS.create(method, {"weights_dir": str(weights)}).upscale(low, 2.5)
    assert odd.shape == (1, 120, 160, 3)


def test_realesrgan_upscaler_x4_and_x2(textured_frame):
    weights = shared_path("weights")
    up = UPSCALERS.create("realesr-animevideov3", {"weights_dir": str(weights), "tile": 32})
    low = textured_frame[None, :24, :32]
    assert up.upscale(low, 4).shape == (1, 96, 128, 3)
    assert up.upscale(low, 2).shape == (1, 48, 64, 3)
    assert UPSCALERS.uses_gpu("realesr-animevideov3") and not UPSCALERS.uses_gpu("lanczos")


def test_stabilize_lowers_warp_error_of_a_flickering_clip(textured_frame, rng):
    import cv2

    big = cv2.resize(textured_frame, (128, 96), interpolation=cv2.INTER_CUBIC)
    clean = np.stack([np.roll(big, 2 * t, axis=1) for t in range(6)])
    flicker = np.clip(clean + rng.normal(0, 4, clean.shape), 0, 255).astype(np.uint8)
    steady = stabilize(flicker, weight=0.5)
    assert steady.shape == flicker.shape
    assert np.nanmean(warp_error(steady)) < 0.8 * np.nanmean(warp_error(flicker))
    assert np.array_equal(stabilize(flicker, weight=0.0), flicker)
    # blending never pulls the result far from the input
    assert np.mean([psnr(s, c) for s, c in zip(steady, clean)]) > np.mean([psnr(f, c) for f, c in zip(flicker, clean)]) - 0.5
