"""The SLURM profile against a real single-node SLURM (Debian's packages, started
and stopped by tests/slurm/slurm_local.sh): same results as a local run."""

import importlib.util
import os
import shutil
import sys

import pytest
import yaml

from conftest import REPO

pytestmark = pytest.mark.slow
sys.path.insert(0, str(REPO / "tests" / "slurm"))


def _skip_reason():
    missing = [exe for exe in ("munged", "slurmctld", "slurmd", "sbatch", "squeue") if not shutil.which(exe)]
    if missing:
        return f"SLURM not installed ({', '.join(missing)} missing; scripts/install_slurm.sh installs it)"
    if os.geteuid() != 0:
        return "the test SLURM's daemons must run as root"
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        return "snakemake-executor-plugin-slurm not installed"
    return None


@pytest.mark.skipif(_skip_reason() is not None, reason=str(_skip_reason()))
def test_slurm_run_equals_local_run_and_leaves_no_daemons(tmp_path):
    from slurm_compare import run

    # one motion and three chains keep it short; dn carries gpu=1, so the fake GPU routing is exercised
    cfg = yaml.safe_load((REPO / "config" / "test.yaml").read_text())
    cfg["motions"] = {"look_left": cfg["motions"]["look_left"]}
    cfg["chains"] = ["raw", "dn", "up"]
    config = tmp_path / "slurm_test.yaml"
    config.write_text(yaml.safe_dump(cfg))
    had_default_conf = os.path.lexists("/etc/slurm/slurm.conf")
    result = run(config, tmp_path)
    assert result["differences"] == []  # same metrics and bit-identical frames
    # the profile's groups: fewer SLURM jobs than Snakemake jobs (local rules and groups)
    assert result["slurm_jobs"] < result["jobs"]
    # the SLURM job holding the GPU-tagged denoise job asked SLURM for a GPU, and nothing else did
    assert [c for c in result["gpu_jobs"] if "denoise" in c] == result["gpu_jobs"] != []
    assert result["daemons_left"] == []  # every daemon it started is stopped
    assert os.path.lexists("/etc/slurm/slurm.conf") == had_default_conf  # its config link is gone again
    assert (tmp_path / "slurm-run" / "results" / "videos" / "bedroom" / "look_left" / "dn.mkv").is_file()


def _profile_groups(config):
    """Dry run of ``config`` under the SLURM profile: {group job name: [(rule, wildcards), ...]}."""
    import re
    import subprocess

    out = subprocess.run([sys.executable, "-m", "snakemake", "-n", "--snakefile", str(REPO / "Snakefile"),
                          "--directory", str(config.parent), "--configfile", str(config), "--workflow-profile",
                          str(REPO / "config" / "profiles" / "slurm"), "--executor", "slurm", "--slurm-no-account"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    groups, current, rule = {}, None, None
    for line in out.stdout.splitlines() + out.stderr.splitlines():
        if m := re.search(r"Group job (\S+) \(jobs", line):
            current = groups.setdefault(m.group(1) + f"#{len(groups)}", [])
        elif re.match(r"^(local)?rule \w+:", line):  # a job outside any group
            current = None
        elif m := re.match(r"^\s+rule (\w+):", line):
            rule = m.group(1)
        elif current is not None and (m := re.match(r"^\s+wildcards: (.*)", line)):
            current.append((rule, dict(kv.split("=", 1) for kv in m.group(1).split(", "))))
    return groups


@pytest.mark.skipif(importlib.util.find_spec("snakemake_executor_plugin_slurm") is None,
                    reason="snakemake-executor-plugin-slurm not installed")
def test_profile_scores_unprocessed_videos_apart_from_post_processed_ones(tmp_path):
    config = tmp_path / "test.yaml"
    config.write_text((REPO / "config" / "test.yaml").read_text())
    groups = _profile_groups(config)
    unprocessed = {"raw", "frozen"}
    scored = [[wc["chain"] for rule, wc in jobs if rule in ("metrics", "camera_accuracy")] for jobs in groups.values()]
    # raw and frozen videos are scored while the GPU job runs: never in a SLURM job that waits for it
    assert all(set(chains) <= unprocessed or not set(chains) & unprocessed for chains in scored)
    assert sum(len(c) for c in scored) == 24  # 2 motions x 6 chains x (metrics, camera accuracy), all grouped
    # one GPU job per photo holds every denoise and upscale job (2 motions x 4 post-processed chains)
    post = [jobs for jobs in groups.values() if any(rule in ("denoise", "upscale") for rule, _ in jobs)]
    assert len(post) == 1 and len(post[0]) == 8 and {r for r, _ in post[0]} == {"denoise", "upscale"}
    assert not any(rule == "previews" for jobs in groups.values() for rule, _ in jobs)  # a local rule


def test_stage_waits_measure_the_gap_between_a_job_ending_and_the_next_round(tmp_path):
    from slurm_compare import stage_waits

    (tmp_path / "slurmctld.log").write_text("\n".join([
        "[2026-12-03T23:41:17.189] _slurm_rpc_submit_batch_job: JobId=1 InitPrio=1 usec=331",
        "[2026-12-03T23:41:17.195] _slurm_rpc_submit_batch_job: JobId=2 InitPrio=1 usec=296",
        "[2026-12-03T23:41:27.353] _job_complete: JobId=2 done",
        "[2026-12-03T23:41:30.678] _job_complete: JobId=1 done",
        "[2026-12-03T23:41:40.592] _slurm_rpc_submit_batch_job: JobId=3 InitPrio=1 usec=356",
        "[2026-12-03T23:41:40.602] _slurm_rpc_submit_batch_job: JobId=4 InitPrio=1 usec=345",
        "[2026-12-03T23:41:54.828] _job_complete: JobId=3 done",
        "[2026-12-03T23:41:55.708] _slurm_rpc_submit_batch_job: JobId=5 InitPrio=1 usec=1",
    ]))
    # the first round has no job before it; the second waited 9.9 s after job 1, the third 0.9 s after job 3
    assert stage_waits(tmp_path) == [9.9, 0.9]
