"""Run the small test config locally and through a real single-node SLURM; compare.

    python tests/slurm/slurm_compare.py [--config config/test.yaml] [--keep DIR]

Starts munged/slurmctld/slurmd with tests/slurm/slurm_local.sh under a temporary
directory, runs the workflow with `--executor slurm` (the repo's SLURM profile
plus the settings a cluster without slurmdbd needs: `--slurm-status-command
squeue`, short status-check intervals), runs it again locally with the default
profile, checks that both produce the same per-video metrics and the same
decoded frames, stops every daemon it started, and prints as JSON the timings,
the Snakemake jobs (`jobs`) against the SLURM jobs they were submitted as
(`slurm_jobs`, fewer where jobs are grouped) and which SLURM jobs asked for a
GPU (`gpu_jobs`, by the executor's job comment); and where the SLURM run's time went: the
machine's busy CPU seconds during it (`slurm_busy_cpu_s`, `local_busy_cpu_s` for the local run)
and, per SLURM job, the wait from its
end to the executor noticing it (`status_delay_s`: mean and sum); and per round of submissions
after the first, the wait since the last SLURM job ended (`stage_waits_s`: the run standing still).
Exit status 3: SLURM is not installed here (or not root).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SLURM_LOCAL = Path(__file__).resolve().parent / "slurm_local.sh"


class SlurmUnavailable(RuntimeError):
    pass


def snakemake(workdir: Path, config: Path, *args, env=None) -> tuple[float, subprocess.CompletedProcess]:
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory", str(workdir),
           "--configfile", str(config), *args]
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1200)
    return time.monotonic() - start, proc


def start_cluster(state: Path) -> dict:
    proc = subprocess.run(["bash", str(SLURM_LOCAL), "start", str(state)], capture_output=True, text=True)
    if proc.returncode == 3:
        raise SlurmUnavailable(proc.stderr.strip())
    if proc.returncode != 0:
        raise RuntimeError(f"slurm_local.sh start failed: {proc.stderr.strip()}")
    env = dict(os.environ)
    env["SLURM_CONF"] = str(state / "slurm.conf")
    return env


def stop_cluster(state: Path) -> None:
    subprocess.run(["bash", str(SLURM_LOCAL), "stop", str(state)], check=False)


def daemons_left(state: Path) -> list[str]:
    """PIDs of anything of the test cluster still running: a process naming its state directory,
    or a job-step daemon (slurmstepd) of its jobs, which outlives slurmd (slurm_local.sh left)."""
    named = subprocess.run(["pgrep", "-f", str(state)], capture_output=True, text=True).stdout.split()
    steps = subprocess.run(["bash", str(SLURM_LOCAL), "left", str(state)], capture_output=True, text=True).stdout.split()
    return sorted(set(named) | set(steps))


def compare_runs(a: Path, b: Path) -> list[str]:
    """Differences between two finished runs: per-video metrics and every video's decoded frames."""
    import numpy as np
    import pandas as pd

    from roomtour.video import read_video

    problems = []
    keys = ["image", "motion", "chain"]
    pa = pd.read_csv(a / "results" / "per_video.csv").sort_values(keys).reset_index(drop=True)
    pb = pd.read_csv(b / "results" / "per_video.csv").sort_values(keys).reset_index(drop=True)
    try:
        # the same code on the same machine; float kernels may still differ between processes
        pd.testing.assert_frame_equal(pa, pb, check_exact=False, rtol=1e-3, atol=1e-6)
    except AssertionError as exc:
        problems.append(f"per_video.csv differs: {str(exc).splitlines()[0]}")
    videos_a = sorted(p.relative_to(a) for p in (a / "results" / "videos").rglob("*.mkv"))
    videos_b = sorted(p.relative_to(b) for p in (b / "results" / "videos").rglob("*.mkv"))
    if videos_a != videos_b:
        problems.append("different sets of videos")
    for rel in videos_a:
        if rel in videos_b:
            fa, fb = read_video(a / rel), read_video(b / rel)
            if fa.shape != fb.shape or np.abs(fa.astype(int) - fb.astype(int)).max() > 1:
                problems.append(f"{rel}: frames differ by more than one grey level")
    return problems


def slurm_jobs(env: dict) -> list[dict]:
    """Every job the test cluster still knows (MinJobAge keeps finished ones for 300 s): the
    executor's comment (``rule_<name>_wildcards_...`` or ``group_<name>...``) and whether it
    asked for a GPU."""
    out = subprocess.run(["scontrol", "show", "job", "--oneliner"], capture_output=True, text=True, env=env).stdout
    jobs = []
    for line in out.splitlines():
        fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
        if "JobId" in fields:
            jobs.append({"comment": fields.get("Comment", ""), "gpu": "gpu" in fields.get("TresPerJob", "")})
    return jobs


def busy_cpu_s() -> float:
    """CPU seconds this machine has spent busy since boot, all cores and processes (/proc/stat):
    the SLURM daemons and job steps run outside this process tree, so its own clock cannot count them."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def status_delays(state: Path, workdir: Path) -> list[float]:
    """Per SLURM job, seconds from its end (slurmctld's log) to Snakemake reporting its jobs
    finished (the first "Finished" line at or after it in the run's log; whole seconds there):
    the wait for the executor's next status check."""
    import datetime as dt
    import re

    ends = [dt.datetime.fromisoformat(m) for m in
            re.findall(r"\[(\S+)\] _job_complete: JobId=\d+ done", (state / "slurmctld.log").read_text())]
    seen, stamp = [], None
    for log in sorted((workdir / ".snakemake" / "log").glob("*.snakemake.log")):
        for line in log.read_text().splitlines():
            m = re.match(r"\[(\w{3} \w{3} +\d+ [\d:]+ \d{4})\]", line)
            if m:
                stamp = dt.datetime.strptime(m.group(1), "%a %b %d %H:%M:%S %Y")
            elif line.startswith("Finished jobid") and stamp is not None:
                seen.append(stamp)
    delays = []
    for end in ends:
        later = [s for s in seen if s >= end.replace(microsecond=0)]
        if later:
            delays.append(max(0.0, (min(later) - end).total_seconds()))
    return delays


def stage_waits(state: Path) -> list[float]:
    """Per round of submissions after the first, seconds from the last SLURM job's end before it
    (slurmctld's log) to that round: how long the run stood still between stages, which is
    where a fast and a slow run of the same config differ (the executor's status polling)."""
    import datetime as dt
    import re

    events = []
    for stamp, kind in re.findall(r"\[(\S+)\] (_slurm_rpc_submit_batch_job|_job_complete): JobId=\d+",
                                  (state / "slurmctld.log").read_text()):
        events.append((dt.datetime.fromisoformat(stamp), kind))
    waits, last_end, in_round = [], None, False
    for stamp, kind in sorted(events):
        if kind == "_job_complete":
            last_end, in_round = stamp, False
        elif last_end is not None and not in_round:
            waits.append(round((stamp - last_end).total_seconds(), 1))
            in_round = True
    return waits


def run(config: Path, base: Path) -> dict:
    state, local_dir, slurm_dir = base / "slurm-state", base / "local", base / "slurm-run"
    env = start_cluster(state)
    try:
        busy_before = busy_cpu_s()
        slurm_s, proc = snakemake(
            slurm_dir, config, "--workflow-profile", str(REPO / "config" / "profiles" / "slurm"),
            "--slurm-status-command", "squeue", "--slurm-no-account", "--slurm-init-seconds-before-status-checks",
            "1", "--seconds-between-status-checks", "2", "--latency-wait", "5", "--jobs", "4", env=env)
        slurm_cpu_s = busy_cpu_s() - busy_before
        if proc.returncode != 0:
            raise RuntimeError(f"SLURM run failed:\n{proc.stderr[-4000:]}")
        submitted = slurm_jobs(env)
    finally:
        stop_cluster(state)
    delays = status_delays(state, slurm_dir)
    waits = stage_waits(state)
    busy_before = busy_cpu_s()
    local_s, proc = snakemake(local_dir, config, "--workflow-profile", str(REPO / "config" / "profiles" / "default"),
                              "--cores", "2")
    local_cpu_s = busy_cpu_s() - busy_before
    if proc.returncode != 0:
        raise RuntimeError(f"local run failed:\n{proc.stderr[-4000:]}")
    n_jobs = sum(1 for _ in (local_dir / "results" / "logs").rglob("*.log"))
    return {
        "config": str(config),
        "jobs": n_jobs,
        "local_s": round(local_s, 1),
        "slurm_s": round(slurm_s, 1),
        "slurm_overhead_per_job_s": round((slurm_s - local_s) / n_jobs, 2),
        "slurm_jobs": len(submitted),
        # the whole machine's busy CPU time during each run, and the SLURM run's waits for status checks
        "local_busy_cpu_s": round(local_cpu_s, 1),
        "slurm_busy_cpu_s": round(slurm_cpu_s, 1),
        "status_delay_s": {"mean": round(sum(delays) / max(len(delays), 1), 1), "sum": round(sum(delays), 1)},
        "stage_waits_s": waits,
        "gpu_jobs": sorted(j["comment"] for j in submitted if j["gpu"]),
        "differences": compare_runs(local_dir, slurm_dir),
        "daemons_left": daemons_left(state),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default=str(REPO / "config" / "test.yaml"))
    ap.add_argument("--keep", default="", help="work in this directory and keep it")
    a = ap.parse_args()
    try:
        if a.keep:
            result = run(Path(a.config).resolve(), Path(a.keep).resolve())
        else:
            with tempfile.TemporaryDirectory(prefix="roomtour-slurm-") as tmp:
                result = run(Path(a.config).resolve(), Path(tmp))
    except SlurmUnavailable as exc:
        print(f"slurm_compare: skipped: {exc}", file=sys.stderr)
        return 3
    print(json.dumps(result, indent=2))
    return 1 if result["differences"] or result["daemons_left"] else 0


if __name__ == "__main__":
    sys.exit(main())
