import numpy as np
import pytest

from roomtour.denoisers import DENOISERS, mirrored_window
from roomtour.metrics import psnr
from roomtour.upscalers import UPSCALERS


def test_mirrored_window_at_the_ends():
    assert mirrored_window(0, 5, 2) == [2, 1, 0, 1, 2]
    assert mirrored_window(4, 5, 2) == [2, 3, 4, 3, 2]
    assert mirrored_window(2, 5, 2) == [0, 1, 2, 3, 4]
    assert mirrored_window(0, 1, 2) == [0, 0, 0, 0, 0]
    assert mirrored_window(1, 2, 2) == [1, 0, 1, 0, 1]


def test_nlmeans_raises_psnr_on_a_noisy_clip(textured_frame, rng):
    clean = np.stack([np.roll(textured_frame, s, axis=1) for s in range(5)])
    noisy = np.clip(clean + rng.normal(0, 15, clean.shape), 0, 255).astype(np.uint8)
    den = DENOISERS.create("nlmeans", {"h": 10, "h_color": 10, "window": 3, "template": 5, "search": 11})
    out = den.denoise(noisy)
    assert out.shape == noisy.shape and out.dtype == np.uint8
    gain = np.mean([psnr(o, c) - psnr(n, c) for o, n, c in zip(out, noisy, clean)])
    assert gain > 2.0


def test_nlmeans_rejects_even_windows():
    with pytest.raises(ValueError):
        DENOISERS.create("nlmeans", {"window": 4})


def test_lanczos_upscale_shape_and_fidelity(textured_frame):
    import cv2

    big = cv2.resize(textured_frame, (128, 96), interpolation=cv2.INTER_CUBIC)
    small = cv2.resize(big, (64, 48), interpolation=cv2.INTER_AREA)
    out = UPSCALERS.create("lanczos").upscale(np.stack([small]), 2)
    assert out.shape == (1, 96, 128, 3)
    nearest = cv2.resize(small, (128, 96), interpolation=cv2.INTER_NEAREST)
    assert psnr(out[0], big) > psnr(nearest, big)
