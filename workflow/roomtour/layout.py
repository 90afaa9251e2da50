"""The room's layout from one photo: box hypotheses scored by the photo's own line evidence.

A room seen from inside is, to a first approximation, a box: floor, ceiling,
back wall and two side walls, aligned with three orthogonal (Manhattan)
directions.  With the camera level and its axis towards the central vanishing
point ``(vx, vy)``, a box is fixed, in camera-height units, by the distances
of the two side walls, the back wall and the ceiling.  Classic single-image
layout methods (Hedau et al., ICCV 2009; Lee et al., CVPR 2009) generate such
hypotheses from the vanishing points and keep the one the photo's evidence
supports best.  Here the evidence is Lee et al.'s idea of line orientations:

* lines towards the central vanishing point (``z``) lie on the floor, the
  ceiling and the side walls;
* horizontal lines (``x``) lie on the floor, the ceiling and the back wall;
* vertical lines (``y``) lie on the side walls and the back wall.

Each surface is scored by the density of the two line families it can hold
(and penalised by the third it cannot), and a hypothesis by the sum of its
surfaces' scores over their pixels.  :func:`fit_layout` searches a grid of
wall distances; :func:`box_depth` and :func:`box_labels` give a hypothesis's
depth and its surface label per pixel.

Units: pixels with centres at integer coordinates; distances in units of the
camera's height above the floor times ``camera_height``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

__all__ = ["SURFACES", "Box", "box_depth", "box_labels", "line_families", "fit_layout"]

SURFACES = ("floor", "ceiling", "left", "right", "back")
FLOOR, CEILING, LEFT, RIGHT, BACK = range(5)


@dataclass(frozen=True)
class Box:
    """A box room around a level camera: distances from the camera (scene units) and its vanishing point."""

    vanishing_point: tuple[float, float]
    camera_height: float = 1.2
    ceiling_height: float = 2.6  # above the floor
    left: float = 2.2
    right: float = 2.2
    back: float = 6.0


# the box room every depth source starts from (camera-height units): one home for its sizes (the
# vanishing point is a placeholder: each photo has its own)
DEFAULT_BOX = Box((0.0, 0.0))


def _planes(box: Box, fx: float, fy: float, width: int, height: int):
    """Depth of each of the five planes along every pixel's ray, ``(5, H, W)`` (inf where not hit)."""
    vx, vy = box.vanishing_point
    u, v = np.meshgrid(np.arange(width, dtype=np.float64), np.arange(height, dtype=np.float64))
    rx, ry = (u - vx) / fx, (v - vy) / fy
    with np.errstate(divide="ignore"):
        floor = np.where(ry > 1e-6, box.camera_height / ry, np.inf)
        ceiling = np.where(ry < -1e-6, (box.ceiling_height - box.camera_height) / -ry, np.inf)
        left = np.where(rx < -1e-6, box.left / -rx, np.inf)
        right = np.where(rx > 1e-6, box.right / rx, np.inf)
    return np.stack([floor, ceiling, left, right, np.full_like(rx, box.back)])


def box_depth(box: Box, intrinsics: np.ndarray, width: int, height: int) -> np.ndarray:
    """Camera-space depth (float32 ``(H, W)``) of the box's nearest surface along every pixel's ray."""
    return _planes(box, intrinsics[0, 0], intrinsics[1, 1], width, height).min(axis=0).astype(np.float32)


def box_labels(box: Box, intrinsics: np.ndarray, width: int, height: int) -> np.ndarray:
    """Which surface (index into :data:`SURFACES`) every pixel sees, uint8 ``(H, W)``."""
    return _planes(box, intrinsics[0, 0], intrinsics[1, 1], width, height).argmin(axis=0).astype(np.uint8)


def line_families(segments: np.ndarray, vanishing_point, width: int, height: int, tol_deg: float = 4.0,
                  sigma: float = 0.05) -> np.ndarray:
    """Densities ``(3, H, W)`` of the segments towards the vanishing point (z), horizontal (x) and
    vertical (y): each family's segments drawn with their length as weight, blurred by ``sigma``
    times the image's larger side, each map scaled to a maximum of 1 (0 when it has no segment)."""
    maps = np.zeros((3, height, width), np.float32)
    if len(segments):
        vx, vy = vanishing_point
        d = segments[:, 2:] - segments[:, :2]
        length = np.linalg.norm(d, axis=1) + 1e-9
        direction = d / length[:, None]
        mid = 0.5 * (segments[:, :2] + segments[:, 2:])
        to_vp = np.array([vx, vy]) - mid
        to_vp /= np.linalg.norm(to_vp, axis=1, keepdims=True) + 1e-9
        cos = np.cos(np.radians(tol_deg))
        family = [np.abs(np.sum(direction * to_vp, axis=1)) > cos,
                  np.abs(direction[:, 0]) > cos, np.abs(direction[:, 1]) > cos]
        for f, members in enumerate(family):
            for (x0, y0, x1, y1), weight in zip(segments[members], length[members]):
                cv2.line(maps[f], (int(round(x0)), int(round(y0))), (int(round(x1)), int(round(y1))), float(weight), 1)
    s = max(1.0, sigma * max(width, height))
    for f in range(3):
        maps[f] = cv2.GaussianBlur(maps[f], (0, 0), s)
        top = maps[f].max()
        if top > 0:
            maps[f] /= top
    return maps


def surface_evidence(families: np.ndarray) -> np.ndarray:
    """Per-pixel support ``(5, H, W)`` for each surface: the families it can hold, less the one it cannot."""
    z, x, y = families
    horizontal = z + x - y  # floor and ceiling: receding and horizontal lines, no verticals
    side = z + y - x  # side walls: receding and vertical lines
    back = x + y - z  # back wall: horizontal and vertical lines, nothing receding
    return np.stack([horizontal, horizontal, side, side, back])


def fit_layout(segments: np.ndarray, vanishing_point, intrinsics: np.ndarray, width: int, height: int,
               camera_height: float = DEFAULT_BOX.camera_height, ceiling_height: float = DEFAULT_BOX.ceiling_height,
               sides=(1.2, 1.6, 2.2, 3.0, 4.0, 5.5), backs=(3.0, 4.0, 6.0, 8.0, 11.0, 15.0),
               work_width: int = 96) -> tuple[Box, float]:
    """The box (side walls and back wall from the grids, in scene units) whose surfaces the photo's
    line evidence supports best; returns ``(box, score)``.  Evaluated on a copy ``work_width`` wide."""
    s = min(1.0, work_width / width)
    w, h = max(8, int(round(width * s))), max(8, int(round(height * s)))
    k = np.array(intrinsics, np.float64).copy()
    k[0, 0] *= w / width
    k[1, 1] *= h / height
    vp = ((vanishing_point[0] + 0.5) * w / width - 0.5, (vanishing_point[1] + 0.5) * h / height - 0.5)
    seg = np.c_[(segments[:, [0, 2]] + 0.5) * w / width - 0.5, (segments[:, [1, 3]] + 0.5) * h / height - 0.5]
    seg = seg[:, [0, 2, 1, 3]] if len(seg) else np.zeros((0, 4))
    evidence = surface_evidence(line_families(seg, vp, w, h))
    best, best_score = None, -np.inf
    for left in sides:
        for right in sides:
            for back in backs:
                box = Box(vp, camera_height, ceiling_height, left, right, back)
                labels = box_labels(box, k, w, h)
                score = float(np.take_along_axis(evidence, labels[None].astype(np.int64), 0).sum())
                if score > best_score:
                    best, best_score = box, score
    return Box(tuple(float(v) for v in vanishing_point), camera_height, ceiling_height, best.left, best.right,
               best.back), best_score
