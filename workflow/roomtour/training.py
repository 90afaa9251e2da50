"""Training FastDVDnet on clean interior clips with synthetic Gaussian noise.

The recipe follows the paper (Tassano et al., CVPR 2020, section 4), scaled to
what runs here: random 96x96 patches of five consecutive clean frames, the
same random flip / rotation / time reversal on all five, additive white
Gaussian noise with one sigma per sample drawn uniformly from [5, 55] / 255,
the noise map set to that sigma, loss = sum of squared errors / (2 * batch),
Adam with the learning rate divided by 10 at fixed fractions of the run.  The
paper's orthogonalisation of the convolution filters during the first epochs
is not used.

Clean material (``config/fastdvdnet_train.yaml``), all read from the data
directory: clip directories of PNG frames; photos moved along random camera
paths (small rotations and a plane-induced translation, the ``homography``
generator), which gives real image content real frame-to-frame motion; and
the procedural rooms rendered along the preset motions.  Validation clips are
held out: they are only scored, never trained on or used to pick a checkpoint.
"""

from __future__ import annotations

import glob
import json
import math
import time
from pathlib import Path

import numpy as np

from .clips import photo_clips
from .errors import RoomtourError

PATCH_FRAMES = 5


# --------------------------------------------------------------------------- clean material


def procedural_clips(scenes, motions, frames: int, width: int, height: int) -> list[np.ndarray]:
    """The procedural rooms rendered along the preset motions."""
    from .camera import preset_path
    from .scenes import get_scene, render_path

    clips = []
    for scene in scenes:
        for motion in motions:
            cam = preset_path(motion, frames, aspect=width / height)
            clips.append(render_path(get_scene(scene), cam, width, height))
    return clips


def load_clean_material(spec: dict, data_root: str | Path, seed: int = 0, log=print) -> list[np.ndarray]:
    """Every clean training clip as ``(T, H, W, 3)`` uint8 (T >= 5)."""
    from .clips import load_clip

    root = Path(data_root)
    rng = np.random.default_rng(seed)
    clips = []
    for directory in spec.get("clips", []):
        clips.append(load_clip(root / directory))
        log(f"clip {directory}: {clips[-1].shape}")
    photos = spec.get("photos")
    if photos:
        files = sorted(f for pattern in photos["patterns"] for f in glob.glob(str(root / pattern)))
        if not files:
            raise RoomtourError(root, f"no photos match {photos['patterns']}")
        exclude = set(photos.get("exclude", []))
        files = [f for f in files if Path(f).name not in exclude]
        size = photos["size"]  # [w, h], or "native": each photo at its own resolution (texture as shot)
        made = photo_clips(files, rng, photos["paths_per_photo"], photos["frames"],
                           *(size if size != "native" else (None, None)))
        log(f"{len(files)} photos x {photos['paths_per_photo']} random paths -> {len(made)} clips "
            f"({'native size' if size == 'native' else f'{size[0]}x{size[1]}'})")
        clips += made
    proc = spec.get("procedural")
    if proc:
        w, h = proc["size"]
        made = procedural_clips(proc["scenes"], proc["motions"], proc["frames"], w, h)
        log(f"procedural: {len(made)} clips")
        clips += made
    short = [c.shape for c in clips if len(c) < PATCH_FRAMES]
    if short:
        raise RoomtourError(data_root, f"training clips need >= {PATCH_FRAMES} frames, got {short[:3]}")
    return clips


# --------------------------------------------------------------------------- patches


class PatchSampler:
    """Random noisy/clean training pairs from a list of clips.

    ``sample(batch)`` returns ``(noisy [B,15,P,P], clean centre [B,3,P,P],
    noise map [B,1,P,P])`` as float tensors in [0, 1] on ``device``.  Clips
    are chosen with probability proportional to their number of possible
    patches, so big clips are not under-sampled.  ``quantize`` rounds and
    clips the noisy frames to 8 bit like a real video; ``mismatch`` is the
    share of samples whose true noise is a random fraction of the noise
    map's.
    """

    def __init__(self, clips, patch: int, sigma_range=(5.0, 55.0), seed: int = 0, device="cpu",
                 quantize: bool = False, mismatch: float = 0.0):
        import torch

        self.device = torch.device(device)
        self.clips = [torch.from_numpy(np.ascontiguousarray(c)).to(self.device) for c in clips]
        self.patch = int(patch)
        bad = [tuple(c.shape) for c in clips if c.shape[1] < patch or c.shape[2] < patch]
        if bad:
            raise RoomtourError("training clips", f"smaller than the {patch}-pixel patch: {bad[:3]}")
        weight = np.array([(len(c) - 4) * c.shape[1] * c.shape[2] for c in clips], float)
        self.p = weight / weight.sum()
        self.sigma_range = sigma_range
        self.quantize, self.mismatch = bool(quantize), float(mismatch)
        self.rng = np.random.default_rng(seed)
        self.gen = torch.Generator(device=self.device).manual_seed(seed)

    def sample(self, batch: int):
        import torch

        p, rng = self.patch, self.rng
        stacks = []
        for k in rng.choice(len(self.clips), size=batch, p=self.p):
            clip = self.clips[k]
            t0 = rng.integers(0, len(clip) - PATCH_FRAMES + 1)
            y0 = rng.integers(0, clip.shape[1] - p + 1)
            x0 = rng.integers(0, clip.shape[2] - p + 1)
            x = clip[t0 : t0 + PATCH_FRAMES, y0 : y0 + p, x0 : x0 + p]  # (5, P, P, 3)
            if rng.random() < 0.5:
                x = x.flip(0)  # time reversal
            if rng.random() < 0.5:
                x = x.flip(2)
            x = torch.rot90(x, int(rng.integers(0, 4)), dims=(1, 2))
            stacks.append(x.permute(0, 3, 1, 2).reshape(PATCH_FRAMES * 3, p, p))
        clean = torch.stack(stacks).float() / 255.0
        lo, hi = self.sigma_range
        sigma = (torch.rand(batch, 1, 1, 1, generator=self.gen, device=self.device) * (hi - lo) + lo) / 255.0
        told = sigma
        if self.mismatch > 0:
            # a share of samples carries less noise than the map says (0..1 of it): a denoiser told a
            # strength larger than the video's noise then keeps texture instead of wiping it
            less = torch.rand(batch, 1, 1, 1, generator=self.gen, device=self.device) < self.mismatch
            sigma = torch.where(less, sigma * torch.rand(batch, 1, 1, 1, generator=self.gen, device=self.device),
                                sigma)
        noise = torch.randn(clean.shape, generator=self.gen, device=self.device) * sigma
        noisy = clean + noise
        if self.quantize:
            # what a real 8-bit video holds: rounded and clipped (clipping biases dark and bright areas,
            # and the net must learn to undo that, or colours shift)
            noisy = (noisy * 255.0).round().clamp(0, 255) / 255.0
        noise_map = told.expand(batch, 1, p, p)
        centre = clean[:, 6:9]
        return noisy, centre, noise_map


# --------------------------------------------------------------------------- training


def validate(denoiser, clips: dict, sigmas, seed: int = 0) -> dict:
    """Mean per-frame PSNR (dB) of ``denoiser`` on noisy versions of held-out clips, per sigma."""
    from .clips import add_gaussian_noise
    from .metrics import psnr

    scores = {}
    for sigma in sigmas:
        values = []
        for k, (name, clean) in enumerate(sorted(clips.items())):
            noisy = add_gaussian_noise(clean, sigma, seed + k)
            denoiser.sigma = float(sigma)
            out = denoiser.denoise(noisy)
            values.append(np.mean([psnr(a, b) for a, b in zip(out, clean)]))
        scores[f"sigma{int(sigma)}"] = float(np.mean(values))
    return scores


def save_fp16_safetensors(net, path: str | Path, metadata: dict) -> None:
    """State dict in fp16 (running statistics included) with JSON metadata, written atomically."""
    from safetensors.torch import save_file

    from .video import atomic_path

    state = {k: (v.half() if v.is_floating_point() else v).contiguous().cpu() for k, v in net.state_dict().items()}
    with atomic_path(path) as tmp:
        save_file(state, str(tmp), metadata={k: json.dumps(v) for k, v in metadata.items()})


def train_fastdvdnet(config: dict, data_root: str | Path, out: str | Path, device: str = "auto", log=print,
                     command: str = "") -> dict:
    """Train following ``config`` (see ``config/fastdvdnet_train.yaml``; ``init_weights`` starts
    from existing weights, as ``config/fastdvdnet_finetune.yaml`` does); write fp16
    safetensors to ``out`` and a JSON record beside it.  Returns the record.  One function on
    purpose: the loop reads as the recipe does (data, model, optimiser, steps, validation, record),
    and its state (model, optimiser, schedule, seeds) would otherwise travel between helpers."""
    import torch

    from .denoisers import FastDVDnetDenoiser
    from .models.fastdvdnet import FastDVDnet
    from .models.runtime import apply_thread_limit, select_device
    from .clips import load_clip

    apply_thread_limit()
    dev = select_device(device)
    seed = int(config.get("seed", 0))
    torch.manual_seed(seed)
    t_start = time.monotonic()
    clips = load_clean_material(config["train"], data_root, seed=seed, log=log)
    val_frames = int(config.get("validation_frames", 16))
    held_out = {Path(c).name: load_clip(Path(data_root) / c, val_frames) for c in config.get("validation", [])}
    overlap = {Path(c).name for c in config["train"].get("clips", [])} & set(held_out)
    if overlap:
        raise RoomtourError("validation", f"clips both trained on and held out: {sorted(overlap)}")
    opt_cfg = config["optimizer"]
    noise_cfg = config.get("noise", {})
    sampler = PatchSampler(clips, opt_cfg["patch"], tuple(opt_cfg.get("sigma_range", (5, 55))), seed, dev,
                           quantize=noise_cfg.get("quantize", False), mismatch=noise_cfg.get("mismatch", 0.0))
    net = FastDVDnet()
    init = config.get("init_weights")
    if init:
        from .denoisers import resolve_weights
        from .models.loading import load_weights

        load_weights(net, resolve_weights(init))
        log(f"fine-tuning from {init}")
    net = net.to(dev).train()
    freeze_bn = bool(opt_cfg.get("freeze_batchnorm", False))
    if freeze_bn:
        # fine-tuning on small batches: keep the running statistics the net was trained with
        # (batch statistics of 16 small patches are noisy and shift the net's output at low sigma)
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.eval()
    lowpass = float(config.get("loss", {}).get("lowpass_weight", 0.0))
    optim = torch.optim.Adam(net.parameters(), lr=opt_cfg["lr"])
    steps = int(opt_cfg["iterations"])
    milestones = [int(f * steps) for f in opt_cfg.get("milestones", [0.6, 0.85])]
    sched = torch.optim.lr_scheduler.MultiStepLR(optim, milestones, gamma=0.1)
    amp = dev.type == "cuda" and opt_cfg.get("bf16", True)
    log(f"training FastDVDnet on {dev} for {steps} iterations, batch {opt_cfg['batch']}, "
        f"{len(clips)} clips, {sum(len(c) for c in clips)} frames; held out: {sorted(held_out)}")
    losses, t_train = [], time.monotonic()
    for step in range(1, steps + 1):
        noisy, target, noise_map = sampler.sample(opt_cfg["batch"])
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=amp):
            pred = net(noisy, noise_map)
        loss = ((pred.float() - target) ** 2).sum() / (2 * noisy.shape[0])
        if lowpass > 0:
            # colour and brightness of areas, not only pixels: the mean of an 8x8 block must be kept
            lp = torch.nn.functional.avg_pool2d(pred.float() - target, 8)
            loss = loss + lowpass * (lp ** 2).sum() * 64 / (2 * noisy.shape[0])
        optim.zero_grad(set_to_none=True)
        loss.backward()
        optim.step()
        sched.step()
        losses.append(float(loss.detach()) if step % 50 == 0 or step == steps else math.nan)
        if step % max(1, steps // 20) == 0 or step == steps:
            rate = step / (time.monotonic() - t_train)
            log(f"step {step}/{steps}  loss {loss.item():.3f}  lr {sched.get_last_lr()[0]:.1e}  "
                f"({rate:.1f} it/s, eta {(steps - step) / rate:.0f}s)")
    net.eval()
    record = {
        "architecture": "FastDVDnet (Tassano et al. 2020), 5 frames, noise map sigma/255",
        "command": command,
        "init_weights": init or "",
        "noise": noise_cfg,
        "loss": config.get("loss", {}),
        "iterations": steps,
        "batch": opt_cfg["batch"],
        "patch": opt_cfg["patch"],
        "lr": opt_cfg["lr"],
        "freeze_batchnorm": freeze_bn,
        "data": config["train"],
        "train_clips": len(clips),
        "train_frames": int(sum(len(c) for c in clips)),
        "held_out": sorted(held_out),
        "device": str(dev),
        "train_seconds": round(time.monotonic() - t_train, 1),
        "final_loss": float(np.nanmean(losses[-20:])),
    }
    tmp = Path(out).with_suffix(".unvalidated.safetensors")
    save_fp16_safetensors(net, tmp, {"roomtour": record})
    if held_out:
        den = FastDVDnetDenoiser(weights=str(tmp), device=str(dev))
        record["validation_psnr"] = validate(den, held_out, config.get("validation_sigmas", [10, 30, 50]), seed)
        record["validation_pipeline"] = f"FastDVDnetDenoiser defaults (anchor {den.anchor:g} px, {den.precision})"
        log(f"held-out PSNR: {record['validation_psnr']}")
    record["total_seconds"] = round(time.monotonic() - t_start, 1)
    save_fp16_safetensors(net, out, {"roomtour": record})
    tmp.unlink(missing_ok=True)
    from .video import atomic_path

    with atomic_path(Path(out).with_suffix(".json")) as tmp:
        tmp.write_text(json.dumps(record, indent=2) + "\n")
    return record
