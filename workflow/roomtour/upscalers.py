"""Video upscalers (the ``up`` step).  Each maps ``(T, H, W, 3)`` uint8 RGB to
``(T, round(H*scale), round(W*scale), 3)``.

Registry names (config ``upscale.method``):

``lanczos``, ``bicubic``
    OpenCV interpolation, frame by frame; no learned weights.
``realesr-animevideov3``
    Real-ESRGAN's compact video model (SRVGGNetCompact, 64 features, 16
    convolutions, PReLU, pixel shuffle x4; GAN-trained, so it sharpens rather
    than maximising PSNR).  Weights ``realesrgan/realesr-animevideov3.pth``
    under ``weights_dir``.  Runs in tiles with overlap (bounded memory, the
    result equals the untiled one), on the GPU when one is present.
``fsrcnn``, ``espcn``
    PSNR-trained CNNs (x2/x3/x4) through OpenCV's ``dnn_superres`` module,
    which runs them on the luma channel (YCrCb) and upsamples chroma
    bicubically.  Weights ``opencv_dnn_superres/{FSRCNN,ESPCN}_x{N}.pb``.

``upscale-a-video``
    Runs Upscale-A-Video (or any video SR tool) in its own environment
    through ``options.command``, a template with ``{input}`` (the video,
    lossless FFV1), ``{out}``, ``{scale}``, ``{width}``, ``{height}``,
    ``{fps}``, ``{workdir}``; ``options.requires`` lists its checkpoints.
    See :mod:`roomtour.external`.

``sd-x4``
    Stable Diffusion's x4 upscaler (``StableDiffusionUpscalePipeline`` from
    diffusers, the model Upscale-A-Video builds on), frame by frame with one
    shared noise seed so every frame starts from the same noise, in tiles
    with overlap for large frames; weights from a local diffusers directory
    (``model_dir``, default ``weights_dir/stable-diffusion-x4-upscaler``),
    never downloaded.  fp16 on the GPU.  Combine with ``temporal_weight``.

Any scale: a learned model runs at its native scale (the smallest native
scale >= the requested one, else its largest), then the result is resized
exactly to the target size (area averaging when shrinking, Lanczos when
enlarging).  Every method accepts ``temporal_weight`` (default 0): the
flow-guided stabilisation of :mod:`roomtour.temporal` after upscaling.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from .errors import RoomtourError
from .progress import Progress
from .registry import Registry
from .models.tiling import tiled_forward
from .models.weights import find_weights
from .temporal import stabilize

UPSCALERS = Registry("upscaler")


def scaled_size(width: int, height: int, scale: float) -> tuple[int, int]:
    """Output ``(width, height)`` for an upscale factor (rounded to whole pixels)."""
    return int(round(width * scale)), int(round(height * scale))


def resize_exact(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    """Resize to exactly ``width x height``: area when shrinking, Lanczos when enlarging."""
    if frame.shape[1] == width and frame.shape[0] == height:
        return frame
    interp = cv2.INTER_AREA if frame.shape[1] > width else cv2.INTER_LANCZOS4
    return cv2.resize(frame, (width, height), interpolation=interp)


def native_scale(scale: float, natives: tuple[int, ...]) -> int:
    """The model scale to run for a requested scale (see the module docstring)."""
    above = [s for s in sorted(natives) if s >= scale - 1e-9]
    return above[0] if above else max(natives)


class _Upscaler:
    """Shared per-frame loop, exact resizing, progress and optional stabilisation."""

    uses_gpu = False
    natives: tuple[int, ...] = ()

    def __init__(self, temporal_weight: float = 0.0):
        self.temporal_weight = float(temporal_weight)

    def upscale_frame(self, frame: np.ndarray, scale: int) -> np.ndarray:
        raise NotImplementedError

    def upscale(self, frames: np.ndarray, scale: float) -> np.ndarray:
        frames = np.asarray(frames)
        w, h = scaled_size(frames.shape[2], frames.shape[1], scale)
        run = native_scale(scale, self.natives) if self.natives else scale
        progress = Progress(f"upscale {self.method_name}", len(frames))
        out = []
        for f in frames:
            out.append(resize_exact(self.upscale_frame(f, run), w, h))
            progress.update()
        return stabilize(np.stack(out), self.temporal_weight)


class _Interpolation(_Upscaler):
    """Plain OpenCV interpolation straight to the target size."""

    interpolation = cv2.INTER_LINEAR

    def upscale(self, frames, scale):
        frames = np.asarray(frames)
        w, h = scaled_size(frames.shape[2], frames.shape[1], scale)
        out = np.stack([cv2.resize(f, (w, h), interpolation=self.interpolation) for f in frames])
        return stabilize(out, self.temporal_weight)


@UPSCALERS.register("lanczos")
class LanczosUpscaler(_Interpolation):
    """Lanczos-4 resampling (8x8 taps)."""

    interpolation = cv2.INTER_LANCZOS4


@UPSCALERS.register("bicubic")
class BicubicUpscaler(_Interpolation):
    """Bicubic interpolation (OpenCV, a = -0.75)."""

    interpolation = cv2.INTER_CUBIC


class _OpenCVSuperRes(_Upscaler):
    natives = (2, 3, 4)
    model_name = ""
    file_prefix = ""

    def __init__(self, weights_dir: str = "weights", variant: str = "", temporal_weight: float = 0.0):
        super().__init__(temporal_weight)
        self.weights_dir = weights_dir
        self.prefix = variant or self.file_prefix
        self._models = {}

    def _model(self, scale: int):
        if scale not in self._models:
            path = find_weights(self.weights_dir, f"opencv_dnn_superres/{self.prefix}_x{scale}.pb")
            sr = cv2.dnn_superres.DnnSuperResImpl_create()
            try:
                sr.readModel(str(path))
                sr.setModel(self.model_name, scale)
                probe = sr.upsample(np.zeros((8, 8, 3), np.uint8))
            except cv2.error as exc:
                raise RoomtourError(path, f"OpenCV cannot run it as {self.model_name} x{scale} ({exc.err})") from None
            if probe.shape[:2] != (8 * scale, 8 * scale):
                raise RoomtourError(path, f"gives {probe.shape[:2]} for an 8x8 input, not x{scale}")
            self._models[scale] = sr
        return self._models[scale]

    def upscale_frame(self, frame, scale):
        sr = self._model(scale)
        return cv2.cvtColor(sr.upsample(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)), cv2.COLOR_BGR2RGB)


@UPSCALERS.register("fsrcnn")
class FSRCNNUpscaler(_OpenCVSuperRes):
    """FSRCNN (Dong et al. 2016); ``variant: FSRCNN-small`` for the small model."""

    model_name, file_prefix = "fsrcnn", "FSRCNN"


@UPSCALERS.register("espcn")
class ESPCNUpscaler(_OpenCVSuperRes):
    """ESPCN (Shi et al. 2016)."""

    model_name, file_prefix = "espcn", "ESPCN"


@UPSCALERS.register("realesr-animevideov3")
class RealESRGANCompactUpscaler(_Upscaler):
    """Real-ESRGAN compact video model (x4), tiled, GPU when available."""

    uses_gpu = True
    natives = (4,)

    def __init__(
        self,
        weights_dir: str = "weights",
        tile: int = 256,
        tile_pad: int | None = None,
        device: str = "auto",
        precision: str = "auto",
        temporal_weight: float = 0.0,
        weights: str | None = None,
    ):
        super().__init__(temporal_weight)
        from .models.loading import load_weights
        from .models.runtime import apply_thread_limit, inference_precision, select_device
        from .models.srvgg import SRVGGNetCompact

        path = find_weights(weights_dir, "realesrgan/realesr-animevideov3.pth", weights)
        self.net = SRVGGNetCompact(num_feat=64, num_conv=16, upscale=4, act_type="prelu")
        load_weights(self.net, path)
        self.device = select_device(device)
        self.precision = inference_precision(self.device, precision)
        self.net = self.net.to(self.device).eval()
        self.tile = int(tile)
        self.tile_pad = self.net.receptive_radius if tile_pad is None else int(tile_pad)
        apply_thread_limit()

    def upscale_frame(self, frame, scale):
        import torch

        from .models.runtime import autocast

        # the input and the residual's nearest-neighbour base stay fp32; autocast lowers the convolutions
        with torch.inference_mode(), autocast(self.device, self.precision):
            x = torch.from_numpy(frame).permute(2, 0, 1)[None].to(self.device).float() / 255.0
            y = tiled_forward(self.net, x, 4, self.tile, self.tile_pad)
            y = (y.float().clamp(0, 1) * 255.0).round().to(torch.uint8)
        return y[0].permute(1, 2, 0).cpu().numpy()


@UPSCALERS.register("upscale-a-video")
class UpscaleAVideoAdapter(_Upscaler):
    """Upscale-A-Video through the authors' code, run by a command template (GPU job)."""

    uses_gpu = True
    PLACEHOLDERS = ("input", "out", "scale", "width", "height", "fps", "workdir")

    def __init__(self, command: str = "", requires: list | None = None, timeout: float = 0,
                 temporal_weight: float = 0.0):
        super().__init__(temporal_weight)
        from .external import ExternalCommand

        self.command = ExternalCommand("upscale upscale-a-video", command, self.PLACEHOLDERS, requires or [], timeout)

    def upscale(self, frames, scale):
        from .external import run_video_tool

        frames = np.asarray(frames)
        w, h = scaled_size(frames.shape[2], frames.shape[1], scale)
        out = run_video_tool(self.command, frames, scale)
        if len(out) != len(frames):
            raise RoomtourError("upscale upscale-a-video", f"the tool returned {len(out)} frames for {len(frames)}")
        return stabilize(np.stack([resize_exact(f, w, h) for f in out]), self.temporal_weight)


SD_X4_SOURCE = "https://huggingface.co/stabilityai/stable-diffusion-x4-upscaler"


@UPSCALERS.register("sd-x4")
class SDx4Upscaler(_Upscaler):
    """Diffusion x4 upscaler through diffusers (GPU job; CPU only for plumbing tests)."""

    uses_gpu = True
    natives = (4,)

    def __init__(self, model_dir: str = "", weights_dir: str = "weights", prompt: str = "a photo of a room interior",
                 negative_prompt: str = "blurry, noisy", steps: int = 20, guidance_scale: float = 7.5,
                 noise_level: int = 20, seed: int = 0, tile: int = 128, tile_pad: int = 16, device: str = "auto",
                 fp16: bool = True, temporal_weight: float = 0.0, pipeline=None):
        super().__init__(temporal_weight)
        from .models.runtime import apply_thread_limit, diffusers_pipeline_on, select_device

        self.device = select_device(device)
        path = Path(model_dir) if model_dir else Path(weights_dir) / "stable-diffusion-x4-upscaler"
        self.pipe = diffusers_pipeline_on(self.device, pipeline, "StableDiffusionUpscalePipeline", path, SD_X4_SOURCE,
                                          fp16)
        self.prompt, self.negative_prompt = prompt, negative_prompt
        self.steps, self.guidance_scale, self.noise_level = int(steps), float(guidance_scale), int(noise_level)
        self.seed, self.tile, self.tile_pad = int(seed), int(tile), int(tile_pad)
        apply_thread_limit()

    def _run(self, x):
        """x: (1, 3, h, w) in [0, 1] -> (1, 3, 4h, 4w) in [0, 1]; the same seed for every call."""
        import torch

        generator = torch.Generator(device="cpu").manual_seed(self.seed)
        out = self.pipe(prompt=self.prompt, negative_prompt=self.negative_prompt or None, image=x,
                        num_inference_steps=self.steps, guidance_scale=self.guidance_scale,
                        noise_level=self.noise_level, generator=generator, output_type="pt").images
        return out.float().clamp(0, 1).to(x.device)

    def upscale_frame(self, frame, scale):
        import torch

        from .models.tiling import tiled_forward

        with torch.inference_mode():
            x = torch.from_numpy(frame).permute(2, 0, 1)[None].float().div(255.0)
            y = tiled_forward(self._run, x, 4, self.tile, self.tile_pad)
        return (y[0].permute(1, 2, 0) * 255.0).round().clamp(0, 255).to(torch.uint8).numpy()
