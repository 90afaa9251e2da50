"""Framing: fitting a camera path to what one photo can show.

``exact``
    The path as given.  Whatever falls outside the photo is filled (see
    :mod:`roomtour.render`) and the coverage columns say how much.
``fit``
    The path keeps its shape, but the output field of view is narrowed
    (``zoom`` > 1 multiplies the focal length) and, where zooming alone is
    not enough, the motion is damped (``damping`` < 1 scales every frame's
    rotation angle and camera displacement from the first frame), so that
    every frame keeps at least ``min_visible`` of its pixels from the photo
    (coverage label ``visible``).  The search prefers the least damping,
    then the least zoom; it runs on a small copy of the geometry, and the
    chosen values are logged and reported with the coverage.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from .camera import CameraPath
from .errors import RoomtourError

FRAMINGS = ("exact", "fit")
DAMPINGS = (1.0, 0.85, 0.7, 0.55, 0.4, 0.3, 0.2, 0.15, 0.1, 0.05, 0.0)


@dataclass
class Framing:
    """The framing applied to one path: mode, focal-length factor, motion factor, and the
    worst frame's visible fraction found by the search (NaN for ``exact``)."""

    mode: str = "exact"
    zoom: float = 1.0
    damping: float = 1.0
    searched_min_visible: float = float("nan")

    def as_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        if self.mode == "exact":
            return "framing exact (path as given)"
        return (f"framing fit: zoom {self.zoom:.3f} (field of view narrowed), damping {self.damping:.2f} "
                f"(motion kept), worst frame {100 * self.searched_min_visible:.1f}% visible at search size")


def check_framing(mode: str, where: str = "framing") -> str:
    if mode not in FRAMINGS:
        raise RoomtourError(where, f"must be one of {', '.join(FRAMINGS)}, not {mode!r}")
    return mode


def damp_path(camera: CameraPath, damping: float) -> CameraPath:
    """Keep ``damping`` of each frame's motion from frame 0: rotation angles and camera
    displacements are scaled, so the path keeps its shape (``camera`` relative to frame 0)."""
    if damping == 1.0:
        return camera
    rel = camera.relative_to_first()
    c2w = np.transpose(rel.rotations, (0, 2, 1))
    rotvec = Rotation.from_matrix(c2w).as_rotvec() * damping
    rot_c2w = Rotation.from_rotvec(rotvec).as_matrix()
    centers = rel.centers * damping
    r_w2c = np.transpose(rot_c2w, (0, 2, 1))
    t_w2c = -np.einsum("nij,nj->ni", r_w2c, centers)
    return CameraPath(rel.intrinsics.copy(), np.concatenate([r_w2c, t_w2c[:, :, None]], axis=2),
                      rel.timestamps.copy())


def zoom_path(camera: CameraPath, zoom: float) -> CameraPath:
    """Multiply every frame's focal lengths by ``zoom`` (> 1: a narrower field of view)."""
    if zoom == 1.0:
        return camera
    intr = camera.intrinsics.copy()
    intr[:, :2] *= zoom
    return CameraPath(intr, camera.w2c.copy(), camera.timestamps.copy())


def apply_framing(camera: CameraPath, framing: Framing) -> CameraPath:
    return zoom_path(damp_path(camera, framing.damping), framing.zoom)


def fit_framing(min_visible_of, min_visible: float = 0.97, max_zoom: float = 1.5,
                dampings=DAMPINGS, steps: int = 6) -> Framing:
    """Search the least damping, then the least zoom (bisection), for which
    ``min_visible_of(zoom, damping)`` (the worst frame's visible fraction) reaches
    ``min_visible``.  Damping 0 (no motion) always qualifies."""
    for damping in dampings:
        if damping <= 0:
            return Framing("fit", 1.0, 0.0, 1.0)
        at_max = min_visible_of(max_zoom, damping)
        if at_max < min_visible:
            continue
        at_one = min_visible_of(1.0, damping)
        if at_one >= min_visible:
            return Framing("fit", 1.0, damping, at_one)
        lo, hi, best = 1.0, max_zoom, at_max
        for _ in range(steps):
            mid = 0.5 * (lo + hi)
            value = min_visible_of(mid, damping)
            if value >= min_visible:
                hi, best = mid, value
            else:
                lo = mid
        return Framing("fit", hi, damping, best)
    return Framing("fit", 1.0, 0.0, 1.0)
