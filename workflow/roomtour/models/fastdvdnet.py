"""FastDVDnet: a two-stage video denoiser without optical flow.

Tassano, Delon, Veit, "FastDVDnet: Towards Real-Time Deep Video Denoising
Without Flow Estimation", CVPR 2020.  Five consecutive frames and a noise map
go in; the centre frame comes out denoised.  Stage one (``temp1``, one
:class:`DenBlock`) denoises the three overlapping triplets (0,1,2), (1,2,3),
(2,3,4); stage two (``temp2``, another :class:`DenBlock`) fuses the three
results.  Each DenBlock is a small U-Net (32/64/128 channels, strided-conv
downsampling, pixel-shuffle upsampling, batch norm) that predicts the noise
and subtracts it from its middle input.

Module names and tensor shapes follow the authors' released code, so their
checkpoint (a ``DataParallel`` state dict with keys such as
``module.temp1.inc.convblock.0.weight``) loads through
:func:`roomtour.models.loading.load_weights` without renaming.

Conventions: frames are float RGB in [0, 1], NCHW; the five frames are
stacked on the channel axis as ``[N, 15, H, W]``; the noise map is
``[N, 1, H, W]`` filled with sigma / 255; H and W must be multiples of 4
(the inference pipeline pads).
"""

from __future__ import annotations

import torch
from torch import nn

NUM_FRAMES = 5
CHANNELS = 3


class CvBlock(nn.Module):
    """(Conv 3x3 -> BN -> ReLU) x 2."""

    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        self.convblock = nn.Sequential(
            nn.Conv2d(in_ch, out_ch, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_ch),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_ch, out_ch, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_ch),
            nn.ReLU(inplace=True),
        )

    def forward(self, x):
        return self.convblock(x)


class InputCvBlock(nn.Module):
    """Per-frame grouped conv over (frame, noise map) pairs, then a conv mixing the frames."""

    interm_ch = 30

    def __init__(self, num_in_frames: int, out_ch: int):
        super().__init__()
        mid = num_in_frames * self.interm_ch
        self.convblock = nn.Sequential(
            nn.Conv2d(num_in_frames * (CHANNELS + 1), mid, 3, padding=1, groups=num_in_frames, bias=False),
            nn.BatchNorm2d(mid),
            nn.ReLU(inplace=True),
            nn.Conv2d(mid, out_ch, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_ch),
            nn.ReLU(inplace=True),
        )

    def forward(self, x):
        return self.convblock(x)


class DownBlock(nn.Module):
    """Stride-2 conv -> BN -> ReLU, then a :class:`CvBlock`."""

    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        self.convblock = nn.Sequential(
            nn.Conv2d(in_ch, out_ch, 3, padding=1, stride=2, bias=False),
            nn.BatchNorm2d(out_ch),
            nn.ReLU(inplace=True),
            CvBlock(out_ch, out_ch),
        )

    def forward(self, x):
        return self.convblock(x)


class UpBlock(nn.Module):
    """A :class:`CvBlock`, then a conv to 4x channels and a x2 pixel shuffle."""

    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        self.convblock = nn.Sequential(
            CvBlock(in_ch, in_ch),
            nn.Conv2d(in_ch, out_ch * 4, 3, padding=1, bias=False),
            nn.PixelShuffle(2),
        )

    def forward(self, x):
        return self.convblock(x)


class OutputCvBlock(nn.Module):
    """Conv -> BN -> ReLU -> conv to the output channels (no activation: a residual)."""

    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        self.convblock = nn.Sequential(
            nn.Conv2d(in_ch, in_ch, 3, padding=1, bias=False),
            nn.BatchNorm2d(in_ch),
            nn.ReLU(inplace=True),
            nn.Conv2d(in_ch, out_ch, 3, padding=1, bias=False),
        )

    def forward(self, x):
        return self.convblock(x)


class DenBlock(nn.Module):
    """One denoising U-Net over three frames; returns the middle frame minus the predicted noise."""

    def __init__(self, num_input_frames: int = 3):
        super().__init__()
        self.inc = InputCvBlock(num_input_frames, 32)
        self.downc0 = DownBlock(32, 64)
        self.downc1 = DownBlock(64, 128)
        self.upc2 = UpBlock(128, 64)
        self.upc1 = UpBlock(64, 32)
        self.outc = OutputCvBlock(32, CHANNELS)

    def forward(self, in0, in1, in2, noise_map):
        # each frame travels with its own copy of the noise map (the grouped input conv sees pairs)
        x0 = self.inc(torch.cat((in0, noise_map, in1, noise_map, in2, noise_map), dim=1))
        x1 = self.downc0(x0)
        x2 = self.downc1(x1)
        x2 = self.upc2(x2)
        x1 = self.upc1(x1 + x2)
        x = self.outc(x0 + x1)
        return in1 - x


class FastDVDnet(nn.Module):
    """The full two-stage network: ``forward(x [N,15,H,W], noise_map [N,1,H,W]) -> [N,3,H,W]``."""

    def __init__(self, num_input_frames: int = NUM_FRAMES):
        super().__init__()
        if num_input_frames != NUM_FRAMES:
            raise ValueError("FastDVDnet is defined for 5 input frames")
        self.num_input_frames = num_input_frames
        self.temp1 = DenBlock(num_input_frames=3)
        self.temp2 = DenBlock(num_input_frames=3)

    def first_stage(self, frames: tuple, noise_map: torch.Tensor) -> torch.Tensor:
        """``temp1`` on three consecutive frames (reusable across neighbouring outputs)."""
        return self.temp1(frames[0], frames[1], frames[2], noise_map)

    def forward(self, x: torch.Tensor, noise_map: torch.Tensor) -> torch.Tensor:
        f = tuple(x[:, CHANNELS * m : CHANNELS * (m + 1)] for m in range(self.num_input_frames))
        x20 = self.temp1(f[0], f[1], f[2], noise_map)
        x21 = self.temp1(f[1], f[2], f[3], noise_map)
        x22 = self.temp1(f[2], f[3], f[4], noise_map)
        return self.temp2(x20, x21, x22, noise_map)


def fold_batchnorm(model: nn.Module) -> nn.Module:
    """Fold every eval-mode BatchNorm into the convolution before it (in place).

    Inference-only speed-up: the folded network computes the same function as
    ``model.eval()`` (up to float rounding) with one op fewer per layer.
    Do not train a folded network.
    """
    for module in model.modules():
        if not isinstance(module, nn.Sequential):
            continue
        layers = list(module)
        for i in range(len(layers) - 1):
            conv, bn = layers[i], layers[i + 1]
            if not (isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d)):
                continue
            scale = bn.weight.detach() / torch.sqrt(bn.running_var + bn.eps)
            bias = conv.bias.detach() if conv.bias is not None else torch.zeros_like(bn.running_mean)
            fused = nn.Conv2d(
                conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding,
                groups=conv.groups, bias=True,
            )
            fused.weight.data = conv.weight.detach() * scale.reshape(-1, 1, 1, 1)
            fused.bias.data = (bias - bn.running_mean) * scale + bn.bias.detach()
            module[i], module[i + 1] = fused, nn.Identity()
    return model
