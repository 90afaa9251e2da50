"""Argument types and helpers shared by every command-line audience."""

from __future__ import annotations

import argparse
import json
import os

import numpy as np

from ..errors import RoomtourError


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 384x256, got {text!r}") from None
    if w < 1 or h < 1:
        raise argparse.ArgumentTypeError(f"size must be positive, got {text!r}")
    return w, h


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not np.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {value:g}")
    return value


def _fraction(text: str) -> float:
    value = _number(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {value:g}")
    return value


def _scale(text: str) -> float:
    value = _number(text)
    if not 1 <= value <= 8:
        raise argparse.ArgumentTypeError(f"must be between 1 and 8, got {value:g}")
    return value


def _hfov(text: str) -> float:
    value = _number(text)
    if not 1 < value < 179:
        raise argparse.ArgumentTypeError(f"must be between 1 and 179 degrees, got {value:g}")
    return value


def _json(text: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("options must be a JSON object")
    return value


def _set_threads(threads: int | None) -> None:
    """Bound OpenCV (and torch, if loaded later) to the job's cores."""
    import cv2

    n = threads or int(os.environ.get("ROOMTOUR_THREADS", "0") or 0)
    if n > 0:
        cv2.setNumThreads(n)
        os.environ["ROOMTOUR_THREADS"] = str(n)  # read by the torch models when they load
        os.environ.setdefault("OMP_NUM_THREADS", str(n))


def _read_yaml(path: str, what: str) -> dict:
    """A YAML config file as a mapping, or one line naming the file (and the line)."""
    from ..config import read_yaml

    config = read_yaml(path, what)
    if not isinstance(config, dict):
        raise RoomtourError(path, f"the {what} is not a YAML mapping")
    return config
