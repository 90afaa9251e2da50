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
