#!/usr/bin/env bash
# Debian's single-node SLURM for the cluster test (tests/test_slurm.py).
# Best effort: prints why and exits 0 when the packages cannot be installed
# (not root, no apt, no registry); the test then skips with that reason.
set -uo pipefail
if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null \
   && command -v sbatch >/dev/null; then
  echo "slurm: already installed ($(slurmctld -V))"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "slurm: not installed (needs root and apt-get); the SLURM test will be skipped"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
pkgs="munge slurmctld slurmd slurm-client"
if ! apt-get install -y -q $pkgs >/dev/null 2>&1; then
  apt-get update -q >/dev/null 2>&1 && apt-get install -y -q $pkgs >/dev/null 2>&1 \
    || { echo "slurm: apt-get could not install $pkgs; the SLURM test will be skipped"; exit 0; }
fi
echo "slurm: installed ($(slurmctld -V))"
