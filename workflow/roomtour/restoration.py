"""Synthetic-degradation benchmark for the post-processors.

Clean clips are degraded in a known way, restored, and compared with the clean
frames, so each method's fidelity is measured directly (unlike the study grid,
where generated videos have no clean version).

Super-resolution: each clean frame is downscaled by ``scale`` with bicubic
interpolation with antialiasing (PyTorch ``interpolate(mode="bicubic",
antialias=True)``, the usual SR degradation), upscaled back by each method,
and scored with

* ``psnr``, ``ssim``: RGB, all pixels (roomtour's ``ref_*`` conventions);
* ``psnr_y``, ``ssim_y``: the SR literature's convention, on the BT.601 luma
  ``Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255`` (0-255 scale) with a
  border of ``scale`` pixels cropped;
* ``warp_error``: temporal consistency of the restored clip (lower is better);
* ``sharpness``: a no-reference measure, the variance of the Laplacian of the
  grey image (higher is sharper; compare with the clean frames' value, since
  noise also raises it).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from .errors import RoomtourError
from .metrics import psnr, ssim_reference, warp_error
from .video import read_image


def load_clip(directory: str | Path, frames: int | None = None) -> np.ndarray:
    """Frames of a clip stored as ``directory/*.png`` (sorted by name), ``(T, H, W, 3)``."""
    directory = Path(directory)
    files = sorted(directory.glob("*.png"))
    if not files:
        raise RoomtourError(directory, "no PNG frames in the clip directory")
    files = files[:frames] if frames else files
    return np.stack([read_image(f) for f in files])


def bicubic_downscale(frames: np.ndarray, scale: int) -> np.ndarray:
    """Antialiased bicubic downscale by an integer factor (sizes must divide)."""
    import torch
    from torch.nn import functional as F

    t, h, w, _ = frames.shape
    if h % scale or w % scale:
        raise ValueError(f"frame size {w}x{h} is not divisible by {scale}")
    x = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).double()
    y = F.interpolate(x, size=(h // scale, w // scale), mode="bicubic", antialias=True, align_corners=False)
    return y.clamp(0, 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()


def luma_bt601(rgb: np.ndarray) -> np.ndarray:
    """BT.601 studio-range luma of uint8 RGB, float64 in [16, 235]."""
    rgb = rgb.astype(np.float64)
    return 16.0 + (65.481 * rgb[..., 0] + 128.553 * rgb[..., 1] + 24.966 * rgb[..., 2]) / 255.0


def laplacian_sharpness(frame: np.ndarray) -> float:
    """Variance of the 3x3 Laplacian of the grey image (0-255 scale)."""
    return float(cv2.Laplacian(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float64), cv2.CV_64F).var())


def sr_scores(restored: np.ndarray, clean: np.ndarray, scale: int) -> dict:
    """Mean over frames of every SR score (see the module docstring)."""
    c = int(scale)
    rows = []
    for out, ref in zip(restored, clean):
        yo, yr = luma_bt601(out)[c:-c, c:-c], luma_bt601(ref)[c:-c, c:-c]
        rows.append(
            {
                "psnr": psnr(out, ref),
                "ssim": ssim_reference(out, ref),
                "psnr_y": psnr(yo, yr),
                "ssim_y": ssim_reference(yo, yr),
                "sharpness": laplacian_sharpness(out),
            }
        )
    scores = pd.DataFrame(rows).mean().to_dict()
    scores["warp_error"] = float(np.nanmean(warp_error(restored)))
    return scores


def run_super_resolution(config: dict, log=print, figure_dir: str | Path | None = None) -> pd.DataFrame:
    """One row per (clip, scale, method) with the mean scores over the clip's frames.

    ``config`` is the ``config/restoration.yaml`` mapping.  With ``figure_dir``,
    the middle frame of the first clip at each scale is saved as a crop
    comparison of every method (``sr_x{scale}.png``).
    """
    from .figures import crop_comparison

    from .upscalers import UPSCALERS

    sr = config["super_resolution"]
    rows = []
    for k, clip in enumerate(config["clips"]):
        clean = load_clip(Path(config["data"]) / clip, config.get("frames"))
        for scale in sr["scales"]:
            low = bicubic_downscale(clean, scale)
            mid = len(clean) // 2
            shown = {"clean": clean[mid]}
            for label, spec in sr["methods"].items():
                options = dict(spec.get("options", {}))
                if spec["method"] not in ("lanczos", "bicubic"):
                    options.setdefault("weights_dir", config["weights_dir"])
                up = UPSCALERS.create(spec["method"], options)
                restored = up.upscale(low, scale)
                scores = sr_scores(restored, clean, scale)
                rows.append({"clip": clip, "scale": scale, "method": label, **scores})
                shown[label] = restored[mid]
                log(f"{clip} x{scale} {label}: psnr {scores['psnr']:.2f} dB, psnr_y {scores['psnr_y']:.2f} dB")
            if figure_dir and k == 0:
                h, w = clean.shape[1:3]
                box = (w // 2 - w // 6, h // 2 - h // 6, w // 3, h // 3)
                crop_comparison(shown, Path(figure_dir) / f"sr_x{scale}.png", box, f"{clip}, frame {mid}, x{scale}")
        clean_sharp = float(np.mean([laplacian_sharpness(f) for f in clean]))
        rows.append({"clip": clip, "scale": 1, "method": "clean", "sharpness": clean_sharp,
                     "warp_error": float(np.nanmean(warp_error(clean)))})
    return pd.DataFrame(rows)


SR_METRICS = ["psnr", "ssim", "psnr_y", "ssim_y", "warp_error", "sharpness"]


def summarize_super_resolution(rows: pd.DataFrame, baseline: str = "lanczos", seed: int = 0):
    """Mean ± std over clips per (scale, method), and paired differences to ``baseline``.

    Returns ``(summary DataFrame, Markdown text)``.
    """
    from .stats import bootstrap_mean_ci

    sr = rows[rows.method != "clean"]
    summary = sr.groupby(["scale", "method"], sort=False)[SR_METRICS].agg(["mean", "std"])
    summary.columns = [f"{m}_{s}" for m, s in summary.columns]
    summary = summary.reset_index()
    clean = rows[rows.method == "clean"][["sharpness", "warp_error"]].mean()
    lines = [
        "# Super-resolution benchmark (bicubic-antialias downscale, then upscale)",
        "",
        f"{sr['clip'].nunique()} clips; mean ± std over clips of per-clip means. `psnr_y`/`ssim_y`: BT.601 luma, "
        "border of `scale` pixels cropped (the SR convention). Sharpness: variance of the Laplacian "
        f"(clean frames: {clean.sharpness:.0f}); warp error of the clean clips: {clean.warp_error:.4f}.",
        "",
    ]
    for scale, g in summary.groupby("scale", sort=True):
        lines += [f"## x{scale}", "", "| method | PSNR | SSIM | PSNR-Y | SSIM-Y | warp error | sharpness | "
                  f"PSNR-Y vs {baseline} (95% CI) |", "|---|---:|---:|---:|---:|---:|---:|---|"]
        base = sr[(sr.scale == scale) & (sr.method == baseline)].set_index("clip")
        for _, r in g.iterrows():
            other = sr[(sr.scale == scale) & (sr.method == r.method)].set_index("clip")
            common = other.index.intersection(base.index)
            d = other.loc[common, "psnr_y"].to_numpy() - base.loc[common, "psnr_y"].to_numpy()
            m, lo, hi = bootstrap_mean_ci(d, seed=seed)
            diff = "–" if r.method == baseline else f"{m:+.2f} [{lo:+.2f}, {hi:+.2f}]"
            lines.append(
                f"| {r.method} | {r.psnr_mean:.2f} ± {r.psnr_std:.2f} | {r.ssim_mean:.3f} | {r.psnr_y_mean:.2f} | "
                f"{r.ssim_y_mean:.3f} | {r.warp_error_mean:.4f} | {r.sharpness_mean:.0f} | {diff} |"
            )
        lines.append("")
    return summary, "\n".join(lines)
