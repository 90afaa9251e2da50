"""Tiled inference: run a convolutional network on large frames in bounded memory.

Each tile is read with ``pad`` pixels of context and cropped back, so when the
padding covers the network's receptive radius the tiled result equals the
untiled one.  Networks with strided convolutions (FastDVDnet's U-Nets) also
need tile origins on their downsampling grid: keep ``tile`` and ``pad``
multiples of that stride and the frame size padded to it.
"""

from __future__ import annotations


def tiled_forward(fn, x, scale: int, tile: int, pad: int):
    """Apply an SR network ``fn`` to ``x`` (1, C, H, W) in tiles of ``tile`` input
    pixels, each read with ``pad`` pixels of context and cropped back.

    When ``pad`` covers the network's receptive radius, the result equals
    ``fn(x)`` (up to float rounding): every output pixel sees the same inputs.
    """
    import torch

    _, _, h, w = x.shape
    if tile <= 0 or (h <= tile and w <= tile):
        return fn(x)
    out = None
    for y0 in range(0, h, tile):
        for x0 in range(0, w, tile):
            y1, x1 = min(y0 + tile, h), min(x0 + tile, w)
            py0, px0, py1, px1 = max(y0 - pad, 0), max(x0 - pad, 0), min(y1 + pad, h), min(x1 + pad, w)
            part = fn(x[:, :, py0:py1, px0:px1])
            if out is None:
                out = torch.zeros(1, part.shape[1], h * scale, w * scale, dtype=part.dtype, device=part.device)
            oy, ox = (y0 - py0) * scale, (x0 - px0) * scale
            out[:, :, y0 * scale : y1 * scale, x0 * scale : x1 * scale] = part[
                :, :, oy : oy + (y1 - y0) * scale, ox : ox + (x1 - x0) * scale
            ]
    return out
