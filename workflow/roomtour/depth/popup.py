"""Object-aware depth in the spirit of automatic photo pop-up: the ``popup`` source (experimental)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..layout import DEFAULT_BOX


from .boxroom import Layout, layout_depth


@dataclass
class Popup:
    """What the pop-up estimate found (pixel coordinates at the photo's size)."""

    layout: Layout
    floor_fraction: float  # share of the photo labelled floor
    objects: int  # runs of columns holding something nearer than the room's walls
    back_depth: float
    half_widths: tuple[float, float]  # left and right wall distances from the room axis
    fallback: str = ""  # why the box room was used instead, if it was


def _grabcut(photo: np.ndarray, mask: np.ndarray, iterations: int) -> np.ndarray:
    """GrabCut from a seed mask; returns the pixels it labels (probably) foreground."""
    if not ((mask == cv2.GC_PR_FGD) | (mask == cv2.GC_FGD)).any() or \
            not ((mask == cv2.GC_BGD) | (mask == cv2.GC_PR_BGD)).any():
        return np.zeros(mask.shape, bool)
    mask = mask.copy()
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    try:
        cv2.grabCut(cv2.cvtColor(photo, cv2.COLOR_RGB2BGR), mask, None, bgd, fgd, iterations, cv2.GC_INIT_WITH_MASK)
    except cv2.error:
        return np.zeros(mask.shape, bool)
    return (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)


def _touching_bottom(mask: np.ndarray, rows: int) -> np.ndarray:
    """The connected parts of ``mask`` (its small gaps closed) that reach the bottom ``rows``."""
    closed = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    _, comp = cv2.connectedComponents(closed, connectivity=4)
    keep = np.unique(comp[-rows:][closed[-rows:] > 0])
    return np.isin(comp, keep[keep > 0])


def stands_upright(region: np.ndarray, vanishing_point: tuple[float, float]) -> bool:
    """Whether a region touching the floor is an upright object rather than a flat patch.

    With a level camera the sides of upright things are vertical image lines,
    while the sides of a rug or a floor stripe recede towards the central
    vanishing point.  Each side (left and right ends of the region's rows,
    away from the photo's border) is fitted both ways; the region stands
    when the vertical fit is the better one.
    """
    h, w = region.shape
    ys = np.nonzero(region.any(axis=1))[0]
    if len(ys) < 4:
        return False
    vx, vy = vanishing_point
    err_vertical = err_receding = 0.0
    for side in (0, 1):
        xs = np.array([np.nonzero(region[y])[0][[0, -1][side]] for y in ys], float)
        keep = (xs > 0) & (xs < w - 1)
        if keep.sum() < 4:
            continue
        x, y = xs[keep], ys[keep].astype(float)
        err_vertical += float(np.mean((x - np.median(x)) ** 2))
        dy = y - vy
        ok = np.abs(dy) > 1
        if ok.sum() < 4:
            continue
        c = np.median((x[ok] - vx) / dy[ok])
        err_receding += float(np.mean((x[ok] - vx - c * dy[ok]) ** 2))
    return err_vertical < err_receding


def floor_mask(photo: np.ndarray, vanishing_point: tuple[float, float], seed_rows: float = 0.1,
               iterations: int = 4) -> np.ndarray:
    """Floor pixels of a small photo, in two GrabCut passes.

    1. Seeded with the bottom rows as probable floor and everything above
       the horizon as certain non-floor.
    2. Seeded again with a thin strip of that floor just in front of
       whatever it meets (the floor's far edge, where objects in the bottom
       rows do not reach), so that things standing in the bottom rows drop
       out of the floor's colours.
    What pass 2 drops is kept as floor again unless it stands upright
    (:func:`stands_upright`): a rug is flat, a chest is not.  The result is
    the connected floor that reaches the bottom rows.
    """
    h, w = photo.shape[:2]
    horizon = vanishing_point[1]
    top = int(np.clip(np.ceil(horizon + 0.02 * h), 0, h))
    band = max(2, int(round(seed_rows * h)))
    seeds = np.full((h, w), cv2.GC_PR_BGD, np.uint8)
    seeds[:top] = cv2.GC_BGD
    seeds[max(top, h - band):, int(0.05 * w): int(np.ceil(0.95 * w))] = cv2.GC_PR_FGD
    first = _touching_bottom(_grabcut(photo, seeds, iterations), max(1, band // 2))
    if not first.any():
        return first
    # the floor just in front of whatever it meets is floor for sure: seed pass 2 with it
    contact = floor_contact(first)
    strip = max(2, int(round(0.03 * h)))
    yy = np.arange(h)[:, None]
    # a contact far above the typical one runs through something pass 1 took for floor: skip it
    seen = contact < h
    typical = np.median(contact[seen]) if seen.any() else h
    trusted = seen & (contact >= typical - 2)
    near_contact = first & (yy >= contact[None, :]) & (yy < contact[None, :] + strip) & trusted[None, :]
    if near_contact.sum() < 0.005 * h * w:
        return first
    seeds = np.full((h, w), cv2.GC_PR_BGD, np.uint8)
    seeds[:top] = cv2.GC_BGD
    seeds[near_contact] = cv2.GC_PR_FGD
    second = _grabcut(photo, seeds, iterations)
    floor = first & second
    # judge each dropped piece on its own: strong edges separate a chest from the rug it stands on
    grey = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
    edges = cv2.dilate(cv2.Canny(grey, 60, 150), np.ones((2, 2), np.uint8)) > 0
    dropped = (first & ~second & ~edges).astype(np.uint8)
    count, comp = cv2.connectedComponents(dropped, connectivity=4)
    for label in range(1, count):
        region = comp == label
        if region.sum() >= 0.002 * h * w and stands_upright(region, vanishing_point):
            continue
        floor |= cv2.dilate(region.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & first
    return _touching_bottom(floor, max(1, band // 2))


def floor_contact(floor: np.ndarray, gap: int = 2) -> np.ndarray:
    """Per column, the row where the floor seen from the bottom of the photo ends
    (the contact line of whatever stands on it); ``h`` where the bottom pixel is not
    floor.  Gaps of up to ``2 * gap`` rows (a seam, a shadow line) do not end the floor."""
    h, w = floor.shape
    closed = cv2.morphologyEx(floor.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((2 * gap + 1, 1), np.uint8)) > 0
    from_bottom = ~closed[::-1]
    first_gap = np.argmax(from_bottom, axis=0)
    ends = np.where(from_bottom.any(axis=0), h - first_gap, 0)
    return np.where(closed[h - 1], ends, h).astype(np.float64)


def snap_depth_edges(photo: np.ndarray, depth: np.ndarray, radius: int = 4, eps: float = 1e-3) -> np.ndarray:
    """Move depth edges onto image edges, without inventing depths in between.

    Near every depth edge each pixel has two candidates, the nearest and the
    farthest depth within ``radius``.  The indicator of "near" is smoothed
    by a guided filter with the photo as guide (edge-aware: it follows
    colour edges), and each pixel takes the candidate the smoothed
    indicator favours.  Away from depth edges nothing changes.
    """
    size = 2 * radius + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    inverse = (1.0 / np.maximum(depth, 1e-6)).astype(np.float32)
    near = cv2.dilate(inverse, kernel)
    far = cv2.erode(inverse, kernel)
    edge = near > far * 1.1
    if not edge.any():
        return depth
    is_near = (inverse >= 0.5 * (near + far)).astype(np.float32)
    guide = photo.astype(np.float32) / 255.0
    soft = cv2.ximgproc.guidedFilter(guide, is_near, radius, eps)
    snapped = np.where(soft >= 0.5, near, far)
    out = np.where(edge, snapped, inverse)
    return (1.0 / np.maximum(out, 1e-6)).astype(np.float32)


def popup_depth(
    photo: np.ndarray,
    intrinsics: np.ndarray,
    camera_height: float = DEFAULT_BOX.camera_height,
    ceiling_height: float = DEFAULT_BOX.ceiling_height,
    half_width: float = DEFAULT_BOX.left,
    back_depth: float = DEFAULT_BOX.back,
    min_lines: int = 6,
    work_width: int = 192,
    min_object_height: float = 0.3,
    max_object_height: float = 2.2,
    object_ratio: float = 0.85,
    refine: bool = True,
) -> tuple[np.ndarray, Popup]:
    """Object-aware depth from one photo, in the spirit of automatic photo pop-up.

    1. The box room's horizon and axis come from the central vanishing point
       (:func:`layout_depth`); the camera is level, ``camera_height`` above the floor.
    2. The floor is segmented (:func:`floor_mask`): GrabCut from the bottom
       rows, never above the horizon.
    3. Everything standing on the floor is a vertical surface at the depth of
       its floor contact (:func:`floor_contact`): ``z = camera_height * fy / (y_c - y_h)``.
    4. The wall behind any column is the farthest contact seen within 20 % of
       the width around it (walls are what is farthest; where no contact is
       seen, the box room's wall), with the ceiling plane above.
    5. Runs of columns whose contact is clearly nearer than that wall
       (``object_ratio``) hold an object; it rises from its contact to the
       strongest horizontal image edge across the run between
       ``min_object_height`` and ``max_object_height`` (scene units), and the
       wall continues above it.  Other columns are walls up to the ceiling.
    6. Edge-aware refinement (:func:`snap_depth_edges`): depth edges move onto
       the photo's edges.

    Falls back to the box room (:func:`layout_depth`) when the horizon is not
    inside the photo or no floor is found, and says so in the returned
    :class:`Popup`.  Works on a copy ``work_width`` pixels wide.  Long on purpose: the numbered
    steps above share their intermediate maps (labels, floor, contacts), and the body follows them
    in order.
    """
    h, w = photo.shape[:2]
    box, layout = layout_depth(photo, intrinsics, camera_height, ceiling_height, half_width, back_depth, min_lines)
    vx, vy = layout.vanishing_point
    s = min(1.0, work_width / w)
    sw, sh = max(16, int(round(w * s))), max(16, int(round(h * s)))
    sx, sy = sw / w, sh / h
    small = cv2.resize(photo, (sw, sh), interpolation=cv2.INTER_AREA)
    fx, fy = intrinsics[0, 0] * sx, intrinsics[1, 1] * sy
    svx, svy = (vx + 0.5) * sx - 0.5, (vy + 0.5) * sy - 0.5

    def fallback(reason):
        return box, Popup(layout, 0.0, 0, back_depth, (half_width, half_width), reason)

    if svy > sh - 4:
        return fallback("horizon below the photo")
    floor = floor_mask(small, (svx, svy))
    if floor.mean() < 0.02:
        return fallback("no floor found")
    contact = floor_contact(floor)
    far = 3.0 * back_depth
    rows = np.arange(sh, dtype=np.float64)
    # every column's upright surface stands at the depth of its floor contact
    seen = (contact < sh - 1) & (contact > svy + 2)
    with np.errstate(divide="ignore"):
        vertical = np.where(contact - 0.5 > svy + 0.5, camera_height * fy / (contact - 0.5 - svy), far)
    vertical = np.clip(vertical, 0.3, far)
    vertical = cv2.medianBlur(vertical.astype(np.float32)[None], 5).ravel()
    # the wall behind anything: the farthest contact seen around it (walls are what is farthest)
    window = max(3, int(round(0.4 * sw)) | 1)
    envelope = cv2.dilate(np.where(seen, vertical, 0).astype(np.float32)[None], np.ones((1, window), np.uint8)).ravel()
    x = np.arange(sw) + 0.5
    with np.errstate(divide="ignore"):
        box = np.minimum(back_depth, half_width * fx / np.maximum(np.abs(x - svx), 1e-6))
    envelope = np.where(envelope > 0, envelope, box)
    walls = np.where(seen, np.minimum(vertical, envelope), envelope)
    ry = (rows - svy)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        floor_z = np.where(ry > 1e-6, camera_height * fy / ry, np.inf)
        ceiling_z = np.where(ry < -1e-6, (ceiling_height - camera_height) * fy / -ry, np.inf)
    depth = np.minimum(walls[None, :], ceiling_z)
    depth = np.where(rows[:, None] >= contact[None, :], np.minimum(floor_z, far), depth)
    # objects: runs of columns standing clearly in front of the wall behind them, up to their top
    is_object = vertical < object_ratio * envelope
    gap = max(1, int(round(0.015 * sw)))
    is_object = cv2.morphologyEx(is_object.astype(np.uint8)[None], cv2.MORPH_CLOSE,
                                 np.ones((1, 2 * gap + 1), np.uint8)).ravel().astype(bool)
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).astype(np.float32)
    edge = np.abs(np.diff(cv2.GaussianBlur(lab, (0, 0), 1.0), axis=0)).sum(axis=2)  # between rows y and y + 1
    objects = 0
    idx = np.nonzero(is_object)[0]
    runs = np.split(idx, np.nonzero(np.diff(idx) > 1)[0] + 1) if len(idx) else []
    for run in runs:
        if len(run) < max(3, int(0.02 * sw)):
            continue
        objects += 1
        # one depth profile and one top line per object: furniture has straight bases and tops
        z = cv2.medianBlur(vertical[run].astype(np.float32)[None], 5).ravel() if len(run) >= 5 else \
            np.full(len(run), np.median(vertical[run]))
        base = float(np.median(np.minimum(contact[run], sh)))
        zm = float(np.median(z))
        lo = int(np.clip(base - max_object_height * fy / zm, 0, sh - 2))
        hi = int(np.clip(base - min_object_height * fy / zm, lo + 1, sh - 1))
        top = lo + 1 + int(np.argmax(edge[lo:hi, run].sum(axis=1)))
        for col, zx in zip(run, z):
            depth[:, col] = np.minimum(envelope[col], ceiling_z[:, 0])
            depth[top:int(contact[col]), col] = zx
            depth[int(contact[col]):, col] = np.minimum(floor_z[int(contact[col]):, 0], far)
    back = float(envelope[int(np.clip(svx, 0, sw - 1))])
    halves = (float(envelope[0] * max(svx, 1) / fx), float(envelope[-1] * max(sw - svx, 1) / fx))
    depth = np.clip(depth, 0.3, far).astype(np.float32)
    full = cv2.resize(depth, (w, h), interpolation=cv2.INTER_NEAREST)
    if refine:
        full = snap_depth_edges(photo, full, radius=max(2, int(round(2 / s))))
    info = Popup(layout, float(floor.mean()), objects, back, halves)
    return full, info
