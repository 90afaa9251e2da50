"""Video denoisers (the ``dn`` step).  Each maps ``(T, H, W, 3)`` uint8 RGB to the same shape.

Registry names (config ``denoise.method``):

``fastdvdnet`` (default)
    FastDVDnet (Tassano et al., CVPR 2020; :mod:`roomtour.models.fastdvdnet`),
    five frames in, the centre frame out, mirrored at the sequence ends.
    ``sigma`` is the noise level on the 0-255 scale the network is told
    (its noise map); ``"auto"`` estimates it per video with
    :func:`estimate_noise_sigma`.  Generated videos carry no Gaussian noise,
    so treat sigma as a strength: larger smooths more.  ``anchor`` (pixels, 0 = off)
    keeps each area's colour: the output's low-pass is matched to the noisy input's, with
    8-bit clipping accounted for (:func:`anchor_low_frequencies`).  Weights: roomtour's
    own (trained here, shipped in the package) unless ``weights`` names
    another file, e.g. the authors' ``model.pth``.  Runs in spatial tiles
    with overlap and a sliding window of five frames, so memory does not
    grow with the video; stage-one results are reused by the three output
    frames that share them.  GPU when present.
``fft3d``, ``bm3d``, ``hqdn3d``
    Classical denoisers through ffmpeg's filters (3-D FFT Wiener shrinkage
    over 3 frames; BM3D per frame; a spatio-temporal low-pass), for baselines.
``nlmeans``
    OpenCV's multi-frame non-local means (``fastNlMeansDenoisingColoredMulti``):
    each frame is denoised with a temporal window of neighbours; the sequence
    is mirrored at its ends so every frame gets a full window.  ``h`` and
    ``h_color`` (default: ``h``) are filter strengths on the 0-255 scale.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from .errors import RoomtourError
from .progress import Progress
from .registry import Registry

DENOISERS = Registry("denoiser")

WEIGHTS_DIR = Path(__file__).parent / "weights"
# roomtour's own FastDVDnet weights, by name (options.weights): the default is the newest
BUNDLED = {
    "roomtour-v1": WEIGHTS_DIR / "fastdvdnet-roomtour-v1.safetensors",
    "roomtour-v2": WEIGHTS_DIR / "fastdvdnet-roomtour-v2.safetensors",
}
DEFAULT_WEIGHTS = "roomtour-v2"
FASTDVDNET_SOURCE = "https://github.com/m-tassano/fastdvdnet (model.pth in the repository root)"

# Immerkaer's mask: the difference of two Laplacians, blind to planes and ramps
_IMMERKAER = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float64)


def estimate_noise_sigma(frames: np.ndarray, max_frames: int = 8) -> float:
    """Standard deviation of additive white Gaussian noise, on the 0-255 scale.

    Immerkaer's estimator ("Fast noise variance estimation", CVIU 1996): the
    image is filtered with a 3x3 mask that cancels locally linear signal, and
    ``sigma = sqrt(pi/2) / 6 * mean(|filtered|)``.  Pixels on strong edges
    (the top 10 % of the Sobel gradient magnitude) are left out because
    structure leaks through the mask and inflates the estimate.  Channels and
    up to ``max_frames`` evenly spaced frames are pooled by their median.
    Texture still biases it upwards on clean images (a few units).
    """
    frames = np.asarray(frames)
    if frames.ndim == 3:
        frames = frames[None]
    picks = np.linspace(0, len(frames) - 1, min(len(frames), max_frames)).round().astype(int)
    values = []
    for f in frames[picks]:
        grey = cv2.cvtColor(f, cv2.COLOR_RGB2GRAY).astype(np.float64)
        grad = np.hypot(cv2.Sobel(grey, cv2.CV_64F, 1, 0), cv2.Sobel(grey, cv2.CV_64F, 0, 1))[1:-1, 1:-1]
        keep = grad <= np.quantile(grad, 0.9)
        for c in range(f.shape[2]):
            r = cv2.filter2D(f[..., c].astype(np.float64), -1, _IMMERKAER)[1:-1, 1:-1]
            values.append(np.sqrt(np.pi / 2) / 6.0 * np.abs(r[keep]).mean())
    return float(np.median(values))


def clipped_noise_mean(clean: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Expected value of ``clip(clean + N(0, sigma^2), 0, 255)`` and its derivative in ``clean``.

    Values on the 0-255 scale (float).  An 8-bit noisy video is clipped, so its local mean
    is biased towards mid-grey near 0 and 255 (by about +4 grey levels on a dark blue at
    sigma 30); this is the bias a denoised estimate must reproduce once noise is added back.
    """
    from scipy.special import ndtr

    s = max(float(sigma), 0.5)

    def positive_part_mean(mu):  # E[max(0, X)] for X ~ N(mu, s^2)
        z = mu / s
        return mu * ndtr(z) + s * np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)

    mean = clean + positive_part_mean(-clean) - positive_part_mean(clean - 255.0)
    slope = 1.0 - ndtr(-clean / s) - ndtr((clean - 255.0) / s)
    return mean, slope


def anchor_low_frequencies(denoised: np.ndarray, noisy: np.ndarray, sigma: float, radius: float = 12.0,
                           iterations: int = 2) -> np.ndarray:
    """Give a denoised frame the local colour of its noisy input, clipping bias included.

    ``denoised`` (float, 0-255) and ``noisy`` (uint8) are ``(H, W, 3)`` RGB.  Zero-mean noise
    does not change an area's mean colour, so the Gaussian low-pass (``radius`` pixels, its
    sigma) of the noisy frame is an estimate of the clean low-pass; only 8-bit clipping biases
    it, by :func:`clipped_noise_mean`.  A few Newton steps move the denoised frame until
    ``lowpass(E[clip(denoised + noise)])`` equals ``lowpass(noisy)``: a network that drifts in
    colour (roomtour's v1 weights moved means by up to 4 grey levels at sigma 30) is pulled
    back, and detail finer than ``radius`` stays the network's own.  The low-pass of the noise
    left in the correction is ``sigma / (2 sqrt(pi) radius)`` (0.7 grey levels at sigma 30, radius 12).
    Returns float (0-255), not yet rounded.
    """
    out = np.asarray(denoised, np.float32)
    target = cv2.GaussianBlur(np.asarray(noisy, np.float32), (0, 0), radius, borderType=cv2.BORDER_REFLECT)
    for _ in range(iterations):
        mean, slope = clipped_noise_mean(out, sigma)
        low_mean = cv2.GaussianBlur(mean.astype(np.float32), (0, 0), radius, borderType=cv2.BORDER_REFLECT)
        low_slope = cv2.GaussianBlur(slope.astype(np.float32), (0, 0), radius, borderType=cv2.BORDER_REFLECT)
        # the floor on the slope keeps the step bounded where everything is clipped
        out = np.clip(out + (target - low_mean) / np.maximum(low_slope, 0.25), 0.0, 255.0)
    return out


def mirrored_window(t: int, n: int, radius: int) -> list[int]:
    """Indices of the ``2*radius+1`` frames centred on ``t``, mirrored at the ends.

    ``mirrored_window(0, 5, 2) == [2, 1, 0, 1, 2]``.  For sequences shorter
    than the window the indices bounce back and forth.
    """
    out = []
    for k in range(t - radius, t + radius + 1):
        if n == 1:
            out.append(0)
            continue
        period = 2 * (n - 1)
        k = abs(k) % period
        out.append(k if k < n else period - k)
    return out


@DENOISERS.register("nlmeans")
class NLMeansDenoiser:
    """Multi-frame non-local means (OpenCV), a classical, weight-free video denoiser."""

    uses_gpu = False

    def __init__(self, h: float = 5.0, h_color: float | None = None, window: int = 5, template: int = 7,
                 search: int = 21):
        if window % 2 == 0 or window < 1:
            raise ValueError("window must be odd and positive")
        h_color = h if h_color is None else h_color  # one strength knob unless asked otherwise
        self.h, self.h_color, self.window, self.template, self.search = h, h_color, window, template, search

    def denoise(self, frames: np.ndarray) -> np.ndarray:
        frames = np.asarray(frames)
        n, radius = len(frames), self.window // 2
        bgr = [cv2.cvtColor(f, cv2.COLOR_RGB2BGR) for f in frames]
        out = []
        progress = Progress("nlmeans", n)
        for t in range(n):
            stack = [bgr[i] for i in mirrored_window(t, n, radius)]
            d = cv2.fastNlMeansDenoisingColoredMulti(
                stack, radius, self.window, None, self.h, self.h_color, self.template, self.search
            )
            out.append(cv2.cvtColor(d, cv2.COLOR_BGR2RGB))
            progress.update()
        return np.stack(out)


@DENOISERS.register("fastdvdnet")
class FastDVDnetDenoiser:
    """FastDVDnet inference pipeline: padding, noise map, sliding window, tiles, uint8 in/out."""

    uses_gpu = True
    multiple = 4  # two stride-2 levels in each U-Net

    def __init__(
        self,
        sigma: float | str = 15.0,
        weights: str = "",
        weights_dir: str = "",
        tile: int = 512,
        tile_pad: int = 48,
        device: str = "auto",
        precision: str = "auto",
        fold_bn: bool = True,
        anchor: float = 12.0,
    ):
        import torch

        from .models.fastdvdnet import FastDVDnet, fold_batchnorm
        from .models.loading import load_weights
        from .models.runtime import apply_thread_limit, inference_precision, select_device

        if sigma != "auto" and not (isinstance(sigma, (int, float)) and 0 <= float(sigma) <= 255):
            raise RoomtourError("denoise fastdvdnet", f"sigma must be a number in [0, 255] or 'auto', not {sigma!r}")
        if tile % self.multiple or tile_pad % self.multiple:
            raise RoomtourError("denoise fastdvdnet", f"tile and tile_pad must be multiples of {self.multiple}")
        self.sigma = sigma
        self.weights_path = resolve_weights(weights, weights_dir)
        self.net = FastDVDnet()
        self.load_report = load_weights(self.net, self.weights_path)
        self.net.eval()
        if fold_bn:
            fold_batchnorm(self.net)
        self.device = select_device(device)
        self.precision = inference_precision(self.device, precision)
        # channels-last convolutions are ~20% faster on the CPU (oneDNN) and fine on CUDA
        self.memory_format = torch.channels_last
        self.net = self.net.to(self.device, memory_format=self.memory_format)
        self.tile, self.tile_pad = int(tile), int(tile_pad)
        if not (isinstance(anchor, (int, float)) and 0 <= float(anchor) <= 256):
            raise RoomtourError("denoise fastdvdnet", f"anchor must be a radius in pixels in [0, 256], not {anchor!r}")
        self.anchor = float(anchor)
        apply_thread_limit()

    def sigma_for(self, frames: np.ndarray) -> float:
        """The noise level given to the network (0-255 scale)."""
        return estimate_noise_sigma(frames) if self.sigma == "auto" else float(self.sigma)

    def _block(self, block, inputs, noise_map):
        import torch

        from .models.tiling import tiled_forward

        x = torch.cat([*inputs, noise_map], dim=1)

        def run(z):
            return block(z[:, 0:3], z[:, 3:6], z[:, 6:9], z[:, 9:10])

        return tiled_forward(run, x, 1, self.tile, self.tile_pad)

    def denoise(self, frames: np.ndarray) -> np.ndarray:
        import torch
        from torch.nn import functional as F

        from .models.runtime import autocast

        frames = np.asarray(frames)
        n, h, w, _ = frames.shape
        sigma = self.sigma_for(frames)
        ph, pw = (-h) % self.multiple, (-w) % self.multiple
        progress = Progress(f"fastdvdnet (sigma {sigma:.1f}, {self.precision})", n)

        converted: dict[int, torch.Tensor] = {}

        def frame(i):
            # each frame enters up to three stage-one triplets: convert it once
            if i not in converted:
                converted[i] = to_tensor(i)
            return converted[i]

        def to_tensor(i):
            x = torch.from_numpy(np.ascontiguousarray(frames[i])).to(self.device).permute(2, 0, 1)[None]
            x = x.float() / 255.0
            # reflect padding up to the U-Net's stride; cropped off again below
            x = F.pad(x, (0, pw, 0, ph), mode="reflect") if (ph or pw) else x
            return x.contiguous(memory_format=self.memory_format)

        out = np.empty_like(frames)
        # frames, noise map and each U-Net's residual subtraction stay fp32; autocast lowers the convolutions
        with torch.inference_mode(), autocast(self.device, self.precision):
            noise_map = torch.full((1, 1, h + ph, w + pw), sigma / 255.0, device=self.device)
            stage1: dict[tuple, torch.Tensor] = {}
            for t in range(n):
                window = mirrored_window(t, n, 2)
                triplets = [tuple(window[k : k + 3]) for k in range(3)]
                for key in triplets:
                    if key not in stage1:
                        stage1[key] = self._block(self.net.temp1, [frame(i) for i in key], noise_map)
                y = self._block(self.net.temp2, [stage1[k] for k in triplets], noise_map)
                # the next output reuses the triplets centred on t and t + 1 only
                stage1 = {k: stage1[k] for k in triplets[1:]}
                converted = {i: converted[i] for i in window if i in converted}
                y = (y[0, :, :h, :w].float().clamp(0, 1) * 255.0).permute(1, 2, 0).cpu().numpy()
                if self.anchor > 0:
                    y = anchor_low_frequencies(y, frames[t], sigma, self.anchor)
                out[t] = np.round(y).astype(np.uint8)
                progress.update()
        return out


def resolve_weights(weights: str, weights_dir: str = "") -> Path:
    """The FastDVDnet weights file: roomtour's bundled ones by name (``roomtour-v2``, the
    default when ``weights`` is empty, or ``roomtour-v1``), else ``weights`` as given or
    relative to ``weights_dir``."""
    name = weights or DEFAULT_WEIGHTS
    if name in BUNDLED:
        if not BUNDLED[name].is_file():
            raise RoomtourError(BUNDLED[name], "roomtour's FastDVDnet weights are missing from the package")
        return BUNDLED[name]
    from .models.weights import find_weights

    try:
        return find_weights(weights_dir, "fastdvdnet/model.pth", weights)
    except RoomtourError as exc:
        raise RoomtourError(exc.where, f"FastDVDnet weights not found; the authors' checkpoint is at "
                            f"{FASTDVDNET_SOURCE}") from None


class _FFmpegDenoiser:
    """Run an ffmpeg video filter over raw RGB frames through pipes (no files, no codec loss)."""

    uses_gpu = False

    def filter_args(self) -> tuple[str, dict]:
        raise NotImplementedError

    def denoise(self, frames: np.ndarray) -> np.ndarray:
        import ffmpeg

        from .video import ffmpeg_exe

        frames = np.ascontiguousarray(frames)
        n, h, w, _ = frames.shape
        name, kwargs = self.filter_args()
        stream = ffmpeg.input("pipe:", format="rawvideo", pix_fmt="rgb24", s=f"{w}x{h}", framerate=8)
        stream = stream.filter(name, **kwargs).output("pipe:", format="rawvideo", pix_fmt="rgb24")
        try:
            out, _ = stream.run(cmd=ffmpeg_exe(), input=frames.tobytes(), capture_stdout=True, capture_stderr=True)
        except ffmpeg.Error as exc:
            last = exc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["?"]
            raise RoomtourError(f"denoise {self.method_name}", f"ffmpeg failed: {last[0]}") from None
        return np.frombuffer(out, np.uint8).reshape(n, h, w, 3).copy()


@DENOISERS.register("fft3d")
class FFT3DDenoiser(_FFmpegDenoiser):
    """ffmpeg ``fftdnoiz``: Wiener shrinkage of overlapping 3-D FFT blocks over the previous,
    current and next frame (``sigma`` on ffmpeg's 0-100 strength scale, not 0-255).

    ffmpeg caps the strength at 100, which is the best setting already for noise of sigma 20
    on 0-255 (measured by the restoration benchmark's tuning): it cannot be tuned for
    stronger noise, so the benchmark compares it at sigma 10 and 20 only."""

    def __init__(self, sigma: float = 10.0, block: int = 32, overlap: float = 0.5, temporal: bool = True):
        self.sigma, self.block, self.overlap, self.temporal = sigma, block, overlap, temporal

    def filter_args(self):
        t = int(self.temporal)
        return "fftdnoiz", {"sigma": self.sigma, "block": self.block, "overlap": self.overlap, "prev": t, "next": t}


# ffmpeg's bm3d takes its strength in its own units, and the best one is not proportional to the
# noise: (noise sigma on 0-255, ffmpeg sigma per unit of it), best PSNR on the tuning clip
# re10k 0bf152ef84195293 (``scripts/benchmarks/calibrate_bm3d.py``; never an evaluation clip)
BM3D_FFMPEG_FACTOR = ((5.0, 20.0), (10.0, 25.0), (20.0, 35.0), (30.0, 50.0), (40.0, 60.0), (50.0, 70.0))


def bm3d_ffmpeg_sigma(sigma: float) -> float:
    """ffmpeg ``bm3d`` strength for white Gaussian noise of ``sigma`` (0-255 scale)."""
    s, f = zip(*BM3D_FFMPEG_FACTOR)
    return float(sigma) * float(np.interp(sigma, s, f))


@DENOISERS.register("bm3d")
class BM3DDenoiser(_FFmpegDenoiser):
    """ffmpeg ``bm3d`` (Dabov et al. 2007), frame by frame; ``sigma`` is the noise level on the
    0-255 scale (converted to ffmpeg's own strength units by :func:`bm3d_ffmpeg_sigma`)."""

    def __init__(self, sigma: float = 10.0, estim: str = "basic", group: int = 16, block: int = 8, bstep: int = 4):
        if not 0 <= float(sigma) <= 255:
            raise RoomtourError("denoise bm3d", f"sigma must be in [0, 255], not {sigma}")
        self.sigma, self.estim, self.group, self.block, self.bstep = sigma, estim, group, block, bstep

    def filter_args(self):
        return "bm3d", {"sigma": bm3d_ffmpeg_sigma(self.sigma), "estim": self.estim, "group": self.group,
                        "block": self.block, "bstep": self.bstep}


@DENOISERS.register("hqdn3d")
class HQDN3DDenoiser(_FFmpegDenoiser):
    """ffmpeg ``hqdn3d``: separable spatial + recursive temporal low-pass."""

    def __init__(self, luma_spatial: float = 4.0, chroma_spatial: float = 3.0, luma_tmp: float = 6.0,
                 chroma_tmp: float = 4.5):
        self.args = {"luma_spatial": luma_spatial, "chroma_spatial": chroma_spatial, "luma_tmp": luma_tmp,
                     "chroma_tmp": chroma_tmp}

    def filter_args(self):
        return "hqdn3d", self.args
