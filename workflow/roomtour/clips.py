"""Clean clips and synthetic noise: what the denoising benchmark and FastDVDnet training share.

Kept below both (:mod:`roomtour.restoration`, :mod:`roomtour.training`) so neither imports the other.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import RoomtourError
from .images import read_image


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


def random_camera_path(rng: np.random.Generator, frames: int, max_deg: float = 6.0, max_shift: float = 0.25):
    """A smooth random path: a rotation about a random axis growing linearly to
    ``max_deg`` at most, and a translation growing to ``max_shift`` (scene units)."""
    from scipy.spatial.transform import Rotation

    from .camera import CameraPath, fx_for_hfov

    axis = rng.normal(size=3)
    axis /= np.linalg.norm(axis)
    angle = np.deg2rad(rng.uniform(-max_deg, max_deg))
    shift = rng.normal(size=3)
    shift *= rng.uniform(0, max_shift) / np.linalg.norm(shift)
    w2c = []
    for s in np.linspace(0, 1, frames):
        m = np.eye(4)
        m[:3, :3] = Rotation.from_rotvec(axis * angle * s).as_matrix()
        m[:3, 3] = -shift * s
        w2c.append(m[:3])
    from .schema import schema_default

    fx = fx_for_hfov(schema_default("video", "hfov_deg"))
    intr = np.tile([fx, fx * 1.5, 0.5, 0.5], (frames, 1))
    return CameraPath(intr, np.stack(w2c), np.arange(frames) * 125000)


def photo_clips(files, rng, paths_per_photo: int, frames: int, width: int | None, height: int | None
                ) -> list[np.ndarray]:
    """Each photo moved along ``paths_per_photo`` random paths (plane depth 3-6 units), at
    ``width`` x ``height`` or, with None, at the photo's own size (borders trimmed)."""
    from .generators import GENERATORS
    from .images import read_image, trim_borders

    clips = []
    for f in files:
        photo = trim_borders(read_image(f))
        w, h = (width, height) if width else (photo.shape[1] - photo.shape[1] % 2, photo.shape[0] - photo.shape[0] % 2)
        for _ in range(paths_per_photo):
            gen = GENERATORS.create("homography", {"plane_depth": float(rng.uniform(3.0, 6.0))})
            clip = gen.generate(photo, random_camera_path(rng, frames), w, h)
            # keep what the photo covers: the made-up border would teach the net to smooth
            visible = gen.labels == 0
            rows, cols = np.nonzero(visible.all(axis=0))
            if len(rows):
                clip = clip[:, rows.min(): rows.max() + 1, cols.min(): cols.max() + 1]
            clips.append(np.ascontiguousarray(clip))
    return clips
