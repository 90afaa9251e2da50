"""Summary statistics over the grid: per-video means, per-chain mean +- std,
and paired differences to ``raw`` with bootstrap confidence intervals.

A *video* is one (image, motion) pair; chains of the same video are paired,
so a chain's effect is estimated from per-video differences, which removes the
between-image variance that dominates unpaired comparisons.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .coverage import COLUMNS as COVERAGE_COLUMNS
from .framing import MIN_VISIBLE
from .metrics import METRIC_COLUMNS, METRICS, psnr_from_mse

KEYS = ["image", "motion", "chain"]
# camera accuracy per video (roomtour.camera_accuracy), against the requested path and the rendered one
CAMERA_COLUMNS = [m.name for m in METRICS if m.per_video]
SCORED_COLUMNS = METRIC_COLUMNS + CAMERA_COLUMNS
# label, rounding and direction of every column: from the one table, roomtour.metrics.METRICS
HIGHER_IS_BETTER = {m.name: m.higher_is_better for m in METRICS}
DIGITS = {m.name: m.digits for m in METRICS}
LABELS = {m.name: m.label for m in METRICS}


def per_video(frame_rows: pd.DataFrame) -> pd.DataFrame:
    """Mean of each metric over the frames of each (image, motion, chain), NaN-aware.

    A video whose every value of a metric is NaN (e.g. no reference) keeps NaN.
    ``temporal_psnr`` is converted once from the mean squared difference of
    the video's consecutive frames (when the per-pair ``temporal_mse`` is
    there), so one identical pair no longer makes the video's value
    infinite; only a video whose every pair is identical (``frozen``) is
    ``inf``.  ``identical_pairs`` counts such pairs.  Coverage columns are
    averaged too, and ``min_visible`` is the worst frame's visible share.
    ``processing`` (what post-processed the video, with which arithmetic and
    device) is carried over.
    """
    cols = [c for c in METRIC_COLUMNS + COVERAGE_COLUMNS if c in frame_rows]
    groups = frame_rows.groupby(KEYS, sort=False)
    out = groups[cols].mean().reset_index()
    if "temporal_mse" in frame_rows:
        mse = groups["temporal_mse"].mean().to_numpy(float)
        out["temporal_psnr"] = [psnr_from_mse(m) for m in mse]
        out["identical_pairs"] = groups["temporal_mse"].apply(lambda v: int((v == 0).sum())).to_numpy()
    if "visible" in frame_rows:
        out["min_visible"] = groups["visible"].min().to_numpy(float)
    if "processing" in frame_rows:
        out["processing"] = groups["processing"].first().fillna("").to_numpy()
    return out


def chain_summary(videos: pd.DataFrame, chain_order: list[str] | None = None) -> pd.DataFrame:
    """Per chain: ``n`` videos and mean, std (ddof=1) of each metric over videos."""
    cols = [c for c in SCORED_COLUMNS if c in videos]
    rows = []
    for chain, g in videos.groupby("chain", sort=False):
        row = {"chain": chain, "n": len(g)}
        for c in cols:
            vals = g[c].to_numpy(dtype=float)
            vals = vals[~np.isnan(vals)]
            row[f"{c}_mean"] = float(np.mean(vals)) if len(vals) else np.nan
            finite = vals[np.isfinite(vals)]
            row[f"{c}_std"] = float(np.std(finite, ddof=1)) if len(finite) > 1 and len(finite) == len(vals) else np.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    if chain_order:
        order = {c: i for i, c in enumerate(chain_order)}
        out = out.sort_values("chain", key=lambda s: s.map(lambda c: order.get(c, len(order)))).reset_index(drop=True)
    return out


def bootstrap_mean_ci(diffs: np.ndarray, samples: int = 2000, level: float = 0.95, seed: int = 0) -> tuple:
    """Mean of ``diffs`` and its percentile-bootstrap confidence interval.

    Returns ``(mean, low, high)``; NaNs are dropped first; an infinite
    difference gives ``(inf or -inf, nan, nan)`` (no interval exists); a single
    value gives ``(value, nan, nan)``.
    """
    d = np.asarray(diffs, dtype=float)
    d = d[~np.isnan(d)]
    if len(d) == 0:
        return (np.nan, np.nan, np.nan)
    mean = float(np.mean(d))
    if not np.all(np.isfinite(d)) or len(d) < 2:
        return (mean, np.nan, np.nan)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(d), size=(samples, len(d)))
    boots = d[idx].mean(axis=1)
    alpha = (1.0 - level) / 2.0
    return (mean, float(np.quantile(boots, alpha)), float(np.quantile(boots, 1.0 - alpha)))


def paired_differences(
    videos: pd.DataFrame, baseline: str = "raw", samples: int = 2000, level: float = 0.95, seed: int = 0
) -> pd.DataFrame:
    """For every chain other than ``baseline`` and every metric: the mean paired
    difference ``chain - baseline`` over videos with its bootstrap interval."""
    cols = [c for c in SCORED_COLUMNS if c in videos]
    base = videos[videos.chain == baseline].set_index(["image", "motion"])
    rows = []
    for chain, g in videos[videos.chain != baseline].groupby("chain", sort=False):
        g = g.set_index(["image", "motion"])
        common = g.index.intersection(base.index)
        for c in cols:
            d = g.loc[common, c].to_numpy(float) - base.loc[common, c].to_numpy(float)
            mean, lo, hi = bootstrap_mean_ci(d, samples, level, seed)
            rows.append(
                {
                    "chain": chain,
                    "metric": c,
                    "n_pairs": int(np.sum(~np.isnan(d))),
                    "diff_mean": mean,
                    "ci_low": lo,
                    "ci_high": hi,
                    "better": _better(c, mean, lo, hi),
                }
            )
    return pd.DataFrame(rows, columns=["chain", "metric", "n_pairs", "diff_mean", "ci_low", "ci_high", "better"])


def _better(metric: str, mean: float, lo: float, hi: float) -> str:
    """'yes'/'no' when the interval excludes 0 in the good/bad direction, else 'unclear'."""
    if np.isnan(lo) or np.isnan(hi):
        return "n/a"
    sign = 1 if HIGHER_IS_BETTER[metric] else -1
    if sign * lo > 0 and sign * hi > 0:
        return "yes"
    if sign * lo < 0 and sign * hi < 0:
        return "no"
    return "unclear"


def _fmt(mean, std, digits):
    if np.isnan(mean):
        return "–"
    if np.isinf(mean):
        return "inf" if mean > 0 else "-inf"
    return f"{mean:.{digits}f}" + ("" if np.isnan(std) else f" ± {std:.{digits}f}")


def read_camera(paths) -> pd.DataFrame:
    """Camera-accuracy tables (rule ``camera_accuracy``) as one frame, a row per video."""
    return pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)


def camera_note(row) -> str:
    """One line of camera accuracy for a video: RotErr / TransErr / CamMC against the requested
    path, and how many frames the estimator could use."""
    total = int(row["estimated"]) + int(row["unestimated"])
    if not row["estimated"]:
        return f"camera: not estimable (0/{total} frames)"
    how = f", {row['estimator']}" if isinstance(row.get("estimator"), str) else ""
    return (f"RotErr {row['rot_err']:.2f} TransErr {row['trans_err']:.2f} CamMC {row['cam_mc']:.2f} "
            f"({int(row['estimated'])}/{total}{how})")


def attach_camera(videos: pd.DataFrame, camera: pd.DataFrame) -> pd.DataFrame:
    """Per-video camera-accuracy columns (one row per image, motion, chain) joined onto ``videos``."""
    keep = [c for c in camera if c in KEYS or c in CAMERA_COLUMNS or c in ("estimated", "unestimated", "estimator")]
    return videos.merge(camera[keep], on=KEYS, how="left")


def coverage_report(videos: pd.DataFrame, min_visible: float = MIN_VISIBLE) -> list[str]:
    """Markdown lines: each video's coverage (from its raw chain), flagged below ``min_visible``."""
    raw = videos[videos.chain == "raw"]
    if "visible" not in raw or raw["visible"].isna().all():
        return []

    def pct(v):
        return "–" if pd.isna(v) else f"{100 * v:.1f}%"

    lines = ["## Coverage of the generated videos", "",
             "Share of each frame's pixels that come from the photo (visible), from the photo but magnified "
             "beyond the renderer's limit (stretched), disoccluded and filled from the background (inpainted), or "
             f"outside the photo and made up (extrapolated); mean over frames, and the worst frame. ⚠ marks "
             f"videos with a frame below {100 * min_visible:.0f}% visible.", "",
             "| image | motion | visible | worst frame | stretched | inpainted | extrapolated | |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for _, r in raw.iterrows():
        flag = "⚠" if r.get("min_visible", 1.0) < min_visible else ""
        lines.append(f"| {r['image']} | {r['motion']} | {pct(r['visible'])} | {pct(r.get('min_visible'))} | "
                     f"{pct(r['stretched'])} | {pct(r['inpainted'])} | {pct(r['extrapolated'])} | {flag} |")
    flagged = int((raw.get("min_visible", pd.Series(dtype=float)) < min_visible).sum())
    lines += ["", f"{flagged} of {len(raw)} videos have a frame below {100 * min_visible:.0f}% visible.", ""]
    return lines


def rendered_is_requested(videos: pd.DataFrame) -> bool:
    """Whether every video's camera accuracy against the path rendered equals the one against the
    path requested (no ``fit`` damping or zoom anywhere), NaN matching NaN."""
    pairs = [(c, f"{c}_rendered") for c in ("rot_err", "trans_err", "cam_mc")]
    if not all(a in videos and b in videos for a, b in pairs):
        return False
    return all(np.allclose(videos[a].to_numpy(float), videos[b].to_numpy(float), rtol=0, atol=1e-12, equal_nan=True)
               for a, b in pairs)


def markdown_report(summary: pd.DataFrame, diffs: pd.DataFrame, title: str, notes: list[str],
                    extra: list[str] | None = None, hidden: tuple[str, ...] = ()) -> str:
    """The poster-style table (mean ± std over videos), the paired-difference table and any
    ``extra`` Markdown lines (coverage, failures), as Markdown; ``hidden`` metrics are left out
    of both tables (not of the CSV files)."""
    cols = [c for c in SCORED_COLUMNS
            if c not in hidden and f"{c}_mean" in summary and summary[f"{c}_mean"].notna().any()]
    lines = [f"# {title}", ""]
    lines += ["| chain | videos | " + " | ".join(LABELS[c] for c in cols) + " |"]
    lines += ["|---|---:|" + "---:|" * len(cols)]
    for _, r in summary.iterrows():
        cells = [_fmt(r[f"{c}_mean"], r[f"{c}_std"], DIGITS[c]) for c in cols]
        lines.append(f"| {r['chain']} | {int(r['n'])} | " + " | ".join(cells) + " |")
    lines += ["", "## Paired difference to raw (mean over videos, 95% bootstrap interval)", ""]
    lines += ["| chain | metric | pairs | difference | 95% interval | better than raw |", "|---|---|---:|---:|---|---|"]
    for _, r in diffs.iterrows():
        if r["n_pairs"] == 0 or r["metric"] in hidden:
            continue
        dg = DIGITS[r["metric"]]
        ci = "–" if np.isnan(r["ci_low"]) else f"[{r['ci_low']:+.{dg}f}, {r['ci_high']:+.{dg}f}]"
        mean = "inf" if np.isinf(r["diff_mean"]) else f"{r['diff_mean']:+.{dg}f}"
        lines.append(f"| {r['chain']} | {LABELS[r['metric']]} | {r['n_pairs']} | {mean} | {ci} | {r['better']} |")
    lines += [""] + [f"- {n}" for n in notes] + [""]
    lines += extra or []
    return "\n".join(lines)
