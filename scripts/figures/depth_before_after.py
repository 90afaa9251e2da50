"""The README's before/after picture of a living room: ``workflow/report/images/living_before_after.png``.

    .venv/bin/python scripts/figures/depth_before_after.py [--photo PATH] [--move truck_right]

Renders one photo's 16:9 shot (4 s at 30 fps, 1920x1080) with the box room's depth (*before*, ``layout``) and
with learned depth (*after*, the default), and lays out per row: the depth (inverse depth, near is bright),
then frames 0 and 119, and the lower left of frame 119 enlarged.  Default photo: the study's couch (living room) from ../shared.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from roomtour.images import read_image
from roomtour.tour import PhotoGeometry, Shot, ShotRenderer, TourOptions

REPO = Path(__file__).resolve().parents[2]
PHOTO = REPO.parent / "shared/data/interior_photos/cami2v_postprocessing_re10k/couch.png"
PICKS = (0, 119)
TILE = (400, 225)


def row(photo_path: Path, depth: str, move: str) -> np.ndarray:
    options = TourOptions(depth=depth)
    shot = Shot(photo_path, move=move)
    geometry = PhotoGeometry.solve(read_image(photo_path), shot, options)
    renderer = ShotRenderer(geometry, shot, options, 120, options.size_px)
    frames = [f for i, f in enumerate(renderer) if i in PICKS]
    inverse = 1.0 / geometry.depth
    shade = ((inverse - inverse.min()) / (np.ptp(inverse) + 1e-9) * 255).astype(np.uint8)
    tiles = [cv2.applyColorMap(cv2.resize(shade, TILE, interpolation=cv2.INTER_AREA), cv2.COLORMAP_INFERNO)[..., ::-1]]
    tiles = [np.ascontiguousarray(t) for t in tiles]
    tiles += [cv2.resize(f, TILE, interpolation=cv2.INTER_AREA) for f in frames]
    label = (f"{'before' if depth == 'layout' else 'after'}: {depth}, {renderer.move}, motion "
             f"{renderer.framing.damping:.2f}" + (f" of x{renderer.reach:g}" if renderer.reach != 1 else ""))
    # the last frame's middle third, enlarged: where the sofa and the ottoman meet the wall and floor
    last = frames[-1]
    h, w = last.shape[:2]
    crop = last[int(0.45 * h):int(0.95 * h), int(0.05 * w):int(0.5 * w)]
    tiles.append(cv2.resize(crop, TILE, interpolation=cv2.INTER_AREA))
    names = [label] + [f"frame {i}" for i in PICKS] + [f"frame {PICKS[-1]}, enlarged"]
    for tile, text in zip(tiles, names):
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.5, 1)
        cv2.rectangle(tile, (0, 0), (tw + 12, th + 12), (0, 0, 0), -1)
        cv2.putText(tile, text, (6, th + 5), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    return np.concatenate(tiles, 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photo", default=str(PHOTO))
    ap.add_argument("--move", default="truck_right", help="the same move for both rows (default: %(default)s)")
    ap.add_argument("--out", default=str(REPO / "workflow/report/images/living_before_after.png"))
    a = ap.parse_args()
    sheet = np.concatenate([row(Path(a.photo), "layout", a.move), row(Path(a.photo), "learned", a.move)], 0)
    cv2.imwrite(a.out, cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    print(a.out)


if __name__ == "__main__":
    main()
