"""Coverage tables: how much of each generated frame comes from the photo.

A generator that renders the photo itself (``static``, ``homography``,
``parallax``, the renders behind ``svd``) labels every output pixel
(:mod:`roomtour.render`): ``visible`` (from the photo), ``stretched`` (from
the photo, magnified beyond the renderer's limit), ``inpainted``
(disoccluded, filled from the background) or ``extrapolated`` (outside the
photo, made up).  The table has one row per frame with those fractions and
the framing that was applied (:mod:`roomtour.framing`); generators that do
not know (``import``, ``cami2v``) leave the fractions empty (NaN).

Every chain of a video inherits its raw video's coverage; the ``frozen``
baseline (frame 0 repeated) has frame 0's coverage on every frame.
"""

from __future__ import annotations

import csv
import math
from typing import TYPE_CHECKING

import numpy as np

from .render import LABELS

if TYPE_CHECKING:  # pandas is imported where a table is built or read: the camera job needs neither
    import pandas as pd

COLUMNS = list(LABELS)


def coverage_table(generator, frames: int) -> pd.DataFrame:
    """Per-frame coverage of what ``generator`` made last (NaN where it cannot tell)."""
    import pandas as pd

    coverage = getattr(generator, "coverage", None)
    framing = getattr(generator, "framing", None)
    rows = []
    for t in range(frames):
        row = {"frame": t}
        for name in COLUMNS:
            row[name] = coverage[t][name] if coverage is not None and t < len(coverage) else np.nan
        row["framing"] = framing.mode if framing is not None else "n/a"
        row["zoom"] = framing.zoom if framing is not None else np.nan
        row["damping"] = framing.damping if framing is not None else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def write_coverage(path, table: pd.DataFrame) -> None:
    from .video import atomic_path

    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False)


def read_coverage(path) -> pd.DataFrame:
    import pandas as pd

    from .errors import RoomtourError

    try:
        table = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise RoomtourError(path, f"cannot read the coverage table ({exc.__class__.__name__})") from None
    _check_columns(path, list(table.columns))
    return table


def _check_columns(path, columns: list) -> None:
    """One-line error naming ``path`` when the columns of a coverage table are missing."""
    from .errors import RoomtourError

    missing = [c for c in ["frame", *COLUMNS] if c not in columns]
    if missing:
        raise RoomtourError(path, f"not a coverage table (no column {', '.join(missing)})")


def read_framing(path) -> tuple[float, float] | None:
    """The ``(zoom, damping)`` a coverage table records (its first frame's), or None where the
    generator applied no framing (empty columns).  Reads the CSV without pandas: the camera
    accuracy job needs these two numbers only."""
    from .errors import RoomtourError

    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RoomtourError(path, f"cannot read the coverage table ({exc.__class__.__name__})") from None
    _check_columns(path, list(rows[0]) if rows else [])

    def number(text):
        try:
            return float(text)
        except (TypeError, ValueError):  # an empty field: pandas wrote NaN
            return math.nan

    if "zoom" not in rows[0] or "damping" not in rows[0] or all(math.isnan(number(r["zoom"])) for r in rows):
        return None
    return number(rows[0]["zoom"]), number(rows[0]["damping"])


def attach(rows: pd.DataFrame, table: pd.DataFrame, frozen: bool = False) -> pd.DataFrame:
    """Per-frame metric ``rows`` with the coverage columns of ``table`` (frame 0's for ``frozen``)."""
    cov = table.set_index("frame")
    out = rows.copy()
    frames = np.zeros(len(out), int) if frozen else out["frame"].to_numpy()
    for name in [*COLUMNS, "zoom", "damping"]:
        if name in cov:
            out[name] = cov[name].reindex(frames).to_numpy(float)
    return out
