"""Generators: one photo + a camera path -> a raw video.

Registry names (config ``generate.method``).  The generators that render the
photo themselves (``homography``, ``parallax``, ``static``, and the renders
behind ``svd``) share :mod:`roomtour.render`: every output pixel gets a
coverage label (visible / stretched / inpainted / extrapolated), kept in
``coverage`` after :meth:`generate`, and ``framing`` (``exact`` or ``fit``,
:mod:`roomtour.framing`) decides whether the path is followed as given or
fitted to what the photo shows.

``homography``
    Re-projects the photo as one flat surface: with the *rotation* of each
    pose only (``H = K R K^-1``; translation ignored, no parallax; a warning
    says so when the path only translates), or with ``plane_depth`` (scene
    units) as the homography of a fronto-parallel plane at that depth (the
    whole photo moves like one flat wall).  The baseline every generator
    must beat.  Rays that leave the photo are extrapolated like
    ``parallax``'s.
``parallax``
    Real parallax from one photo and a depth map (:mod:`roomtour.depth`;
    the photo's own estimate by default): each frame's depth by
    forward-projecting the photo's pixels into a z-buffer (nearest surface
    wins; holes take their farther side's depth), then every output pixel
    traced back into the photo and sampled; disocclusions filled from the
    background only and rays leaving the photo extrapolated
    (:mod:`roomtour.render`).  Pure rotations do not depend on depth and
    equal ``homography`` exactly.  ``depth_scale`` multiplies the depth
    (camera paths of real clips have an unknown scale).
``static``
    The photo repeated for every frame: the floor any camera-following
    generator must clear in fidelity (and the ceiling of the temporal proxy).
``svd``
    Render-guided video diffusion (the idea of CamTrol / ViewCrafter, with no
    training): the photo is rendered along the path by ``parallax``, the
    renders are encoded by Stable Video Diffusion's VAE, noised to
    ``strength`` (the last ``strength`` fraction of the sampler's noise
    levels) and denoised from there by ``StableVideoDiffusionPipeline``
    conditioned on the photo, so the camera path is kept and disocclusions
    are repainted by the model.  Weights from a local diffusers directory
    (``model_dir``, default ``weights_dir/stable-video-diffusion-img2vid``),
    never downloaded; fp16 on the GPU.  Sizes must be multiples of 8.
``cami2v``
    Runs CamI2V (or any camera-controlled image-to-video tool) in its own
    environment through ``options.command``, a template with ``{photo}``,
    ``{path}`` (the camera path, RealEstate10K format), ``{out}``,
    ``{width}``, ``{height}``, ``{frames}``, ``{fps}``, ``{seed}``,
    ``{workdir}``; ``options.requires`` lists files (checkpoints) that must
    exist.  See :mod:`roomtour.external`.  The result is resized to the
    configured size; its frame count is kept.
``import``
    Takes a video made elsewhere (e.g. by CamI2V on a GPU cluster) so the
    post-processing study runs on any image-to-video model's output.  Frames
    are resized (area / Lanczos) to the configured size; the frame count is
    kept.
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np

from .camera import CameraPath, intrinsics_matrix
from .errors import RoomtourError
from .framing import MIN_VISIBLE
from .registry import Registry
from .images import fit_to_size
from .video import read_video

GENERATORS = Registry("generator")
INTERPOLATIONS = {"linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC, "lanczos": cv2.INTER_LANCZOS4}


def _interpolation(name: str, where: str) -> int:
    if name not in INTERPOLATIONS:
        raise RoomtourError(where, f"interpolation must be one of {', '.join(INTERPOLATIONS)}, not {name!r}")
    return INTERPOLATIONS[name]


log = logging.getLogger(__name__)


class _Rendered:
    """Shared by the generators that render the photo themselves (static, homography,
    parallax): after :meth:`generate`, ``labels`` holds each frame's coverage labels
    (:mod:`roomtour.render`), ``coverage`` their fractions and ``framing`` what
    :mod:`roomtour.framing` applied."""

    uses_gpu = False
    labels = None
    framing = None
    _lazy = False  # set by iter_generate: _render returns an iterator
    _streamed: list | None = None  # coverage of the frames an iterator has yielded

    @property
    def coverage(self) -> list[dict] | None:
        from .render import coverage_fractions

        if self.labels is None:
            return self._streamed
        return [coverage_fractions(lab) for lab in self.labels]

    def iter_generate(self, *args, **kwargs):
        """:meth:`generate` one frame at a time: memory stays flat however long the path is
        (the framing search runs first; ``coverage`` grows as frames are taken)."""
        self._lazy, self.labels, self._streamed = True, None, []
        try:
            return self.generate(*args, **kwargs)
        finally:
            self._lazy = False

    @property
    def visibility(self):
        from .render import VISIBLE

        return None if self.labels is None else self.labels == VISIBLE

    def _render(self, photo, depth, camera: CameraPath, width: int, height: int, framing: str, renderer_options,
                min_visible: float = MIN_VISIBLE, segments=None, max_bend: float = float("inf")):
        """Render ``camera`` (any frame 0) over ``photo`` with ``depth`` at the video size.

        ``segments`` (the photo's straight segments at the video size) give the predicted bend
        and parallax in the log, and under ``fit`` framing the ``max_bend`` budget."""
        from .framing import Framing, apply_framing, check_framing, describe_lines
        from .render import ParallaxRenderer
        from .straight import segment_points

        check_framing(framing, "generate framing")
        rel = camera.relative_to_first()
        k0 = intrinsics_matrix(rel.intrinsics[0], width, height)
        renderer = ParallaxRenderer(photo, depth, k0, **renderer_options)
        lines = None if segments is None else (np.asarray(depth, np.float64), k0, segment_points(segments, 2.0))
        if framing == "fit":
            if not 0 < min_visible <= 1:
                raise RoomtourError("generate framing", f"min_visible must be in (0, 1], not {min_visible}")
            self.framing = fit_path(renderer, depth, rel, width, height, min_visible, self.max_zoom, renderer_options,
                                    lines=lines, max_bend=max_bend)
        else:
            self.framing = Framing("exact")
            if lines is not None:
                describe_lines(self.framing, rel, (width, height), *lines)
        log.info(self.framing.describe())
        cam = apply_framing(rel, self.framing)
        frames = (renderer.render(intrinsics_matrix(intr, width, height), pose)
                  for pose, intr in zip(cam.w2c, cam.intrinsics))
        if self._lazy:
            return self._stream(frames)
        frames, labels = zip(*frames)
        self.labels = np.stack(labels)
        return np.stack(frames)

    def _stream(self, pairs):
        from .render import coverage_fractions

        for frame, labels in pairs:
            self._streamed.append(coverage_fractions(labels))
            yield frame


def fit_path(renderer, depth, camera: CameraPath, width: int, height: int, min_visible: float = MIN_VISIBLE,
             max_zoom: float = 1.5, renderer_options: dict | None = None, search_width: int = 160, lines=None,
             max_bend: float = float("inf")):
    """:func:`roomtour.framing.fit_shot` for one video: coverage labels are searched on a copy of
    the geometry at most ``search_width`` wide, then confirmed at full size."""
    from .framing import fit_shot
    from .render import ParallaxRenderer

    scale = min(1.0, search_width / width)
    sw, sh = max(8, int(round(width * scale))), max(8, int(round(height * scale)))
    small_depth = cv2.resize(np.asarray(depth, np.float32), (sw, sh), interpolation=cv2.INTER_NEAREST)
    options = dict(renderer_options or {})
    options["fill"] = "telea"  # labels only: no background layer needed
    small = ParallaxRenderer(np.zeros((sh, sw, 3), np.uint8), small_depth,
                             intrinsics_matrix(camera.intrinsics[0], sw, sh), **options)
    return fit_shot(small, camera, (sw, sh), output_size=(width, height), lines=lines, min_visible=min_visible,
                    max_bend=max_bend, max_zoom=max_zoom, confirm=(renderer, (width, height)))


@GENERATORS.register("homography")
class HomographyGenerator(_Rendered):
    """Re-projection of the photo as one flat surface (no learned weights): rotation only,
    or with ``plane_depth`` the homography of a fronto-parallel plane at that depth."""

    def __init__(self, interpolation: str = "lanczos", plane_depth: float | None = None, max_zoom: float = 1.5):
        if plane_depth is not None and plane_depth <= 0:
            raise RoomtourError("generate homography", "plane_depth must be positive")
        self.plane_depth = plane_depth
        self.interp = _interpolation(interpolation, "generate homography")
        if max_zoom < 1:
            raise RoomtourError("generate homography", "max_zoom must be >= 1")
        self.max_zoom = max_zoom

    def generate(self, photo: np.ndarray, camera: CameraPath, width: int, height: int, framing: str = "exact",
                 min_visible: float = MIN_VISIBLE, **_) -> np.ndarray:
        photo = fit_to_size(photo, width, height)
        rel = camera.relative_to_first()
        if self.plane_depth is None:
            # rotation only: any constant depth gives the rotation's homography once translation is dropped
            w2c = rel.w2c.copy()
            w2c[:, :, 3] = 0.0
            rel = CameraPath(rel.intrinsics, w2c, rel.timestamps)
        depth = np.full((height, width), self.plane_depth or 1.0, np.float32)
        return self._render(photo, depth, rel, width, height, framing, {"interpolation": self.interp, "fill": "telea"},
                            min_visible)


@GENERATORS.register("parallax")
class ParallaxGenerator(_Rendered):
    """Depth-based re-projection of the photo along the path (CPU, no learned weights)."""

    def __init__(self, depth: dict | None = None, depth_scale: float = 1.0, tolerance_px: float = 1.5,
                 inpaint_radius: int = 3, interpolation: str = "linear", fill: str = "background",
                 max_stretch: float = 3.0, texture: float = 0.5, max_zoom: float = 1.5, max_bend: float = 1.0,
                 weights_dir: str = ""):
        from .depth import SOURCES
        from .render import FILLS

        self.weights_dir = weights_dir
        self.depth_spec = dict(depth or {"source": "layout"})
        if self.depth_spec.get("source", "layout") not in SOURCES:
            raise RoomtourError("generate parallax", f"depth.source must be one of {', '.join(SOURCES)}")
        if depth_scale <= 0:
            raise RoomtourError("generate parallax", "depth_scale must be positive")
        if fill not in FILLS:
            raise RoomtourError("generate parallax", f"fill must be one of {', '.join(FILLS)}, not {fill!r}")
        if max_zoom < 1:
            raise RoomtourError("generate parallax", "max_zoom must be >= 1")
        if max_bend <= 0:
            raise RoomtourError("generate parallax", "max_bend must be positive (pixels)")
        self.depth_scale, self.max_zoom, self.max_bend = depth_scale, max_zoom, float(max_bend)
        self.renderer_options = {"tolerance_px": tolerance_px, "inpaint_radius": inpaint_radius,
                                 "interpolation": _interpolation(interpolation, "generate parallax"), "fill": fill,
                                 "max_stretch": max_stretch, "texture": texture}

    def estimate(self, photo: np.ndarray, camera: CameraPath, width: int, height: int):
        """``(photo at the video size, its depth, its straight segments)``: the depth from the
        configured source (before ``depth_scale``), the segments found on a larger copy of the
        photo than the video (LSD breaks long edges on small copies)."""
        from .depth import estimate_depth
        from .straight import segments_for

        detail = min(1.0, 1024 / max(photo.shape[:2]))
        scale = max(1.0, detail * max(photo.shape[1] / width, photo.shape[0] / height))
        segments = segments_for(fit_to_size(photo, int(round(width * scale)), int(round(height * scale))),
                                (width, height))
        photo = fit_to_size(photo, width, height)
        k0 = intrinsics_matrix(camera.intrinsics[0], width, height)
        depth = estimate_depth(photo, self.depth_spec, k0, segments=segments, weights_dir=self.weights_dir)
        return photo, depth, segments

    def generate(self, photo: np.ndarray, camera: CameraPath, width: int, height: int, depth=None,
                 framing: str = "exact", min_visible: float = MIN_VISIBLE, **_) -> np.ndarray:
        """``depth`` given (exact depth, or an estimate already scaled) is used as it is (times
        ``depth_scale``); otherwise it is estimated (:meth:`estimate`)."""
        if depth is None:
            photo, depth, segments = self.estimate(photo, camera, width, height)
        else:
            from .straight import segments_for

            photo = fit_to_size(photo, width, height)
            segments = segments_for(photo, (width, height))
            if depth.shape != (height, width):
                depth = cv2.resize(depth.astype(np.float32), (width, height), interpolation=cv2.INTER_NEAREST)
        depth = np.asarray(depth, np.float64) * self.depth_scale
        return self._render(photo, depth, camera, width, height, framing, self.renderer_options, min_visible,
                            segments=segments, max_bend=self.max_bend)


@GENERATORS.register("static")
class StaticGenerator(_Rendered):
    """The photo repeated: no camera motion at all."""

    def generate(self, photo: np.ndarray, camera: CameraPath, width: int, height: int, **_) -> np.ndarray:
        from .render import VISIBLE

        still = fit_to_size(photo, width, height)
        if self._lazy:
            return self._stream((still, np.full((height, width), VISIBLE, np.uint8)) for _ in range(len(camera)))
        self.labels = np.full((len(camera), height, width), VISIBLE, np.uint8)
        return np.repeat(still[None], len(camera), axis=0)


SVD_SOURCE = "https://huggingface.co/stabilityai/stable-video-diffusion-img2vid"


@GENERATORS.register("svd")
class SVDRenderGuidedGenerator:
    """Stable Video Diffusion started from noised parallax renders (GPU job)."""

    uses_gpu = True

    def __init__(self, model_dir: str = "", weights_dir: str = "weights", strength: float = 0.5, steps: int = 25,
                 seed: int = 0, depth: dict | None = None, motion_bucket_id: int = 127,
                 noise_aug_strength: float = 0.02, min_guidance_scale: float = 1.0, max_guidance_scale: float = 3.0,
                 decode_chunk_size: int = 8, fps: int = 7, device: str = "auto", fp16: bool = True, pipeline=None):
        from .models.runtime import apply_thread_limit, diffusers_pipeline_on, select_device

        if not 0.0 < strength <= 1.0:
            raise RoomtourError("generate svd", f"strength must be in (0, 1], not {strength}")
        self.device = select_device(device)
        path = Path(model_dir) if model_dir else Path(weights_dir) / "stable-video-diffusion-img2vid"
        self.pipe = diffusers_pipeline_on(self.device, pipeline, "StableVideoDiffusionPipeline", path, SVD_SOURCE, fp16)
        self.renderer = ParallaxGenerator(depth=depth, weights_dir=weights_dir)
        self.strength, self.steps, self.seed = float(strength), int(steps), int(seed)
        self.call_options = {"motion_bucket_id": motion_bucket_id, "noise_aug_strength": noise_aug_strength,
                             "min_guidance_scale": min_guidance_scale, "max_guidance_scale": max_guidance_scale,
                             "decode_chunk_size": decode_chunk_size, "fps": fps}
        self.renders = None
        apply_thread_limit()

    def encode(self, frames: np.ndarray):
        """uint8 frames (T, H, W, 3) -> scaled VAE latents (T, C, H/f, W/f) (distribution mode)."""
        import torch

        vae = self.pipe.vae
        x = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).to(self.device, vae.dtype)
        x = x / 127.5 - 1.0
        with torch.inference_mode():
            lat = vae.encode(x).latent_dist.mode()
        return lat * vae.config.scaling_factor

    def noise_schedule(self) -> list[float]:
        """The sampler's noise levels from the ``strength`` point down (the last one is 0 and dropped)."""
        sched = self.pipe.scheduler
        sched.set_timesteps(self.steps)
        sigmas = [float(s) for s in sched.sigmas[:-1]]
        start = len(sigmas) - max(1, int(round(self.strength * len(sigmas))))
        return sigmas[start:]

    @property
    def coverage(self):
        """The renders' coverage: the model repaints what they lack (``inpainted``/``extrapolated``)."""
        return self.renderer.coverage

    @property
    def framing(self):
        return self.renderer.framing

    def generate(self, photo: np.ndarray, camera: CameraPath, width: int, height: int, depth=None, output_type="np",
                 framing: str = "exact", min_visible: float = MIN_VISIBLE, **_) -> np.ndarray:
        import torch
        from PIL import Image

        if width % 8 or height % 8:
            raise RoomtourError("generate svd", f"video size {width}x{height} must be a multiple of 8")
        self.renders = self.renderer.generate(photo, camera, width, height, depth=depth, framing=framing,
                                              min_visible=min_visible)
        latents = self.encode(self.renders)[None]  # (1, T, C, h, w)
        sigmas = self.noise_schedule()
        generator = torch.Generator(device="cpu").manual_seed(self.seed)
        noise = torch.randn(latents.shape, generator=generator, dtype=torch.float32).to(latents.device, latents.dtype)
        noisy = latents + noise * sigmas[0]
        # the pipeline multiplies its start latents by init_noise_sigma for this schedule: undo it here
        self.pipe.scheduler.set_timesteps(sigmas=sigmas)
        start = noisy / self.pipe.scheduler.init_noise_sigma
        image = Image.fromarray(fit_to_size(photo, width, height))
        out = self.pipe(image=image, height=height, width=width, num_frames=len(camera), sigmas=sigmas,
                        latents=start, generator=generator, output_type=output_type, **self.call_options).frames
        if output_type == "latent":
            return out
        frames = np.asarray(out[0])
        if frames.dtype != np.uint8:
            frames = np.clip(np.round(frames * 255.0), 0, 255).astype(np.uint8)
        return frames


@GENERATORS.register("cami2v")
class CamI2VAdapter:
    """CamI2V through the authors' code, run by a command template (GPU job)."""

    uses_gpu = True
    PLACEHOLDERS = ("photo", "path", "out", "width", "height", "frames", "fps", "seed", "workdir")

    def __init__(self, command: str = "", requires: list | None = None, seed: int = 0, fps: float = 8.0,
                 timeout: float = 0):
        from .external import ExternalCommand

        self.command = ExternalCommand("generate cami2v", command, self.PLACEHOLDERS, requires or [], timeout)
        self.seed, self.fps = seed, fps

    def generate(self, photo: np.ndarray, camera: CameraPath, width: int, height: int, **_) -> np.ndarray:
        from .external import run_generator_tool

        photo = fit_to_size(photo, width, height)
        frames = run_generator_tool(self.command, photo, camera.relative_to_first(), width, height, self.fps,
                                    self.seed)
        if len(frames) != len(camera):
            log.warning("cami2v: %d frames for a %d-pose path; keeping the tool's frames", len(frames), len(camera))
        return np.stack([fit_to_size(f, width, height) for f in frames])


@GENERATORS.register("import")
class ImportGenerator:
    """Bring in a video made by another image-to-video model."""

    uses_gpu = False

    def __init__(self, directory: str = "", pattern: str = "{image}/{motion}.mp4"):
        self.directory, self.pattern = directory, pattern

    def source(self, image: str, motion: str) -> str:
        return f"{self.directory.rstrip('/')}/{self.pattern.format(image=image, motion=motion)}"

    def generate(self, photo, camera: CameraPath, width: int, height: int, video: str = "", **_) -> np.ndarray:
        frames = read_video(video)
        if len(frames) != len(camera):
            log.warning("%s: %d frames, the camera path has %d; keeping the video's frames", video, len(frames),
                        len(camera))
        return np.stack([fit_to_size(f, width, height) for f in frames])


def warn_if_frozen(frames, camera: CameraPath, method: str) -> bool:
    """Print a warning when the camera moves but the video does not (e.g. ``homography``
    on a path that only translates).  ``frames``: the video, or already whether every frame
    equals the first (a bool, for a video that was streamed).  Returns whether it warned."""
    rel = camera.relative_to_first()
    moves = np.abs(rel.w2c - rel.w2c[:1]).max() > 1e-6
    if isinstance(frames, (bool, np.bool_)):
        frozen = bool(frames) and len(rel) > 1
    else:
        frozen = len(frames) > 1 and int(np.abs(frames.astype(np.int16) - frames[:1]).max()) <= 1
    if moves and frozen:
        log.warning("the camera path moves but every frame of the %s video is the same "
                    "(homography ignores translation: use parallax, or homography with plane_depth)", method)
    return bool(moves and frozen)
