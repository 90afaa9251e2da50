"""Depth files: ``.npy`` (float, scene units) or 16-bit PNG; missing values filled."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ..errors import RoomtourError


def read_depth(path: str | Path, width: int | None = None, height: int | None = None, scale: float = 0.001):
    """Read a depth map (``.npy`` float or 16-bit PNG times ``scale``), fill holes, resize."""
    path = Path(path)
    if not path.is_file():
        raise RoomtourError(path, "depth file not found")
    if path.suffix == ".npy":
        try:
            depth = np.load(path).astype(np.float32)
        except (ValueError, OSError) as exc:
            raise RoomtourError(path, f"not a readable .npy depth map ({exc.__class__.__name__})") from None
    else:
        raw = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        if raw is None:
            raise RoomtourError(path, "not a readable depth image")
        if raw.ndim == 3:
            raise RoomtourError(path, "depth image has colour channels; expected one 16-bit channel")
        depth = raw.astype(np.float32) * float(scale)
    if depth.ndim != 2:
        raise RoomtourError(path, f"depth map must be 2-D, got shape {depth.shape}")
    valid = np.isfinite(depth) & (depth > 0)
    if valid.mean() < 0.05:
        raise RoomtourError(path, "depth map has (almost) no positive finite values")
    depth = fill_holes(depth, valid)
    if width and height and depth.shape != (height, width):
        interp = cv2.INTER_AREA if depth.shape[1] > width else cv2.INTER_LINEAR
        depth = cv2.resize(depth, (width, height), interpolation=interp)
    return depth


def write_depth(path: str | Path, depth: np.ndarray) -> None:
    """Save float32 depth as ``.npy`` atomically."""
    from ..video import atomic_path

    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.save(fh, np.asarray(depth, np.float32))


def fill_holes(depth: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Replace invalid pixels by the nearest valid value (exact Euclidean nearest)."""
    if valid.all():
        return depth.astype(np.float32)
    from scipy import ndimage

    _, (iy, ix) = ndimage.distance_transform_edt(~valid, return_indices=True)
    return depth[iy, ix].astype(np.float32)


# --------------------------------------------------------------------------- room layout
