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

SOURCES = ("procedural", "file", "layout", "onnx")


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
) -> tuple[np.ndarray, Layout]:
    """Depth of a box room fitted to the photo's central vanishing point (see the module docstring).

    ``intrinsics`` is the 3x3 pixel matrix.  The camera is taken as level
    with the room's axis passing through the vanishing point.
    """
    h, w = photo.shape[:2]
    gray = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
    vp, support = central_vanishing_point(line_segments(gray, min_length=max(12, 0.04 * max(h, w))), w, h)
    fallback = vp is None or support < min_lines
    if fallback:
        vp = (intrinsics[0, 2], intrinsics[1, 2])
    vx, vy = float(vp[0]), float(vp[1])
    fx, fy = intrinsics[0, 0], intrinsics[1, 1]
    u, v = np.meshgrid(np.arange(w, dtype=np.float64), np.arange(h, dtype=np.float64))
    # ray through (u, v) relative to the room axis: x = (u - vx) / fx, y = (v - vy) / fy per unit z
    rx, ry = (u - vx) / fx, (v - vy) / fy
    with np.errstate(divide="ignore"):
        floor = np.where(ry > 1e-6, camera_height / ry, np.inf)
        ceiling = np.where(ry < -1e-6, (ceiling_height - camera_height) / -ry, np.inf)
        walls = np.where(np.abs(rx) > 1e-6, half_width / np.abs(rx), np.inf)
    depth = np.minimum(np.minimum(floor, ceiling), np.minimum(walls, back_depth)).astype(np.float32)
    return depth, Layout((vx, vy), int(support), bool(fallback))


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
                   log=None) -> np.ndarray:
    """Depth for ``photo`` from the configured source (``spec = {"source": ..., options}``)."""
    spec = dict(spec or {"source": "layout"})
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
    if source == "onnx":
        model = spec.pop("model", "")
        return OnnxDepthModel(model, **spec)(photo)
    raise RoomtourError(f"depth source {source!r}", f"unknown; choose from {', '.join(SOURCES)}")
