"""Video upscalers (the ``up`` step).  Each maps ``(T, H, W, 3)`` uint8 RGB to
``(T, round(H*scale), round(W*scale), 3)``.

Registry names (config ``upscale.method``):

``lanczos``
    OpenCV Lanczos-4 interpolation (8x8 taps), frame by frame.  No learned
    weights; the reference point for learned upscalers.
"""

from __future__ import annotations

import cv2
import numpy as np

from .registry import Registry

UPSCALERS = Registry("upscaler")


def scaled_size(width: int, height: int, scale: float) -> tuple[int, int]:
    """Output ``(width, height)`` for an upscale factor (rounded to whole pixels)."""
    return int(round(width * scale)), int(round(height * scale))


@UPSCALERS.register("lanczos")
class LanczosUpscaler:
    """Lanczos-4 resampling."""

    uses_gpu = False

    def __init__(self):
        pass

    def upscale(self, frames: np.ndarray, scale: float) -> np.ndarray:
        frames = np.asarray(frames)
        w, h = scaled_size(frames.shape[2], frames.shape[1], scale)
        return np.stack([cv2.resize(f, (w, h), interpolation=cv2.INTER_LANCZOS4) for f in frames])
