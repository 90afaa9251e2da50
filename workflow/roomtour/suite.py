"""The RealEstate10K suite: generators scored against real frames.

Each clip (``frames/{clip}/{NN}.png`` with ``poses/{clip}.txt``, one pose per
frame, RealEstate10K format) is generated from its first frame along its own
recorded camera path, and frames 1..N-1 are compared with the real ones:

* ``ref_psnr`` / ``ref_ssim``: all pixels (RGB, data range 255; standard
  Gaussian SSIM);
* ``vis_psnr`` / ``vis_ssim``: only the pixels the first frame can see, i.e.
  where the ``mask`` generator (``parallax`` with the suite's depth) finds a
  consistent re-projection.  The same mask is used for every generator, so
  they are compared on the same pixels; it depends on the estimated depth.

RealEstate10K poses come from SLAM with an unknown scale per clip, so depth
from a single photo (``layout`` in metres) and the path's translation are in
different units; ``depth_scale`` is one global factor, not fitted per clip
(fitting it to the real frames would use the answer).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .errors import RoomtourError

METRICS = ["ref_psnr", "ref_ssim", "vis_psnr", "vis_ssim"]


def list_clips(data: str | Path, clips=None) -> list[str]:
    """Clip names with both frames and poses (all of them when ``clips`` is empty)."""
    data = Path(data)
    if clips:
        return list(clips)
    if not (data / "frames").is_dir():
        raise RoomtourError(data, "no frames/ directory (expected frames/{clip}/{NN}.png and poses/{clip}.txt)")
    return sorted(d.name for d in (data / "frames").iterdir() if (data / "poses" / f"{d.name}.txt").is_file())


def load_suite_clip(data: str | Path, clip: str, frames: int | None = None):
    """``(frames (T, H, W, 3), CameraPath)`` of one clip, cut to the same length."""
    from .camera import CameraPath, read_pose_file
    from .restoration import load_clip

    data = Path(data)
    video = load_clip(data / "frames" / clip, frames)
    cam = read_pose_file(data / "poses" / f"{clip}.txt")
    if len(cam) < len(video):
        raise RoomtourError(data / "poses" / f"{clip}.txt", f"{len(cam)} poses for {len(video)} frames")
    n = len(video)
    return video, CameraPath(cam.intrinsics[:n], cam.w2c[:n], cam.timestamps[:n])


def score_frames(generated: np.ndarray, real: np.ndarray, visible: np.ndarray) -> pd.DataFrame:
    """Per-frame scores of frames 1..N-1 (frame 0 is the input itself)."""
    from .metrics import masked_psnr, masked_ssim, psnr, ssim_reference

    rows = []
    for t in range(1, len(real)):
        rows.append({
            "frame": t,
            "ref_psnr": psnr(generated[t], real[t]),
            "ref_ssim": ssim_reference(generated[t], real[t]),
            "vis_psnr": masked_psnr(generated[t], real[t], visible[t]),
            "vis_ssim": masked_ssim(generated[t], real[t], visible[t]),
            "visible_fraction": float(np.mean(visible[t])),
        })
    return pd.DataFrame(rows)


def run_suite(config: dict, log=print, figure_dir: str | Path | None = None) -> pd.DataFrame:
    """Per-frame rows for every (clip, generator); figures of generated vs real frames per clip."""
    import time

    from .figures import contact_sheet
    from .generators import GENERATORS

    data = Path(config["data"])
    mask_spec = config.get("mask", {"method": "parallax", "options": {"depth": {"source": "layout"}}})
    rows = []
    for clip in list_clips(data, config.get("clips")):
        real, cam = load_suite_clip(data, clip, config.get("frames"))
        h, w = real.shape[1:3]
        masker = GENERATORS.create(mask_spec["method"], mask_spec.get("options", {}))
        masker.generate(real[0], cam, w, h)
        visible = masker.visibility
        shown = {"real": real}
        for label, spec in config["generators"].items():
            gen = GENERATORS.create(spec["method"], spec.get("options", {}))
            start = time.monotonic()
            out = gen.generate(real[0], cam, w, h)
            seconds = time.monotonic() - start
            frame_rows = score_frames(out, real, visible).assign(clip=clip, generator=label, seconds=seconds)
            rows.append(frame_rows)
            shown[label] = out
            log(f"{clip} {label}: ref_psnr {frame_rows.ref_psnr.mean():.2f} dB, ref_ssim {frame_rows.ref_ssim.mean():.3f}"
                f" ({seconds:.2f}s)")
        if figure_dir:
            contact_sheet(shown, Path(figure_dir) / f"{clip}.png", frames=4, title=f"{clip}: generated vs real")
    return pd.concat(rows, ignore_index=True)


def summarize_suite(frames: pd.DataFrame, baselines=("static", "homography"), reference: str = "parallax",
                    seed: int = 0):
    """Per-clip means, the mean ± std over clips per generator, and paired differences of
    ``reference`` minus each baseline with bootstrap intervals.  Returns ``(per_clip, text)``."""
    from .stats import bootstrap_mean_ci

    per_clip = frames.groupby(["generator", "clip"], sort=False)[METRICS + ["seconds"]].mean().reset_index()
    gens = list(dict.fromkeys(per_clip.generator))
    lines = [
        "# RealEstate10K suite: generators against real frames",
        "",
        f"{per_clip['clip'].nunique()} clips, frames 1..N-1 of each; mean ± std over clips of per-clip means. "
        "`vis_*`: pixels the first frame can see (same mask for every generator).",
        "",
        "| generator | ref PSNR | ref SSIM | vis PSNR | vis SSIM | s / video |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for g in gens:
        r = per_clip[per_clip.generator == g]
        lines.append(f"| {g} | {r.ref_psnr.mean():.2f} ± {r.ref_psnr.std():.2f} | {r.ref_ssim.mean():.3f} ± "
                     f"{r.ref_ssim.std():.3f} | {r.vis_psnr.mean():.2f} | {r.vis_ssim.mean():.3f} | "
                     f"{r.seconds.mean():.2f} |")
    if reference in gens:
        lines += ["", f"Paired differences, {reference} − baseline (mean over clips, 95% bootstrap interval):", "",
                  "| baseline | Δ ref PSNR (dB) | Δ ref SSIM | Δ vis PSNR | Δ vis SSIM |", "|---|---|---|---|---|"]
        ref = per_clip[per_clip.generator == reference].set_index("clip")
        for b in baselines:
            if b not in gens:
                continue
            base = per_clip[per_clip.generator == b].set_index("clip").loc[ref.index]
            cells = []
            for m in METRICS:
                mean, lo, hi = bootstrap_mean_ci((ref[m] - base[m]).to_numpy(), seed=seed)
                digits = 2 if "psnr" in m else 3
                cells.append(f"{mean:+.{digits}f} [{lo:+.{digits}f}, {hi:+.{digits}f}]")
            lines.append(f"| {b} | " + " | ".join(cells) + " |")
    return per_clip, "\n".join(lines) + "\n"
