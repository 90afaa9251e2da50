"""Explicit, verbose weight loading.

Checkpoints come packed in several ways (a bare state dict, or one nested
under ``params``, ``params_ema``, ``state_dict`` or ``model``; keys prefixed by
``module.`` from ``DataParallel``).  :func:`load_weights` unwraps these,
loads strictly by default, and reports missing and unexpected keys and shape
mismatches in one line naming the file.
"""

from __future__ import annotations

from pathlib import Path

import torch

from ..errors import RoomtourError

NESTING_KEYS = ("params_ema", "params", "state_dict", "model", "net")


def read_state_dict(path: str | Path) -> dict:
    """Read a ``.pth``/``.pt`` (weights only, on the CPU) or ``.safetensors`` file and unwrap it."""
    path = Path(path)
    if not path.is_file():
        raise RoomtourError(path, "weights file not found")
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            obj = load_file(str(path), device="cpu")
        else:
            obj = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any decoder failure means "not a checkpoint"
        raise RoomtourError(path, f"not a readable PyTorch checkpoint ({exc.__class__.__name__})") from None
    for key in NESTING_KEYS:
        if isinstance(obj, dict) and key in obj and isinstance(obj[key], dict):
            obj = obj[key]
            break
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise RoomtourError(path, "does not contain a state dict of tensors")
    if obj and all(k.startswith("module.") for k in obj):
        obj = {k[len("module.") :]: v for k, v in obj.items()}
    return obj


def load_weights(model: torch.nn.Module, path: str | Path, strict: bool = True) -> dict:
    """Load a checkpoint into ``model``; return ``{"missing": [...], "unexpected": [...]}``.

    With ``strict`` any missing or unexpected key, or any shape mismatch,
    raises :class:`RoomtourError` naming the file and the first few keys.
    """
    return load_state(model, read_state_dict(path), path, strict)


def load_state(model: torch.nn.Module, state: dict, path: str | Path, strict: bool = True) -> dict:
    """:func:`load_weights` for a state dict already read (``path`` names it in errors)."""
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    mismatched = [
        f"{k} {tuple(state[k].shape)} != {tuple(own[k].shape)}" for k in own if k in state and state[k].shape != own[k].shape
    ]
    if strict and (missing or unexpected or mismatched):
        parts = []
        if missing:
            parts.append(f"missing {len(missing)} keys (e.g. {', '.join(missing[:3])})")
        if unexpected:
            parts.append(f"unexpected {len(unexpected)} keys (e.g. {', '.join(unexpected[:3])})")
        if mismatched:
            parts.append(f"shape mismatch: {'; '.join(mismatched[:2])}")
        raise RoomtourError(path, f"weights do not fit {model.__class__.__name__}: " + "; ".join(parts))
    usable = {k: v.to(own[k].dtype) for k, v in state.items() if k in own and v.shape == own[k].shape}
    model.load_state_dict(usable, strict=False)
    return {"missing": missing, "unexpected": unexpected, "mismatched": mismatched}


def load_tcmonodepth(path: str | Path, strict: bool = True):
    """:class:`roomtour.models.tcmonodepth.TCSmallNet` with the released checkpoint, in eval mode.

    The checkpoint stores each encoder unit twice, as ``encoder.features.{i}`` and again under
    ``encoder.stage{1,2,3}.{i}`` (the authors' stages are slices of ``features``, which keep the
    units' indices); the aliases are
    checked to hold the same tensors and dropped, so a tampered alias is reported, not ignored.
    Returns ``(model, report)`` with :func:`load_weights`' report.
    """
    from .tcmonodepth import TCSmallNet

    state = read_state_dict(path)
    folded = {}
    for key, value in state.items():
        parts = key.split(".")
        if len(parts) > 3 and parts[0] == "encoder" and parts[1] in ("stage1", "stage2", "stage3"):
            twin = ".".join(["encoder", "features", *parts[2:]])
            if twin in state and not torch.equal(state[twin], value):
                raise RoomtourError(path, f"not the TCMonoDepth checkpoint: {key} differs from {twin}")
            if twin in state:
                continue
            key = twin
        folded[key] = value
    model = TCSmallNet()
    report = load_state(model, folded, path, strict)
    return model.eval(), report
