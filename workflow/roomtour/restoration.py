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

Denoising: additive white Gaussian noise of each ``sigma`` (0-255 scale; one
fixed seed per clip and sigma, rounded and clipped to uint8 like a real 8-bit
video) is added to the clean clip, each method restores it, and ``psnr`` /
``ssim`` (RGB, all pixels) are the mean of the per-frame values per clip.
Every method is given a strength per sigma: FastDVDnet is told the true
sigma; each classical method's strength is chosen from a grid of multiples of
sigma by the best PSNR on a separate tuning clip (never an evaluation clip),
so baselines are not handicapped by untuned settings.
"""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from .metrics import psnr, ssim_reference, warp_error
from .clips import load_clip


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


# --------------------------------------------------------------------------- denoising


def _denoiser(spec: dict, strength: float | None, weights_dir: str):
    from .denoisers import DENOISERS

    options = dict(spec.get("options", {}))
    if strength is not None:
        options[spec["strength"]["option"]] = strength
    if DENOISERS.accepts(spec["method"], "weights_dir"):
        options.setdefault("weights_dir", weights_dir)
    return DENOISERS.create(spec["method"], options)


def _strengths(spec: dict, sigma: float) -> list:
    """Candidate strengths for ``sigma``: the grid of factors times sigma, clipped to ``max``."""
    st = spec.get("strength")
    if not st:
        return [None]
    top = float(st.get("max", float("inf")))
    return sorted({round(min(f * sigma, top), 3) for f in st["factors"]})


def mean_frame_scores(restored: np.ndarray, clean: np.ndarray) -> dict:
    """Mean over frames of RGB PSNR (dB, data range 255) and SSIM."""
    return {
        "psnr": float(np.mean([psnr(a, b) for a, b in zip(restored, clean)])),
        "ssim": float(np.mean([ssim_reference(a, b) for a, b in zip(restored, clean)])),
    }


def denoising_clip(config: dict, name: str, frames: int | None = None) -> np.ndarray:
    """A clean clip of the denoising benchmark: ``data/<name>/*.png`` frames, or, for a name
    ``photo:<file>#<k>`` (``data`` relative), the photo at its own size moved along random
    camera path ``k`` (the same path for the same name every time)."""
    if not name.startswith("photo:"):
        return load_clip(Path(config["data"]) / name, frames)
    from .clips import photo_clips

    file, _, k = name[len("photo:"):].partition("#")
    rng = np.random.default_rng(1000 + int(k or 0))
    clip = photo_clips([Path(config["data"]) / file], rng, 1, frames or 6, None, None)[0]
    return clip[:frames] if frames else clip


def _runs_at(spec: dict, sigma) -> bool:
    """Whether a method is compared at ``sigma`` (``sigmas:`` limits a method that cannot be tuned
    beyond some noise level)."""
    return "sigmas" not in spec or sigma in spec["sigmas"]


def texture_and_colour(out: np.ndarray, clean: np.ndarray) -> dict:
    """Texture kept and colour moved by a restoration, against the clean frames (uint8 RGB):
    ``sharpness`` and ``clean_sharpness`` (:func:`laplacian_sharpness`, mean over frames),
    ``shift_r/g/b`` (mean of output − clean per channel, grey levels) and ``chroma_ratio``
    (mean chroma of the output over the clean frames', chroma = |(Cr, Cb) − 128| in OpenCV's YCrCb)."""
    import cv2

    def chroma(frames):
        ycc = np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2YCrCb) for f in frames]).astype(np.float64)
        return float(np.hypot(ycc[..., 1] - 128, ycc[..., 2] - 128).mean())

    shift = (out.astype(np.float64) - clean.astype(np.float64)).mean(axis=(0, 1, 2))
    return {"sharpness": float(np.mean([laplacian_sharpness(f) for f in out])),
            "clean_sharpness": float(np.mean([laplacian_sharpness(f) for f in clean])),
            "shift_r": shift[0], "shift_g": shift[1], "shift_b": shift[2],
            "chroma_ratio": chroma(out) / max(chroma(clean), 1e-9)}


def tune_strengths(config: dict, log=print) -> dict:
    """``{(method label, sigma): strength}`` chosen on the tuning clip by PSNR."""
    from .clips import add_gaussian_noise

    dn = config["denoising"]
    clean = denoising_clip(config, dn["tuning_clip"], dn.get("tuning_frames", config.get("frames")))
    chosen = {}
    for label, spec in dn["methods"].items():
        for sigma in [s for s in dn["sigmas"] if _runs_at(spec, s)]:
            grid = _strengths(spec, sigma)
            if len(grid) == 1:
                chosen[(label, sigma)] = grid[0]
                continue
            noisy = add_gaussian_noise(clean, sigma, seed=dn.get("seed", 0) + 999)
            scores = {st: mean_frame_scores(_denoiser(spec, st, config["weights_dir"]).denoise(noisy), clean)["psnr"]
                      for st in grid}
            chosen[(label, sigma)] = max(scores, key=scores.get)
            log(f"tuning {label} sigma {sigma}: " + ", ".join(f"{k}: {v:.2f}" for k, v in scores.items())
                + f" -> {chosen[(label, sigma)]}")
    return chosen


def run_denoising(config: dict, log=print, figure_dir: str | Path | None = None) -> pd.DataFrame:
    """One row per (clip, sigma, method): mean per-frame PSNR/SSIM against the clean clip,
    plus the noisy input's scores (method ``noisy``) and the strength used."""
    from .figures import crop_comparison
    from .clips import add_gaussian_noise

    dn = config["denoising"]
    strengths = tune_strengths(config, log)
    rows = []
    for k, clip in enumerate(dn["clips"]):
        clean = denoising_clip(config, clip, config.get("frames"))
        for j, sigma in enumerate(dn["sigmas"]):
            noisy = add_gaussian_noise(clean, sigma, seed=dn.get("seed", 0) + 100 * k + j)
            rows.append({"clip": clip, "sigma": sigma, "method": "noisy", **mean_frame_scores(noisy, clean),
                         **texture_and_colour(noisy, clean)})
            mid = len(clean) // 2
            shown = {"clean": clean[mid], "noisy": noisy[mid]}
            for label, spec in dn["methods"].items():
                if not _runs_at(spec, sigma):
                    continue
                strength = strengths[(label, sigma)]
                den = _denoiser(spec, strength, config["weights_dir"])
                start = time.monotonic()
                out = den.denoise(noisy)
                seconds = time.monotonic() - start
                scores = mean_frame_scores(out, clean)
                rows.append({"clip": clip, "sigma": sigma, "method": label, "strength": strength,
                             "fps": len(out) / seconds, **scores, **texture_and_colour(out, clean)})
                shown[label] = out[mid]
                log(f"{clip} sigma {sigma} {label} (strength {strength}): psnr {scores['psnr']:.2f} dB")
            if figure_dir and k == 0 and sigma == 30:
                h, w = clean.shape[1:3]
                box = (w // 2 - w // 6, h // 2 - h // 6, w // 3, h // 3)
                crop_comparison(shown, Path(figure_dir) / "dn_sigma30.png", box, f"{clip}, frame {mid}, sigma 30")
    return pd.DataFrame(rows)


def summarize_denoising(rows: pd.DataFrame, reference: str = "fastdvdnet", seed: int = 0,
                        published: dict | None = None):
    """Mean ± std over clips per (sigma, method) and the paired PSNR difference of
    ``reference`` minus each other method.  Returns ``(summary DataFrame, Markdown)``."""
    from .stats import bootstrap_mean_ci

    summary = rows.groupby(["sigma", "method"], sort=False)[["psnr", "ssim"]].agg(["mean", "std"])
    summary.columns = [f"{m}_{s}" for m, s in summary.columns]
    summary = summary.reset_index()
    methods = [m for m in rows.method.unique() if m != "noisy"]
    lines = [
        "# Denoising benchmark (AWGN on clean clips, then denoise)",
        "",
        f"{rows['clip'].nunique()} held-out clips; RGB PSNR (dB) / SSIM against the clean frames, mean ± std over "
        "clips of per-clip means of per-frame values. Classical strengths tuned per sigma on a separate clip; "
        f"`{reference}` is told the true sigma. Last columns: paired PSNR difference `{reference}` − method "
        "(mean over clips, 95% bootstrap interval).",
        "",
        "| sigma | " + " | ".join(["noisy", *methods]) + " | "
        + " | ".join(f"{reference} − {m}" for m in methods if m != reference) + " |",
        "|---:|" + "---:|" * (len(methods) + 1) + "---|" * (len(methods) - 1),
    ]
    for sigma, g in rows.groupby("sigma", sort=True):
        cells = []
        for m in ["noisy", *methods]:
            r = g[g.method == m]
            cells.append(f"{r.psnr.mean():.2f} ± {r.psnr.std():.2f} / {r.ssim.mean():.3f}" if len(r) else "–")
        ref = g[g.method == reference].set_index("clip")
        for m in methods:
            if m == reference:
                continue
            other = g[g.method == m].set_index("clip")
            common = ref.index.intersection(other.index)
            if not len(common):
                cells.append("–")
                continue
            mean, lo, hi = bootstrap_mean_ci(ref.loc[common, "psnr"].to_numpy() - other.loc[common, "psnr"].to_numpy(),
                                             seed=seed)
            cells.append(f"{mean:+.2f} [{lo:+.2f}, {hi:+.2f}]" if len(common) > 1 else f"{mean:+.2f}")
        lines.append(f"| {sigma} | " + " | ".join(cells) + " |")
    if published:
        lines += ["", "Published FastDVDnet on DAVIS-test (paper, Table 1): "
                  + ", ".join(f"sigma {k}: {v} dB" for k, v in published.items()) + "."]
    if "sharpness" in rows:
        lines += ["", "Texture and colour (mean over clips): sharpness = variance of the Laplacian (clean frames: "
                  f"{rows.clean_sharpness.mean():.0f}); colour shift = mean of output − clean per channel (R, G, B, "
                  "grey levels); chroma = mean chroma over the clean frames'.", "",
                  "| sigma | method | sharpness | colour shift R / G / B | chroma |", "|---:|---|---:|---|---:|"]
        for (sigma, method), g in rows.groupby(["sigma", "method"], sort=False):
            lines.append(f"| {sigma} | {method} | {g.sharpness.mean():.0f} | {g.shift_r.mean():+.2f} / "
                         f"{g.shift_g.mean():+.2f} / {g.shift_b.mean():+.2f} | {g.chroma_ratio.mean():.3f} |")
    speeds = rows[rows.method != "noisy"].groupby("method").fps.mean()
    lines += ["", "Speed on this machine (frames/s, frame size of the clips): "
              + ", ".join(f"{m} {v:.2f}" for m, v in speeds.items()) + "."]
    strengths = rows[rows.method != "noisy"].groupby(["method", "sigma"], sort=False).strength.first().unstack()
    lines += ["", "Strength used (the method's strength option, per sigma):", "",
              "| method | " + " | ".join(f"sigma {c}" for c in strengths.columns) + " |",
              "|---|" + "---:|" * len(strengths.columns)]
    lines += [f"| {m} | " + " | ".join(f"{v:g}" for v in r) + " |" for m, r in strengths.iterrows()]
    return summary, "\n".join(lines) + "\n"
