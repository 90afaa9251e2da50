"""A box room from one photo ("tour into the picture", Horry et al. 1997): the ``layout`` source."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..layout import DEFAULT_BOX



@dataclass
class Layout:
    """The box room a layout estimate found (pixel coordinates at the photo's size)."""

    vanishing_point: tuple[float, float]
    support: int  # line segments consistent with the vanishing point
    fallback: bool
    box: object = None  # the roomtour.layout.Box whose depth this is


def line_segments(gray: np.ndarray, min_length: float) -> np.ndarray:
    """Straight segments ``(N, 4)`` as ``x0, y0, x1, y1`` from Canny edges + probabilistic Hough."""
    edges = cv2.Canny(cv2.GaussianBlur(gray, (3, 3), 0), 60, 150)
    lines = cv2.HoughLinesP(edges, 1, np.pi / 180, threshold=30, minLineLength=min_length, maxLineGap=3)
    return np.zeros((0, 4)) if lines is None else lines.reshape(-1, 4).astype(np.float64)


def central_vanishing_point(segments: np.ndarray, width: int, height: int, tol_deg: float = 2.0, seed: int = 0):
    """RANSAC over segment pairs: the point most (length-weighted) segments point at.

    Near-horizontal and near-vertical segments are left out (in a one-point
    interior they belong to the other two vanishing directions).  The point
    must lie inside the central 80 % of the image.  Returns ``(point, support)``
    or ``(None, 0)``.
    """
    if len(segments) < 2:
        return None, 0
    d = segments[:, 2:] - segments[:, :2]
    angle = np.degrees(np.arctan2(d[:, 1], d[:, 0])) % 180
    oblique = (np.minimum(angle, 180 - angle) > 10) & (np.abs(angle - 90) > 10)
    seg = segments[oblique]
    if len(seg) < 2:
        return None, 0
    p0, p1 = seg[:, :2], seg[:, 2:]
    lengths = np.linalg.norm(p1 - p0, axis=1)
    homog = np.cross(np.c_[p0, np.ones(len(seg))], np.c_[p1, np.ones(len(seg))])
    rng = np.random.default_rng(seed)
    best, best_score, best_support = None, 0.0, 0
    mid = (p0 + p1) / 2
    cos_tol = np.cos(np.radians(tol_deg))
    for _ in range(min(500, len(seg) * (len(seg) - 1) // 2)):
        i, j = rng.choice(len(seg), 2, replace=False)
        v = np.cross(homog[i], homog[j])
        if abs(v[2]) < 1e-9:
            continue
        v = v[:2] / v[2]
        if not (0.1 * width <= v[0] <= 0.9 * width and 0.1 * height <= v[1] <= 0.9 * height):
            continue
        to_v = v - mid
        cos = np.abs(np.sum(to_v * (p1 - p0), axis=1)) / (np.linalg.norm(to_v, axis=1) * lengths + 1e-9)
        inliers = cos > cos_tol
        score = lengths[inliers].sum()
        if score > best_score:
            best, best_score, best_support = v, score, int(inliers.sum())
    return best, best_support


def layout_depth(
    photo: np.ndarray,
    intrinsics: np.ndarray,
    camera_height: float = DEFAULT_BOX.camera_height,
    ceiling_height: float = DEFAULT_BOX.ceiling_height,
    half_width: float = DEFAULT_BOX.left,
    back_depth: float = DEFAULT_BOX.back,
    min_lines: int = 6,
    fit: bool = False,
) -> tuple[np.ndarray, Layout]:
    """Depth of a box room fitted to the photo's central vanishing point (see the module docstring).

    ``intrinsics`` is the 3x3 pixel matrix.  The camera is taken as level
    with the room's axis passing through the vanishing point.  With ``fit``
    the side walls and the back wall are chosen from a grid by the photo's
    line evidence (:func:`roomtour.layout.fit_layout`) instead of
    ``half_width`` and ``back_depth``.
    """
    from ..layout import Box, box_depth, fit_layout

    h, w = photo.shape[:2]
    gray = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
    vp, support = central_vanishing_point(line_segments(gray, min_length=max(12, 0.04 * max(h, w))), w, h)
    fallback = vp is None or support < min_lines
    if fallback:
        vp = (intrinsics[0, 2], intrinsics[1, 2])
    vx, vy = float(vp[0]), float(vp[1])
    box = Box((vx, vy), camera_height, ceiling_height, half_width, half_width, back_depth)
    if fit and not fallback:
        from ..straight import photo_segments

        box, _ = fit_layout(photo_segments(photo), (vx, vy), intrinsics, w, h, camera_height, ceiling_height)
    return box_depth(box, intrinsics, w, h), Layout((vx, vy), int(support), bool(fallback), box)


# --------------------------------------------------------------------------- photo pop-up
