"""What a viewer would object to in a study run's raw videos, per video.

    .venv/bin/python scripts/benchmarks/study_check.py results/study [--out results/study/check.md]

Reads ``<results>/videos/{image}/{motion}/raw.mkv`` and the coverage table beside
it (``<results>/coverage/{image}/{motion}.csv``) and reports, per video:

- the worst frame's share of pixels from the photo (``visible``; fit framing
  promises >= 0.97) and the zoom and damping that framing applied;
- the flattest frame's largest per-channel standard deviation (grey levels;
  a constant frame, such as a white one, has 0);
- the worst frame's share of *streak* pixels: pixels whose colour does not
  change at all along a row (or a column) while it changes across, which is
  what an edge-clamped fill leaves (one-pixel lines drawn across the frame),
  next to frame 0's own share (the photo itself: flat saturated areas count too).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]


def streak_share(frame: np.ndarray, jump: int = 20) -> float:
    """Share of pixels that repeat their left (or upper) neighbour exactly while the
    neighbouring row (column) differs by more than ``jump`` (sum over RGB, 0-255)."""
    f = frame.astype(np.int32)
    along_x = np.abs(np.diff(f, axis=1)).sum(axis=2)[:-1, :]
    across_x = np.abs(np.diff(f, axis=0)).sum(axis=2)[:, :-1]
    horizontal = (along_x == 0) & (across_x > jump)
    vertical = (across_x == 0) & (along_x > jump)
    return float(max(horizontal.mean(), vertical.mean()))


def check(results: Path) -> pd.DataFrame:
    from roomtour.video import read_video

    rows = []
    for video in sorted(results.glob("videos/*/*/raw.mkv")):
        image, motion = video.parts[-3], video.parts[-2]
        frames = read_video(video)
        cov = pd.read_csv(results / "coverage" / image / f"{motion}.csv")
        rows.append({
            "image": image, "motion": motion, "framing": cov.framing.iloc[0],
            "zoom": float(cov.zoom.iloc[0]), "damping": float(cov.damping.iloc[0]),
            "min_visible": float(cov.visible.min()),
            "min_frame_std": float(min(f.reshape(-1, 3).std(axis=0).max() for f in frames)),
            "max_streak_share": float(max(streak_share(f) for f in frames)),
            "photo_streak_share": streak_share(frames[0]),  # the photo's own flat, saturated areas
        })
    return pd.DataFrame(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("results", help="a study run's results_dir, e.g. results/study")
    ap.add_argument("--out", default="", help="markdown table (default: <results>/check.md)")
    a = ap.parse_args()
    results = Path(a.results)
    df = check(results)
    if df.empty:
        sys.exit(f"roomtour: error: {results}: no videos/*/*/raw.mkv (run the study first)")
    lines = ["| image | motion | framing | zoom | damping | min visible | flattest frame (std) | worst streak share | "
             "frame 0's |", "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in df.itertuples():
        lines.append(f"| {r.image} | {r.motion} | {r.framing} | {r.zoom:.2f} | {r.damping:.2f} | {r.min_visible:.3f} | "
                     f"{r.min_frame_std:.1f} | {r.max_streak_share:.4f} | {r.photo_streak_share:.4f} |")
    lines += ["", f"{len(df)} videos: lowest visible share {df.min_visible.min():.3f}, flattest frame std "
              f"{df.min_frame_std.min():.1f} grey levels, worst streak share {df.max_streak_share.max():.4f}."]
    out = Path(a.out) if a.out else results / "check.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
