"""Figures: a bar chart of per-chain means with error bars, and contact sheets."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # headless: jobs run without a display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .framing import MIN_VISIBLE  # noqa: E402
from .stats import HIGHER_IS_BETTER, LABELS  # noqa: E402
from .video import atomic_path  # noqa: E402


def _save(fig, path, title: str, dpi: int) -> None:
    """Title, tight layout, atomic PNG write, and free the figure."""
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png")
    plt.close(fig)


def _repeats(summary: pd.DataFrame, metric: str) -> bool:
    """Whether a rendered-path camera panel would repeat the requested-path one bar for bar
    (every video rendered along the path requested)."""
    base = metric.removesuffix("_rendered")
    if base == metric:
        return False
    return base in LABELS and all(
        np.allclose(summary[f"{metric}_{stat}"].to_numpy(float), summary[f"{base}_{stat}"].to_numpy(float),
                    rtol=0, atol=1e-12, equal_nan=True) for stat in ("mean", "std"))


def bar_chart(summary: pd.DataFrame, path, title: str = "") -> None:
    """One panel per metric that has values; bars = mean over videos, error bars = std; the arrow
    says which way is better.  A rendered-path camera panel that repeats the requested-path one is
    left out.

    Infinite means (the frozen baseline's temporal PSNR) are drawn as a hatched
    bar at the panel's top and labelled 'inf'.
    """
    metrics = [m for m in LABELS if f"{m}_mean" in summary and summary[f"{m}_mean"].notna().any()
               and not _repeats(summary, m)]
    fig, axes = plt.subplots(1, len(metrics), figsize=(3.2 * len(metrics), 3.4), squeeze=False)
    chains = list(summary["chain"])
    x = np.arange(len(chains))
    for ax, m in zip(axes[0], metrics):
        mean = summary[f"{m}_mean"].to_numpy(float)
        std = np.nan_to_num(summary[f"{m}_std"].to_numpy(float))
        finite = np.isfinite(mean)
        top = np.nanmax(np.where(finite, mean + std, np.nan)) if finite.any() else 1.0
        ax.bar(x[finite], mean[finite], yerr=std[finite], capsize=3, color="#4C72B0")
        for i in np.where(np.isinf(mean))[0]:
            ax.bar(x[i], top * 1.05, color="white", edgecolor="#4C72B0", hatch="//")
            ax.text(x[i], top * 1.06, "inf", ha="center", va="bottom", fontsize=8)
        ax.set_xticks(x, chains, rotation=45, ha="right", fontsize=8)
        ax.set_title(LABELS[m] + (" ↑" if HIGHER_IS_BETTER[m] else " ↓"), fontsize=9)
        lo = np.nanmin(np.where(finite, mean - std, np.nan)) if finite.any() else 0
        if m.endswith("psnr") and finite.any():
            ax.set_ylim(max(0, lo - 2), top * 1.12)
    _save(fig, path, title, dpi=110)


def contact_sheet(videos: dict, path, frames: int = 4, title: str = "", visible=None,
                  min_visible: float = MIN_VISIBLE, notes: dict | None = None) -> None:
    """Rows = chains (name -> (T,H,W,3) frames), columns = evenly spaced frames.

    Each chain is shown at its own resolution scaled to a common display width,
    so upscaled chains show their extra detail.  With ``visible`` (each
    frame's share of pixels from the photo) every column says it, in red with
    a warning sign when it is below ``min_visible``.  ``notes`` (name -> text,
    e.g. camera accuracy) is printed under a row's name.
    """
    notes = notes or {}
    names = list(videos)
    n = min(len(v) for v in videos.values())
    idx = np.linspace(0, n - 1, frames).round().astype(int)
    extra = 0.9 if notes else 0.0  # a column of notes to the right
    fig, axes = plt.subplots(len(names), frames, figsize=(2.2 * frames + extra, 1.6 * len(names) + 0.4),
                             squeeze=False)
    for r, name in enumerate(names):
        for c, t in enumerate(idx):
            ax = axes[r][c]
            ax.imshow(videos[name][t], interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(name, fontsize=8)
            if c == frames - 1 and notes.get(name):
                # beside the row, one measure per line: under the name it would run into the next row
                ax.text(1.04, 0.5, notes[name].replace(" Trans", "\nTrans").replace(" CamMC", "\nCamMC")
                        .replace(" (", "\n("), transform=ax.transAxes, va="center", ha="left", fontsize=6)
            if r == 0:
                label, colour = f"frame {t}", "black"
                if visible is not None and t < len(visible) and not np.isnan(visible[t]):
                    low = visible[t] < min_visible
                    label += f"\n{'⚠ ' if low else ''}{100 * visible[t]:.0f}% from the photo"
                    colour = "#c00000" if low else "black"
                ax.set_title(label, fontsize=8, color=colour)
    _save(fig, path, title, dpi=120)


def crop_comparison(images: dict, path, box: tuple[int, int, int, int], title: str = "") -> None:
    """One panel per method (name -> (H,W,3) frame), each cropped to ``box`` = (x, y, w, h)
    and shown with nearest-neighbour display, so texture and sharpening are visible."""
    x, y, w, h = box
    names = list(images)
    cols = min(4, len(names))
    rows = (len(names) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.0 * cols, 3.0 * h / w * rows + 0.5), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, name in zip(axes.ravel(), names):
        ax.imshow(images[name][y : y + h, x : x + w], interpolation="nearest")
        ax.set_title(name, fontsize=8)
    _save(fig, path, title, dpi=120)
