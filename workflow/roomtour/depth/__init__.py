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

from .boxroom import Layout, central_vanishing_point, layout_depth, line_segments
from .io import fill_holes, read_depth, write_depth
from .onnx import OnnxDepthModel
from .popup import Popup, floor_contact, floor_mask, popup_depth, snap_depth_edges, stands_upright
from .sources import DEPTH_SOURCES, ESTIMATED, SOURCES, estimate_depth

__all__ = ["Layout", "central_vanishing_point", "layout_depth", "line_segments", "fill_holes", "read_depth",
           "write_depth", "OnnxDepthModel", "Popup", "floor_contact", "floor_mask", "popup_depth",
           "snap_depth_edges", "stands_upright", "DEPTH_SOURCES", "ESTIMATED", "SOURCES", "estimate_depth"]
