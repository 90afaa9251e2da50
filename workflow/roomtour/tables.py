"""CSV tables read back by the CLI's steps: one line naming the file when one cannot be used."""

from __future__ import annotations

from pathlib import Path

from .errors import RoomtourError

__all__ = ["read_table"]


def read_table(path: str | Path, columns=(), what: str = "table"):
    """The CSV at ``path`` as a DataFrame, with every name in ``columns`` among its columns.

    A missing file, a directory, a file pandas cannot parse or a missing column is one
    :class:`RoomtourError` naming ``path`` and ``what`` the table should have been.
    """
    import pandas as pd

    path = Path(path)
    if path.is_dir():
        raise RoomtourError(path, f"a directory, not a {what} (CSV)")
    if not path.is_file():
        raise RoomtourError(path, f"{what} not found")
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise RoomtourError(path, f"cannot read the {what} as CSV ({exc.__class__.__name__})") from None
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise RoomtourError(path, f"not a {what}: no column {', '.join(missing)}")
    return table
