"""GPU paths (marker ``gpu``; skipped where torch sees no CUDA device): FastDVDnet on the GPU gives
the CPU's frames, and the diffusers adapters run in fp16 with seeded, repeatable output.

    .venv/bin/python -m pytest -m gpu      # on a machine with a GPU

The diffusers pipelines are the tests' tiny random ones: plumbing, not quality.  Speed on a GPU is
a benchmark (scripts/benchmarks/gpu_speed.py), not a test.
"""

import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch")

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device visible to torch")]


@pytest.fixture(scope="module")
def noisy_clip():
    from roomtour.camera import preset_path
    from roomtour.clips import add_gaussian_noise
    from roomtour.scenes import SCENES, render_path

    clip = render_path(SCENES["living"], preset_path("pan_left", 6, 60, 1.5, distance=0.3), 384, 256)
    return add_gaussian_noise(clip, 20, seed=0)


@pytest.mark.parametrize("precision", ["fp32", "fp16"])
def test_fastdvdnet_on_the_gpu_gives_the_cpu_frames(noisy_clip, precision):
    from roomtour.denoisers import FastDVDnetDenoiser

    cpu = FastDVDnetDenoiser(sigma=20, device="cpu", precision="fp32").denoise(noisy_clip)
    gpu = FastDVDnetDenoiser(sigma=20, device="cuda", precision=precision).denoise(noisy_clip)
    assert gpu.shape == cpu.shape
    assert np.abs(gpu.astype(int) - cpu.astype(int)).max() <= 1  # rounding of one grey level at most


def test_sd_x4_runs_in_fp16_and_repeats_with_its_seed(noisy_clip):
    from tiny_pipelines import build_tiny_sd_x4

    from roomtour.upscalers import UPSCALERS

    up = UPSCALERS.create("sd-x4", {"pipeline": build_tiny_sd_x4().to(torch.float16), "steps": 2, "device": "cuda",
                                    "tile": 0})
    small = noisy_clip[:2, :32, :48]
    a, b = up.upscale(small, 4), up.upscale(small, 4)
    assert a.shape == (2, 128, 192, 3)
    assert np.array_equal(a, b)


def test_svd_runs_in_fp16_and_repeats_with_its_seed(noisy_clip):
    from tiny_pipelines import build_tiny_svd

    from roomtour.camera import preset_path
    from roomtour.generators import GENERATORS

    cam = preset_path("pan_left", 4, aspect=1.0, distance=0.8)
    photo = cv2.resize(noisy_clip[0], (64, 64))
    gen = GENERATORS.create("svd", {"pipeline": build_tiny_svd().to(torch.float16), "steps": 2, "device": "cuda",
                                    "depth": {"source": "layout"}})
    v1, v2 = gen.generate(photo, cam, 64, 64), gen.generate(photo, cam, 64, 64)
    assert v1.shape == (4, 64, 64, 3)
    assert np.array_equal(v1, v2)
