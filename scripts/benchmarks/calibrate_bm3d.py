"""Calibrate ffmpeg's bm3d strength against the noise level on the 0-255 scale.

    .venv/bin/python scripts/benchmarks/calibrate_bm3d.py

On the restoration benchmark's tuning clip (RealEstate10K 0bf152ef84195293,
never an evaluation clip), for each noise sigma, the ffmpeg strength factor
(ffmpeg sigma / noise sigma) with the best PSNR.  The table printed is the one
in roomtour.denoisers.BM3D_FFMPEG_FACTOR.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]


def main():
    import ffmpeg

    from roomtour.clips import add_gaussian_noise, load_clip
    from roomtour.metrics import psnr
    from roomtour.video import ffmpeg_exe

    clean = load_clip(REPO.parent / "shared" / "data" / "re10k_cameractrl" / "frames" / "0bf152ef84195293", 3)
    n, h, w, _ = clean.shape

    def bm3d(frames, sigma):
        out, _ = (ffmpeg.input("pipe:", format="rawvideo", pix_fmt="rgb24", s=f"{w}x{h}", framerate=8)
                  .filter("bm3d", sigma=sigma, group=16, block=8, bstep=4)
                  .output("pipe:", format="rawvideo", pix_fmt="rgb24")
                  .run(cmd=ffmpeg_exe(), input=frames.tobytes(), capture_stdout=True, capture_stderr=True))
        return np.frombuffer(out, np.uint8).reshape(frames.shape)

    for sigma in (5, 10, 20, 30, 40, 50):
        noisy = add_gaussian_noise(clean, sigma, seed=999)
        scores = {k: np.mean([psnr(a, b) for a, b in zip(bm3d(noisy, k * sigma), clean)])
                  for k in (15, 20, 25, 30, 35, 40, 50, 60, 70, 85)}
        best = max(scores, key=scores.get)
        print(f"sigma {sigma}: best factor {best} ({scores[best]:.2f} dB; noisy "
              f"{np.mean([psnr(a, b) for a, b in zip(noisy, clean)]):.2f} dB)")


if __name__ == "__main__":
    main()
