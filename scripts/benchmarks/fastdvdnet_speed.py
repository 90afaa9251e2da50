"""FastDVDnet speed: roomtour's pipeline against the authors' inference procedure, same weights.

    .venv/bin/python scripts/benchmarks/fastdvdnet_speed.py [--threads 2] [--frames 8]

The authors' procedure (their ``denoise_seq_fastdvdnet`` loop, re-implemented
here from its description: no code of theirs is included) runs the whole
two-stage network once per output frame on its five-frame window (four U-Nets
per frame), batch norm as trained, reflect padding to a multiple of 4, output
clamped.  roomtour's pipeline computes the same function with stage-one
results shared between neighbouring frames (two U-Nets per frame), batch norm
folded into the convolutions, channels-last memory and spatial tiles.  Both
run on the CPU with the same thread count on the same noisy frames
(sigma 30); the table gives frames per second and the largest difference
between the two outputs in grey levels (roomtour without its colour anchor,
which is not part of the network), and roomtour's speed with the anchor on
(the default).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]


def authors_procedure(net, frames: np.ndarray, sigma: float) -> np.ndarray:
    import torch
    from torch.nn import functional as F

    from roomtour.denoisers import mirrored_window

    n, h, w, _ = frames.shape
    x = torch.from_numpy(frames).permute(0, 3, 1, 2).float() / 255.0
    ph, pw = (-h) % 4, (-w) % 4
    out = np.empty_like(frames)
    with torch.no_grad():
        for t in range(n):
            stack = torch.cat([x[i: i + 1] for i in mirrored_window(t, n, 2)], dim=1)
            stack = F.pad(stack, (0, pw, 0, ph), mode="reflect")
            noise = torch.full((1, 1, h + ph, w + pw), sigma / 255.0)
            y = net(stack, noise)[:, :, :h, :w].clamp(0, 1)
            out[t] = (y[0] * 255).round().byte().permute(1, 2, 0).numpy()
    return out


def main():
    import cv2
    import torch

    from roomtour.clips import add_gaussian_noise, load_clip
    from roomtour.denoisers import FastDVDnetDenoiser, resolve_weights
    from roomtour.models.fastdvdnet import FastDVDnet
    from roomtour.models.loading import load_weights

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--sizes", default="960x540,1280x720")
    ap.add_argument("--weights", default="", help="weights name or file (default: roomtour's default)")
    ap.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "auto"],
                    help="roomtour's convolution precision (fp32: the authors' numbers; auto: the study's default)")
    ap.add_argument("--out", default=str(REPO / "results" / "fastdvdnet_speed.md"))
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    cv2.setNumThreads(a.threads)
    clean = load_clip(REPO.parent / "shared" / "data" / "viewcrafter_eval1_bedroom" / "frames_640x360", a.frames)
    net = FastDVDnet()
    load_weights(net, resolve_weights(a.weights))
    net.eval()
    lines = [f"`python scripts/benchmarks/fastdvdnet_speed.py --threads {a.threads} --frames {a.frames}`: FastDVDnet on "
             f"{a.frames} noisy frames (sigma 30) of the ViewCrafter bedroom clip resized, {a.threads} threads, "
             f"weights {a.weights or 'default'}, roomtour in {a.precision}; largest difference of roomtour (anchor off) from the authors' "
             "procedure in grey levels.", "",
             "| size | roomtour frames/s | with the anchor (default) | authors' procedure frames/s | speed-up | "
             "largest difference |", "|---|---:|---:|---:|---:|---:|"]
    print("\n".join(lines), flush=True)
    for w, h in (tuple(int(v) for v in size.split("x")) for size in a.sizes.split(",")):
        frames = np.stack([cv2.resize(f, (w, h), interpolation=cv2.INTER_CUBIC) for f in clean])
        noisy = add_gaussian_noise(frames, 30, seed=0)
        ours = FastDVDnetDenoiser(sigma=30, weights=a.weights, anchor=0, precision=a.precision)
        ours.denoise(noisy[:2])  # warm-up
        start = time.monotonic()
        a_out = ours.denoise(noisy)
        fast = len(noisy) / (time.monotonic() - start)
        anchored = FastDVDnetDenoiser(sigma=30, weights=a.weights, precision=a.precision)
        start = time.monotonic()
        anchored.denoise(noisy)
        fast_anchor = len(noisy) / (time.monotonic() - start)
        start = time.monotonic()
        b_out = authors_procedure(net, noisy, 30)
        slow = len(noisy) / (time.monotonic() - start)
        diff = int(np.abs(a_out.astype(int) - b_out.astype(int)).max())
        lines.append(f"| {w}x{h} | {fast:.3f} | {fast_anchor:.3f} | {slow:.3f} | {fast / slow:.2f}x | {diff} |")
        print(lines[-1], flush=True)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
