"""How faithfully a tour frame samples a photo it magnifies: bilinear alone, bilinear from a
Lanczos-enlarged copy (``roomtour.images.enlarged_for_sampling``), Lanczos on every frame.

    .venv/bin/python scripts/benchmarks/magnified_sampling.py [--photos DIR]

Every photo under ``DIR`` (default: ../shared/data/interior_photos) is shrunk by the
magnification (area averaging), then sampled back to its own size on the pixel-centre grid
a tour frame uses (``cv2.remap`` with fixed-point maps, as ``ShotRenderer`` does) and
compared with the photo itself: PSNR (RGB, data range 255, 16-pixel border left out), mean
over the photos; and the time per 1080x1920 frame of the remap alone.  Nothing is fitted:
the magnifications are those a tour meets (16:9 at 1080p of a 1280x720 photo is 1.5, 9:16
of it 2.7, 9:16 of a 640x480 photo about 4).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]


def _sample(src, out_w, out_h, interp):
    import cv2

    h, w = src.shape[:2]
    xs, ys = np.meshgrid(np.arange(out_w, dtype=np.float32), np.arange(out_h, dtype=np.float32))
    mx, my = (xs + 0.5) * (w / out_w) - 0.5, (ys + 0.5) * (h / out_h) - 0.5
    fixed, frac = cv2.convertMaps(mx, my, cv2.CV_16SC2)
    start = time.perf_counter()
    out = cv2.remap(src, fixed, frac, interp, borderMode=cv2.BORDER_REFLECT_101)
    return out, time.perf_counter() - start


def main():
    import cv2
    from skimage.metrics import peak_signal_noise_ratio

    from roomtour.images import enlarged_for_sampling, read_image

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--photos", default=str(REPO.parent / "shared" / "data" / "interior_photos"))
    a = ap.parse_args()
    photos = sorted(p for p in Path(a.photos).rglob("*") if p.suffix.lower() in (".png", ".jpg", ".jpeg"))
    if not photos:
        raise SystemExit(f"magnified_sampling: no photos under {a.photos}")
    methods = {
        "bilinear": lambda small, m: (small, cv2.INTER_LINEAR),
        "enlarged x2 max, then bilinear": lambda small, m: (enlarged_for_sampling(small, m)[0], cv2.INTER_LINEAR),
        "enlarged x3 max, then bilinear": lambda small, m: (enlarged_for_sampling(small, m, 3)[0], cv2.INTER_LINEAR),
        "Lanczos per frame": lambda small, m: (small, cv2.INTER_LANCZOS4),
    }
    print(f"{len(photos)} photos from {a.photos}\n")
    print("| magnification | " + " | ".join(methods) + " |")
    print("|---:|" + "---:|" * len(methods))
    for m in (1.5, 2.0, 2.7, 4.0):
        row = []
        for make in methods.values():
            scores = []
            for path in photos:
                truth = read_image(path)
                h, w = truth.shape[:2]
                small = cv2.resize(truth, (max(8, round(w / m)), max(8, round(h / m))), interpolation=cv2.INTER_AREA)
                src, interp = make(small, m)
                out, _ = _sample(src, w, h, interp)
                b = 16
                scores.append(peak_signal_noise_ratio(truth[b:-b, b:-b], out[b:-b, b:-b], data_range=255))
            row.append(f"{np.mean(scores):.2f} dB")
        print(f"| {m} | " + " | ".join(row) + " |")
    # time per 1080x1920 frame (remap only), a 1280x720 photo magnified 2.7x as in a 9:16 tour
    truth = read_image(photos[0])
    small = cv2.resize(truth, (1280, 720), interpolation=cv2.INTER_AREA)
    print("\nremap time per 1080x1920 frame from a 1280x720 photo (median of 20):")
    for name, make in methods.items():
        src, interp = make(small, 1920 / 720)
        times = [_sample(src, 1080, 1920, interp)[1] for _ in range(20)]
        print(f"  {name}: {1000 * np.median(times):.1f} ms (source {src.shape[1]}x{src.shape[0]})")


if __name__ == "__main__":
    main()
