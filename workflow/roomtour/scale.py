"""Scale alignment: single-image depth brought to a camera path's units with sparse points.

RealEstate10K poses come from SLAM with an arbitrary scale per clip, so depth
estimated from one photo (here in camera-height units) and the path's
translations are in different units.  Single-image view-synthesis work
compares methods after aligning that scale with sparse points (Tucker &
Snavely, CVPR 2020): features of frame 0 are matched in later frames,
triangulated with the *known* poses, and the median ratio of their depth to
the estimated depth at the same pixels is the clip's scale.  Only feature
positions of the target frames are used; their pixels are never compared
with anything, so the fidelity scores stay honest.

:func:`sparse_points` triangulates, :func:`median_scale` turns points and a
depth map into the scale.  Relative depth (a network's, known up to scale *and*
shift of inverse depth) is aligned the standard way for it (Ranftl et al.,
MiDaS, TPAMI 2020): :func:`affine_alignment` fits ``1/z = s / z_est + t`` to
the points (:func:`fit_inverse_affine`, robust).  Units: pixels with centres at integer
coordinates; depth is camera-space z; poses are the 3x4 world-to-camera
matrices of :mod:`roomtour.camera`.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .errors import RoomtourError

__all__ = ["SparsePoints", "sparse_points", "median_scale", "InverseAffine", "fit_inverse_affine", "depth_at",
           "affine_alignment"]


@dataclass
class SparsePoints:
    """Frame-0 pixels ``uv`` (N, 2) and their triangulated depth ``z`` (N,) in the path's units."""

    uv: np.ndarray
    z: np.ndarray

    def __len__(self) -> int:
        return len(self.z)


def _gray(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY) if frame.ndim == 3 else frame


def sparse_points(frames: np.ndarray, intrinsics: np.ndarray, w2c: np.ndarray, *, ratio: float = 0.75,
                  max_reprojection_px: float = 1.0, min_angle_deg: float = 1.0, min_views: int = 1) -> SparsePoints:
    """Triangulate frame 0's SIFT features with the known poses.

    ``frames`` (T, H, W, 3) uint8 RGB; ``intrinsics`` the 3x3 pixel matrix
    (shared by all frames); ``w2c`` (T, 3, 4) poses.  Each later frame is
    matched to frame 0 (Lowe's ratio test ``ratio``, mutual), each match
    triangulated (linear, two views) and kept when it lies in front of both
    cameras, reprojects within ``max_reprojection_px`` in both and the rays
    meet at ``min_angle_deg`` or more (a short baseline gives no depth).  A
    feature seen in several frames takes its median depth over them.
    """
    sift = cv2.SIFT_create(nfeatures=2000)
    kp0, des0 = sift.detectAndCompute(_gray(frames[0]), None)
    if des0 is None or len(kp0) < 2:
        return SparsePoints(np.zeros((0, 2)), np.zeros(0))
    uv0 = np.array([k.pt for k in kp0], np.float64)
    k = np.asarray(intrinsics, np.float64)
    to_cam0 = np.linalg.inv(np.vstack([w2c[0], [0, 0, 0, 1]]))
    p0 = k @ np.hstack([np.eye(3), np.zeros((3, 1))])
    matcher = cv2.BFMatcher(cv2.NORM_L2)
    depths: dict[int, list[float]] = {}
    for t in range(1, len(frames)):
        kpt, dest = sift.detectAndCompute(_gray(frames[t]), None)
        if dest is None or len(kpt) < 2:
            continue
        rel = (np.vstack([w2c[t], [0, 0, 0, 1]]) @ to_cam0)[:3]  # camera 0 -> camera t
        forward = [m for m, n in (p for p in matcher.knnMatch(des0, dest, k=2) if len(p) == 2)
                   if m.distance < ratio * n.distance]
        backward = {m.queryIdx: m.trainIdx for m, n in (p for p in matcher.knnMatch(dest, des0, k=2) if len(p) == 2)
                    if m.distance < ratio * n.distance}
        good = [m for m in forward if backward.get(m.trainIdx) == m.queryIdx]
        if len(good) < 1:
            continue
        i0 = np.array([m.queryIdx for m in good])
        a = uv0[i0]
        b = np.array([kpt[m.trainIdx].pt for m in good], np.float64)
        pt = k @ rel
        x = cv2.triangulatePoints(p0, pt, a.T, b.T)
        x = x[:3] / x[3]
        z0 = x[2]
        xt = rel[:, :3] @ x + rel[:, 3:4]
        with np.errstate(divide="ignore", invalid="ignore"):
            r0 = (k @ x)[:2] / z0
            rt = (k @ xt)[:2] / xt[2]
            e0 = np.linalg.norm(r0.T - a, axis=1)
            et = np.linalg.norm(rt.T - b, axis=1)
            c0 = -rel[:, :3].T @ rel[:, 3]  # camera t's centre in camera 0's frame
            ray0, rayt = x / np.linalg.norm(x, axis=0), (x - c0[:, None])
            rayt = rayt / np.linalg.norm(rayt, axis=0)
            angle = np.degrees(np.arccos(np.clip(np.sum(ray0 * rayt, axis=0), -1, 1)))
        ok = (z0 > 0) & (xt[2] > 0) & (e0 <= max_reprojection_px) & (et <= max_reprojection_px) & \
             (angle >= min_angle_deg)
        for i, z in zip(i0[ok], z0[ok]):
            depths.setdefault(int(i), []).append(float(z))
    keep = [i for i, zs in depths.items() if len(zs) >= min_views]
    if not keep:
        return SparsePoints(np.zeros((0, 2)), np.zeros(0))
    return SparsePoints(uv0[keep], np.array([np.median(depths[i]) for i in keep]))


def median_scale(depth: np.ndarray, points: SparsePoints, min_points: int = 5) -> float:
    """``median(z_triangulated / z_estimated)`` at the points' pixels (bilinear), or NaN when fewer
    than ``min_points`` points are usable: the factor that brings ``depth`` to the path's units."""
    if len(points) < min_points:
        return float("nan")
    est = depth_at(depth, points.uv)
    ok = np.isfinite(est) & (est > 0)
    if ok.sum() < min_points:
        return float("nan")
    return float(np.median(points.z[ok] / est[ok]))


@dataclass(frozen=True)
class InverseAffine:
    """``1/z = scale * x + shift``: relative inverse depth ``x`` brought to inverse depth."""

    scale: float
    shift: float
    inliers: float  # share of the fitted points that kept weight

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.scale * np.asarray(x, np.float64) + self.shift


def fit_inverse_affine(x: np.ndarray, target: np.ndarray, weights: np.ndarray | None = None,
                       tolerance: float = 0.25, iterations: int = 10) -> InverseAffine:
    """Robust ``target ≈ scale * x + shift`` (both inverse depths, 1-D arrays of equal length).

    Iteratively reweighted least squares with Tukey's biweight on the *relative*
    residual ``(fit - target) / target`` (a point off by more than ``tolerance`` gets
    no weight), started from the median scale with no shift.  ``weights`` give each
    point a prior importance.  A fit whose scale is not positive falls back to scale
    only (``shift`` 0): relative inverse depth grows with nearness.
    """
    x = np.asarray(x, np.float64).ravel()
    t = np.asarray(target, np.float64).ravel()
    prior = np.ones_like(x) if weights is None else np.asarray(weights, np.float64).ravel()
    ok = np.isfinite(x) & np.isfinite(t) & (t > 0) & (prior > 0)
    x, t, prior = x[ok], t[ok], prior[ok]
    if len(x) < 2:
        raise RoomtourError("depth alignment", f"{len(x)} usable points; at least 2 are needed")
    scale = float(np.median(t / np.maximum(x, 1e-9)))
    shift = 0.0
    w = prior
    for _ in range(iterations):
        r = (scale * x + shift - t) / t
        w = prior * np.where(np.abs(r) < tolerance, (1 - (r / tolerance) ** 2) ** 2, 0.0)
        if w.sum() <= 0 or np.count_nonzero(w) < 2:
            break
        # weighted least squares on the relative residual: rows divided by the target
        a = np.stack([x / t, 1 / t], 1) * np.sqrt(w)[:, None]
        sol, *_ = np.linalg.lstsq(a, np.sqrt(w), rcond=None)
        if not np.all(np.isfinite(sol)):
            break
        scale, shift = float(sol[0]), float(sol[1])
    if scale <= 0:
        scale, shift = float(np.median(t / np.maximum(x, 1e-9))), 0.0
    r = (scale * x + shift - t) / t
    return InverseAffine(scale, shift, float(np.mean(np.abs(r) < tolerance)))


def depth_at(depth: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """Depth sampled bilinearly at pixel positions ``uv`` (N, 2)."""
    d = np.asarray(depth, np.float32)
    return cv2.remap(d, uv[:, 0].astype(np.float32).reshape(-1, 1), uv[:, 1].astype(np.float32).reshape(-1, 1),
                     cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).ravel()


def affine_alignment(depth: np.ndarray, points: SparsePoints, min_points: int = 5,
                     tolerance: float = 0.25) -> tuple[np.ndarray, InverseAffine] | None:
    """``depth`` brought to the path's units by a scale and shift of its inverse fitted to the
    points, and the fit; None when fewer than ``min_points`` points are usable.  Inverse depth
    is kept at least a quarter of the aligned photo's median, so no point flips behind the
    camera or runs off to infinity (a shift can make inverse depth reach 0)."""
    if len(points) < min_points:
        return None
    est = depth_at(depth, points.uv)
    ok = np.isfinite(est) & (est > 0)
    if ok.sum() < min_points:
        return None
    fit = fit_inverse_affine(1.0 / est[ok], 1.0 / points.z[ok], tolerance=tolerance)
    inverse = fit(1.0 / np.maximum(np.asarray(depth, np.float64), 1e-9))
    inverse = np.maximum(inverse, 0.25 * np.median(inverse[inverse > 0]) if (inverse > 0).any() else 1e-3)
    return (1.0 / inverse).astype(np.float32), fit
