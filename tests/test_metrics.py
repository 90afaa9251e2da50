import cv2
import numpy as np
import pandas as pd
import pytest
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from roomtour import metrics as M
from roomtour.metrics import masked_psnr


def test_psnr_by_hand():
    a = np.zeros((4, 4, 3), np.uint8)
    b = a + 1  # MSE = 1
    assert M.psnr(a, b) == pytest.approx(10 * np.log10(255**2))
    c = a.copy()
    c[0, 0, 0] = 10  # MSE = 100 / 48
    assert M.psnr(a, c) == pytest.approx(10 * np.log10(255**2 / (100 / 48)))
    assert M.psnr(a, a) == float("inf")


def test_temporal_psnr_is_the_study_convention(rng):
    frames = rng.integers(0, 256, (4, 20, 24, 3), dtype=np.uint8)
    frames[2] = frames[1]
    vals = M.temporal_psnr(frames)
    assert len(vals) == 3
    assert vals[0] == pytest.approx(peak_signal_noise_ratio(frames[0], frames[1]))
    assert vals[1] == float("inf")


def test_temporal_ssim_matches_skimage_with_the_study_data_range(textured_frame, rng):
    noisy = np.clip(textured_frame + rng.normal(0, 12, textured_frame.shape), 0, 255).astype(np.uint8)
    frames = np.stack([textured_frame, noisy])
    g0 = cv2.cvtColor(textured_frame, cv2.COLOR_RGB2GRAY)
    g1 = cv2.cvtColor(noisy, cv2.COLOR_RGB2GRAY)
    expected = structural_similarity(g0, g1, data_range=float(g0.max()) - float(g0.min()))
    assert M.temporal_ssim(frames)[0] == pytest.approx(expected, abs=1e-9)
    # a data range of zero is undefined, reported as NaN rather than a number
    flat = np.full_like(textured_frame, 7)
    assert np.isnan(M.temporal_ssim(np.stack([flat, noisy]))[0])


def test_reference_ssim_matches_skimage_standard_convention(textured_frame, rng):
    noisy = np.clip(textured_frame + rng.normal(0, 20, textured_frame.shape), 0, 255).astype(np.uint8)
    expected = structural_similarity(
        textured_frame,
        noisy,
        data_range=255,
        channel_axis=-1,
        gaussian_weights=True,
        sigma=1.5,
        use_sample_covariance=False,
    )
    assert M.ssim_reference(textured_frame, noisy) == pytest.approx(expected, abs=1e-9)
    assert M.ssim_reference(textured_frame, textured_frame) == pytest.approx(1.0)


def test_ref_metrics_per_frame(textured_frame):
    ref = np.stack([textured_frame, textured_frame])
    vid = ref.copy()
    vid[1] = np.clip(vid[1].astype(int) + 2, 0, 255)
    p = M.ref_psnr(vid, ref)
    assert p[0] == float("inf")
    assert 40 < p[1] < 43  # ~MSE 4 -> 42.1 dB, fewer where clipped at 255


def test_warp_error_is_small_for_true_motion_and_large_for_flicker(textured_frame, rng):
    big = cv2.resize(textured_frame, (128, 96), interpolation=cv2.INTER_CUBIC)
    shifted = np.stack([np.roll(big, s, axis=1) for s in range(0, 12, 3)])
    moving = M.warp_error(shifted)
    assert moving.shape == (3,)
    assert np.all(moving < 0.02)
    frozen = M.warp_error(np.stack([big] * 3))
    assert np.allclose(frozen, 0)
    brighter = np.clip(big.astype(int) + 40, 0, 255).astype(np.uint8)
    flicker = np.stack([big, brighter, big])
    assert np.all(M.warp_error(flicker) > 5 * moving.max())


def test_video_metrics_rows_and_reference_resolution(textured_frame):
    vid = np.stack([textured_frame] * 3)  # 48 x 64
    ref = np.stack([cv2.resize(textured_frame, (128, 96), interpolation=cv2.INTER_CUBIC)] * 3)
    df = M.video_metrics(vid, ref, compare_size=(128, 96), kernel="bicubic")
    assert list(df.frame) == [0, 1, 2]
    assert np.isnan(df.temporal_psnr[0]) and df.temporal_psnr[1] == float("inf")
    assert np.isnan(df.ref_psnr[0])  # frame 0 is the input photo
    # the chain is brought to the reference size with the named kernel, so bicubic-up equals the reference
    assert df.ref_psnr[1] == float("inf")
    no_ref = M.video_metrics(vid)
    assert no_ref.ref_psnr.isna().all()


def test_resize_frames_noop_and_unknown_kernel(textured_frame):
    vid = np.stack([textured_frame])
    assert M.resize_frames(vid, 64, 48) is vid
    with pytest.raises(ValueError, match="unknown resize kernel"):
        M.resize_frames(vid, 10, 10, "magic")


def test_masked_psnr_only_counts_the_mask():
    a = np.zeros((4, 4, 3), np.uint8)
    b = a.copy()
    b[:2] = 255
    mask = np.zeros((4, 4), bool)
    mask[2:] = True
    assert masked_psnr(a, b, mask) == float("inf")
    assert np.isnan(masked_psnr(a, b, np.zeros((4, 4), bool)))


def test_temporal_psnr_of_a_video_is_finite_unless_every_pair_is_identical():
    from roomtour.stats import per_video

    rows = pd.DataFrame({
        "image": "i", "motion": "m", "chain": ["raw"] * 4 + ["frozen"] * 4, "frame": [0, 1, 2, 3] * 2,
        "temporal_mse": [np.nan, 0.0, 10.0, 20.0, np.nan, 0.0, 0.0, 0.0],
        "temporal_psnr": [np.nan, np.inf, 38.1, 35.1, np.nan, np.inf, np.inf, np.inf],
    })
    videos = per_video(rows).set_index("chain")
    assert videos.loc["raw", "temporal_psnr"] == pytest.approx(10 * np.log10(255 ** 2 / 10.0))
    assert videos.loc["raw", "identical_pairs"] == 1
    assert np.isinf(videos.loc["frozen", "temporal_psnr"]) and videos.loc["frozen", "identical_pairs"] == 3
