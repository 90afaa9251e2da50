"""Where a model's weights file is: the one resolver every model uses.

A model names its file relative to ``weights_dir`` (the config's setting, by default
``../shared/weights``), e.g. ``tcmonodepth/_ckpt_small.pt.tar``.  :func:`find_weights`
returns it (or a file of the same name directly in ``weights_dir``) or raises one line
naming the path it expected and where the official file is.  Nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import RoomtourError

__all__ = ["WEIGHT_SOURCES", "find_weights", "weights_dirs", "default_weights_dir"]

# where each file officially comes from, for the error message (prefix of the relative path -> page)
WEIGHT_SOURCES = {
    "realesrgan/realesr-animevideov3.pth": "https://github.com/xinntao/Real-ESRGAN/releases/download/v0.2.5.0/realesr-animevideov3.pth",
    "opencv_dnn_superres/FSRCNN": "https://github.com/Saafke/FSRCNN_Tensorflow/tree/master/models",
    "opencv_dnn_superres/ESPCN": "https://github.com/fannymonori/TF-ESPCN/tree/master/export",
    "tcmonodepth/": "https://github.com/yu-li/TCMonoDepth/tree/master/weights",
}


def default_weights_dir() -> str:
    """The schema's ``weights_dir`` default (the workflow's, the CLI's and the tours' one default)."""
    from ..schema import schema_default

    return schema_default("weights_dir")


def weights_dirs(weights_dir: str | Path | None) -> list[Path]:
    """Where to look, in order: ``weights_dir`` as given (relative to the working directory), then,
    for a relative one, the same path relative to the checkout.  The default ``../shared/weights``
    means "beside the checkout", so a workflow run with ``--directory`` elsewhere, or a tour made
    from another folder, still finds it."""
    base = Path(weights_dir or default_weights_dir())
    if base.is_absolute():
        return [base]
    from ..schema import CHECKOUT

    return [base, CHECKOUT / base]


def find_weights(weights_dir: str | Path | None, relative: str, weights: str | Path = "") -> Path:
    """The weights file: ``weights`` when given (a path, or relative to ``weights_dir``), else
    ``weights_dir/relative`` or a file of that name directly in ``weights_dir``.

    ``weights_dir`` None or empty means :func:`default_weights_dir`.
    """
    bases = weights_dirs(weights_dir)
    if weights:
        path = Path(weights)
        candidates = [path] if path.is_absolute() else [path, *(base / path for base in bases)]
        where = path
    else:
        candidates = [c for base in bases for c in (base / relative, base / Path(relative).name)]
        where = bases[0] / relative
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    source = next((url for key, url in WEIGHT_SOURCES.items() if relative.startswith(key)), "the model's release page")
    raise RoomtourError(where, f"weights file not found; download it from {source} into weights_dir")
