"""TCSmallNet: TCMonoDepth's small monocular depth network (architecture only).

Li et al., "Enforcing Temporal Consistency in Video Depth Estimation" (ICCV
Workshops 2021), the "small" model: a ShuffleNetV2-0.5x encoder (Ma et al.
2018: each unit splits its channels in two, transforms one half with a 1x1 /
depthwise 3x3 / 1x1 branch and concatenates it back; a down-sampling unit
transforms both halves) and a light decoder that upsamples the deepest
features through three skip connections, each fused by a depthwise-separable
convolution.

Input: RGB as float **0..255** (the network scales by 1/255 itself), NCHW,
both sides multiples of 32.  Output: ``(N, 1, H, W)`` relative *inverse*
depth (larger is nearer), up to an unknown scale and shift, ReLU'd.

Module names follow the released checkpoint (``encoder.first_conv``,
``encoder.features.{i}.branch_main``, ``decoder.decoder3.skip_conv`` ...).
The checkpoint also stores every encoder unit a second time under
``encoder.stage{1,2,3}`` (views of ``features`` in the authors' code);
:func:`roomtour.models.loading.load_tcmonodepth` folds those aliases away.
The decoder's ``final2``/``final3`` heads are the authors' training-time
side outputs: kept so the checkpoint loads strictly, never run here.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

# channels after the stem and after each of the three encoder stages (ShuffleNetV2 0.5x)
STEM_CHANNELS = 24
STAGE_CHANNELS = (48, 96, 192)
STAGE_UNITS = (4, 8, 4)


def _bn_relu(channels: int) -> list[nn.Module]:
    return [nn.BatchNorm2d(channels), nn.ReLU(inplace=True)]


class ShuffleUnit(nn.Module):
    """One ShuffleNetV2 unit; ``downsample`` units (stride 2) transform both halves."""

    def __init__(self, in_ch: int, out_ch: int, downsample: bool):
        super().__init__()
        self.downsample = downsample
        stride = 2 if downsample else 1
        branch_in = in_ch if downsample else in_ch // 2
        mid = out_ch // 2
        self.branch_main = nn.Sequential(
            nn.Conv2d(branch_in, mid, 1, bias=False), *_bn_relu(mid),
            nn.Conv2d(mid, mid, 3, stride, 1, groups=mid, bias=False), nn.BatchNorm2d(mid),
            nn.Conv2d(mid, out_ch - branch_in, 1, bias=False), *_bn_relu(out_ch - branch_in),
        )
        self.branch_proj = nn.Sequential(
            nn.Conv2d(in_ch, in_ch, 3, stride, 1, groups=in_ch, bias=False), nn.BatchNorm2d(in_ch),
            nn.Conv2d(in_ch, in_ch, 1, bias=False), *_bn_relu(in_ch),
        ) if downsample else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.downsample:
            return torch.cat((self.branch_proj(x), self.branch_main(x)), 1)
        # channel shuffle of the previous unit's output: even channels pass, odd ones are transformed
        return torch.cat((x[:, 0::2], self.branch_main(x[:, 1::2])), 1)


class ShuffleEncoder(nn.Module):
    """Stem (3x3 stride-2 conv) and three stages; returns the stem's and each stage's features."""

    def __init__(self, in_ch: int = 3):
        super().__init__()
        self.first_conv = nn.Sequential(nn.Conv2d(in_ch, STEM_CHANNELS, 3, 2, 1, bias=False), *_bn_relu(STEM_CHANNELS))
        # the authors' stem max-pool is never called in their forward pass; it has no weights either
        units, ch = [], STEM_CHANNELS
        for out_ch, count in zip(STAGE_CHANNELS, STAGE_UNITS):
            for i in range(count):
                units.append(ShuffleUnit(ch, out_ch, downsample=i == 0))
                ch = out_ch
        self.features = nn.Sequential(*units)
        ends = torch.tensor(STAGE_UNITS).cumsum(0).tolist()
        self._stages = list(zip([0] + ends[:-1], ends))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        out = [self.first_conv(x)]
        for start, end in self._stages:
            h = out[-1]
            for unit in self.features[start:end]:
                h = unit(h)
            out.append(h)
        return out  # strides 2, 4, 8, 16


class SeparableConv(nn.Module):
    """Depthwise 3x3 + batch norm + ReLU, then a pointwise 1x1 (no bias)."""

    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(in_ch, in_ch, 3, padding=1, groups=in_ch, bias=False), *_bn_relu(in_ch),
                                  nn.Conv2d(in_ch, out_ch, 1, bias=False))

    def forward(self, x):
        return self.conv(x)


class DecoderBlock(nn.Module):
    """Upsample the coarse features to the skip's size and fuse them with a reduced skip."""

    def __init__(self, skip_ch: int, coarse_ch: int, out_ch: int):
        super().__init__()
        reduced = coarse_ch // 4
        self.skip_conv = nn.Sequential(nn.Conv2d(skip_ch, reduced, 1, bias=False), *_bn_relu(reduced))
        self.last_conv = nn.Sequential(SeparableConv(coarse_ch + reduced, out_ch), *_bn_relu(out_ch))

    def forward(self, skip: torch.Tensor, coarse: torch.Tensor) -> torch.Tensor:
        skip = self.skip_conv(skip)
        coarse = F.interpolate(coarse, size=skip.shape[2:], mode="bilinear", align_corners=False)
        return self.last_conv(torch.cat((coarse, skip), 1))


class DepthDecoder(nn.Module):
    """Three decoder blocks up to stride 2, a 3x3 head, ReLU, bilinear x2 to the input size."""

    def __init__(self):
        super().__init__()
        c0, (c1, c2, c3) = STEM_CHANNELS, STAGE_CHANNELS
        self.decoder3 = DecoderBlock(c2, c3, c2)
        self.decoder2 = DecoderBlock(c1, c2, c1)
        self.decoder1 = DecoderBlock(c0, c1, c0)
        self.final = nn.Conv2d(c0, 1, 3, padding=1)
        # training-time side outputs of the authors' model (see the module docstring)
        self.final2 = nn.Sequential(nn.Conv2d(c1, 1, 3, padding=1), nn.ReLU(inplace=True))
        self.final3 = nn.Sequential(nn.Conv2d(c2, 1, 3, padding=1), nn.ReLU(inplace=True))

    def forward(self, features: list[torch.Tensor]) -> torch.Tensor:
        s2, s4, s8, s16 = features
        d = self.decoder1(s2, self.decoder2(s4, self.decoder3(s8, s16)))
        return F.interpolate(F.relu(self.final(d)), scale_factor=2, mode="bilinear", align_corners=False)


class TCSmallNet(nn.Module):
    """TCMonoDepth "small": RGB 0..255 ``(N, 3, H, W)`` -> relative inverse depth ``(N, 1, H, W)``."""

    MULTIPLE = 32  # both input sides must be multiples of this

    def __init__(self):
        super().__init__()
        self.encoder = ShuffleEncoder()
        self.decoder = DepthDecoder()

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(image / 255.0))
