"""What learned depth costs per photo on one core.

    .venv/bin/python scripts/benchmarks/depth_speed.py [--photos DIR] [--repeat 3]

For every photo in ../shared/data/interior_photos: the tour's geometry of that photo
(:meth:`roomtour.tour.PhotoGeometry.solve`, 320 pixels wide: lines, depth, move) with depth source
``layout`` and ``learned``, one torch and OpenCV thread, best of ``--repeat`` runs each; and the
network's own forward pass.  Prints a Markdown table and the medians.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ["OMP_NUM_THREADS"] = "1"

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "workflow"))


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    import cv2
    import numpy as np
    import torch

    from roomtour.depth.learned import DepthNetwork
    from roomtour.images import read_image
    from roomtour.tour import PhotoGeometry, Shot, TourOptions

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", default=str(REPO.parent / "shared/data/interior_photos"))
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    photos = sorted(Path(a.photos).rglob("*.png")) + sorted(Path(a.photos).rglob("*.jpg"))
    net = DepthNetwork()
    rows = []
    print("| photo | size | geometry, layout (s) | geometry, learned (s) | added (s) | network alone (s) |")
    print("|---|---|---:|---:|---:|---:|")
    for path in photos:
        photo = read_image(path)
        shot = Shot(path)
        times = {}
        for source in ("layout", "learned"):
            options = TourOptions(depth=source)
            PhotoGeometry.solve(photo, shot, options)  # warm-up: weights, imports
            times[source] = best_of(lambda: PhotoGeometry.solve(photo, shot, options), a.repeat)
        small = cv2.resize(photo, (320, int(round(320 * photo.shape[0] / photo.shape[1]))), interpolation=cv2.INTER_AREA)
        network = best_of(lambda: net(small), a.repeat)
        rows.append((times["layout"], times["learned"], network))
        print(f"| {path.name} | {photo.shape[1]}x{photo.shape[0]} | {times['layout']:.2f} | {times['learned']:.2f} | "
              f"{times['learned'] - times['layout']:+.2f} | {network:.3f} |")
    t = np.array(rows)
    print(f"\nmedian over {len(rows)} photos: layout {np.median(t[:, 0]):.2f} s, learned {np.median(t[:, 1]):.2f} s "
          f"(+{np.median(t[:, 1] - t[:, 0]):.2f} s, worst +{np.max(t[:, 1] - t[:, 0]):.2f} s), "
          f"network alone {np.median(t[:, 2]):.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
