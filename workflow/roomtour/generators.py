"""Generators: one photo + a camera path -> a raw video.

Registry names (config ``generate.method``):

``homography``
    Re-projects the photo with the *rotation* of each pose exactly
    (``H = K R K^-1``); translation is ignored, so there is no parallax.  The
    baseline every generator must beat.  With the option ``plane_depth`` (in
    scene units) translation is applied too, as the homography induced by a
    fronto-parallel plane at that depth (``H = K (R - t n^T / d) K^-1``): the
    whole photo moves like one flat wall.  Pixels whose viewing ray points
    behind the first camera are black; rays that miss the photo take the
    nearest edge pixel (no black borders inside the field of view).
``parallax``
    Real parallax from one photo and a depth map (:mod:`roomtour.depth`):
    each frame's depth is found by forward-projecting the photo's pixels
    with a z-buffer (2x2 splats, nearest surface wins, so nothing is
    stretched across depth edges); small cracks take the farther
    neighbour's depth; then every output pixel is traced back into the
    photo and sampled.  A pixel is *visible* when the photo's own depth at
    the sampled point projects back onto it (within ``tolerance_px``);
    disoccluded pixels are filled by OpenCV inpainting (Telea), and rays
    leaving the photo take its nearest edge pixel, so no black borders
    remain.  Pure rotations do not depend on depth and equal
    ``homography`` exactly.  ``depth_scale`` multiplies the depth (camera
    paths of real clips have an unknown scale).
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

import sys
from pathlib import Path

import cv2
import numpy as np

from .camera import CameraPath, intrinsics_matrix
from .errors import RoomtourError
from .registry import Registry
from .video import fit_to_size, read_video

GENERATORS = Registry("generator")


@GENERATORS.register("homography")
class HomographyGenerator:
    """Rotation-only re-projection of the photo along the path (no learned weights)."""

    uses_gpu = False

    def __init__(self, interpolation: str = "lanczos", plane_depth: float | None = None):
        if plane_depth is not None and plane_depth <= 0:
            raise ValueError("plane_depth must be positive")
        self.plane_depth = plane_depth
        self.interp = {"linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC, "lanczos": cv2.INTER_LANCZOS4}[
            interpolation
        ]

    def generate(self, photo: np.ndarray, camera: CameraPath, width: int, height: int, **_) -> np.ndarray:
        photo = fit_to_size(photo, width, height)
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
        pix = np.stack([xs.ravel(), ys.ravel(), np.ones(xs.size)])
        k0 = intrinsics_matrix(camera.intrinsics[0], width, height)
        rel = camera.relative_to_first()
        frames = []
        for pose, intr in zip(rel.w2c, camera.intrinsics):
            k = intrinsics_matrix(intr, width, height)
            rot, t = pose[:, :3], pose[:, 3]
            # frame-0 point X maps to frame t as R X + t.  Rotation only: a ray d_t
            # of frame t comes from d_0 = R^T d_t.  With a plane n.X = d (n = z):
            # X_t = (R + t n^T / d) X_0, so d_0 = (R + t n^T / d)^-1 d_t.
            m = rot if self.plane_depth is None else rot + np.outer(t, [0.0, 0.0, 1.0 / self.plane_depth])
            rays0 = np.linalg.inv(m) @ np.linalg.inv(k) @ pix
            front = (rays0[2] > 1e-6).reshape(height, width)
            src = k0 @ rays0
            with np.errstate(divide="ignore", invalid="ignore"):
                u = (src[0] / src[2]).reshape(height, width)
                v = (src[1] / src[2]).reshape(height, width)
            # rays in front of the first camera take the nearest photo pixel; rays behind it stay black
            mx = np.where(front, np.clip(u, 0, width - 1), -1e4).astype(np.float32)
            my = np.where(front, np.clip(v, 0, height - 1), -1e4).astype(np.float32)
            frames.append(cv2.remap(photo, mx, my, self.interp, borderMode=cv2.BORDER_CONSTANT, borderValue=0))
        return np.stack(frames)


def _project(k: np.ndarray, points: np.ndarray):
    """Pixel coordinates and z of camera-space points ``(3, N)``."""
    z = points[2]
    with np.errstate(divide="ignore", invalid="ignore"):
        uvw = k @ points
        return uvw[0] / z, uvw[1] / z, z


def forward_depth(depth: np.ndarray, k0: np.ndarray, k: np.ndarray, pose: np.ndarray) -> np.ndarray:
    """Depth seen by the camera ``pose`` (frame-0 -> frame-t, 3x4): the photo's pixels
    splatted to their 2x2 nearest target pixels with a z-buffer; holes are ``inf``."""
    h, w = depth.shape
    v, u = np.mgrid[0:h, 0:w].astype(np.float64)
    rays = np.linalg.inv(k0) @ np.stack([u.ravel(), v.ravel(), np.ones(u.size)])
    pts = pose[:, :3] @ (rays * depth.ravel()) + pose[:, 3:4]
    ut, vt, zt = _project(k, pts)
    ok = np.isfinite(ut) & np.isfinite(vt) & (zt > 1e-6)
    ut, vt, zt = ut[ok], vt[ok], zt[ok]
    zbuf = np.full(h * w, np.inf)
    for dx in (0, 1):
        for dy in (0, 1):
            x, y = np.floor(ut).astype(np.int64) + dx, np.floor(vt).astype(np.int64) + dy
            inside = (x >= 0) & (x < w) & (y >= 0) & (y < h)
            np.minimum.at(zbuf, y[inside] * w + x[inside], zt[inside])
    return zbuf.reshape(h, w)


def close_depth_cracks(zbuf: np.ndarray, passes: int = 2) -> np.ndarray:
    """Fill holes of a z-buffer with the farthest valid 3x3 neighbour (cracks and the
    rims of disocclusions belong to the background), then the rest with the nearest value."""
    from .depth import fill_holes

    z = zbuf.astype(np.float32).copy()
    for _ in range(passes):
        hole = ~np.isfinite(z)
        if not hole.any():
            return z
        grown = cv2.dilate(np.where(hole, 0, z).astype(np.float32), np.ones((3, 3), np.uint8))
        z = np.where(hole & (grown > 0), grown, z)
    valid = np.isfinite(z)
    return fill_holes(z, valid) if valid.any() else np.ones_like(z)


def render_parallax(photo, depth, k0, k, pose, tolerance_px: float = 1.5, inpaint_radius: int = 3,
                    interpolation=cv2.INTER_LINEAR):
    """One frame of the parallax generator: ``(frame, visible)`` (see the module docstring)."""
    h, w = depth.shape
    target_depth = close_depth_cracks(forward_depth(depth, k0, k, pose))
    v, u = np.mgrid[0:h, 0:w].astype(np.float64)
    pix = np.stack([u.ravel(), v.ravel(), np.ones(u.size)])
    pts_t = (np.linalg.inv(k) @ pix) * target_depth.ravel()
    rot, t = pose[:, :3], pose[:, 3:4]
    u0, v0, z0 = _project(k0, rot.T @ (pts_t - t))
    front = np.isfinite(u0) & np.isfinite(v0) & (z0 > 1e-6)
    in_view = front & (u0 >= -0.5) & (u0 <= w - 0.5) & (v0 >= -0.5) & (v0 <= h - 0.5)
    mx = np.where(front, np.clip(u0, 0, w - 1), 0).astype(np.float32).reshape(h, w)
    my = np.where(front, np.clip(v0, 0, h - 1), 0).astype(np.float32).reshape(h, w)
    frame = cv2.remap(photo, mx, my, interpolation, borderMode=cv2.BORDER_REPLICATE)
    # visibility: the photo's surface at the sampled point must project back onto this pixel
    d_src = cv2.remap(depth.astype(np.float32), mx, my, cv2.INTER_NEAREST, borderMode=cv2.BORDER_REPLICATE)
    back = pose[:, :3] @ ((np.linalg.inv(k0) @ np.stack([mx.ravel(), my.ravel(), np.ones(mx.size)]))
                         * d_src.ravel()) + t
    ub, vb, zb = _project(k, back)
    err = np.hypot(ub - pix[0], vb - pix[1])
    visible = (in_view & (zb > 1e-6) & (err <= tolerance_px)).reshape(h, w)
    hole = (in_view.reshape(h, w) & ~visible).astype(np.uint8)
    if hole.any() and inpaint_radius > 0:
        frame = cv2.inpaint(frame, hole, inpaint_radius, cv2.INPAINT_TELEA)
    return frame, visible


@GENERATORS.register("parallax")
class ParallaxGenerator:
    """Depth-based re-projection of the photo along the path (CPU, no learned weights)."""

    uses_gpu = False

    def __init__(self, depth: dict | None = None, depth_scale: float = 1.0, tolerance_px: float = 1.5,
                 inpaint_radius: int = 3, interpolation: str = "linear"):
        from .depth import SOURCES

        self.depth_spec = dict(depth or {"source": "layout"})
        if self.depth_spec.get("source", "layout") not in SOURCES:
            raise RoomtourError("generate parallax", f"depth.source must be one of {', '.join(SOURCES)}")
        if depth_scale <= 0:
            raise RoomtourError("generate parallax", "depth_scale must be positive")
        self.depth_scale, self.tolerance_px, self.inpaint_radius = depth_scale, tolerance_px, inpaint_radius
        self.interp = {"linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC, "lanczos": cv2.INTER_LANCZOS4}[
            interpolation
        ]
        self.visibility = None

    def generate(self, photo: np.ndarray, camera: CameraPath, width: int, height: int, depth=None,
                 **_) -> np.ndarray:
        from .depth import estimate_depth

        photo = fit_to_size(photo, width, height)
        k0 = intrinsics_matrix(camera.intrinsics[0], width, height)
        if depth is None:
            depth = estimate_depth(photo, self.depth_spec, k0, log=lambda m: print(m, file=sys.stderr))
        elif depth.shape != (height, width):
            depth = cv2.resize(depth.astype(np.float32), (width, height), interpolation=cv2.INTER_NEAREST)
        depth = np.asarray(depth, np.float64) * self.depth_scale
        frames, masks = [], []
        for pose, intr in zip(camera.relative_to_first().w2c, camera.intrinsics):
            k = intrinsics_matrix(intr, width, height)
            f, m = render_parallax(photo, depth, k0, k, pose, self.tolerance_px, self.inpaint_radius, self.interp)
            frames.append(f)
            masks.append(m)
        self.visibility = np.stack(masks)
        return np.stack(frames)


@GENERATORS.register("static")
class StaticGenerator:
    """The photo repeated: no camera motion at all."""

    uses_gpu = False

    def generate(self, photo: np.ndarray, camera: CameraPath, width: int, height: int, **_) -> np.ndarray:
        return np.repeat(fit_to_size(photo, width, height)[None], len(camera), axis=0)


SVD_SOURCE = "https://huggingface.co/stabilityai/stable-video-diffusion-img2vid"


@GENERATORS.register("svd")
class SVDRenderGuidedGenerator:
    """Stable Video Diffusion started from noised parallax renders (GPU job)."""

    uses_gpu = True

    def __init__(self, model_dir: str = "", weights_dir: str = "weights", strength: float = 0.5, steps: int = 25,
                 seed: int = 0, depth: dict | None = None, motion_bucket_id: int = 127,
                 noise_aug_strength: float = 0.02, min_guidance_scale: float = 1.0, max_guidance_scale: float = 3.0,
                 decode_chunk_size: int = 8, fps: int = 7, device: str = "auto", fp16: bool = True, pipeline=None):
        from .models.runtime import apply_thread_limit, select_device

        if not 0.0 < strength <= 1.0:
            raise RoomtourError("generate svd", f"strength must be in (0, 1], not {strength}")
        self.device = select_device(device)
        if pipeline is None:
            from diffusers import StableVideoDiffusionPipeline

            from .models.runtime import load_diffusers_pipeline

            path = Path(model_dir) if model_dir else Path(weights_dir) / "stable-video-diffusion-img2vid"
            pipeline = load_diffusers_pipeline(StableVideoDiffusionPipeline, path, SVD_SOURCE, self.device, fp16)
        self.pipe = pipeline.to(self.device)
        self.pipe.set_progress_bar_config(disable=True)
        self.renderer = ParallaxGenerator(depth=depth)
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

    def generate(self, photo: np.ndarray, camera: CameraPath, width: int, height: int, depth=None, output_type="np",
                 **_) -> np.ndarray:
        import torch
        from PIL import Image

        if width % 8 or height % 8:
            raise RoomtourError("generate svd", f"video size {width}x{height} must be a multiple of 8")
        self.renders = self.renderer.generate(photo, camera, width, height, depth=depth)
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
            print(f"cami2v: {len(frames)} frames for a {len(camera)}-pose path; keeping the tool's frames",
                  file=sys.stderr)
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
            print(
                f"{video}: {len(frames)} frames, the camera path has {len(camera)}; keeping the video's frames",
                file=sys.stderr,
            )
        return np.stack([fit_to_size(f, width, height) for f in frames])
