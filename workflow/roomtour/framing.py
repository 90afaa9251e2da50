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
    (coverage label ``visible``) and the photo's long straight segments,
    carried through the depth into every frame, stay within ``max_bend``
    pixels of a straight line (:func:`roomtour.straight.predicted_bend`; a
    depth that cannot hold a line costs motion, not a bent wall).  The
    search prefers the least damping, then the least zoom; it runs on the
    geometry's copy of the photo, and the chosen values, the predicted bend
    and the parallax kept are logged and reported with the coverage.

:func:`fit_shot` is the one search that the study's generators and the
tours both use.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .camera import CameraPath
from .schema import schema_default
from .errors import RoomtourError

# the share of every frame that must come from the photo: the schema's default (generate.min_visible)
MIN_VISIBLE = schema_default("generate", "min_visible")

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
    bend_px: float = float("nan")  # predicted, worst frame, at the output size
    parallax_px: float = float("nan")  # predicted motion no homography explains, worst frame, output pixels

    def as_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        lines = f"bend {self.bend_px:.2f} px, parallax {self.parallax_px:.1f} px (predicted, output pixels)"
        if self.mode == "exact":
            return f"framing exact (path as given); {lines}"
        return (f"framing fit: zoom {self.zoom:.3f} (field of view narrowed), damping {self.damping:.2f} "
                f"(motion kept), worst frame {100 * self.searched_min_visible:.1f}% visible at search size; {lines}")


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
    from scipy.spatial.transform import Rotation  # on first use: see roomtour.camera._rotation

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


def fit_framing(min_visible_of, min_visible: float = MIN_VISIBLE, max_zoom: float = 1.5,
                dampings=DAMPINGS, steps: int = 6, bend_of=None, max_bend: float = float("inf")) -> Framing:
    """Search the least damping, then the least zoom (bisection), for which
    ``min_visible_of(zoom, damping)`` (the worst frame's visible fraction) reaches
    ``min_visible`` and ``bend_of(zoom, damping)`` (the worst frame's predicted bend,
    pixels) stays within ``max_bend`` at the zoom found.  Damping 0 (no motion) always qualifies."""
    for damping in dampings:
        if damping <= 0:
            return Framing("fit", 1.0, 0.0, 1.0)
        # a quick reject at the widest view before the zoom search; the zoom found is checked again
        if bend_of is not None and bend_of(1.0, damping) > max_bend:
            continue
        found = _least_zoom(min_visible_of, min_visible, max_zoom, damping, steps)
        if found is None:
            continue
        if bend_of is not None and bend_of(found.zoom, damping) > max_bend:
            continue
        return found
    return Framing("fit", 1.0, 0.0, 1.0)


def _least_zoom(min_visible_of, min_visible, max_zoom, damping, steps):
    """The least zoom (bisection) at which ``damping`` keeps ``min_visible``, or None.

    No zoom is tried first: visibility need not grow with zoom (a magnified view of a near
    object stretches the photo and opens disocclusions behind it), so a move that keeps its
    frames whole at the photo's own field of view is never refused for what a zoom would do."""
    at_one = min_visible_of(1.0, damping)
    if at_one >= min_visible:
        return Framing("fit", 1.0, damping, at_one)
    at_max = min_visible_of(max_zoom, damping)
    if at_max < min_visible:
        return None
    lo, hi, best = 1.0, max_zoom, at_max
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        value = min_visible_of(mid, damping)
        if value >= min_visible:
            hi, best = mid, value
        else:
            lo = mid
    return Framing("fit", hi, damping, best)


# --------------------------------------------------------------------------- one search for every caller


def frame_picks(frames: int, count: int = 7) -> list[int]:
    """Evenly spaced frames, the first and last among them, that a fit search checks."""
    return sorted(set(np.linspace(0, frames - 1, min(frames, count)).round().astype(int).tolist()))


def predicted_parallax(depth: np.ndarray, k0: np.ndarray, k: np.ndarray, pose: np.ndarray, size,
                       step: int = 8) -> float:
    """The 90th percentile of the motion (output pixels) from the photo to the frame ``pose`` sees
    that the best homography leaves unexplained: real parallax, not a pan or a zoom of a flat picture.
    Computed on a grid of photo points every ``step`` pixels that land inside the frame."""
    import cv2

    from .render import project

    h0, w0 = depth.shape
    v, u = np.mgrid[step // 2:h0:step, step // 2:w0:step]
    src = np.stack([u.ravel(), v.ravel()], 1).astype(np.float64)
    rays = np.linalg.inv(k0) @ np.vstack([src.T, np.ones(len(src))])
    pts = pose[:, :3] @ (rays * depth[v.ravel(), u.ravel()]) + pose[:, 3:4]
    ut, vt, zt = project(k, pts)
    w, h = size
    ok = (zt > 1e-6) & (ut >= 0) & (ut <= w - 1) & (vt >= 0) & (vt <= h - 1)
    if ok.sum() < 8:
        return 0.0
    dst = np.stack([ut[ok], vt[ok]], 1)
    hom, _ = cv2.findHomography(src[ok], dst, 0)
    if hom is None:
        return 0.0
    fitted = cv2.perspectiveTransform(src[ok].reshape(-1, 1, 2), hom).reshape(-1, 2)
    return float(np.percentile(np.linalg.norm(fitted - dst, axis=1), 90))


def fit_shot(renderer, path: CameraPath, label_size, *, output_size=None, lines=None, min_visible: float = MIN_VISIBLE,
             max_bend: float = float("inf"), max_zoom: float = 1.5, picks: int = 7, confirm=None) -> Framing:
    """Fit ``path`` to what one photo can show (``fit`` framing; see the module docstring).

    ``renderer`` is a :class:`roomtour.render.ParallaxRenderer` of the photo
    whose coverage labels, rendered at ``label_size`` ``(width, height)``,
    measure visibility; ``path`` is relative to the photo's camera with the
    output window's normalised intrinsics.  ``lines`` = ``(depth, k0,
    points)``: the photo's depth and pixel intrinsics and points along its
    straight segments in the same pixels (:func:`roomtour.straight.segment_points`),
    from which bend and parallax are predicted at ``output_size`` (default
    ``label_size``).  ``picks`` evenly spaced frames are checked.
    ``confirm`` = ``(renderer, size)``: after the search, visibility is
    checked again there on the same frames, and zoom, then damping,
    tightened until it holds (a search on a small copy of the geometry is a
    few tenths of a percent more tolerant).
    """
    from .camera import intrinsics_matrix
    from .render import VISIBLE
    from .straight import predicted_bend

    output_size = output_size or label_size
    chosen = frame_picks(len(path), picks)

    def visible_of(r, size, zoom, damping):
        cam = apply_framing(path, Framing("fit", zoom, damping))
        return min(float(np.mean(r.source_map(intrinsics_matrix(cam.intrinsics[i], *size), cam.w2c[i], size).labels
                                 == VISIBLE)) for i in chosen)

    def bend_of(zoom, damping):
        depth, k0, points = lines
        cam = apply_framing(path, Framing("fit", zoom, damping))
        return max(predicted_bend(depth, k0, points, intrinsics_matrix(cam.intrinsics[i], *output_size), cam.w2c[i],
                                  output_size) for i in chosen)

    found = fit_framing(lambda z, d: visible_of(renderer, label_size, z, d) - 0.005, min_visible, max_zoom,
                        bend_of=bend_of if lines is not None and np.isfinite(max_bend) else None, max_bend=max_bend)
    found.searched_min_visible += 0.005
    if confirm is not None:
        full, size = confirm
        budget = lines is not None and np.isfinite(max_bend)
        steps = [d for d in DAMPINGS if d < found.damping]
        while found.damping > 0:
            value = visible_of(full, size, found.zoom, found.damping)
            bent = budget and bend_of(found.zoom, found.damping) > max_bend
            if value >= min_visible and not bent:
                found.searched_min_visible = value
                break
            # zoom in for visibility while that keeps the lines; otherwise less motion
            if not bent and found.zoom * 1.04 <= max_zoom:
                found.zoom *= 1.04
            else:
                found.damping = steps.pop(0) if steps else 0.0
    if lines is not None:
        describe_lines(found, path, output_size, *lines, picks=chosen)
    return found


def describe_lines(framing: Framing, path: CameraPath, output_size, depth, k0, points, picks=None) -> Framing:
    """Fill ``framing.bend_px`` and ``parallax_px``: the worst picked frame's predicted bend of the
    photo's straight segments (``points``) and its parallax, at ``output_size``, for ``path`` under
    ``framing``."""
    from .camera import intrinsics_matrix
    from .straight import predicted_bend

    cam = apply_framing(path, framing)
    picks = frame_picks(len(path)) if picks is None else picks
    ks = [(intrinsics_matrix(cam.intrinsics[i], *output_size), cam.w2c[i]) for i in picks]
    framing.bend_px = max(predicted_bend(depth, k0, points, k, pose, output_size) for k, pose in ks)
    framing.parallax_px = max(predicted_parallax(depth, k0, k, pose, output_size) for k, pose in ks)
    return framing
