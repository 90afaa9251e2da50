"""Learned depth as the suite's ``learned-aligned`` row makes it against the network used naively.

    .venv/bin/python scripts/benchmarks/learned_vs_naive.py [--data ../shared/data/re10k_cameractrl] [--variants current,naive,naive_snap,naive_straight]

For every RealEstate10K clip: frame 0 rendered along the clip's own poses by the parallax renderer
(``framing: exact``, 384x256), depth aligned to the clip's sparse points by scale and shift of
inverse depth (``roomtour.scale.affine_alignment``), plain PSNR of frames 1-15 minus the static
video's.  ``current``: the ``learned`` source (network fused with the box room, edges snapped,
lines straightened); ``naive``: the network's inverse depth alone; ``naive_snap``: with depth
edges snapped; ``naive_straight``: with lines straightened.  Nothing is fitted to the output.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "workflow"))


def main() -> None:
    from roomtour.camera import intrinsics_matrix
    from roomtour.depth.learned import DepthNetwork, snap_depth_edges
    from roomtour.generators import GENERATORS
    from roomtour.metrics import psnr
    from roomtour.scale import affine_alignment, sparse_points
    from roomtour.straight import segments_for, straighten_depth
    from roomtour.suite import list_clips, load_suite_clip

    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(REPO.parent / "shared/data/re10k_cameractrl"))
    ap.add_argument("--weights-dir", default=str(REPO.parent / "shared/weights"))
    ap.add_argument("--variants", default="current,naive,naive_snap,naive_straight")
    a = ap.parse_args()
    variants = a.variants.split(",")
    net = DepthNetwork(weights_dir=a.weights_dir)
    gains = {v: [] for v in variants}
    for clip in list_clips(a.data):
        real, cam = load_suite_clip(a.data, clip, 16)
        h, w = real.shape[1:3]
        rel = cam.relative_to_first()
        points = sparse_points(real, intrinsics_matrix(rel.intrinsics[0], w, h), rel.w2c)
        gen = GENERATORS.create("parallax", {"depth": {"source": "learned"}}, weights_dir=a.weights_dir)
        photo = real[0]
        static = np.mean([psnr(real[0], real[t]) for t in range(1, len(real))])
        row = [clip]
        for v in variants:
            if v == "current":
                _, depth, _ = gen.estimate(photo, cam, w, h)
            else:
                inv = net(photo).astype(np.float64)
                inv = inv - inv.min() + 1e-3 * (inv.max() - inv.min())  # positive, order kept
                depth = (1.0 / inv).astype(np.float32)
                if "snap" in v:
                    depth = 1.0 / snap_depth_edges(photo, (1.0 / depth).astype(np.float32))
                if "straight" in v:
                    depth = straighten_depth(photo, depth, segments_for(photo, (w, h)))
            aligned = affine_alignment(depth, points)
            video = gen.generate(photo, cam, w, h, depth=aligned[0] if aligned else depth)
            gain = np.mean([psnr(video[t], real[t]) for t in range(1, len(real))]) - static
            gains[v].append(gain)
            row.append(f"{v} {gain:+.2f}")
        print(" | ".join(row), flush=True)
    for v in variants:
        print(f"{v}: mean {np.mean(gains[v]):+.2f} dB over static; per clip {', '.join(f'{g:+.2f}' for g in gains[v])}")


if __name__ == "__main__":
    main()
