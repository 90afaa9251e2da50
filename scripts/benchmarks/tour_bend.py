"""One-photo tours of every photo in ../shared, measured with ../shared/tools/bend.py.

    .venv/bin/python scripts/benchmarks/tour_bend.py [--formats 16:9,9:16] [--size 960x540] [--jobs 2] [--out results/tour_bend]

For each photo and format: ``roomtour tour`` on a folder holding that photo alone (``--transition cut``, the
default 4 s at 30 fps), then ``bend.py`` on the MP4.  Prints one JSON line per shot (bend p95 and max in pixels at
1080p scale, residual parallax p90 in pixels at 1080p scale, the move, the motion kept) and writes them to
``OUT/tour_bend.csv``.  ``--size`` renders smaller previews for quick checks; figures are then scaled to 1080p
(bend and parallax are lengths in pixels, proportional to the frame size).  This is the check behind the README's
geometry section and the bend rows in BENCHMARKS.md; nothing in the code is fitted to its output.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"


def one(photo: Path, fmt: str, size: str | None, out_dir: Path) -> dict:
    slug = f"{photo.stem}_{fmt.replace(':', 'x')}"
    video = out_dir / f"{slug}.mp4"
    with tempfile.TemporaryDirectory(prefix="roomtour-bend-") as tmp:
        folder = Path(tmp) / "one"
        folder.mkdir()
        (folder / photo.name).symlink_to(photo.resolve())
        cmd = [str(REPO / ".venv/bin/roomtour"), "--threads", "1", "tour", str(folder), "-o", str(video),
               "--format", fmt, "--transition", "cut"]
        if size:
            w, h = (int(v) for v in size.split("x"))
            if fmt == "9:16":
                w, h = h, w
            elif fmt == "1:1":
                w = h
            cmd += ["--size", f"{w}x{h}"]
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode:
            return {"photo": photo.name, "format": fmt, "error": run.stderr.strip().splitlines()[-1]}
        log = run.stderr
    meas = subprocess.run([str(REPO / ".venv/bin/python"), str(SHARED / "tools/bend.py"), str(video)],
                          capture_output=True, text=True)
    if meas.returncode:
        return {"photo": photo.name, "format": fmt, "error": meas.stderr.strip()[-200:]}
    res = json.loads(meas.stdout.strip().splitlines()[-1])
    full = 1080 if fmt != "9:16" else 1080  # the short side is 1080 in every format
    import cv2

    cap = cv2.VideoCapture(str(video))
    short = min(cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    cap.release()
    k = full / short
    shot = re.search(r": (\w+) \(.*motion kept ([0-9.]+)", log)
    bend_line = re.search(r"bend ([0-9.]+) px", log)
    travel = re.search(r"travel x([0-9.]+)", log)
    return {"photo": photo.name, "format": fmt, "bend_p95_px": round(res["bend_p95_px"] * k, 2),
            "bend_max_px": round(res["bend_max_px"] * k, 2), "parallax_p90_px": round(res["parallax_p90_px"] * k, 2),
            "move": shot.group(1) if shot else "", "motion_kept": float(shot.group(2)) if shot else float("nan"),
            "travel": float(travel.group(1)) if travel else 1.0,
            "predicted_bend_px": float(bend_line.group(1)) if bend_line else float("nan")}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--formats", default="16:9,9:16")
    ap.add_argument("--size", default=None, help="preview size WxH for 16:9 (9:16 swaps it)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--photos", default=str(SHARED / "data/interior_photos"))
    ap.add_argument("--only", default="", help="comma-separated photo stems")
    ap.add_argument("--out", default=str(REPO / "results/tour_bend"))
    a = ap.parse_args()
    photos = sorted(Path(a.photos).rglob("*.png")) + sorted(Path(a.photos).rglob("*.jpg"))
    if a.only:
        keep = set(a.only.split(","))
        photos = [p for p in photos if p.stem in keep]
    out_dir = Path(a.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = [(p, f) for f in a.formats.split(",") for p in photos]
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    rows = []
    with ThreadPoolExecutor(a.jobs) as pool:
        for row in pool.map(lambda j: one(j[0], j[1], a.size, out_dir), jobs):
            print(json.dumps(row), flush=True)
            rows.append(row)
    keys = sorted({k for r in rows for k in r}, key=lambda k: (k not in ("photo", "format"), k))
    with open(out_dir / "tour_bend.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, keys)
        writer.writeheader()
        writer.writerows(rows)
    ok = [r for r in rows if "error" not in r]
    if ok:
        over = [r for r in ok if r["bend_p95_px"] > 1.5]
        moving = [r for r in ok if r["parallax_p90_px"] >= 15]
        print(json.dumps({"shots": len(ok), "bend_over_1.5px": len(over),
                          "worst_bend_p95_px": max(r["bend_p95_px"] for r in ok),
                          "parallax_ge_15px": len(moving), "errors": len(rows) - len(ok)}))
    return 0 if len(ok) == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
