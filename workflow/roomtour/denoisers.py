"""Video denoisers (the ``dn`` step).  Each maps ``(T, H, W, 3)`` uint8 RGB to the same shape.

Registry names (config ``denoise.method``):

``nlmeans``
    OpenCV's multi-frame non-local means (``fastNlMeansDenoisingColoredMulti``):
    each frame is denoised with a temporal window of neighbours; the sequence
    is mirrored at its ends so every frame gets a full window.  ``h`` and
    ``h_color`` are filter strengths on the 0-255 scale.
"""

from __future__ import annotations

import cv2
import numpy as np

from .progress import Progress
from .registry import Registry

DENOISERS = Registry("denoiser")


def mirrored_window(t: int, n: int, radius: int) -> list[int]:
    """Indices of the ``2*radius+1`` frames centred on ``t``, mirrored at the ends.

    ``mirrored_window(0, 5, 2) == [2, 1, 0, 1, 2]``.  For sequences shorter
    than the window the indices bounce back and forth.
    """
    out = []
    for k in range(t - radius, t + radius + 1):
        if n == 1:
            out.append(0)
            continue
        period = 2 * (n - 1)
        k = abs(k) % period
        out.append(k if k < n else period - k)
    return out


@DENOISERS.register("nlmeans")
class NLMeansDenoiser:
    """Multi-frame non-local means (OpenCV), a classical, weight-free video denoiser."""

    uses_gpu = False

    def __init__(self, h: float = 5.0, h_color: float = 5.0, window: int = 5, template: int = 7, search: int = 21):
        if window % 2 == 0 or window < 1:
            raise ValueError("window must be odd and positive")
        self.h, self.h_color, self.window, self.template, self.search = h, h_color, window, template, search

    def denoise(self, frames: np.ndarray) -> np.ndarray:
        frames = np.asarray(frames)
        n, radius = len(frames), self.window // 2
        bgr = [cv2.cvtColor(f, cv2.COLOR_RGB2BGR) for f in frames]
        out = []
        progress = Progress("nlmeans", n)
        for t in range(n):
            stack = [bgr[i] for i in mirrored_window(t, n, radius)]
            d = cv2.fastNlMeansDenoisingColoredMulti(
                stack, radius, self.window, None, self.h, self.h_color, self.template, self.search
            )
            out.append(cv2.cvtColor(d, cv2.COLOR_BGR2RGB))
            progress.update()
        return np.stack(out)
