"""FastDVDnet: architecture/checkpoint layout, the inference pipeline, the committed
weights, the noise estimator, training plumbing and the classical baselines."""

import json

import numpy as np
import pytest
import torch

from conftest import shared_path
from roomtour.denoisers import (
    BUNDLED,
    DENOISERS,
    FastDVDnetDenoiser,
    estimate_noise_sigma,
    mirrored_window,
)
from roomtour.errors import RoomtourError
from roomtour.metrics import psnr
from roomtour.models.fastdvdnet import FastDVDnet, fold_batchnorm
from roomtour.clips import add_gaussian_noise


def _random_network(seed=0):
    """Random weights and non-trivial batch-norm statistics (plumbing only, not a denoiser)."""
    torch.manual_seed(seed)
    net = FastDVDnet()
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.1, 0.1)
    return net.eval()


@pytest.fixture(scope="module")
def official_checkpoint(tmp_path_factory):
    """A random network saved the way the authors' model.pth is: a DataParallel state dict."""
    net = _random_network()
    path = tmp_path_factory.mktemp("ckpt") / "model.pth"
    torch.save({"module." + k: v for k, v in net.state_dict().items()}, path)
    return net, path


def _moving_clip(frame, n=5, step=2):
    return np.stack([np.roll(frame, k * step, axis=1) for k in range(n)])


def _naive(net, frames, sigma):
    """The paper's inference, written out: pad to x4, five mirrored frames per output, no caching."""
    n, h, w, _ = frames.shape
    ph, pw = (-h) % 4, (-w) % 4
    x = torch.from_numpy(frames).permute(0, 3, 1, 2).float() / 255
    x = torch.nn.functional.pad(x, (0, pw, 0, ph), mode="reflect")
    noise_map = torch.full((1, 1, h + ph, w + pw), sigma / 255)
    out = []
    with torch.no_grad():
        for t in range(n):
            y = net(torch.cat([x[i : i + 1] for i in mirrored_window(t, n, 2)], 1), noise_map)
            out.append((y[0, :, :h, :w].clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy())
    return np.stack(out)


def test_module_names_and_shapes_follow_the_released_checkpoint():
    state = FastDVDnet().state_dict()
    expected = {
        "temp1.inc.convblock.0.weight": (90, 4, 3, 3),  # grouped conv over 3 x (RGB + noise map)
        "temp1.inc.convblock.3.weight": (32, 90, 3, 3),
        "temp1.downc0.convblock.3.convblock.0.weight": (64, 64, 3, 3),
        "temp1.downc1.convblock.0.weight": (128, 64, 3, 3),
        "temp1.upc2.convblock.1.weight": (256, 128, 3, 3),
        "temp2.outc.convblock.3.weight": (3, 32, 3, 3),
        "temp2.inc.convblock.1.running_var": (90,),
    }
    for key, shape in expected.items():
        assert tuple(state[key].shape) == shape, key
    params = sum(v.numel() for k, v in state.items() if not k.endswith(("running_mean", "running_var", "tracked")))
    assert 2.4e6 < params < 2.6e6  # the paper's ~2.5 M parameters


def test_official_layout_round_trip_gives_the_same_output(official_checkpoint, textured_frame):
    net, path = official_checkpoint
    den = FastDVDnetDenoiser(sigma=20, weights=str(path), fold_bn=False, anchor=0, precision="fp32")
    assert den.load_report == {"missing": [], "unexpected": [], "mismatched": []}
    clip = _moving_clip(textured_frame)
    # the same weights and function; the kernels oneDNN picks (per CPU) may round a value that lies
    # near .5 of a grey level either way, so "the same output" is: within one grey level
    assert np.abs(den.denoise(clip).astype(int) - _naive(net, clip, 20).astype(int)).max() <= 1


def test_folded_batchnorm_tiles_and_stage_one_reuse_match_the_paper_inference(official_checkpoint, rng):
    net, path = official_checkpoint
    import cv2

    frame = cv2.resize(rng.integers(0, 256, (9, 11, 3), dtype=np.uint8), (43, 37))  # odd sizes: pads to 44 x 40
    clip = _moving_clip(frame, n=7, step=1)
    den = FastDVDnetDenoiser(sigma=15, weights=str(path), tile=16, tile_pad=48, anchor=0, precision="fp32")
    out = den.denoise(clip)
    assert out.shape == clip.shape and out.dtype == np.uint8
    # folding and tiling change float rounding only: at most one grey level
    assert np.abs(out.astype(int) - _naive(net, clip, 15).astype(int)).max() <= 1


def test_sequence_ends_are_mirrored_and_short_clips_work(official_checkpoint, textured_frame):
    net, path = official_checkpoint
    clip = _moving_clip(textured_frame, n=3)
    den = FastDVDnetDenoiser(sigma=10, weights=str(path), fold_bn=False, anchor=0, precision="fp32")
    out = den.denoise(clip)
    assert mirrored_window(0, 3, 2) == [2, 1, 0, 1, 2]
    x = torch.from_numpy(clip).permute(0, 3, 1, 2).float() / 255
    with torch.no_grad():
        y = net(torch.cat([x[i : i + 1] for i in [2, 1, 0, 1, 2]], 1), torch.full((1, 1, 48, 64), 10 / 255))
    want = (y[0].clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy()
    assert np.abs(out[0].astype(int) - want.astype(int)).max() <= 1  # kernels differ per CPU: one grey level


def test_a_file_that_is_not_a_fastdvdnet_checkpoint_fails_with_one_line(tmp_path):
    from roomtour.models.srvgg import SRVGGNetCompact

    other = tmp_path / "srvgg.pth"
    torch.save(SRVGGNetCompact(num_conv=2).state_dict(), other)
    with pytest.raises(RoomtourError, match=r"srvgg\.pth: weights do not fit FastDVDnet: missing"):
        FastDVDnetDenoiser(weights=str(other))
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(RoomtourError, match="junk.pth: not a readable PyTorch checkpoint"):
        FastDVDnetDenoiser(weights=str(junk))
    with pytest.raises(RoomtourError, match="m-tassano/fastdvdnet"):
        FastDVDnetDenoiser(weights="fastdvdnet/model.pth", weights_dir=str(tmp_path))


@pytest.mark.parametrize("name", ["roomtour-v1", "roomtour-v2"])
def test_committed_weights_denoise_a_synthetic_noisy_clip(textured_frame, name):
    assert BUNDLED[name].is_file()
    record = json.loads(BUNDLED[name].with_suffix(".json").read_text())
    assert "train-denoiser" in record["command"] and record["held_out"]
    import cv2

    clean = _moving_clip(cv2.resize(textured_frame, (128, 96)), n=5, step=2)
    noisy = add_gaussian_noise(clean, 25, seed=0)
    out = FastDVDnetDenoiser(sigma=25, weights=name).denoise(noisy)
    before = np.mean([psnr(a, b) for a, b in zip(noisy, clean)])
    after = np.mean([psnr(a, b) for a, b in zip(out, clean)])
    assert after > before + 4.0, (before, after)  # random weights would not denoise at all


def test_bf16_convolutions_denoise_as_well_as_fp32(textured_frame):
    """bf16 (the default on CPUs with native bf16, emulated elsewhere) changes rounding, not the
    denoiser: frames within 2 grey levels of fp32 and the same PSNR to the clean clip within 0.05 dB."""
    import cv2

    clean = _moving_clip(cv2.resize(textured_frame, (128, 96)), n=5, step=2)
    noisy = add_gaussian_noise(clean, 20, seed=0)
    fp32 = FastDVDnetDenoiser(sigma=20, precision="fp32")
    bf16 = FastDVDnetDenoiser(sigma=20, precision="bf16")
    assert (fp32.precision, bf16.precision) == ("fp32", "bf16")
    a, b = fp32.denoise(noisy), bf16.denoise(noisy)
    diff = np.abs(a.astype(int) - b.astype(int))
    assert 0 < diff.max() <= 2 and diff.mean() < 0.5, (diff.max(), diff.mean())  # it did run in bf16
    gain = [np.mean([psnr(x, c) for x, c in zip(out, clean)]) for out in (a, b)]
    assert gain[1] == pytest.approx(gain[0], abs=0.05), gain


def test_precision_is_checked():
    with pytest.raises(RoomtourError, match="fp16 runs on CUDA only"):
        FastDVDnetDenoiser(device="cpu", precision="fp16")
    with pytest.raises(RoomtourError, match="precision: must be one of auto, fp32, bf16, fp16"):
        FastDVDnetDenoiser(precision="double")


@pytest.mark.parametrize("clip", ["0f47577ab3441480", "0f68374b76390082"])  # the second: dark blues clip at 0
def test_default_weights_keep_colour_on_a_real_clip_with_8bit_noise(clip):
    """A held-out RealEstate10K clip plus sigma-30 noise, rounded and clipped to 8 bit: the mean of
    (output - clean) per channel stays within half a grey level and the mean chroma within 2 %."""
    import cv2

    from conftest import shared_path
    from roomtour.clips import load_clip

    clean = load_clip(shared_path("data", "re10k_cameractrl", "frames", clip), 5)
    noisy = add_gaussian_noise(clean, 30, seed=0)
    out = FastDVDnetDenoiser(sigma=30).denoise(noisy)
    shift = (out.astype(float) - clean.astype(float)).mean(axis=(0, 1, 2))
    assert np.abs(shift).max() <= 0.5, shift

    def chroma(frames):
        ycc = np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2YCrCb) for f in frames]).astype(float)
        return np.hypot(ycc[..., 1] - 128, ycc[..., 2] - 128).mean()

    assert chroma(out) / chroma(clean) == pytest.approx(1.0, abs=0.02)


def test_clipped_noise_mean_matches_a_simulation(rng):
    from roomtour.denoisers import clipped_noise_mean

    clean = np.array([0.0, 5.0, 40.0, 128.0, 240.0, 255.0])
    mean, slope = clipped_noise_mean(clean, 30.0)
    draws = np.clip(clean[None] + rng.normal(0, 30, (200_000, clean.size)), 0, 255).mean(axis=0)
    assert np.abs(mean - draws).max() < 0.3, (mean, draws)
    assert mean[0] > 10 and mean[-1] < 245 and abs(mean[3] - 128) < 1e-3  # biased near the ends only
    assert slope[3] == pytest.approx(1.0, abs=1e-4) and 0.4 < slope[0] < 0.6


def test_anchor_removes_a_colour_drift_and_keeps_the_detail(textured_frame):
    """A 'denoiser' that drifts in colour (a smooth offset of several grey levels, larger in dark
    and bright areas) is pulled back to the clean colour within half a grey level per channel,
    including where 8-bit clipping biases the noisy input; the fine detail stays the denoiser's."""
    import cv2

    from roomtour.denoisers import anchor_low_frequencies

    clean = cv2.resize(textured_frame, (256, 192), interpolation=cv2.INTER_CUBIC).astype(np.float64)
    h, w, _ = clean.shape
    clean[: h // 3] = clean[: h // 3] * 0.15            # a dark band: noise clips at 0
    clean[-h // 4:] = 200 + clean[-h // 4:] * 0.2      # a bright band: noise clips at 255
    clean = clean.round().astype(np.uint8)
    noisy = add_gaussian_noise(clean[None], 30, seed=1)[0]
    ramp = np.linspace(-1, 1, w)[None, :, None]
    drifted = np.clip(clean + np.array([-3.0, 2.0, 4.0]) + 2.0 * ramp, 0, 255)
    out = anchor_low_frequencies(drifted, noisy, 30.0)
    before = (drifted - clean).mean(axis=(0, 1))
    after = (out - clean).mean(axis=(0, 1))
    assert np.abs(before).max() > 2.5 and np.abs(after).max() <= 0.5, (before, after)

    def detail(x):
        return x - cv2.GaussianBlur(np.float32(x), (0, 0), 6.0)

    kept = np.corrcoef(detail(out).ravel(), detail(drifted).ravel())[0, 1]
    assert kept > 0.9, kept


def test_bm3d_sigma_is_the_noise_level_on_the_0_255_scale(textured_frame):
    import cv2

    clean = _moving_clip(cv2.resize(textured_frame, (96, 72)), n=3, step=1)
    noisy = add_gaussian_noise(clean, 20, seed=1)
    out = DENOISERS.create("bm3d", {"sigma": 20}).denoise(noisy)
    gain = np.mean([psnr(a, b) for a, b in zip(out, clean)]) - np.mean([psnr(a, b) for a, b in zip(noisy, clean)])
    assert gain > 5.0, gain


def test_sigma_auto_uses_the_estimate(textured_frame):
    clean = _moving_clip(textured_frame)
    den = FastDVDnetDenoiser(sigma="auto")
    noisy = add_gaussian_noise(clean, 20, seed=1)
    assert abs(den.sigma_for(noisy) - estimate_noise_sigma(noisy)) < 1e-12
    with pytest.raises(RoomtourError, match="sigma must be a number"):
        FastDVDnetDenoiser(sigma="strong")


def test_noise_estimator_recovers_the_sigma_of_added_noise(rng):
    flat = np.full((5, 64, 96, 3), 120, np.uint8)
    for sigma in (5, 15, 30):
        est = estimate_noise_sigma(add_gaussian_noise(flat, sigma, seed=sigma))
        assert abs(est - sigma) < 0.1 * sigma + 0.5, (sigma, est)
    assert estimate_noise_sigma(flat) == 0.0


def test_fold_batchnorm_keeps_the_function():
    net = _random_network(3)
    x, nm = torch.rand(1, 15, 16, 16), torch.full((1, 1, 16, 16), 0.1)
    with torch.no_grad():
        before = net(x, nm)
        after = fold_batchnorm(net)(x, nm)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules())
    assert torch.allclose(before, after, atol=1e-5)


def test_classical_ffmpeg_baseline_reduces_noise(textured_frame):
    clean = _moving_clip(textured_frame)
    noisy = add_gaussian_noise(clean, 20, seed=2)
    out = DENOISERS.create("fft3d", {"sigma": 40}).denoise(noisy)
    assert out.shape == clean.shape
    assert np.mean([psnr(a, b) for a, b in zip(out, clean)]) > np.mean([psnr(a, b) for a, b in zip(noisy, clean)]) + 1


def test_training_writes_loadable_fp16_weights_and_a_record(tmp_path, textured_frame):
    """Two iterations on a tiny clip: plumbing only (the weights are not a denoiser)."""
    from safetensors import safe_open

    from roomtour.training import train_fastdvdnet
    from roomtour.images import write_image

    for name, shift in (("train_clip", 1), ("held_clip", 3)):
        (tmp_path / name).mkdir()
        for k in range(6):
            write_image(tmp_path / name / f"{k:02d}.png", np.roll(textured_frame, k * shift, axis=1))
    recipe = {
        "train": {"clips": ["train_clip"]},
        "validation": ["held_clip"],
        "validation_frames": 5,
        "validation_sigmas": [20],
        "optimizer": {"patch": 32, "batch": 2, "iterations": 2, "lr": 1e-3},
    }
    out = tmp_path / "w.safetensors"
    record = train_fastdvdnet(recipe, tmp_path, out, device="cpu", log=lambda m: None)
    assert record["iterations"] == 2 and record["held_out"] == ["held_clip"]
    assert set(record["validation_psnr"]) == {"sigma20"}
    with safe_open(str(out), "pt") as f:
        assert f.get_tensor("temp1.inc.convblock.0.weight").dtype == torch.float16
        assert json.loads(f.metadata()["roomtour"])["iterations"] == 2
    FastDVDnetDenoiser(weights=str(out))  # strict load: every key present
    recipe["validation"] = ["train_clip"]
    with pytest.raises(RoomtourError, match="both trained on and held out"):
        train_fastdvdnet(recipe, tmp_path, tmp_path / "x.safetensors", device="cpu", log=lambda m: None)


def test_denoising_benchmark_on_one_real_clip(tmp_path):
    from roomtour.restoration import run_denoising, summarize_denoising

    frames = shared_path("data", "re10k_cameractrl", "frames")
    config = {
        "data": str(frames),
        "weights_dir": "",
        "frames": 5,
        "denoising": {
            "clips": ["0c9b371cc6225682"],
            "sigmas": [30],
            "tuning_clip": "0bf152ef84195293",
            "tuning_frames": 5,
            "methods": {
                "fastdvdnet": {"method": "fastdvdnet", "strength": {"option": "sigma", "factors": [1.0]}},
                "fft3d": {"method": "fft3d", "strength": {"option": "sigma", "factors": [2, 4], "max": 100}},
            },
        },
    }
    rows = run_denoising(config, log=lambda m: None, figure_dir=tmp_path)
    assert set(rows.method) == {"noisy", "fastdvdnet", "fft3d"}
    by = rows.set_index("method").psnr
    assert by["fastdvdnet"] > by["fft3d"] > by["noisy"]
    assert (tmp_path / "dn_sigma30.png").is_file()
    _, text = summarize_denoising(rows)
    assert "| 30 |" in text and "fastdvdnet − fft3d" in text
