"""SRVGGNetCompact: Real-ESRGAN's compact super-resolution network.

The architecture of Real-ESRGAN's ``realesr-animevideov3`` / ``realesr-general``
models (Wang et al., Real-ESRGAN, 2021): a plain stack of 3x3 convolutions at
the input resolution, each followed by an activation, a last convolution to
``3 * scale**2`` channels, a pixel shuffle, and a nearest-neighbour upsampled
copy of the input added as a residual.

Module names follow the released checkpoints (``body.0`` conv, ``body.1``
activation, ..., ``body.{2*num_conv+2}`` the last conv), so their state dicts
load without renaming.  Input: float RGB in [0, 1], NCHW.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class SRVGGNetCompact(nn.Module):
    """Compact VGG-style SR network.

    Parameters
    ----------
    num_in_ch, num_out_ch : image channels (3 for RGB).
    num_feat : feature channels (64 for realesr-animevideov3).
    num_conv : hidden 3x3 convolutions after the first (16 for animevideov3).
    upscale : integer scale of the pixel shuffle (4 for animevideov3).
    act_type : ``"prelu"`` (per-channel), ``"relu"`` or ``"leakyrelu"``.
    """

    def __init__(self, num_in_ch=3, num_out_ch=3, num_feat=64, num_conv=16, upscale=4, act_type="prelu"):
        super().__init__()
        self.upscale = upscale
        self.num_out_ch = num_out_ch

        def act():
            if act_type == "prelu":
                return nn.PReLU(num_parameters=num_feat)
            if act_type == "relu":
                return nn.ReLU(inplace=True)
            if act_type == "leakyrelu":
                return nn.LeakyReLU(negative_slope=0.1, inplace=True)
            raise ValueError(f"unknown act_type {act_type!r}")

        layers = [nn.Conv2d(num_in_ch, num_feat, 3, 1, 1), act()]
        for _ in range(num_conv):
            layers += [nn.Conv2d(num_feat, num_feat, 3, 1, 1), act()]
        layers.append(nn.Conv2d(num_feat, num_out_ch * upscale * upscale, 3, 1, 1))
        self.body = nn.ModuleList(layers)
        self.upsampler = nn.PixelShuffle(upscale)

    @property
    def receptive_radius(self) -> int:
        """Pixels of context on each side that one output pixel depends on (input scale)."""
        return sum(1 for m in self.body if isinstance(m, nn.Conv2d))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x
        for layer in self.body:
            out = layer(out)
        out = self.upsampler(out)
        # the network learns the residual over nearest-neighbour upsampling
        return out + F.interpolate(x, scale_factor=self.upscale, mode="nearest")
