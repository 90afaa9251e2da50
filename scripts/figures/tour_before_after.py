"""The README's before/after picture of the 470 kitchen shot: ``workflow/report/images/kitchen_before_after.png``.

    .venv/bin/python scripts/figures/tour_before_after.py

Renders the one-photo 16:9 tour of ``nyu_depth_v2_densedepth_examples/470_image.png`` (truck left, 4 s at
30 fps, 1920x1080) twice: *before*, the box-room depth as it was (no line-keeping depth, no bend budget), and
*after*, the current defaults.  Frames 0, 60 and 119 of each, side by side, with the photo's long segments of
frame 0 drawn where the video carries them (the same tracking as ``../shared/tools/bend.py``): a segment that
stays straight is green, one that strays more than 2 px from a line is red.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from roomtour.tour import PhotoGeometry, Shot, ShotRenderer, TourOptions
from roomtour.images import read_image

REPO = Path(__file__).resolve().parents[2]
PHOTO = REPO.parent / "shared/data/interior_photos/nyu_depth_v2_densedepth_examples/470_image.png"
PICKS = (0, 60, 119)


def render(options: TourOptions) -> list[np.ndarray]:
    shot = Shot(PHOTO, move="truck_left")
    geometry = PhotoGeometry.solve(read_image(PHOTO), shot, options)
    return list(ShotRenderer(geometry, shot, options, 120, options.size_px))


def tracked(frames: list[np.ndarray], width: int = 960):
    """Frame 0's long LSD segments carried to every pick by DIS flow from frame 0 (as bend.py does)."""
    scale = width / frames[0].shape[1]
    grey = [cv2.cvtColor(cv2.resize(f, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
            for f in frames]
    lines = cv2.createLineSegmentDetector(cv2.LSD_REFINE_STD).detect(grey[0])[0].reshape(-1, 4)
    lines = lines[np.hypot(lines[:, 2] - lines[:, 0], lines[:, 3] - lines[:, 1]) >= 60]
    t = np.linspace(0.05, 0.95, 24)[:, None]
    segs = [np.hstack([x0 + t * (x1 - x0), y0 + t * (y1 - y0)]).astype(np.float32) for x0, y0, x1, y1 in lines]
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    flow, out = None, {0: [(s, 0.0) for s in segs]}
    for i in range(1, len(grey)):
        flow = dis.calc(grey[0], grey[i], None if flow is None else flow.copy())
        if i in PICKS:
            moved = []
            for s in segs:
                f = cv2.remap(flow, s[:, 0:1], s[:, 1:2], cv2.INTER_LINEAR).reshape(-1, 2)
                q = s + f
                c = q.mean(0)
                normal = np.linalg.svd(q - c)[2][1]
                moved.append((q, float(np.abs((q - c) @ normal).max() / scale)))
            out[i] = moved
    return out, scale


def panel(frames, label):
    segs, scale = tracked(frames)
    tiles = []
    for i in PICKS:
        tile = cv2.resize(frames[i], (640, 360), interpolation=cv2.INTER_AREA)
        k = 640 / (frames[i].shape[1] * scale)
        for q, bend in segs[i]:
            colour = (220, 40, 40) if bend > 2.0 else (40, 200, 60)
            cv2.polylines(tile, [(q * k).astype(np.int32)], False, colour, 2)
        cv2.putText(tile, f"{label}, frame {i}", (10, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255, 255, 255), 2)
        tiles.append(tile)
    return np.concatenate(tiles, 1)


def main():
    before = TourOptions(depth={"source": "layout", "straight_lines": False}, max_bend=1e9)
    after = TourOptions()
    sheet = np.concatenate([panel(render(before), "before"), panel(render(after), "after")], 0)
    out = REPO / "workflow/report/images/kitchen_before_after.png"
    cv2.imwrite(str(out), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    print(out)


if __name__ == "__main__":
    main()
