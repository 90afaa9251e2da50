"""Flow-guided temporal stabilisation of a processed video.

Frame-wise processing (an upscaler run on each frame alone) flickers: the same
surface gets slightly different detail in consecutive frames.  ``stabilize``
blends each output frame with the previous *output* frame warped along the
optical flow, where the flow is trustworthy:

* the flow is OpenCV DIS (medium preset) between consecutive *input* frames,
  so stabilisation cannot feed on itself;
* a pixel is blended only if the forward-backward check passes
  (``|b + f(x+b)|^2 <= alpha (|b|^2 + |f(x+b)|^2) + beta``), its source lies
  inside the frame, and the warped previous input matches the current input
  within ``tolerance`` (0-255 scale) — occlusions, disocclusions and lighting
  changes keep the current frame;
* ``out_t = (1 - w m) * in_t + w m * warp(out_{t-1})`` with ``m`` the mask and
  ``w`` the blend weight.

No learned weights.  ``weight = 0`` returns the input unchanged.
"""

from __future__ import annotations

import cv2
import numpy as np


def _gray(f):
    return cv2.cvtColor(f, cv2.COLOR_RGB2GRAY)


def stabilize(
    frames: np.ndarray, weight: float = 0.3, alpha: float = 0.01, beta: float = 0.5, tolerance: float = 6.0
) -> np.ndarray:
    """Blend each frame with the flow-warped previous output; ``(T, H, W, 3)`` uint8 in and out."""
    frames = np.asarray(frames)
    if weight <= 0 or len(frames) < 2:
        return frames
    n, h, w = frames.shape[:3]
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    out = [frames[0].astype(np.float32)]
    for t in range(1, n):
        cur, prev = frames[t], frames[t - 1]
        bw = dis.calc(_gray(cur), _gray(prev), None)  # cur(x) ~ prev(x + bw(x))
        fw = dis.calc(_gray(prev), _gray(cur), None)
        mx, my = gx + bw[..., 0], gy + bw[..., 1]
        fw_at = cv2.remap(fw, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        consistent = np.sum((bw + fw_at) ** 2, -1) <= alpha * (np.sum(bw**2, -1) + np.sum(fw_at**2, -1)) + beta
        inside = (mx >= 0) & (mx <= w - 1) & (my >= 0) & (my <= h - 1)
        prev_in = cv2.remap(prev.astype(np.float32), mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        similar = np.abs(prev_in - cur.astype(np.float32)).mean(-1) <= tolerance
        m = (consistent & inside & similar).astype(np.float32)[..., None] * weight
        prev_out = cv2.remap(out[-1], mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        out.append((1.0 - m) * cur.astype(np.float32) + m * prev_out)
    return np.clip(np.stack(out) + 0.5, 0, 255).astype(np.uint8)
