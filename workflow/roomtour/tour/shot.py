"""One photo's shot: its geometry (solved once, shared by every format) and its frames.

:class:`PhotoGeometry` holds what depends only on the photo: a small copy, the camera
intrinsics, its straight segments, depth that keeps them straight, and the move chosen from
its perspective.  :class:`ShotRenderer` frames that geometry for one output size (the fit
search with its visibility and bend budgets) and streams full-resolution frames: the
full-size photo is resampled through the upscaled maps, so memory stays flat however long
the shot is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .options import TourOptions
from .plan import Shot

__all__ = ["choose_move", "PhotoGeometry", "ShotRenderer"]

log = logging.getLogger(__name__)

# a shot whose predicted parallax stays under this share of the output's short side (1080p: 22 px)
# with all its motion kept tries the longer moves of REACHES, keeping the one with the most parallax
# once the budgets (min_visible, max_bend) have damped and zoomed it
PARALLAX_TARGET = 0.02
REACHES = (1.5, 2.0)


def choose_move(photo: np.ndarray, k: np.ndarray) -> tuple[str, str]:
    """A move from the photo's geometry and why: ``(move, reason)``: a dolly towards the
    vanishing point for a deep one-point view, a sideways move towards the open side for a
    room seen at an angle, a gentle push-in when the photo shows no clear perspective."""
    from ..depth import layout_depth

    _, layout = layout_depth(photo, k)
    w = photo.shape[1]
    if layout.fallback:
        return "push_in", "no clear perspective: a gentle push-in"
    offset = (layout.vanishing_point[0] - k[0, 2]) / w
    if abs(offset) < 0.15:
        return "dolly_in", "deep one-point view: a dolly towards the vanishing point"
    side = "right" if offset > 0 else "left"
    return f"truck_{side}", f"room seen at an angle (vanishing point {side} of centre): a sideways move"


@dataclass
class PhotoGeometry:
    """What a shot needs from its photo whatever the output format (see the module docstring)."""

    photo: np.ndarray | None  # full resolution, borders trimmed; None: read again from ``source`` when rendered
    small: np.ndarray  # the copy geometry is solved on
    k0: np.ndarray  # intrinsics of ``small``
    lines: np.ndarray  # straight segments, in ``small``'s pixels
    depth: np.ndarray
    move: str
    why: str
    source: Path | None = None  # the photo's file, when ``photo`` is not kept

    def full(self) -> np.ndarray:
        """The full-resolution photo, borders trimmed (read again from its file when not kept)."""
        if self.photo is not None:
            return self.photo
        from ..images import read_image, trim_borders

        return trim_borders(read_image(self.source))

    @classmethod
    def solve(cls, photo: np.ndarray, shot: Shot, options: TourOptions) -> "PhotoGeometry":
        from ..camera import fx_for_hfov
        from ..depth import estimate_depth
        from ..straight import segments_for
        from ..images import trim_borders

        photo = trim_borders(photo)
        h0, w0 = photo.shape[:2]
        g = min(1.0, options.geometry_width / w0)
        gw, gh = max(16, int(round(w0 * g))), max(16, int(round(h0 * g)))
        small = cv2.resize(photo, (gw, gh), interpolation=cv2.INTER_AREA)
        f0 = fx_for_hfov(options.hfov_deg) * gw
        k0 = np.array([[f0, 0, gw / 2 - 0.5], [0, f0, gh / 2 - 0.5], [0, 0, 1.0]])
        move, why = (shot.move, "as asked") if shot.move != "auto" else choose_move(small, k0)
        lines = segments_for(photo, (gw, gh))
        depth = estimate_depth(small, options.depth, k0, segments=lines, weights_dir=options.weights_dir)
        # a tour of many photos holds every photo's geometry at once: the full-resolution photo (36 MB
        # for a 12 MP phone photo) is read again from its file when its shot renders, not kept
        if shot.path.is_file():
            return cls(None, small, k0, lines, depth, move, why, shot.path)
        return cls(photo, small, k0, lines, depth, move, why)


class ShotRenderer:
    """Frames of one photo's shot at one output size, one at a time (see the module docstring).

    ``coverage`` collects each rendered frame's shares of visible / stretched / made-up pixels."""

    def __init__(self, geometry: PhotoGeometry, shot: Shot, options: TourOptions, frames: int,
                 size: tuple[int, int]):
        from ..camera import tour_move_path
        from ..framing import apply_framing, fit_shot
        from ..images import enlarged_for_sampling
        from ..render import ParallaxRenderer
        from ..straight import segment_points

        self.options, self.shot, self.frames = options, shot, frames
        out_w, out_h = size
        self.size = (out_w, out_h)
        self.photo = geometry.full()
        gh, gw = geometry.small.shape[:2]
        f0 = geometry.k0[0, 0]
        t = min(1.0, options.geometry_width / max(out_w, out_h))
        self.tw, self.th = max(16, int(round(out_w * t))), max(16, int(round(out_h * t)))
        # the output window inside the photo ("cover"): same pinhole, scaled to fit both ways
        ft = max((self.tw / 2) / ((gw / 2) / f0), (self.th / 2) / ((gh / 2) / f0))
        window = (ft / self.tw, ft / self.th, 0.5, 0.5)
        move = geometry.move
        # portrait and square windows sweep across a wider photo
        spare = np.degrees(np.arctan((gw / 2) / f0) - np.arctan((self.tw / 2) / ft))
        sweep = 0.0
        if out_w / out_h < 1.2 and spare > 1:
            direction = -1.0 if move == "truck_left" else 1.0
            sweep = direction * 1.6 * spare  # from one side towards the other; fit keeps it inside
        # "stretched" flags parallax smearing beyond the window's own magnification of the photo (a
        # 9:16 window over a landscape photo magnifies it 1.8x before any move: framing, not smear)
        self.renderer = ParallaxRenderer(geometry.small, geometry.depth, geometry.k0,
                                         max_stretch=3.0 * max(1.0, ft / f0))
        # labels at the size they are rendered at: at half size the visibility test is twice as tolerant
        # (a 9:16 dolly measured 97.5% there but 90% as rendered); bend at the output size
        segments = segment_points(geometry.lines, spacing=2.0)

        def fit(reach, max_bend):
            path = tour_move_path(move, frames, window, sweep, reach)
            return path, fit_shot(self.renderer, path, (self.tw, self.th), output_size=(out_w, out_h),
                                  lines=(geometry.depth, geometry.k0, segments), min_visible=options.min_visible,
                                  max_bend=max_bend, max_zoom=1.6)

        path, self.framing = fit(1.0, options.max_bend)
        self.reach = 1.0
        # a move that keeps all its motion but shows little parallax (a deep room seen straight on, where
        # the walls are far) travels further, while every frame keeps its budgets: depth a viewer sees
        target = PARALLAX_TARGET * min(out_w, out_h)
        for reach in REACHES:
            if self.framing.damping < 1.0 or self.framing.parallax_px >= target:
                break  # damped already, or enough to see
            # travel beyond the move's own is optional: it keeps half the bend budget in hand
            longer, framing = fit(reach, 0.5 * options.max_bend)
            if framing.parallax_px <= self.framing.parallax_px:
                break  # the budgets take back what the longer move adds
            path, self.framing, self.reach = longer, framing, reach
        self.path = path
        self.camera = apply_framing(path, self.framing)
        self.zoom = self.framing.zoom
        self.move = move
        log.info("%s (%dx%d): %s (%s); %szoom %.2f, motion kept %.2f, bend %.2f px, parallax %.0f px (predicted)",
                 shot.path.name, out_w, out_h, move, geometry.why,
                 f"travel x{self.reach:g} (little parallax at x1), " if self.reach != 1.0 else "", self.zoom,
                 self.framing.damping, self.framing.bend_px, self.framing.parallax_px)
        # full-resolution sampling: geometry pixel (x + 0.5) / g - 0.5 in the photo. Where the output
        # magnifies the photo (a 9:16 window over a landscape photo, a small photo at 1080p), frames
        # sample a Lanczos-enlarged copy: bilinear sampling alone is visibly soft there
        h0, w0 = self.photo.shape[:2]
        self.magnification = (ft * self.zoom / f0) * (out_w / self.tw) * (gw / w0)
        self.photo, factor = enlarged_for_sampling(self.photo, self.magnification)
        self.scale = (w0 * factor / gw, h0 * factor / gh)
        self.coverage: list[dict] = []

    def __iter__(self):
        from ..camera import intrinsics_matrix
        from ..render import STRETCHED, VISIBLE, coverage_fractions

        out_w, out_h = self.size
        sx, sy = self.scale
        for i in range(self.frames):
            k = intrinsics_matrix(self.camera.intrinsics[i], self.tw, self.th)
            small, labels, mx, my = self.renderer.render(k, self.camera.w2c[i], (self.tw, self.th), maps=True)
            self.coverage.append(coverage_fractions(labels))
            # photo coordinates at full resolution (affine, so done on the small maps), upscaled,
            # then fixed-point maps: remap runs about twice as fast on them
            big_x = cv2.resize((mx + 0.5) * sx - 0.5, (out_w, out_h), interpolation=cv2.INTER_LINEAR)
            big_y = cv2.resize((my + 0.5) * sy - 0.5, (out_w, out_h), interpolation=cv2.INTER_LINEAR)
            fixed, frac = cv2.convertMaps(big_x, big_y, cv2.CV_16SC2)
            frame = cv2.remap(self.photo, fixed, frac, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
            made_up = (labels != VISIBLE) & (labels != STRETCHED)
            if made_up.any():
                mask = cv2.resize(made_up.astype(np.uint8), (out_w, out_h), interpolation=cv2.INTER_NEAREST) > 0
                filled = cv2.resize(small, (out_w, out_h), interpolation=cv2.INTER_LINEAR)
                frame[mask] = filled[mask]
            yield frame
        # the report keeps the renderer (coverage, framing) for every shot of the tour: the full-resolution
        # photo it sampled (36 MB and more for a phone photo, enlarged) and the depth renderer are not needed
        self.photo = self.renderer = None
