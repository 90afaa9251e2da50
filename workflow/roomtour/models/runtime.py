"""Where and how the torch models run: device choice and the job's thread budget."""

from __future__ import annotations

import os


def select_device(name: str = "auto"):
    """``"auto"`` -> CUDA when present, else the CPU; anything else is passed to ``torch.device``."""
    import torch

    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


def apply_thread_limit() -> None:
    """Bound torch's intra-op threads to ``$ROOMTOUR_THREADS`` (set from the rule's ``threads``)."""
    import torch

    threads = int(os.environ.get("ROOMTOUR_THREADS", "0") or 0)
    if threads > 0:
        torch.set_num_threads(threads)
