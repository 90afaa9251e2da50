"""FastDVDnet's speed on a CUDA GPU (fp32, fp16 and bf16), frames per second at 384x256 and 960x540.

    .venv/bin/python scripts/benchmarks/gpu_speed.py

Prints one JSON object (BENCHMARKS.md, "GPU check").  Whether the GPU paths are right is a test, not
this script: ``pytest -m gpu`` (tests/test_gpu.py).
"""

from __future__ import annotations

import json
import time

import cv2
import numpy as np


def _fps(fn, frames) -> float:
    import torch

    fn(frames[:2])
    torch.cuda.synchronize()
    start = time.monotonic()
    fn(frames)
    torch.cuda.synchronize()
    return len(frames) / (time.monotonic() - start)


def main():
    import torch

    from roomtour.camera import preset_path
    from roomtour.clips import add_gaussian_noise
    from roomtour.denoisers import FastDVDnetDenoiser
    from roomtour.scenes import SCENES, render_path

    if not torch.cuda.is_available():
        raise SystemExit("gpu_speed: no CUDA device visible to torch")
    report = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__}
    clip = render_path(SCENES["living"], preset_path("pan_left", 16, 60, 1.5, distance=0.3), 384, 256)
    noisy = add_gaussian_noise(clip, 20, seed=0)
    big = np.stack([cv2.resize(f, (960, 540)) for f in noisy])
    for precision in ("fp32", "fp16", "bf16"):
        den = FastDVDnetDenoiser(sigma=20, device="cuda", precision=precision)
        report[f"fastdvdnet_{precision}"] = {
            "fps_384x256": round(_fps(den.denoise, noisy), 1),
            "fps_960x540": round(_fps(den.denoise, big), 1),
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
