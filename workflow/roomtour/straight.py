"""Straight lines: the photo's long segments, depth that keeps them straight, and the bend a move predicts.

A straight 3-D edge projects to a straight image line from every camera, and a
point set whose inverse depth is an affine function of the image position
along a line *is* a straight 3-D segment (the projection of a 3-D line has
``1/z`` affine along it).  So a depth map bends none of the photo's straight
lines exactly when its inverse depth is affine along each of them.  This
module makes that so and measures what is left:

:func:`photo_segments`
    Long straight segments of the photo (OpenCV's LSD), in pixels.
:func:`straighten_depth`
    The depth closest to a prior depth (the room estimate) whose inverse is
    affine along every segment, planar where the photo has no edge (second
    differences penalised, less so across the photo's edges, so creases may
    stay where the photo shows an edge).  One sparse least-squares solve.
:func:`predicted_bend`
    The photo's segments carried through a depth map and a camera pose: the
    95th percentile over segments of the largest distance of a carried point
    from the segment's fitted line, in target pixels.  :mod:`roomtour.framing`
    damps a move until this stays within ``max_bend``.

Units: pixel centres at integer coordinates; depth is camera-space z in scene
units; poses are 3x4 frame-0 -> frame-t transforms (:mod:`roomtour.camera`).
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["photo_segments", "segments_for", "straighten_depth", "segment_points", "predicted_bend"]


def photo_segments(photo: np.ndarray, min_length: float | None = None) -> np.ndarray:
    """Straight segments ``(N, 4)`` as ``x0, y0, x1, y1`` (pixels) of an RGB uint8 photo.

    LSD (Grompone von Gioi et al.), segments at least ``min_length`` pixels
    long (default 4 % of the photo's larger side), longest first.
    """
    h, w = photo.shape[:2]
    min_length = 0.04 * max(h, w) if min_length is None else float(min_length)
    gray = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY) if photo.ndim == 3 else photo
    lines = cv2.createLineSegmentDetector(cv2.LSD_REFINE_STD).detect(gray)[0]
    if lines is None:
        return np.zeros((0, 4))
    seg = join_collinear(np.asarray(lines, np.float64).reshape(-1, 4), max_gap=0.05 * max(h, w),
                         min_piece=0.01 * max(h, w))
    length = np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1])
    keep = length >= min_length
    return seg[keep][np.argsort(-length[keep])]


def segments_for(photo: np.ndarray, size: tuple[int, int], detail: int = 1024,
                 min_length: float | None = None) -> np.ndarray:
    """:func:`photo_segments` found on a copy of ``photo`` at most ``detail`` pixels on its long side
    (never below ``size``), in the pixel coordinates of ``size`` ``(width, height)``.

    LSD breaks a long, faint or slightly curved edge into pieces on a small copy of a photo and
    finds it whole on a larger one; the depth is solved small, the lines are found large.
    """
    h0, w0 = photo.shape[:2]
    w, h = size
    s = min(1.0, max(detail / max(h0, w0), w / w0, h / h0))
    copy = photo if s == 1.0 else cv2.resize(photo, (max(1, round(w0 * s)), max(1, round(h0 * s))),
                                              interpolation=cv2.INTER_AREA)
    ch, cw = copy.shape[:2]
    sx, sy = w / cw, h / ch
    if min_length is not None:
        min_length = min_length / min(sx, sy)
    seg = photo_segments(copy, min_length)
    return np.c_[(seg[:, 0] + 0.5) * sx - 0.5, (seg[:, 1] + 0.5) * sy - 0.5,
                 (seg[:, 2] + 0.5) * sx - 0.5, (seg[:, 3] + 0.5) * sy - 0.5]


def join_collinear(segments: np.ndarray, max_gap: float, angle_deg: float = 3.0, distance: float = 1.5,
                   min_piece: float = 0.0) -> np.ndarray:
    """Join segments that continue one another: within ``angle_deg`` of the same direction, both ends
    of the shorter within ``distance`` pixels of the longer one's line, at most ``max_gap`` apart along it
    and overlapping by at most ``distance`` (the two sides of a thin stripe stay apart).  Pieces shorter
    than ``min_piece`` are dropped first.

    A long edge that LSD breaks in two (a change of contrast along it) is one 3-D line: kept whole, the
    depth keeps both pieces on one line, not on two that meet at a kink.
    """
    seg = np.asarray(segments, np.float64).reshape(-1, 4)
    length = np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1])
    seg = seg[length >= max(min_piece, 1e-6)]
    seg = seg[np.argsort(-np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1]))]
    alive = np.ones(len(seg), bool)
    cos_tol = np.cos(np.radians(angle_deg))
    for i in range(len(seg)):
        if not alive[i]:
            continue
        while True:
            p0, d = seg[i, :2], seg[i, 2:] - seg[i, :2]
            la = np.linalg.norm(d)
            d = d / la
            normal = np.array([-d[1], d[0]])
            others = np.flatnonzero(alive)
            others = others[others != i]
            if not len(others):
                break
            o = seg[others]
            db = o[:, 2:] - o[:, :2]
            lb = np.linalg.norm(db, axis=1)
            parallel = np.abs(db @ d) >= cos_tol * lb
            off = np.maximum(np.abs((o[:, :2] - p0) @ normal), np.abs((o[:, 2:] - p0) @ normal))
            t0, t1 = (o[:, :2] - p0) @ d, (o[:, 2:] - p0) @ d
            lo, hi = np.minimum(t0, t1), np.maximum(t0, t1)
            gap = np.maximum(lo - la, -hi)  # > 0: apart, < 0: overlapping
            join = parallel & (off <= distance) & (gap <= max_gap) & (gap >= -distance)
            if not join.any():
                break
            new_lo, new_hi = min(0.0, lo[join].min()), max(la, hi[join].max())
            seg[i] = np.r_[p0 + new_lo * d, p0 + new_hi * d]
            alive[others[join]] = False
    return seg[alive]


def segment_points(segments: np.ndarray, spacing: float = 1.5, inset: float = 0.05) -> list[np.ndarray]:
    """Evenly spaced points ``(m, 2)`` along each segment, the ends ``inset`` of its length in."""
    out = []
    for x0, y0, x1, y1 in segments:
        length = np.hypot(x1 - x0, y1 - y0)
        m = max(3, int(np.ceil(length * (1 - 2 * inset) / spacing)) + 1)
        t = np.linspace(inset, 1 - inset, m)[:, None]
        out.append(np.hstack([x0 + t * (x1 - x0), y0 + t * (y1 - y0)]))
    return out


def _bilinear_rows(points: np.ndarray, w: int, h: int):
    """Column indices ``(m, 4)`` and weights ``(m, 4)`` of bilinear interpolation at ``points``."""
    x = np.clip(points[:, 0], 0, w - 1 - 1e-6)
    y = np.clip(points[:, 1], 0, h - 1 - 1e-6)
    x0, y0 = np.floor(x).astype(np.int64), np.floor(y).astype(np.int64)
    fx, fy = x - x0, y - y0
    idx = np.stack([y0 * w + x0, y0 * w + x0 + 1, (y0 + 1) * w + x0, (y0 + 1) * w + x0 + 1], 1)
    wts = np.stack([(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy], 1)
    return idx, wts


def _segment_masks(segments: np.ndarray, w: int, h: int):
    """Grid cells ``(h, w)`` that segments pass through, two masks: those of the segments that cross a
    vertical break (closer to horizontal than to vertical) and those that cross a horizontal one; one
    cell wider on each side."""
    masks = [np.zeros((h, w), np.uint8), np.zeros((h, w), np.uint8)]
    for x0, y0, x1, y1 in segments:
        m = masks[0] if abs(x1 - x0) >= abs(y1 - y0) else masks[1]
        cv2.line(m, (int(round(x0)), int(round(y0))), (int(round(x1)), int(round(y1))), 1, 1)
    kernel = np.ones((3, 3), np.uint8)
    return cv2.dilate(masks[0], kernel) > 0, cv2.dilate(masks[1], kernel) > 0


def _second_differences(n: int):
    from scipy import sparse

    return sparse.diags([np.ones(n - 2), -2 * np.ones(n - 2), np.ones(n - 2)], [0, 1, 2], shape=(n - 2, n))


def straighten_depth(photo: np.ndarray, depth: np.ndarray, segments: np.ndarray | None = None, *,
                     smoothness: float = 16384.0, edge_contrast: float = 0.04, line_weight: float = 1e6,
                     spacing: float = 1.0, work_pixels: int = 20000, band: float = 2.0,
                     step: float = 0.1) -> np.ndarray:
    """The depth nearest ``depth`` (in inverse depth) whose inverse is affine along every segment.

    Minimises, over inverse depth ``d`` normalised by the prior's median,
    ``sum (d - d_prior)^2 + smoothness * sum c * (second differences of d)^2
    + line_weight * sum (second differences of d along each segment)^2``,
    where ``c = 1 / (1 + (g / edge_contrast)^2)`` is lower across the photo's
    edges (``g``: grey-level gradient, 0-1 per pixel), so the surface may
    crease where the photo shows an edge and is planar elsewhere; where the
    prior is broken (neighbours more than ``step`` apart, relative, in
    inverse depth: an occlusion edge) it stays broken.
    ``smoothness`` sets how far a crease of the prior that the photo does not
    show is rounded (about ``smoothness ** 0.25`` pixels).  ``segments``
    default to :func:`photo_segments`.  The solve runs on a grid of at most
    ``work_pixels`` cells (inverse depth is smooth away from creases; the
    line terms are exact for the bilinearly enlarged result).  The terms
    hold along each segment and along parallels ``band`` grid cells to either
    side, so the pixels beside an edge move with it.  The line terms are
    sampled every ``spacing`` grid cells (one per cell: between sparser
    samples a depth step of the prior survives on the line) and
    ``line_weight`` is the weight at samples 1.5 cells apart, scaled by
    ``(1.5 / spacing) ** 4`` so that it means the same at any spacing (a
    second difference shrinks with the square of its step).  Returns float32
    depth of the same shape.  Long on purpose: it assembles one sparse least-squares system whose
    data, smoothness and line terms share one pixel indexing, and splitting it would pass that
    indexing between helpers.
    """
    from scipy import sparse
    from scipy.sparse.linalg import spsolve

    depth = np.asarray(depth, np.float64)
    full_h, full_w = depth.shape
    if segments is None:
        segments = photo_segments(photo)
    if len(segments) == 0 or full_h < 3 or full_w < 3:
        return depth.astype(np.float32)
    inv_full = 1.0 / np.maximum(depth, 1e-6)
    norm = float(np.median(inv_full))
    # solved on a grid of at most ``work_pixels`` cells; the result is enlarged bilinearly, and the line
    # terms are written for bilinear interpolation of that grid, so they hold on the enlarged depth too
    f = max(1.0, np.sqrt(full_h * full_w / work_pixels))
    w, h = max(3, int(round(full_w / f))), max(3, int(round(full_h / f)))
    sx, sy = w / full_w, h / full_h
    inv = cv2.resize(inv_full, (w, h), interpolation=cv2.INTER_AREA) if (w, h) != (full_w, full_h) else inv_full
    prior = (inv / norm).ravel()
    n = h * w
    band_offsets = (-band, 0.0, band) if band > 0 else (0.0,)

    gray = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY) if photo.ndim == 3 else photo
    gray = cv2.GaussianBlur(gray.astype(np.float32) / 255.0, (0, 0), 0.8)
    grad = np.hypot(cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)) / 8.0
    grad = cv2.dilate(grad, np.ones((3, 3), np.uint8))  # a crease anywhere in the 3-pixel stencil
    if (w, h) != (full_w, full_h):
        grad = cv2.resize(cv2.dilate(grad, np.ones((3, 3), np.uint8)), (w, h), interpolation=cv2.INTER_AREA)
    ease = (1.0 / (1.0 + (grad / edge_contrast) ** 2)).astype(np.float64)
    # where the prior itself is broken (an occlusion edge of a measured or learned depth: neighbours more
    # than ``step`` apart in inverse depth), it stays broken: no smoothness across it.  Not where one of
    # the photo's segments crosses the break: a straight 3-D line runs on through it, so that break is
    # a colour edge the prior mistook for depth (a segment *along* a break is an outline: kept)
    seg_grid = np.c_[(segments[:, [0, 2]] + 0.5) * sx - 0.5, (segments[:, [1, 3]] + 0.5) * sy - 0.5][:, [0, 2, 1, 3]]
    across_x, across_y = _segment_masks(seg_grid, w, h)
    jump_x = np.abs(np.diff(inv, axis=1)) > step * np.minimum(inv[:, 1:], inv[:, :-1])
    jump_y = np.abs(np.diff(inv, axis=0)) > step * np.minimum(inv[1:], inv[:-1])
    rel = np.zeros((h, w), bool)
    for broken, crossing, axis in ((jump_x, across_x, 1), (jump_y, across_y, 0)):
        cells = np.zeros((h, w), bool)
        if axis == 1:
            cells[:, 1:] |= broken
            cells[:, :-1] |= broken
        else:
            cells[1:] |= broken
            cells[:-1] |= broken
        rel |= cells & ~crossing
    ease[cv2.dilate(rel.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0] = 0.0

    blocks = [sparse.identity(n, format="csr")]
    dxx = sparse.kron(sparse.identity(h), _second_differences(w))
    cx = ease[:, 1:-1].ravel()
    dyy = sparse.kron(_second_differences(h), sparse.identity(w))
    cy = ease[1:-1, :].ravel()
    blocks += [sparse.diags(np.sqrt(smoothness * cx)) @ dxx, sparse.diags(np.sqrt(smoothness * cy)) @ dyy]

    rows, cols, vals, r = [], [], [], 0
    for pts in segment_points(segments, spacing * f):
        pts = np.c_[(pts[:, 0] + 0.5) * sx - 0.5, (pts[:, 1] + 0.5) * sy - 0.5]
        along = pts[-1] - pts[0]
        normal = np.array([-along[1], along[0]]) / max(np.linalg.norm(along), 1e-9)
        # the line and a parallel one a grid cell to each side: an edge moves with the pixels beside
        # it (a line held apart from its neighbours would be a groove that image motion never follows)
        for offset in band_offsets:
            idx, wts = _bilinear_rows(pts + offset * normal, w, h)
            m = len(pts)
            for k, coef in ((0, 1.0), (1, -2.0), (2, 1.0)):
                rows.append(np.repeat(np.arange(r, r + m - 2), 4))
                cols.append(idx[k: m - 2 + k].ravel())
                vals.append((coef * wts[k: m - 2 + k]).ravel())
            r += m - 2
    if r:
        lines = sparse.csr_matrix((np.sqrt(line_weight * (1.5 / spacing) ** 4) * np.concatenate(vals),
                                   (np.concatenate(rows), np.concatenate(cols))), shape=(r, n))
        blocks.append(lines)
    a = sparse.vstack(blocks, format="csr")
    rhs = np.zeros(a.shape[0])
    rhs[:n] = prior
    solution = spsolve((a.T @ a).tocsc(), a.T @ rhs)
    # a line extrapolated past the prior's farthest point may reach inverse depth 0 (infinity): keep
    # every point at most 4x farther than the prior's farthest, so nothing flips behind the camera
    inv_out = np.maximum(solution.reshape(h, w) * norm, 0.25 * inv_full.min())
    if (w, h) != (full_w, full_h):
        inv_out = cv2.resize(inv_out, (full_w, full_h), interpolation=cv2.INTER_LINEAR)
    return (1.0 / inv_out).astype(np.float32)


def predicted_bend(depth: np.ndarray, k0: np.ndarray, points: list[np.ndarray], k: np.ndarray, pose: np.ndarray,
                   size: tuple[int, int], percentile: float = 95.0, min_length: float | None = None) -> float:
    """How far the photo's segments bend in the frame seen by ``pose`` (target pixels).

    ``points`` are points along each segment in the photo (:func:`segment_points`),
    carried through ``depth`` (bilinear) and the pose into the target camera
    ``k`` of ``size`` ``(width, height)``.  For each segment with at least
    half its points inside the frame and in front of the camera, the largest
    distance of a point from the line fitted to them; returns the
    ``percentile`` of those over segments (0 when none is in view).  Segments
    whose carried points span less than ``min_length`` target pixels are left
    out (default: 1/16 of the frame's width, the "long segments" of the bend
    measure in ``../shared/tools/bend.py``: 60 pixels of 960); many short
    segments, which rarely bend, would otherwise hide the long ones that do.
    """
    min_length = size[0] / 16 if min_length is None else float(min_length)
    w, h = size
    k0inv = np.linalg.inv(k0)
    devs = []
    d32 = np.asarray(depth, np.float32)
    # the nearest of each 2x2 cell: a segment on a depth step is the nearer surface's outline and moves
    # with it (bilinear depth there would put its points between the two surfaces)
    nearest = cv2.erode(d32, np.ones((2, 2), np.uint8), anchor=(0, 0), borderType=cv2.BORDER_REPLICATE)
    for pts in points:
        mx, my = pts[:, 0].astype(np.float32).reshape(-1, 1), pts[:, 1].astype(np.float32).reshape(-1, 1)
        z = cv2.remap(d32, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE).ravel().astype(np.float64)
        near = cv2.remap(nearest, np.floor(mx), np.floor(my), cv2.INTER_NEAREST,
                         borderMode=cv2.BORDER_REPLICATE).ravel().astype(np.float64)
        z = np.where(z > 1.05 * near, near, z)
        rays = k0inv @ np.vstack([pts.T, np.ones(len(pts))])
        p = pose[:, :3] @ (rays * z) + pose[:, 3:4]
        front = p[2] > 1e-6
        with np.errstate(divide="ignore", invalid="ignore"):
            uv = (k @ p)[:2] / p[2]
        inside = front & (uv[0] >= 0) & (uv[0] <= w - 1) & (uv[1] >= 0) & (uv[1] <= h - 1)
        if inside.sum() < max(3, len(pts) // 2):
            continue
        q = uv[:, inside].T
        if np.linalg.norm(q[-1] - q[0]) < min_length:
            continue
        c = q.mean(0)
        _, _, vt = np.linalg.svd(q - c, full_matrices=False)
        devs.append(float(np.abs((q - c) @ vt[1]).max()))
    return float(np.percentile(devs, percentile)) if devs else 0.0
