"""roomtour benchmarks: `make bench` (or `python scripts/benchmarks/bench.py`).

Times, on this machine:
  1. the default workflow end to end (`snakemake --cores 2`, fresh working
     directory), with the per-rule compute time read from the job logs;
  2. per-frame throughput of each post-processing method and of the metrics.

Writes BENCHMARKS.md (the command and the machine are recorded in it).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]


def time_workflow(cores: int) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory(prefix="roomtour-bench-") as work:
        cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", work,
               "--configfile", str(REPO / "config" / "config.yaml"), "--cores", str(cores), "-q"]
        start = time.monotonic()
        subprocess.run(cmd, check=True, capture_output=True)
        wall = time.monotonic() - start
        per_rule = defaultdict(lambda: [0, 0.0])
        for log in Path(work, "results", "logs").rglob("*.log"):
            rule = log.relative_to(Path(work, "results", "logs")).parts[0].removesuffix(".log")
            m = re.search(r"done in ([\d.]+)s", log.read_text())
            if m:
                per_rule[rule][0] += 1
                per_rule[rule][1] += float(m.group(1))
        return wall, dict(per_rule)


def frames_per_second(fn, frames, repeat=1) -> float:
    fn(frames)  # warm-up (imports, allocations)
    start = time.monotonic()
    for _ in range(repeat):
        fn(frames)
    return repeat * len(frames) / (time.monotonic() - start)


def method_speeds() -> list[tuple[str, str, float]]:
    import cv2

    from roomtour.camera import preset_path
    from roomtour.denoisers import DENOISERS
    from roomtour.metrics import video_metrics
    from roomtour.scenes import SCENES, render_path
    from roomtour.upscalers import UPSCALERS

    cv2.setNumThreads(2)
    rows = []
    cam = preset_path("pan_left", 8, 60, 1.5, distance=0.3)
    clip = render_path(SCENES["living"], cam, 384, 256)
    weights = REPO.parent / "shared" / "weights"
    for name in UPSCALERS.names():
        options = {"weights_dir": str(weights)} if UPSCALERS.accepts(name, "weights_dir") else {}
        try:
            up = UPSCALERS.create(name, options)
            up.upscale(clip[:1, :16, :16], 4)  # loads the weights
        except Exception as exc:  # noqa: BLE001 - a missing weight file skips that row
            print(f"skipping {name}: {exc}", file=sys.stderr)
            continue
        rows.append((f"upscale {name} x4", "384x256 -> 1536x1024", frames_per_second(lambda f: up.upscale(f, 4), clip[:4])))
        if name in ("fsrcnn", "realesr-animevideov3"):
            opts = {**options, "temporal_weight": 0.5}
            st = UPSCALERS.create(name, opts)
            rows.append((f"upscale {name} x4 + temporal", "384x256 -> 1536x1024",
                         frames_per_second(lambda f: st.upscale(f, 4), clip[:4])))
    denoise_options = {"nlmeans": {"window": 5, "template": 5, "search": 11}, "fastdvdnet": {"sigma": 20},
                       "fft3d": {"sigma": 30}, "bm3d": {"sigma": 20}, "hqdn3d": {}}
    for name in DENOISERS.names():
        den = DENOISERS.create(name, denoise_options.get(name, {}))
        rows.append((f"denoise {name} {denoise_options.get(name, '')}", "384x256", frames_per_second(den.denoise, clip)))
    fdv = DENOISERS.create("fastdvdnet", {"sigma": 20})
    for w, h in ((960, 540), (1280, 720)):
        big = np.stack([cv2.resize(f, (w, h), interpolation=cv2.INTER_CUBIC) for f in clip[:4]])
        rows.append(("denoise fastdvdnet {'sigma': 20}", f"{w}x{h}", frames_per_second(fdv.denoise, big)))
    rows += generator_speeds()
    rows.append(("metrics (all, with reference)", "384x256",
                 frames_per_second(lambda f: video_metrics(f, f, (384, 256)), clip)))
    rows.append(("render procedural reference (aa 2)", "384x256",
                 len(cam) / _timed(lambda: render_path(SCENES["living"], cam, 384, 256))))
    return rows


def generator_speeds() -> list[tuple[str, str, float]]:
    """Whole 16-frame 384x256 videos per generator, on ONE thread (frames/s of the video)."""
    import cv2

    from roomtour.camera import intrinsics_matrix, preset_path
    from roomtour.depth import layout_depth
    from roomtour.generators import GENERATORS
    from roomtour.scenes import SCENES, render_frame

    cv2.setNumThreads(1)
    rows = []
    cam = preset_path("orbit_up", 16, 60, 1.5)
    photo, depth = render_frame(SCENES["living"], cam.w2c[0], cam.intrinsics[0], 384, 256, depth=True)
    k0 = intrinsics_matrix(cam.intrinsics[0], 384, 256)
    for label, name, opts, d, framing in [
        ("generate parallax (exact depth), 1 thread", "parallax", {}, depth, "exact"),
        ("generate parallax (layout depth and fill included), exact framing, 1 thread", "parallax",
         {"depth": {"source": "layout"}}, None, "exact"),
        ("generate parallax (layout depth and fill included), fit framing, 1 thread", "parallax",
         {"depth": {"source": "layout"}}, None, "fit"),
        ("generate parallax (popup depth and fill included), exact framing, 1 thread", "parallax",
         {"depth": {"source": "popup"}}, None, "exact"),
        ("generate homography, 1 thread", "homography", {"plane_depth": 4.5}, None, "exact"),
    ]:
        gen = GENERATORS.create(name, opts)
        secs = min(_timed(lambda: gen.generate(photo, cam, 384, 256, depth=d, framing=framing)) for _ in range(3))
        rows.append((f"{label}: {secs:.2f} s per 16-frame video", "384x256", 16 / secs))
    rows.append(("layout depth estimate, 1 thread", "384x256", 1 / _timed(lambda: layout_depth(photo, k0))))
    cv2.setNumThreads(2)
    return rows


def tour_speeds() -> list[dict]:
    """``roomtour tour`` on 10 and 20 listing photos (4 s each, 30 fps, crossfades), 16:9 and
    9:16 at full size: wall time, frames rendered per second, peak resident memory."""
    import subprocess
    import tempfile

    photos = sorted((REPO.parent / "shared" / "data" / "interior_photos").glob("*/*.png"))
    rows = []
    if len(photos) < 10:
        print("skipping the tour benchmark: fewer than 10 photos in ../shared", file=sys.stderr)
        return rows
    for count, fmt in ((10, "16:9"), (10, "9:16"), (20, "16:9")):
        with tempfile.TemporaryDirectory(prefix="roomtour-tour-") as tmp:
            folder = Path(tmp) / "photos"
            folder.mkdir()
            for i in range(count):
                src = photos[i % len(photos)]
                (folder / f"{i:02d}_{src.stem}{src.suffix}").symlink_to(src)
            out = Path(tmp) / "tour.mp4"
            cmd = [sys.executable, "-m", "roomtour", "tour", str(folder), "-o", str(out), "--format", fmt,
                   "--title", "12 Oak Street", "--captions"]
            start = time.monotonic()
            proc = subprocess.run(["/usr/bin/env", "python3", "-c",
                                   "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]).returncode; "
                                   "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r)",
                                   *cmd], capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(
                                       REPO / "workflow")))
            wall = time.monotonic() - start
            if proc.returncode != 0:
                print(f"tour benchmark failed: {proc.stderr[-500:]}", file=sys.stderr)
                continue
            peak_mb = int(proc.stdout.strip().splitlines()[-1]) / 1024
            from roomtour.video import probe

            info = probe(out)
            frames = round(info["duration"] * 30)
            rows.append({"photos": count, "format": fmt, "wall_s": wall, "fps": frames / wall,
                         "peak_mb": peak_mb, "duration": info["duration"]})
    return rows


def deliverable_speeds(seconds: float = 30.0) -> list[dict]:
    """One listing's deliverables from one run against one 16:9 render of the same tour: 10
    photos, ``--length`` 30 s, title, agent card with logo, badge and 6-channel music in both;
    the second run adds 9:16 and the unbranded twins (issue 18's goal: at most 2.5x)."""
    import tempfile
    import wave

    photos = sorted((REPO.parent / "shared" / "data" / "interior_photos").glob("*/*.png"))[:10]
    if len(photos) < 10:
        print("skipping the deliverables benchmark: fewer than 10 photos in ../shared", file=sys.stderr)
        return []
    rows = []
    with tempfile.TemporaryDirectory(prefix="roomtour-deliver-") as tmp:
        folder = Path(tmp) / "photos"
        folder.mkdir()
        for i, src in enumerate(photos):
            (folder / f"{i:02d}_{src.parent.name}_{src.stem}{src.suffix}").symlink_to(src)
        logo = np.zeros((100, 200, 4), np.uint8)
        logo[20:80, 20:180] = (200, 30, 60, 255)
        from PIL import Image

        Image.fromarray(logo, "RGBA").save(Path(tmp) / "logo.png")
        rate = 44100
        tone = (np.sin(2 * np.pi * 220 * np.arange(rate * 20) / rate) * 6000).astype(np.int16)
        with wave.open(str(Path(tmp) / "music.wav"), "wb") as w:
            w.setnchannels(6)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(np.repeat(tone[:, None], 6, axis=1).tobytes())
        common = ["--length", str(seconds), "--title", "12 Oak Street", "--agent-name", "Jane Roe", "--agent-phone",
                  "555-0100", "--brokerage", "Oak Realty", "--logo", str(Path(tmp) / "logo.png"), "--price",
                  "$450,000", "--address", "12 Oak Street", "--music", str(Path(tmp) / "music.wav")]
        for name, extra in (("one 16:9 video", ["--format", "16:9"]),
                            ("16:9 + 9:16, each with its unbranded twin", ["--format", "16:9,9:16", "--unbranded"])):
            out = Path(tmp) / name.split()[0] / "tour.mp4"
            cmd = [sys.executable, "-m", "roomtour", "tour", str(folder), "-o", str(out), *common, *extra]
            start = time.monotonic()
            proc = subprocess.run(cmd, capture_output=True, text=True,
                                  env=dict(os.environ, PYTHONPATH=str(REPO / "workflow")))
            wall = time.monotonic() - start
            if proc.returncode != 0:
                print(f"deliverables benchmark failed: {proc.stderr[-500:]}", file=sys.stderr)
                return []
            rows.append({"run": name, "wall_s": wall, "files": len(list(out.parent.iterdir()))})
    return rows


def slurm_overhead() -> dict | None:
    """The SLURM comparison of tests/slurm/slurm_compare.py, or None where SLURM is not installed."""
    import tempfile

    sys.path.insert(0, str(REPO / "tests" / "slurm"))
    from slurm_compare import SlurmUnavailable, run

    try:
        with tempfile.TemporaryDirectory(prefix="roomtour-slurm-") as tmp:
            return run(REPO / "config" / "test.yaml", Path(tmp))
    except SlurmUnavailable as exc:
        print(f"skipping the SLURM benchmark: {exc}", file=sys.stderr)
        return None


def _timed(fn) -> float:
    start = time.monotonic()
    fn()
    return time.monotonic() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--out", default=str(REPO / "BENCHMARKS.md"))
    ap.add_argument("--deliverables-only", action="store_true",
                    help="time one listing's deliverables against one 16:9 render and print the table")
    ap.add_argument("--tours-only", action="store_true",
                    help="time the property tours alone and print their table (BENCHMARKS.md is not rewritten)")
    a = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(a.cores))
    if a.deliverables_only:
        rows = deliverable_speeds()
        print("| run | files written | wall s | x one video |\n|---|---:|---:|---:|")
        for r in rows:
            print(f"| {r['run']} | {r['files']} | {r['wall_s']:.0f} | {r['wall_s'] / rows[0]['wall_s']:.2f} |")
        return
    if a.tours_only:
        print("| photos | format | output | wall s | frames/s | peak memory (MB) |\n|---:|---|---|---:|---:|---:|")
        for r in tour_speeds():
            size = "1920x1080" if r["format"] == "16:9" else "1080x1920"
            print(f"| {r['photos']} | {r['format']} | {size}, {r['duration']:.1f} s | {r['wall_s']:.0f} | "
                  f"{r['fps']:.1f} | {r['peak_mb']:.0f} |")
        return
    wall, per_rule = time_workflow(a.cores)
    speeds = method_speeds()
    cpu = platform.processor() or platform.machine()
    lines = [
        "# roomtour benchmarks",
        "",
        f"Made by `make bench` (`python scripts/benchmarks/bench.py --cores {a.cores}`) on {time.strftime('%Y-%m-%d')}, "
        f"{os.cpu_count()} CPU cores ({cpu}), Python {platform.python_version()}, no GPU. "
        "Numbers are single runs on a shared machine: expect ±10%.",
        "",
        "## Default workflow, end to end",
        "",
        f"`snakemake --cores {a.cores}` on the embedded default (config/config.yaml: 2 procedural rooms × "
        f"3 motions × 5 chains + frozen baseline, 16 frames, 192×128 generated, compared at 384×256), fresh "
        f"working directory: **{wall:.0f} s wall**.",
        "",
        "| rule | jobs | compute s (sum of job logs) |",
        "|---|---:|---:|",
    ]
    total = 0.0
    for rule, (n, secs) in sorted(per_rule.items(), key=lambda kv: -kv[1][1]):
        lines.append(f"| {rule} | {n} | {secs:.1f} |")
        total += secs
    lines += [
        "",
        f"Compute inside jobs: {total:.0f} s over {sum(n for n, _ in per_rule.values())} jobs; with {a.cores} "
        f"cores the ideal wall time is {total / a.cores:.0f} s, so scheduling, interpreter start-up and I/O "
        f"cost about {max(wall - total / a.cores, 0):.0f} s of the {wall:.0f} s.",
        "",
        "## Per-method throughput (2 threads)",
        "",
        "| step | frame size | frames/s |",
        "|---|---|---:|",
    ]
    lines += [f"| {name} | {size} | {fps:.1f} |" for name, size, fps in speeds]
    restoration = REPO / "results" / "restoration" / "sr_summary.md"
    if restoration.exists():
        text = restoration.read_text().replace("# Super-resolution benchmark", "## Super-resolution benchmark", 1)
        text = text.replace("\n## x", "\n### x")
        lines += ["", text.strip(), "",
                  "Made by `make restoration` (`roomtour restoration config/restoration.yaml`); copied here by "
                  "`make bench` from results/restoration/sr_summary.md (fidelity numbers, not timings)."]
    tours = tour_speeds()
    if tours:
        lines += ["", "## Property tours (`roomtour tour`)", "",
                  "Listing photos from ../shared (RealEstate10K, ViewCrafter and NYU interiors, repeated to reach the "
                  "count), 4 s per photo at 30 fps with 0.5 s crossfades, a title card and captions, H.264 CRF 18 "
                  "(`veryfast`), rendering and encoding on the machine's 2 cores:", "",
                  "| photos | format | output | wall s | frames/s | peak memory (MB) |", "|---:|---|---|---:|---:|---:|"]
        for r in tours:
            size = "1920x1080" if r["format"] == "16:9" else "1080x1920"
            lines.append(f"| {r['photos']} | {r['format']} | {size}, {r['duration']:.1f} s | {r['wall_s']:.0f} | "
                         f"{r['fps']:.1f} | {r['peak_mb']:.0f} |")
    slurm = slurm_overhead()
    if slurm:
        lines += [
            "",
            "## SLURM overhead per job",
            "",
            f"`python tests/slurm/slurm_compare.py` (config/test.yaml: {slurm['jobs']} jobs) on a single-node SLURM 22.05 "
            "started on this machine (tests/slurm/slurm_local.sh; squeue status checks every 2 s): local run "
            f"{slurm['local_s']:.0f} s, through `--executor slurm` {slurm['slurm_s']:.0f} s, i.e. "
            f"**{slurm['slurm_overhead_per_job_s']:.1f} s per job** of submission, job start-up (each SLURM job "
            "re-parses the workflow), and status polling; results identical "
            f"({'no differences' if not slurm['differences'] else slurm['differences']}). Worth it only for "
            "jobs much longer than that (GPU generation, the study grid at full size), or group short jobs.",
        ]
    for folder, name, title, make in [
        ("restoration", "dn_summary.md", "Denoising benchmark",
         "`make restoration` (`roomtour restoration config/restoration.yaml`)"),
        ("restoration_hd", "dn_summary.md", "Denoising benchmark",
         "`make restoration-hd` (`roomtour restoration config/restoration_hd.yaml --only dn`), 1280x720"),
    ]:
        path = REPO / "results" / folder / name
        if path.exists():
            text = path.read_text().replace(f"# {title}", f"## {title}", 1)
            lines += ["", text.strip(), "", f"Made by {make}; copied here from results/{folder}/{name}."]
    for name, make in (("depth_share.md", "python scripts/benchmarks/depth_share.py"), ("hole_fill.md", "python scripts/benchmarks/hole_fill.py")):
        share = REPO / "results" / name
        if share.exists():
            lines += ["", share.read_text().strip(), "", f"Made by `.venv/bin/{make}`; copied here from results/{name}."]
    for name, title, make in (
        ("fastdvdnet_speed.md", "FastDVDnet speed against the authors' inference procedure",
         "python scripts/benchmarks/fastdvdnet_speed.py"),
        ("sigma_auto.md", "FastDVDnet `sigma: auto` on a generated video", "python scripts/benchmarks/sigma_auto_example.py"),
        ("study/check.md", "The study grid in fit framing (`make study`): what a viewer would object to",
         "python scripts/benchmarks/study_check.py results/study"),
        ("study_exact/check.md", "The study grid along the paths as given (`make study-exact`)",
         "python scripts/benchmarks/study_check.py results/study_exact"),
    ):
        path = REPO / "results" / name
        if path.exists():
            lines += ["", f"## {title}", "", path.read_text().strip(), "",
                      f"Made by `.venv/bin/{make}`; copied here from results/{name}."]
    suite = REPO / "results" / "re10k" / "summary.md"
    if suite.exists():
        text = suite.read_text().replace("# RealEstate10K suite", "## RealEstate10K suite", 1)
        lines += ["", text.strip(), "", "Made by `make re10k` (`roomtour suite config/re10k.yaml`); copied here "
                  "from results/re10k/summary.md."]
    Path(a.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
