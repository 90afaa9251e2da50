"""Video quality metrics.  Pure functions on uint8 RGB frames ``(H, W, 3)``.

Two families, never to be confused:

*Temporal-stability proxies* (the original study's table) compare
**consecutive frames of the same video**.  A video that does not move scores
best (``frozen`` gets PSNR = inf, SSIM = 1), so they measure smoothness, not
quality.  Conventions reproduced from the study's code:

* ``temporal_psnr``: ``skimage.metrics.peak_signal_noise_ratio`` on RGB uint8
  frames, ``data_range = 255`` (the dtype range), MSE over all channels.
* ``temporal_ssim``: ``skimage.metrics.structural_similarity`` on OpenCV
  grayscale (``COLOR_RGB2GRAY``, BT.601 weights) with the *per-frame* data
  range ``max - min`` of the earlier frame and skimage's default 7x7 uniform
  window (sample covariance).

roomtour computes these (and the SSIM below) with OpenCV filters, which give
skimage's values to float precision (checked in the tests) at a fraction of the
cost.

*Fidelity* against ground-truth reference frames, standard conventions:

* ``ref_psnr``: PSNR on RGB uint8, ``data_range = 255``.
* ``ref_ssim``: SSIM (Wang et al. 2004) with a Gaussian window ``sigma = 1.5``,
  population covariance, ``data_range = 255``, computed per RGB channel and
  averaged.

and a flow-based temporal consistency measure:

* ``warp_error``: mean absolute difference (intensity scale [0, 1], averaged
  over RGB) between frame ``t-1`` and frame ``t`` warped back with the optical
  flow ``t-1 -> t`` (OpenCV DIS, medium preset, on grayscale), over pixels
  that pass a forward-backward consistency check (Sundaram et al. 2010:
  ``|f + b|^2 <= 0.01 (|f|^2 + |b|^2) + 0.5``) and whose target lies inside
  the frame.  Lower is better; a frozen video scores 0, so it is a
  consistency measure, not fidelity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np

if TYPE_CHECKING:  # imported where the table is built: the camera job resizes frames without it
    import pandas as pd

__all__ = [
    "RESIZE_KERNELS",
    "resize_frames",
    "psnr",
    "ssim_reference",
    "ssim_study",
    "temporal_psnr",
    "temporal_ssim",
    "ref_psnr",
    "ref_ssim",
    "warp_error",
    "mse",
    "psnr_from_mse",
    "video_metrics",
    "METRIC_COLUMNS",
    "Metric",
    "METRICS",
]

RESIZE_KERNELS = {
    "nearest": cv2.INTER_NEAREST,
    "bilinear": cv2.INTER_LINEAR,
    "bicubic": cv2.INTER_CUBIC,
    "area": cv2.INTER_AREA,
    "lanczos": cv2.INTER_LANCZOS4,
}

@dataclass(frozen=True)
class Metric:
    """One column of the study's tables: how it is labelled, rounded and read (a new column is one entry
    of :data:`METRICS`; :func:`video_metrics` or the camera-accuracy job computes its values)."""

    name: str
    label: str
    digits: int
    higher_is_better: bool
    per_video: bool = False  # one value per video (camera accuracy), not one per frame


METRICS = (
    Metric("temporal_psnr", "temporal PSNR dB (proxy)", 2, True),
    Metric("temporal_ssim", "temporal SSIM (proxy)", 3, True),
    Metric("ref_psnr", "ref PSNR dB", 2, True),
    Metric("ref_ssim", "ref SSIM", 3, True),
    Metric("warp_error", "warp error", 4, False),
    # camera accuracy (roomtour.camera_accuracy), against the requested path and the rendered one
    Metric("rot_err", "RotErr (rad, Σ frames)", 3, False, per_video=True),
    Metric("trans_err", "TransErr (Σ frames)", 3, False, per_video=True),
    Metric("cam_mc", "CamMC (Σ frames)", 3, False, per_video=True),
    Metric("rot_err_rendered", "RotErr vs rendered path", 3, False, per_video=True),
    Metric("trans_err_rendered", "TransErr vs rendered path", 3, False, per_video=True),
    Metric("cam_mc_rendered", "CamMC vs rendered path", 3, False, per_video=True),
)
METRIC_COLUMNS = [m.name for m in METRICS if not m.per_video]


def resize_frames(frames: np.ndarray, width: int, height: int, kernel: str = "bicubic") -> np.ndarray:
    """Resize every frame to ``width x height`` with a named OpenCV kernel (no-op if already that size)."""
    frames = np.asarray(frames)
    if frames.shape[1] == height and frames.shape[2] == width:
        return frames
    if kernel not in RESIZE_KERNELS:
        raise ValueError(f"unknown resize kernel {kernel!r}; choose from {sorted(RESIZE_KERNELS)}")
    return np.stack([cv2.resize(f, (width, height), interpolation=RESIZE_KERNELS[kernel]) for f in frames])


def psnr_from_mse(mse: float, data_range: float = 255.0) -> float:
    """PSNR in dB of a mean squared error; inf for 0, NaN for NaN."""
    if np.isnan(mse):
        return float("nan")
    return float("inf") if mse == 0 else float(10.0 * np.log10(data_range**2 / mse))


def mse(a: np.ndarray, b: np.ndarray) -> float:
    """Mean squared difference of two same-shape arrays (all channels)."""
    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    return float(np.mean(d * d))


def psnr(a: np.ndarray, b: np.ndarray, data_range: float = 255.0) -> float:
    """PSNR in dB between two same-shape arrays; inf when they are equal."""
    return psnr_from_mse(mse(a, b), data_range)


def _ssim_map(a: np.ndarray, b: np.ndarray, data_range: float, window: str) -> np.ndarray:
    """SSIM map of two single-channel float64 images, borders cropped as skimage does.

    ``window="gaussian"``: skimage's ``gaussian_weights=True`` window (sigma 1.5,
    ``truncate=3.5``: 11x11) with population covariance.
    ``window="uniform"``: skimage's default 7x7 box with sample covariance.
    K1 = 0.01, K2 = 0.03 in both.  OpenCV does the filtering (about 10x faster
    than scipy's filters, and without importing scipy.stats in every job); the
    result equals skimage's ``structural_similarity`` to float precision,
    which the tests check.
    """
    if window == "gaussian":
        radius, sigma = 5, 1.5
        ksize = 2 * radius + 1
        blur = lambda x: cv2.GaussianBlur(x, (ksize, ksize), sigma, borderType=cv2.BORDER_REFLECT)  # noqa: E731
        cov_norm = 1.0
    else:
        radius = 3
        blur = lambda x: cv2.blur(x, (7, 7), borderType=cv2.BORDER_REFLECT)  # noqa: E731
        cov_norm = 49.0 / 48.0
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    mu_a, mu_b = blur(a), blur(b)
    var_a = cov_norm * (blur(a * a) - mu_a**2)
    var_b = cov_norm * (blur(b * b) - mu_b**2)
    cov = cov_norm * (blur(a * b) - mu_a * mu_b)
    num = (2 * mu_a * mu_b + c1) * (2 * cov + c2)
    den = (mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2)
    return (num / den)[radius:-radius, radius:-radius]


def ssim_reference(a: np.ndarray, b: np.ndarray, data_range: float = 255.0) -> float:
    """Standard SSIM: Gaussian window sigma 1.5, fixed ``data_range``, mean over RGB channels.

    Equal (to float precision) to ``skimage.metrics.structural_similarity(a, b,
    data_range=data_range, channel_axis=-1, gaussian_weights=True, sigma=1.5,
    use_sample_covariance=False)``; tests check that.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    if a.ndim == 2:
        return float(_ssim_map(a, b, data_range, "gaussian").mean())
    return float(np.mean([_ssim_map(a[..., c], b[..., c], data_range, "gaussian").mean() for c in range(a.shape[-1])]))


def masked_psnr(a: np.ndarray, b: np.ndarray, mask: np.ndarray, data_range: float = 255.0) -> float:
    """PSNR (dB) over the pixels where ``mask`` (H, W) is true, all channels; NaN for an empty mask."""
    mask = np.asarray(mask, bool)
    if not mask.any():
        return float("nan")
    d = np.asarray(a, np.float64)[mask] - np.asarray(b, np.float64)[mask]
    mse = float(np.mean(d * d))
    return float("inf") if mse == 0 else float(10.0 * np.log10(data_range**2 / mse))


def masked_ssim(a: np.ndarray, b: np.ndarray, mask: np.ndarray, data_range: float = 255.0) -> float:
    """Mean of the standard (Gaussian-window) SSIM map over the pixels where ``mask`` is true."""
    mask = np.asarray(mask, bool)
    if not mask.any():
        return float("nan")
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    maps = [_ssim_map(a[..., c], b[..., c], data_range, "gaussian") for c in range(a.shape[-1])]
    # the SSIM map leaves out a border of half a window; crop the mask alike
    py, px = (mask.shape[0] - maps[0].shape[0]) // 2, (mask.shape[1] - maps[0].shape[1]) // 2
    inner = mask[py : py + maps[0].shape[0], px : px + maps[0].shape[1]]
    if not inner.any():
        return float("nan")
    return float(np.mean([m[inner].mean() for m in maps]))


def ssim_study(prev: np.ndarray, cur: np.ndarray) -> float:
    """The study's SSIM: grayscale, per-frame data range of ``prev``, 7x7 uniform window.

    Equals ``structural_similarity(gray(prev), gray(cur), data_range=gray(prev).ptp())``.

    Returns NaN when ``prev`` is a constant image (data range 0).
    """
    g0 = cv2.cvtColor(prev, cv2.COLOR_RGB2GRAY)
    g1 = cv2.cvtColor(cur, cv2.COLOR_RGB2GRAY)
    rng = float(g0.max()) - float(g0.min())
    if rng == 0:
        return float("nan")
    return float(_ssim_map(g0.astype(np.float64), g1.astype(np.float64), rng, "uniform").mean())


def temporal_psnr(frames: np.ndarray) -> np.ndarray:
    """PSNR (dB) of each consecutive pair ``(t-1, t)``; length ``T-1``.  A temporal-stability proxy."""
    return np.array([psnr(frames[t - 1], frames[t]) for t in range(1, len(frames))])


def temporal_ssim(frames: np.ndarray) -> np.ndarray:
    """The study's SSIM of each consecutive pair ``(t-1, t)``; length ``T-1``.  A temporal-stability proxy."""
    return np.array([ssim_study(frames[t - 1], frames[t]) for t in range(1, len(frames))])


def ref_psnr(frames: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Per-frame PSNR (dB) against same-size reference frames."""
    return np.array([psnr(f, r) for f, r in zip(frames, reference)])


def ref_ssim(frames: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Per-frame standard SSIM against same-size reference frames."""
    return np.array([ssim_reference(f, r) for f, r in zip(frames, reference)])


def _flow(dis, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return dis.calc(cv2.cvtColor(a, cv2.COLOR_RGB2GRAY), cv2.cvtColor(b, cv2.COLOR_RGB2GRAY), None)


def warp_error(frames: np.ndarray, alpha: float = 0.01, beta: float = 0.5) -> np.ndarray:
    """Flow-based warping error of each consecutive pair ``(t-1, t)``; length ``T-1``.

    See the module docstring for the definition.  NaN where no pixel passes the
    occlusion check.
    """
    frames = np.asarray(frames)
    n, h, w = frames.shape[:3]
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    out = []
    for t in range(1, n):
        prev, cur = frames[t - 1], frames[t]
        fw = _flow(dis, prev, cur)  # prev(x) ~ cur(x + fw(x))
        bw = _flow(dis, cur, prev)
        mx, my = gx + fw[..., 0], gy + fw[..., 1]
        warped = cv2.remap(cur.astype(np.float32), mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        bw_at = cv2.remap(bw, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        inconsistency = np.sum((fw + bw_at) ** 2, axis=-1)
        bound = alpha * (np.sum(fw**2, axis=-1) + np.sum(bw_at**2, axis=-1)) + beta
        inside = (mx >= 0) & (mx <= w - 1) & (my >= 0) & (my <= h - 1)
        valid = (inconsistency <= bound) & inside
        if not valid.any():
            out.append(float("nan"))
            continue
        diff = np.abs(warped - prev.astype(np.float32)).mean(axis=-1) / 255.0
        out.append(float(diff[valid].mean()))
    return np.array(out)


def video_metrics(
    frames: np.ndarray,
    reference: np.ndarray | None = None,
    compare_size: tuple[int, int] | None = None,
    kernel: str = "bicubic",
    skip_first_reference: bool = True,
) -> pd.DataFrame:
    """All metrics of one video, one row per frame.

    Row ``t`` holds the pair metrics of ``(t-1, t)`` (NaN on row 0; ``temporal_mse``
    is the pair's mean squared difference, from which a video's temporal PSNR
    is converted once) and the
    fidelity metrics of frame ``t`` (NaN without a reference, and on row 0
    when ``skip_first_reference``: frame 0 is the input photo itself).

    * temporal proxies: at the video's own resolution, as the study did;
    * ``ref_*``: the video resized to the reference's size with ``kernel``;
    * ``warp_error``: the video resized to ``compare_size`` (width, height),
      so every chain is measured at one resolution.
    """
    frames = np.asarray(frames)
    n = len(frames)
    nan_pair = np.full(1, np.nan)
    rows = {"frame": np.arange(n)}
    pair_mse = np.array([mse(frames[t - 1], frames[t]) for t in range(1, n)])
    rows["temporal_mse"] = np.concatenate([nan_pair, pair_mse])
    rows["temporal_psnr"] = np.concatenate([nan_pair, [psnr_from_mse(v) for v in pair_mse]])
    rows["temporal_ssim"] = np.concatenate([nan_pair, temporal_ssim(frames)])
    if reference is not None:
        reference = np.asarray(reference)
        if len(reference) != n:
            raise ValueError(f"reference has {len(reference)} frames, the video {n}")
        at_ref = resize_frames(frames, reference.shape[2], reference.shape[1], kernel)
        rp, rs = ref_psnr(at_ref, reference), ref_ssim(at_ref, reference)
        if skip_first_reference:
            rp[0] = rs[0] = np.nan
        rows["ref_psnr"], rows["ref_ssim"] = rp, rs
    else:
        rows["ref_psnr"] = rows["ref_ssim"] = np.full(n, np.nan)
    cw, ch = compare_size if compare_size else (frames.shape[2], frames.shape[1])
    rows["warp_error"] = np.concatenate([nan_pair, warp_error(resize_frames(frames, cw, ch, kernel))])
    import pandas as pd

    return pd.DataFrame(rows)
