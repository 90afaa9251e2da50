"""Where and how the torch models run: device, number precision and the job's thread budget."""

from __future__ import annotations

import os


def select_device(name: str = "auto"):
    """``"auto"`` -> CUDA when present, else the CPU; anything else is passed to ``torch.device``."""
    import torch

    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


PRECISIONS = ("auto", "fp32", "bf16", "fp16")


def cpu_has_native_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 in hardware (AVX512-BF16 or AMX), where oneDNN's
    bf16 convolutions run 1.7-1.9x as fast as fp32; elsewhere they are emulated, and slower."""
    import torch

    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(torch.cpu, name, lambda: False)() for name in checks)


def inference_precision(device, precision: str = "auto") -> str:
    """The number format a network's convolutions run in on ``device``.

    ``"auto"``: ``"bf16"`` on a CPU with native bf16 (:func:`cpu_has_native_bf16`; FastDVDnet
    1.7-1.9x faster with frames within 2 grey levels of fp32, Real-ESRGAN compact 1.7x within 3;
    BENCHMARKS.md), else ``"fp32"`` (CUDA
    included: its convolutions already use TF32).  ``"fp16"`` is for CUDA only.
    """
    from ..errors import RoomtourError

    if precision not in PRECISIONS:
        raise RoomtourError("precision", f"must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    device_type = getattr(device, "type", str(device))
    if precision == "auto":
        return "bf16" if device_type == "cpu" and cpu_has_native_bf16() else "fp32"
    if precision == "fp16" and device_type != "cuda":
        raise RoomtourError("precision", "fp16 runs on CUDA only; use bf16 on the CPU")
    return precision


def autocast(device, precision: str):
    """A context running convolutions in ``precision`` (from :func:`inference_precision`) while
    additions such as a U-Net's residual ``input - noise`` keep their inputs' fp32."""
    import torch

    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
    device_type = getattr(device, "type", str(device))
    return torch.autocast(device_type, dtype=dtype or torch.float32, enabled=dtype is not None)


def apply_thread_limit() -> None:
    """Bound torch's intra-op threads to ``$ROOMTOUR_THREADS`` (set from the rule's ``threads``)."""
    import torch

    threads = int(os.environ.get("ROOMTOUR_THREADS", "0") or 0)
    if threads > 0:
        torch.set_num_threads(threads)


def diffusers_pipeline_on(device, pipeline, pipeline_class: str, path, source: str, fp16: bool = True):
    """``pipeline`` (tests pass tiny random ones) or, when None, the diffusers ``pipeline_class``
    loaded from the local directory ``path`` (:func:`load_diffusers_pipeline`), on ``device``
    with its progress bar off (roomtour draws its own)."""
    if pipeline is None:
        import diffusers

        pipeline = load_diffusers_pipeline(getattr(diffusers, pipeline_class), path, source, device, fp16)
    pipeline = pipeline.to(device)
    pipeline.set_progress_bar_config(disable=True)
    return pipeline


def load_diffusers_pipeline(pipeline_class, path, source: str, device, fp16: bool = True):
    """A diffusers pipeline from a local directory (never downloaded): fp16 on CUDA when asked.

    Raises one line naming the directory when it is not a diffusers model
    directory (no ``model_index.json``; ``source`` says where to get it) or
    when diffusers cannot load it.
    """
    from pathlib import Path

    import torch

    from ..errors import RoomtourError

    path = Path(path)
    if not (path / "model_index.json").is_file():
        raise RoomtourError(path, f"not a diffusers model directory; download {source} into it")
    dtype = torch.float16 if fp16 and torch.device(device).type == "cuda" else torch.float32
    try:
        return pipeline_class.from_pretrained(str(path), torch_dtype=dtype, local_files_only=True)
    except (OSError, ValueError) as exc:
        raise RoomtourError(path, f"diffusers cannot load it ({exc.__class__.__name__})") from None
