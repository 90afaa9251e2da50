"""Clean clips and synthetic noise: what the denoising benchmark and FastDVDnet training share.

Kept below both (:mod:`roomtour.restoration`, :mod:`roomtour.training`) so neither imports the other.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import RoomtourError
from .video import read_image


def load_clip(directory: str | Path, frames: int | None = None) -> np.ndarray:
    """Frames of a clip stored as ``directory/*.png`` (sorted by name), ``(T, H, W, 3)``."""
    directory = Path(directory)
    files = sorted(directory.glob("*.png"))
    if not files:
        raise RoomtourError(directory, "no PNG frames in the clip directory")
    files = files[:frames] if frames else files
    return np.stack([read_image(f) for f in files])


def add_gaussian_noise(frames: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    """Clean uint8 frames + AWGN of ``sigma`` (0-255 scale), rounded and clipped to uint8."""
    rng = np.random.default_rng(seed)
    noisy = frames.astype(np.float64) + rng.normal(0.0, sigma, frames.shape)
    return np.clip(np.round(noisy), 0, 255).astype(np.uint8)
