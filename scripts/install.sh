#!/usr/bin/env bash
# Create .venv and install roomtour with its dependencies, offline-safe:
# torch is pinned to the CPU build first so that nothing pulls a CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -m pip install -q "torch==2.13.0"
# OpenCV's dnn_superres lives in the contrib wheel; the plain wheel must not sit beside it.
if python -m pip show -q opencv-python-headless >/dev/null 2>&1; then
  python -m pip uninstall -y -q opencv-python-headless
fi
python -m pip install -q -e ".[dev]"
python -c "import cv2, torch, snakemake; assert hasattr(cv2, 'dnn_superres'), 'opencv-contrib missing'; print('roomtour environment ready: torch', torch.__version__, '| opencv', cv2.__version__)"
