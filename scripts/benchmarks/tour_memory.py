"""Peak memory of a one-format tour against the number of photos in its folder, with and without
``--length``: phone-sized photos (the photos in ../shared enlarged to 4032x3024 JPEGs).

    .venv/bin/python scripts/benchmarks/tour_memory.py [--counts 10,40] [--size 320x180]

Prints one JSON line per run: photos in the folder, --length, the shots rendered, the peak
resident memory of the tour's process (MB, from getrusage of the finished child) and its
wall time.  Nothing is fitted to the output.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"


def folder_of(n: int, root: Path) -> Path:
    photos = sorted((SHARED / "data" / "interior_photos").rglob("*.png"))
    folder = root / f"photos{n}"
    folder.mkdir()
    for i in range(n):
        big = cv2.resize(cv2.imread(str(photos[i % len(photos)])), (4032, 3024), interpolation=cv2.INTER_CUBIC)
        cv2.imwrite(str(folder / f"{i:03d}_room.jpg"), big, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return folder


def run(folder: Path, out: Path, length: float, size: str) -> dict:
    cmd = [str(REPO / ".venv/bin/roomtour"), "--threads", "1", "tour", str(folder), "-o", str(out), "--format", "16:9",
           "--size", size, "--seconds-per-photo", "2", "--transition", "cut", "--overwrite"]
    if length:
        cmd += ["--length", str(length)]
    # a fresh parent per run: RUSAGE_CHILDREN's peak is the largest of every child waited for
    wrapper = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
               "sys.stderr.write(p.stderr); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
               "sys.exit(p.returncode)")
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(proc.stderr)
    shots = len([ln for ln in proc.stderr.splitlines() if "motion kept" in ln])
    return {"photos": len(list(folder.iterdir())), "length": length, "shots": shots,
            "peak_mb": round(int(proc.stdout.split()[-1]) / 1024, 1), "seconds": round(time.monotonic() - start, 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--counts", default="10,40")
    ap.add_argument("--size", default="320x180")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="roomtour-mem-") as tmp:
        root = Path(tmp)
        for n in (int(c) for c in a.counts.split(",")):
            folder = folder_of(n, root)
            for length in (12.0, 0.0):
                print(json.dumps(run(folder, root / f"out{n}" / "t.mp4", length, a.size)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
