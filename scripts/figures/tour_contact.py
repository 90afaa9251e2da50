"""The README's picture of a real tour: ``workflow/report/images/tour_contact.png``.

    .venv/bin/python scripts/figures/tour_contact.py

Makes a 16:9 and a 9:16 tour (3 s per photo, captions, a title card) from six
listing photos in ../shared (the three study photos, the ViewCrafter living
room and two NYU rooms) with ``roomtour tour``, then lays out frames of each
shot (start, middle, end of the 16:9 tour; the middle of each 9:16 shot) in
one small PNG.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
PHOTOS = ["cami2v_postprocessing_re10k/couch.png", "cami2v_postprocessing_re10k/bed.png",
          "cami2v_postprocessing_re10k/bathroom.png", "viewcrafter/room.png",
          "nyu_depth_v2_densedepth_examples/119_image.png", "nyu_depth_v2_densedepth_examples/377_image.png"]
NAMES = ["01_living-room", "02_bedroom", "03_bathroom", "04_family-room", "05_guest-bedroom", "06_kitchen"]


def main():
    import cv2

    from roomtour.video import read_video

    root = REPO.parent / "shared" / "data" / "interior_photos"
    seconds, fps = 3.0, 30
    with tempfile.TemporaryDirectory(prefix="roomtour-contact-") as tmp:
        folder = Path(tmp) / "listing"
        folder.mkdir()
        for rel, name in zip(PHOTOS, NAMES):
            (folder / f"{name}.png").symlink_to(root / rel)
        videos = {}
        for fmt in ("16:9", "9:16"):
            out = Path(tmp) / f"{fmt.replace(':', 'x')}.mp4"
            subprocess.run([sys.executable, "-m", "roomtour", "tour", str(folder), "-o", str(out), "--format", fmt,
                            "--seconds-per-photo", str(seconds), "--captions", "--title", "12 Oak Street"],
                           check=True, env={"PYTHONPATH": str(REPO / "workflow"), "PATH": "/usr/bin:/bin"})
            videos[fmt] = read_video(out)
    card = int(2.5 * fps)
    shot, fade = int(seconds * fps), int(0.5 * fps)
    starts = [card - fade + i * (shot - fade) for i in range(len(PHOTOS))]
    land = videos["16:9"]
    rows = []
    for s in starts:
        picks = [s + fade + 2, s + shot // 2, s + shot - fade - 2]
        rows.append(np.concatenate([cv2.resize(land[p], (320, 180), interpolation=cv2.INTER_AREA) for p in picks], 1))
    left = np.concatenate(rows, 0)
    portrait = videos["9:16"]
    tall = [cv2.resize(portrait[s + shot // 2], (101, 180), interpolation=cv2.INTER_AREA) for s in starts]
    right = np.concatenate([np.concatenate(tall[:3], 1), np.concatenate(tall[3:], 1)], 0)
    right = np.pad(right, ((0, left.shape[0] - right.shape[0]), (0, 0), (0, 0)), constant_values=255)
    sheet = np.concatenate([left, np.full((left.shape[0], 8, 3), 255, np.uint8), right], 1)
    out = REPO / "workflow" / "report" / "images" / "tour_contact.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(out), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(out, sheet.shape)


if __name__ == "__main__":
    main()
