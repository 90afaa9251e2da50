"""The studio as an agent uses it, timed: a listing of 10 photos from ../shared uploaded, every
move previewed once, 16:9 and 9:16 with unbranded twins rendered at full HD, the ZIP downloaded;
page loads timed while the render runs.

    .venv/bin/python scripts/benchmarks/studio.py [--photos 10] [--size ""] [--out /tmp/studio-bench]

Prints one JSON object: seconds for uploads, previews (first and the rest), the render, the ZIP,
and the slowest page and API load during the render.  Nothing here is fitted to its output.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "workflow"))

from test_studio_server import Server, free_port  # noqa: E402

SHARED = REPO.parent / "shared"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--photos", type=int, default=10)
    ap.add_argument("--size", default="")
    ap.add_argument("--out", default="/tmp/studio-bench")
    a = ap.parse_args()
    out = Path(a.out)
    shutil.rmtree(out, ignore_errors=True)
    photos = sorted((SHARED / "data" / "interior_photos").rglob("*.png"))[: a.photos]
    server = Server(out / "data", free_port()).start()
    result = {"photos": len(photos)}
    try:
        t = time.monotonic()
        lid = server.request("POST", "/api/listings", {"address": "12 Oak Street", "price": "$450,000",
                                                       "agent": {"name": "Jane Roe", "phone": "555-0100"}})["id"]
        for p in photos:
            server.request("POST", f"/api/listings/{lid}/photos", files=[(p.name, p.read_bytes())])
        result["upload_s"] = round(time.monotonic() - t, 2)
        listing = server.get(f"/api/listings/{lid}")
        times = []
        for p in listing["photos"][:4]:
            t = time.monotonic()
            server.request("POST", f"/api/listings/{lid}/photos/{p['id']}/preview")
            times.append(round(time.monotonic() - t, 2))
        result["preview_s"] = times
        server.request("PUT", f"/api/listings/{lid}/options", {"formats": ["16:9", "9:16"], "unbranded": True,
                                                               "size": a.size})
        t = time.monotonic()
        job = server.request("POST", f"/api/listings/{lid}/renders")
        loads, stop = [], threading.Event()

        def probe():
            while not stop.is_set():
                for path in (f"/listings/{lid}", f"/api/listings/{lid}", "/"):
                    s = time.monotonic()
                    server.get(path)
                    loads.append(time.monotonic() - s)
                time.sleep(1.0)

        prober = threading.Thread(target=probe, daemon=True)
        prober.start()
        done = server.wait(job["id"], timeout=1800)
        stop.set()
        result["render_s"] = round(time.monotonic() - t, 1)
        result["state"] = done["state"]
        t = time.monotonic()
        (out / "all.zip").write_bytes(server.get(done["zip"]))
        result["zip_s"] = round(time.monotonic() - t, 2)
        result["zip_mb"] = round((out / "all.zip").stat().st_size / 2**20, 1)
        result["page_loads_during_render"] = len(loads)
        result["slowest_page_load_s"] = round(max(loads), 3) if loads else None
    finally:
        server.stop()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
