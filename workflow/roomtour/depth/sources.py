"""Depth sources, registered by name like every other method kind (``DEPTH_SOURCES``), and
:func:`estimate_depth`, the one entry point.  See the package docstring for what each does."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from ..errors import RoomtourError
from ..layout import DEFAULT_BOX
from ..registry import Registry

__all__ = ["DEPTH_SOURCES", "SOURCES", "ESTIMATED", "estimate_depth"]

log = logging.getLogger(__name__)

DEPTH_SOURCES = Registry("depth source")


class _Measured:
    """Depth measured elsewhere, read from a file (``scale``: units per PNG step)."""

    estimated = False

    def __init__(self, scale: float = 0.001):
        self.scale = scale

    def __call__(self, photo, intrinsics, depth_file=None):
        from .io import read_depth

        if not depth_file:
            raise RoomtourError(f"depth source {self.method_name!r}", "needs a depth file")
        h, w = photo.shape[:2]
        return read_depth(depth_file, w, h, scale=self.scale)


@DEPTH_SOURCES.register("procedural")
class ProceduralDepth(_Measured):
    """The exact depth of a procedural room, rendered with the photo."""


@DEPTH_SOURCES.register("file")
class FileDepth(_Measured):
    """A depth map made elsewhere: ``.npy`` or 16-bit PNG."""


class _Estimated:
    """Depth estimated from the photo itself; ``options`` go to the estimating function."""

    estimated = True

    def __init__(self, **options):
        self.options = options


@DEPTH_SOURCES.register("layout")
class LayoutDepth(_Estimated):
    """The box room around the photo's vanishing point (:func:`.boxroom.layout_depth`)."""

    def __call__(self, photo, intrinsics, depth_file=None):
        from .boxroom import layout_depth

        depth, layout = layout_depth(photo, intrinsics, **self.options)
        where = "fallback: centred box" if layout.fallback else f"vanishing point {layout.vanishing_point}"
        log.info("layout: %s (%s supporting segments)", where, layout.support)
        return depth


@DEPTH_SOURCES.register("popup")
class PopupDepth(_Estimated):
    """Floor, walls and upright objects on the floor (:func:`.popup.popup_depth`; experimental)."""

    def __call__(self, photo, intrinsics, depth_file=None):
        from .popup import popup_depth

        depth, popup = popup_depth(photo, intrinsics, **self.options)
        lay = popup.layout
        where = ("centred box" if lay.fallback
                 else f"vanishing point ({lay.vanishing_point[0]:.0f}, {lay.vanishing_point[1]:.0f})")
        if popup.fallback:
            log.info("popup: %s; box room (%s)", popup.fallback, where)
        else:
            log.info("popup: %s, floor %.0f%% of the photo, %d object(s), back wall %.1f, side walls %.1f / %.1f "
                     "(camera height units)", where, 100 * popup.floor_fraction, popup.objects, popup.back_depth,
                     popup.half_widths[0], popup.half_widths[1])
        return depth


@DEPTH_SOURCES.register("learned")
class LearnedDepth:
    """TCMonoDepth's network fused with the box room (:func:`.learned.fuse_with_room`).

    ``weights`` (a path, or relative to ``weights_dir``) defaults to
    ``weights_dir/tcmonodepth/_ckpt_small.pt.tar``; ``short_side`` is the network's input size;
    every other option goes to :func:`.learned.fuse_with_room`."""

    estimated = True

    def __init__(self, weights: str = "", weights_dir: str = "", short_side: int = 256, flip: bool = False,
                 segmentation: bool = False, camera_height: float = DEFAULT_BOX.camera_height,
                 ceiling_height: float = DEFAULT_BOX.ceiling_height, half_width: float = DEFAULT_BOX.left,
                 back_depth: float = DEFAULT_BOX.back, fit_box: bool = False, floor_weight: float = 4.0,
                 tolerance: float = 0.25, envelope: float = 1.5, side_envelope: float = 1.5, edges: bool = True,
                 edge_radius: int = 3):
        from .learned import DepthNetwork

        self.network = DepthNetwork(weights, weights_dir, short_side, flip)
        self.segmenter = None
        if segmentation:
            from .segmentation import RoomSegmenter

            self.segmenter = RoomSegmenter(weights_dir=weights_dir)
        self.options = {"camera_height": camera_height, "ceiling_height": ceiling_height, "half_width": half_width,
                        "back_depth": back_depth, "fit_box": fit_box, "floor_weight": floor_weight,
                        "tolerance": tolerance, "envelope": envelope, "side_envelope": side_envelope, "edges": edges,
                        "edge_radius": edge_radius}

    def __call__(self, photo, intrinsics, depth_file=None):
        from .learned import learned_depth

        depth, fit, layout = learned_depth(photo, intrinsics, self.network, self.segmenter, **self.options)
        where = "centred box" if layout.fallback else f"vanishing point ({layout.vanishing_point[0]:.0f}, " \
                                                      f"{layout.vanishing_point[1]:.0f})"
        log.info("learned: %s; network fitted to the room as 1/z = %.3g x %+.3g (%.0f%% of the room's pixels agree)",
                 where, fit.scale, fit.shift, 100 * fit.inliers)
        return depth


@DEPTH_SOURCES.register("onnx")
class OnnxDepth:
    """A monocular depth network exported to ONNX (:class:`.onnx.OnnxDepthModel`)."""

    estimated = True

    def __init__(self, model: str = "", **options):
        from .onnx import OnnxDepthModel

        self.model = OnnxDepthModel(model, **options)

    def __call__(self, photo, intrinsics, depth_file=None):
        return self.model(photo)


SOURCES = tuple(DEPTH_SOURCES.names())
ESTIMATED = tuple(n for n in SOURCES if DEPTH_SOURCES.get(n).estimated)


def estimate_depth(photo: np.ndarray, spec: dict, intrinsics: np.ndarray, depth_file: str | Path | None = None,
                   segments: np.ndarray | None = None, weights_dir: str | None = None) -> np.ndarray:
    """Depth for ``photo`` from the configured source (``spec = {"source": ..., options}``).

    Estimated depth (``layout``, ``popup``, ``onnx``) is then made to keep the
    photo's straight lines straight (:func:`roomtour.straight.straighten_depth`)
    unless ``straight_lines: false``; measured depth (``procedural``, ``file``)
    is used as it is.  ``segments`` are the photo's straight segments in its
    pixels (default: found on ``photo`` itself; :func:`roomtour.straight.segments_for`
    finds them on a larger copy).  ``weights_dir`` reaches the sources that load weights
    (``learned``) unless the spec names its own.
    """
    spec = dict(spec or {"source": "layout"})
    straight = spec.pop("straight_lines", True)
    name = spec.pop("source", "layout")
    source = DEPTH_SOURCES.create(name, spec, weights_dir=weights_dir)
    depth = source(photo, intrinsics, depth_file)
    if straight and source.estimated:
        from ..straight import straighten_depth

        depth = straighten_depth(photo, depth, segments)
    return depth
