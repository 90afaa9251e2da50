"""Check roomtour's GPU paths on a machine with CUDA (no weights needed except FastDVDnet's, shipped).

    python scripts/benchmarks/gpu_check.py

1. FastDVDnet on the GPU (fp32 and fp16) against the CPU: the largest pixel
   difference, and frames per second at 384x256 and 960x540.
2. The tiny random diffusers pipelines of the tests (sd-x4 upscaler, svd
   generator) on the GPU in fp16: shapes and seed determinism (plumbing only;
   random weights say nothing about quality).
Prints one JSON object.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / "workflow"), str(REPO / "tests")]


def _fps(fn, frames) -> float:
    import torch

    fn(frames[:2])
    torch.cuda.synchronize()
    start = time.monotonic()
    fn(frames)
    torch.cuda.synchronize()
    return len(frames) / (time.monotonic() - start)


def main():
    import cv2
    import torch

    from roomtour.camera import preset_path
    from roomtour.denoisers import FastDVDnetDenoiser
    from roomtour.scenes import SCENES, render_path
    from roomtour.clips import add_gaussian_noise

    assert torch.cuda.is_available(), "no CUDA device"
    report = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__}
    clip = render_path(SCENES["living"], preset_path("pan_left", 16, 60, 1.5, distance=0.3), 384, 256)
    noisy = add_gaussian_noise(clip, 20, seed=0)
    cpu = FastDVDnetDenoiser(sigma=20, device="cpu").denoise(noisy[:6])
    for half in (False, True):
        den = FastDVDnetDenoiser(sigma=20, device="cuda", half=half)
        gpu = den.denoise(noisy[:6])
        key = "fastdvdnet_fp16" if half else "fastdvdnet_fp32"
        big = np.stack([cv2.resize(f, (960, 540)) for f in noisy])
        report[key] = {
            "max_abs_diff_vs_cpu": int(np.abs(gpu.astype(int) - cpu.astype(int)).max()),
            "fps_384x256": round(_fps(den.denoise, noisy), 1),
            "fps_960x540": round(_fps(den.denoise, big), 1),
        }
    from tiny_pipelines import build_tiny_sd_x4, build_tiny_svd

    from roomtour.generators import GENERATORS
    from roomtour.upscalers import UPSCALERS

    up = UPSCALERS.create("sd-x4", {"pipeline": build_tiny_sd_x4().to(torch.float16), "steps": 2, "device": "cuda",
                                    "tile": 0})
    small = noisy[:2, :32, :48]
    a, b = up.upscale(small, 4), up.upscale(small, 4)
    report["sd_x4_tiny_fp16"] = {"shape": list(a.shape), "deterministic": bool(np.array_equal(a, b))}
    cam = preset_path("pan_left", 4, aspect=1.0, distance=0.8)
    photo = cv2.resize(clip[0], (64, 64))
    gen = GENERATORS.create("svd", {"pipeline": build_tiny_svd().to(torch.float16), "steps": 2, "device": "cuda",
                                    "depth": {"source": "layout"}})
    v1, v2 = gen.generate(photo, cam, 64, 64), gen.generate(photo, cam, 64, 64)
    report["svd_tiny_fp16"] = {"shape": list(v1.shape), "deterministic": bool(np.array_equal(v1, v2))}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
