"""Environment that Snakemake jobs inherit from the process that parsed the workflow."""

from __future__ import annotations

import os
import sys


def export_for_jobs(package_dir: str) -> None:
    """Make ``python -m roomtour`` in a job's shell find this interpreter and this package.

    * ``PATH`` gets the directory of the running interpreter first, so a job
      uses the same virtual environment as ``snakemake`` even when that
      environment was never activated (``.venv/bin/snakemake ...``).  With
      ``--software-deployment-method conda`` the rule's environment is
      activated inside the job and comes first again.
    * ``PYTHONPATH`` gets the checkout's ``workflow/`` directory, so the
      package imports in any environment, cluster nodes included (each
      cluster job parses the workflow again and calls this again).
    """
    bindir = os.path.dirname(sys.executable)
    for var, first in (("PATH", bindir), ("PYTHONPATH", package_dir)):
        rest = [p for p in os.environ.get(var, "").split(os.pathsep) if p and p != first]
        os.environ[var] = os.pathsep.join([first, *rest])


def host_has_gpu() -> bool:
    """Whether this host shows an NVIDIA GPU to CUDA, without importing torch.

    ``CUDA_VISIBLE_DEVICES`` set to nothing (or ``-1``) hides every GPU, as
    CUDA itself treats it; otherwise the driver lists its GPUs under
    ``/proc/driver/nvidia/gpus``.  Used to decide whether GPU-capable jobs run
    locally on a GPU (one at a time) or on the CPU (in parallel).
    """
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1"):
        return False
    gpus = "/proc/driver/nvidia/gpus"
    return os.path.isdir(gpus) and bool(os.listdir(gpus))
