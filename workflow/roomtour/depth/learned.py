"""Learned depth fused with the room: the ``learned`` source.

A monocular network (:class:`DepthNetwork`, TCMonoDepth's small model) knows the
*shape* of what a photo shows, furniture in front of the wall behind it, but only
up to an unknown scale and shift of inverse depth, and it is weak on large blank
walls.  The box room (:func:`roomtour.depth.boxroom.layout_depth`) knows the
*frame*: the floor ``camera_height`` below a level camera, the horizon, walls
around the vanishing point, in camera-height units.  :func:`fuse_with_room`
puts the two together:

1. **Scale and shift from the room.**  ``1/z = a * net + b`` is fitted, robustly,
   to the box's inverse depth on the pixels where the two agree: room surfaces,
   not the furniture standing in front of them (Tukey weights on the relative
   residual drop what stands out).  The floor below the horizon counts more:
   its plane is fixed by the camera height alone, where the walls are guesses.
2. **Surfaces stay surfaces.**  Where the network puts a box surface behind
   where the room can be (a near blank wall seen as far, the network's known
   failure), the surface comes back to the room's plane: nothing in a room lies
   farther than ``envelope`` times the room's wall along its ray.
3. **Edges are steps.**  The network's outlines are ramps a few pixels wide;
   a ramp smears an object into the wall behind it when the camera moves.
   Near every depth edge each pixel takes either the near or the far side,
   whichever the photo's colours put it with (:func:`snap_depth_edges`), so an
   outline is one clean step and the renderer fills what opens behind it from
   the background.

Straight lines are kept afterwards by :func:`roomtour.straight.straighten_depth`
(in :func:`roomtour.depth.estimate_depth`), which keeps steps as steps.
Units: depth is camera-space z in camera-height units times ``camera_height``
(as the ``layout`` source); inverse depth is ``1/z``.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import cv2
import numpy as np

from ..errors import RoomtourError
from ..layout import DEFAULT_BOX

__all__ = ["DepthNetwork", "snap_depth_edges", "run_medians", "fuse_with_room", "learned_depth", "WEIGHTS"]

log = logging.getLogger(__name__)

WEIGHTS = "tcmonodepth/_ckpt_small.pt.tar"  # relative to weights_dir


_RAN_IN: int | None = None  # the process that ran the network first


def _guard_fork() -> None:
    """One torch thread in a process forked from one that already ran the network: the parent's
    OpenMP thread pool does not survive a fork, and the child's first parallel region would wait
    for it for ever (a multi-format tour forks its workers after the parent may have solved depth)."""
    import os

    import torch

    global _RAN_IN
    if _RAN_IN is None:
        _RAN_IN = os.getpid()
    elif _RAN_IN != os.getpid():
        torch.set_num_threads(1)


@lru_cache(maxsize=4)
def _network(path: str):
    from ..models.loading import load_tcmonodepth

    model, _ = load_tcmonodepth(path)
    return model


class DepthNetwork:
    """TCMonoDepth small as a pipeline: RGB uint8 photo -> relative inverse depth at the photo's size.

    The photo is resized (bicubic, as the authors do) so that its short side is ``short_side``
    pixels and both sides are multiples of 32; the output (larger is nearer, unknown scale
    and shift) is resized back bilinearly.  CPU, deterministic, loaded once per process.
    """

    def __init__(self, weights: str = "", weights_dir: str = "", short_side: int = 256, flip: bool = False):
        from ..models.weights import find_weights

        self.path = find_weights(weights_dir, WEIGHTS, weights)
        if short_side < 32:
            raise RoomtourError("depth learned", f"short_side must be at least 32 pixels, not {short_side}")
        self.short_side = int(short_side)
        self.flip = bool(flip)
        self.model = _network(str(self.path))

    def input_size(self, width: int, height: int) -> tuple[int, int]:
        """``(width, height)`` the network runs at for a photo of this size."""
        s = self.short_side / min(width, height)
        return (max(32, int(round(width * s / 32)) * 32), max(32, int(round(height * s / 32)) * 32))

    def __call__(self, photo: np.ndarray) -> np.ndarray:
        import torch

        _guard_fork()  # before any threaded call, OpenCV's resize included
        h, w = photo.shape[:2]
        nw, nh = self.input_size(w, h)
        x = cv2.resize(photo, (nw, nh), interpolation=cv2.INTER_CUBIC if nw > w else cv2.INTER_AREA)
        tensor = torch.from_numpy(np.ascontiguousarray(x)).permute(2, 0, 1)[None].float()
        with torch.inference_mode():
            if self.flip:
                both = self.model(torch.cat([tensor, tensor.flip(3)]))
                out = (0.5 * (both[0, 0] + both[1, 0].flip(1))).numpy()
            else:
                out = self.model(tensor)[0, 0].numpy()
        return cv2.resize(out, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32)


def snap_depth_edges(photo: np.ndarray, inverse: np.ndarray, radius: int = 3, step: float = 0.1,
                     eps: float = 1e-3) -> np.ndarray:
    """Inverse depth whose ramps at depth edges are made steps where the photo's colours say.

    Near every depth edge (the nearest and farthest inverse depth within ``radius`` pixels
    differ by more than ``step``, relative) each pixel has two candidates, those two.  An
    indicator of "nearer than halfway" is smoothed by a guided filter with the photo as guide
    (it follows colour edges) and each pixel takes the side it favours: no depth in between,
    so no rubber sheet.  Elsewhere nothing changes.  ``inverse``: float ``(H, W)``, ``photo``:
    RGB uint8 of the same size.
    """
    size = 2 * radius + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    inv = np.asarray(inverse, np.float32)
    near = cv2.dilate(inv, kernel)
    far = cv2.erode(inv, kernel)
    edge = near > far * (1 + step)
    if not edge.any():
        return inv
    is_near = (inv >= 0.5 * (near + far)).astype(np.float32)
    soft = cv2.ximgproc.guidedFilter(photo.astype(np.float32) / 255.0, is_near, radius, eps)
    return np.where(edge, np.where(soft >= 0.5, near, far), inv).astype(np.float32)


def run_medians(values: np.ndarray, mask: np.ndarray, min_run: int = 4) -> np.ndarray:
    """``values`` with every vertical run of ``mask`` (contiguous pixels of one column) at least
    ``min_run`` long replaced by the run's median; elsewhere unchanged.

    With a level camera a vertical surface has the same depth all along an image column, so a
    wall's run takes one value: the wall stays a wall where the network bends it."""
    h, w = mask.shape
    out = np.array(values, np.float64, copy=True)
    m = mask.T.ravel()  # column-major: each column's pixels in order
    if not m.any():
        return out
    v = out.T.ravel()
    starts = m & ~np.r_[False, m[:-1]]
    starts[::h] = m[::h]  # a run never continues from the previous column's bottom
    run = np.cumsum(starts)
    idx = np.flatnonzero(m)
    ids, vals = run[idx], v[idx]
    order = np.lexsort((vals, ids))
    ids, vals, idx = ids[order], vals[order], idx[order]
    _, first, count = np.unique(ids, return_index=True, return_counts=True)
    median = 0.5 * (vals[first + (count - 1) // 2] + vals[first + count // 2])
    take = np.repeat(count >= min_run, count)
    v[idx[take]] = np.repeat(median, count)[take]
    return v.reshape(w, h).T


def fuse_with_room(relative: np.ndarray, photo: np.ndarray, intrinsics: np.ndarray, *,
                   camera_height: float = DEFAULT_BOX.camera_height,
                   ceiling_height: float = DEFAULT_BOX.ceiling_height, half_width: float = DEFAULT_BOX.left,
                   back_depth: float = DEFAULT_BOX.back, fit_box: bool = False, floor_weight: float = 4.0,
                   tolerance: float = 0.25, envelope: float = 1.5, side_envelope: float = 1.5, edges: bool = True,
                   edge_radius: int = 3, sample: int = 4, surfaces: dict | None = None, min_floor: float = 0.02):
    """Depth ``(H, W)`` float32 from the network's relative inverse depth and the photo's box room
    (see the module docstring).  Returns ``(depth, fit, layout)``: the :class:`InverseAffine`
    that brought the network to the room, and the box's :class:`~roomtour.depth.boxroom.Layout`.

    ``floor_weight``: the floor's weight in the fit relative to the walls and ceiling;
    ``tolerance``: the relative residual beyond which a pixel stands out of the room and is
    left out of the fit; ``envelope``: how much farther than the room's wall along its ray a
    pixel may be (``0`` turns the correction off); ``sample``: the fit uses every
    ``sample``-th pixel in each direction.
    """
    from ..layout import CEILING, FLOOR, LEFT, RIGHT, box_labels
    from ..scale import fit_inverse_affine
    from .boxroom import layout_depth

    h, w = relative.shape
    box_depth, layout = layout_depth(photo, intrinsics, camera_height, ceiling_height, half_width, back_depth,
                                     fit=fit_box)
    room = 1.0 / np.maximum(box_depth.astype(np.float64), 1e-6)
    labels = box_labels(layout.box, intrinsics, w, h)
    grid = (slice(sample // 2, None, sample), slice(sample // 2, None, sample))
    fy, vy = intrinsics[1, 1], layout.vanishing_point[1]
    floor_plane = (np.arange(h, dtype=np.float64)[:, None] - vy) / (fy * camera_height) * np.ones((1, w))
    floor = None
    if surfaces is not None:
        floor = surfaces["floor"] & (floor_plane > 0)
        floor = floor if floor.mean() >= min_floor else None
    if floor is not None:
        # the floor the segmentation sees, on the plane a level camera at camera_height sees it at
        fit = fit_inverse_affine(relative[grid][floor[grid]], floor_plane[grid][floor[grid]], tolerance=tolerance)
    else:
        prior = np.where(labels == FLOOR, floor_weight, 1.0)
        fit = fit_inverse_affine(relative[grid], room[grid], prior[grid], tolerance=tolerance)
    inverse = fit(relative)
    if surfaces is not None:
        if floor is not None:
            near_plane = np.abs(inverse - floor_plane) <= tolerance * floor_plane
            inverse = np.where(floor & near_plane, floor_plane, inverse)
        inverse = run_medians(inverse, surfaces["wall"])
    # nothing farther than its ray's room wall by more than ``envelope`` (``side_envelope`` for the side
    # walls and the ceiling, where the network's blank-wall failure is), nor behind the camera
    limit = np.where(np.isin(labels, (LEFT, RIGHT, CEILING)), side_envelope, envelope)
    floor_value = np.where(limit > 0, room / np.where(limit > 0, limit, 1.0), 0.0)
    inverse = np.maximum(inverse, np.maximum(floor_value, 0.25 * room.min()))
    if edges:
        inverse = snap_depth_edges(photo, inverse.astype(np.float32), radius=edge_radius)
    return (1.0 / np.maximum(inverse, 1e-6)).astype(np.float32), fit, layout


def learned_depth(photo: np.ndarray, intrinsics: np.ndarray, network: DepthNetwork, segmenter=None, **options):
    """:func:`fuse_with_room` of ``network(photo)`` (with ``segmenter``'s surfaces when given);
    returns ``(depth, fit, layout)``."""
    surfaces = None
    if segmenter is not None:
        from .segmentation import surface_masks

        surfaces = surface_masks(segmenter(photo))
    return fuse_with_room(network(photo), photo, intrinsics, surfaces=surfaces, **options)
