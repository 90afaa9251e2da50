"""bf16 against fp32: the networks' speed and what it changes in their frames (`precision`, models/runtime.py).

    .venv/bin/python scripts/benchmarks/precision.py [--results results] [--weights-dir ../shared/weights]

1. FastDVDnet (sigma 10, the study's setting, one thread) on every `raw` and `up` video of a finished study run
   (what the `dn` and `up-dn` chains denoise): seconds in each precision, the largest and mean difference of the
   frames in grey levels, and the mean PSNR of each output against the run's reference video (frames 1..N-1, the
   output resized with bicubic to the reference's size, as the metrics do).
2. Real-ESRGAN compact (x4) on a 240x160 copy of a photo from ../shared.

Prints Markdown tables (BENCHMARKS.md). On a CPU without native bf16 the bf16 rows are emulated and slow.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from roomtour.denoisers import FastDVDnetDenoiser
from roomtour.images import read_image
from roomtour.metrics import psnr, resize_frames
from roomtour.models.runtime import cpu_has_native_bf16
from roomtour.upscalers import UPSCALERS
from roomtour.video import read_video

REPO = Path(__file__).resolve().parents[2]
PHOTO = REPO.parent / "shared/data/interior_photos/cami2v_postprocessing_re10k/bathroom.png"


def timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", default=str(REPO / "results"))
    ap.add_argument("--weights-dir", default=str(REPO.parent / "shared/weights"))
    ap.add_argument("--photo", default=str(PHOTO))
    a = ap.parse_args()
    torch.set_num_threads(1)
    results = Path(a.results)
    print(f"CPU with native bf16: {cpu_has_native_bf16()}\n")
    nets = {p: FastDVDnetDenoiser(sigma=10, precision=p) for p in ("fp32", "bf16")}
    print("| video | size | fp32 s | bf16 s | largest difference | mean difference | PSNR fp32 | PSNR bf16 |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    shifts = []
    for video in sorted(results.glob("videos/*/*/raw.mkv")) + sorted(results.glob("videos/*/*/up.mkv")):
        image, motion = video.parts[-3], video.parts[-2]
        frames = np.asarray(read_video(video))
        ref = np.asarray(read_video(results / "reference" / image / f"{motion}.mkv"))
        (a32, t32), (a16, t16) = timed(nets["fp32"].denoise, frames), timed(nets["bf16"].denoise, frames)
        diff = np.abs(a32.astype(int) - a16.astype(int))
        scores = [np.mean([psnr(f, r) for f, r in zip(resize_frames(out, ref.shape[2], ref.shape[1])[1:], ref[1:])])
                  for out in (a32, a16)]
        shifts.append(abs(scores[1] - scores[0]))
        print(f"| {image} {motion} {video.stem} | {frames.shape[2]}x{frames.shape[1]} | {t32:.2f} | {t16:.2f} | "
              f"{diff.max()} | {diff.mean():.3f} | {scores[0]:.3f} | {scores[1]:.3f} |", flush=True)
    if shifts:
        print(f"\nLargest change of a video's reference PSNR: {max(shifts):.4f} dB\n")
    photo = cv2.resize(read_image(a.photo), (240, 160), interpolation=cv2.INTER_AREA)
    out = {}
    for p in ("fp32", "bf16"):
        up = UPSCALERS.create("realesr-animevideov3", {"precision": p}, weights_dir=a.weights_dir)
        up.upscale_frame(photo, 4)  # warm-up
        out[p] = timed(up.upscale_frame, photo, 4)
    diff = np.abs(out["fp32"][0].astype(int) - out["bf16"][0].astype(int))
    print("| upscaler | input | fp32 s | bf16 s | largest difference | mean difference |")
    print("|---|---|---:|---:|---:|---:|")
    print(f"| realesr-animevideov3 x4 | {Path(a.photo).name} at 240x160 | {out['fp32'][1]:.2f} | {out['bf16'][1]:.2f} | "
          f"{diff.max()} | {diff.mean():.3f} |")


if __name__ == "__main__":
    main()
