"""Depth for one photo: the geometry the ``parallax`` generator needs.

Every source returns camera-space z (the distance along the optical axis, not
along the ray) as a float32 ``(H, W)`` array at the video size, in the scene
units of the camera path (metres for the procedural rooms; RealEstate10K
paths have an unknown per-clip scale).

Sources (config ``generate.options.depth.source``):

``procedural``
    The exact depth of a procedural room, rendered with the photo.
``file``
    A depth map made elsewhere (a phone's depth sensor, a depth model run on
    another machine): ``.npy`` (float, scene units) or 16-bit PNG (``scale``
    units per step: 0.001 for millimetres).  Non-finite or non-positive values
    are treated as missing and filled from their neighbours.
``layout``
    A box room estimated from the photo itself ("tour into the picture",
    Horry et al. 1997): line segments vote for the central vanishing point,
    which sets the horizon and the room's axis; the floor lies
    ``camera_height`` below the camera, the ceiling ``ceiling_height`` above
    the floor, side walls ``half_width`` to each side and the back wall at
    ``back_depth``.  Depth is the nearest of those planes along each ray.
    When no vanishing point gets enough support (fewer than
    ``min_lines`` consistent segments) the fallback is the same box centred
    on the principal point with a level horizon, and the report says so.
``popup`` (experimental)
    Object-aware depth in the spirit of automatic photo pop-up
    (:func:`popup_depth`): the box room's floor and walls, the floor
    segmented by GrabCut, and everything standing on it as an upright
    surface at the depth of its floor contact.  Measured against exact depth
    and against real frames it does not beat ``layout`` yet (BENCHMARKS.md),
    so ``layout`` stays the default.
``onnx``
    A monocular depth network exported to ONNX, run with onnxruntime (CPU or
    CUDA).  The photo is resized to the model's input size, normalised with
    ``mean``/``std`` (ImageNet by default), NCHW float32; the output is
    treated as ``inverse`` depth (MiDaS / Depth Anything: relative disparity)
    or ``metric`` depth, resized back, and mapped to ``[near, far]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .errors import RoomtourError

SOURCES = ("procedural", "file", "layout", "popup", "onnx")


# --------------------------------------------------------------------------- files


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
    from .video import atomic_path

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
    camera_height: float = 1.2,
    ceiling_height: float = 2.6,
    half_width: float = 2.2,
    back_depth: float = 6.0,
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
    from .layout import Box, box_depth, fit_layout

    h, w = photo.shape[:2]
    gray = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
    vp, support = central_vanishing_point(line_segments(gray, min_length=max(12, 0.04 * max(h, w))), w, h)
    fallback = vp is None or support < min_lines
    if fallback:
        vp = (intrinsics[0, 2], intrinsics[1, 2])
    vx, vy = float(vp[0]), float(vp[1])
    box = Box((vx, vy), camera_height, ceiling_height, half_width, half_width, back_depth)
    if fit and not fallback:
        from .straight import photo_segments

        box, _ = fit_layout(photo_segments(photo), (vx, vy), intrinsics, w, h, camera_height, ceiling_height)
    return box_depth(box, intrinsics, w, h), Layout((vx, vy), int(support), bool(fallback), box)


# --------------------------------------------------------------------------- photo pop-up


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
    camera_height: float = 1.2,
    ceiling_height: float = 2.6,
    half_width: float = 2.2,
    back_depth: float = 6.0,
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
    :class:`Popup`.  Works on a copy ``work_width`` pixels wide.
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


# --------------------------------------------------------------------------- ONNX


class OnnxDepthModel:
    """A monocular depth network in ONNX (onnxruntime); owns pre- and post-processing."""

    def __init__(self, model: str | Path, input_size: tuple[int, int] | None = None, output: str = "inverse",
                 mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225), near: float = 0.5, far: float = 10.0,
                 providers: list[str] | None = None):
        model = Path(model)
        if not model.is_file():
            raise RoomtourError(model, "ONNX depth model not found (set generate.options.depth.model)")
        if output not in ("inverse", "metric"):
            raise RoomtourError(model, f"output must be 'inverse' or 'metric', not {output!r}")
        try:
            import onnxruntime as ort
        except ImportError:
            raise RoomtourError(model, "onnxruntime is not installed (pip install onnxruntime)") from None
        available = ort.get_available_providers()
        providers = providers or [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in available]
        try:
            self.session = ort.InferenceSession(str(model), providers=providers)
        except Exception as exc:  # noqa: BLE001 - any loader failure is "not a usable model"
            raise RoomtourError(model, f"onnxruntime cannot load it ({exc.__class__.__name__})") from None
        inp = self.session.get_inputs()[0]
        if len(inp.shape) != 4:
            raise RoomtourError(model, f"expected one NCHW image input, got shape {inp.shape}")
        fixed = [d if isinstance(d, int) else None for d in inp.shape[2:]]
        self.input_name = inp.name
        self.size = tuple(input_size) if input_size else (fixed[1] or 384, fixed[0] or 384)  # (W, H)
        self.output, self.near, self.far = output, float(near), float(far)
        self.mean, self.std = np.asarray(mean, np.float32), np.asarray(std, np.float32)
        self.path = model

    def preprocess(self, photo: np.ndarray) -> np.ndarray:
        """uint8 RGB (H, W, 3) -> float32 (1, 3, h, w), resized to the model size and normalised."""
        x = cv2.resize(photo, self.size, interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
        x = (x - self.mean) / self.std
        return x.transpose(2, 0, 1)[None].astype(np.float32)

    def postprocess(self, raw: np.ndarray, width: int, height: int) -> np.ndarray:
        """Network output -> camera-space depth in ``[near, far]`` at ``width x height``."""
        pred = np.squeeze(np.asarray(raw, np.float32))
        if pred.ndim != 2:
            raise RoomtourError(self.path, f"expected a single-channel depth output, got shape {raw.shape}")
        pred = cv2.resize(pred, (width, height), interpolation=cv2.INTER_LINEAR)
        lo, hi = np.percentile(pred, [2, 98])
        t = np.clip((pred - lo) / max(hi - lo, 1e-6), 0, 1)
        if self.output == "inverse":
            # relative disparity: interpolate in 1/depth so near objects keep their separation
            inv = 1 / self.far + t * (1 / self.near - 1 / self.far)
            return (1.0 / inv).astype(np.float32)
        return (self.near + t * (self.far - self.near)).astype(np.float32)

    def __call__(self, photo: np.ndarray) -> np.ndarray:
        raw = self.session.run(None, {self.input_name: self.preprocess(photo)})[0]
        return self.postprocess(raw, photo.shape[1], photo.shape[0])


# --------------------------------------------------------------------------- dispatch


def estimate_depth(photo: np.ndarray, spec: dict, intrinsics: np.ndarray, depth_file: str | Path | None = None,
                   log=None, segments: np.ndarray | None = None) -> np.ndarray:
    """Depth for ``photo`` from the configured source (``spec = {"source": ..., options}``).

    Estimated depth (``layout``, ``popup``, ``onnx``) is then made to keep the
    photo's straight lines straight (:func:`roomtour.straight.straighten_depth`)
    unless ``straight_lines: false``; measured depth (``procedural``, ``file``)
    is used as it is.  ``segments`` are the photo's straight segments in its
    pixels (default: found on ``photo`` itself; :func:`roomtour.straight.segments_for`
    finds them on a larger copy).
    """
    spec = dict(spec or {"source": "layout"})
    straight = spec.pop("straight_lines", True)
    depth = _source_depth(photo, spec, intrinsics, depth_file, log)
    if straight and spec.get("source", "layout") in ESTIMATED:
        from .straight import straighten_depth

        depth = straighten_depth(photo, depth, segments)
    return depth


ESTIMATED = ("layout", "popup", "onnx")


def _source_depth(photo, spec, intrinsics, depth_file, log):
    spec = dict(spec)
    source = spec.pop("source", "layout")
    h, w = photo.shape[:2]
    if source in ("procedural", "file"):
        if not depth_file:
            raise RoomtourError(f"depth source {source!r}", "needs a depth file")
        return read_depth(depth_file, w, h, scale=spec.get("scale", 0.001))
    if source == "layout":
        depth, layout = layout_depth(photo, intrinsics, **spec)
        if log:
            where = "fallback: centred box" if layout.fallback else f"vanishing point {layout.vanishing_point}"
            log(f"layout: {where} ({layout.support} supporting segments)")
        return depth
    if source == "popup":
        depth, popup = popup_depth(photo, intrinsics, **spec)
        if log:
            lay = popup.layout
            where = "centred box" if lay.fallback else f"vanishing point ({lay.vanishing_point[0]:.0f}, "                 f"{lay.vanishing_point[1]:.0f})"
            if popup.fallback:
                log(f"popup: {popup.fallback}; box room ({where})")
            else:
                log(f"popup: {where}, floor {100 * popup.floor_fraction:.0f}% of the photo, {popup.objects} "
                    f"object(s), back wall {popup.back_depth:.1f}, side walls {popup.half_widths[0]:.1f} / "
                    f"{popup.half_widths[1]:.1f} (camera height units)")
        return depth
    if source == "onnx":
        model = spec.pop("model", "")
        return OnnxDepthModel(model, **spec)(photo)
    raise RoomtourError(f"depth source {source!r}", f"unknown; choose from {', '.join(SOURCES)}")
