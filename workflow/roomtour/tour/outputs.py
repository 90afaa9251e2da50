"""What a tour run writes, and that it writes only that: the deliverables' names
(:func:`deliverables`), which existing files are roomtour's own (:func:`owned`, from a manifest
beside them), and moving a finished run's files into place together (:func:`commit`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .options import TourOptions, format_slug

__all__ = ["Deliverable", "deliverables", "MANIFEST", "files_of", "owned", "commit"]


@dataclass
class Deliverable:
    """One video of the tour and the files beside it."""

    format: str
    variant: str  # "branded" or "unbranded"
    path: Path

    @property
    def poster(self) -> Path:
        return self.path.with_suffix(".jpg")

    @property
    def contact_sheet(self) -> Path:
        return self.path.with_name(self.path.stem + ".contact.png")

    @property
    def silent(self) -> Path:
        return self.path.with_name(self.path.stem + ".silent.mp4")


def deliverables(out: str | Path, options: TourOptions) -> list[Deliverable]:
    """The videos one run writes: ``out`` itself for one format and one variant, else
    ``<stem>-<16x9>[-unbranded].mp4`` beside it."""
    out = Path(out)
    many_formats, many_variants = len(options.formats) > 1, len(options.variants) > 1
    items = []
    for fmt in options.formats:
        for variant in options.variants:
            stem = out.stem + (f"-{format_slug(fmt)}" if many_formats else "")
            stem += "-unbranded" if many_variants and variant == "unbranded" else ""
            items.append(Deliverable(fmt, variant, out.with_name(stem + out.suffix)))
    return items


MANIFEST = ".roomtour-outputs.json"  # beside the outputs: what earlier runs wrote (name -> size, mtime)


def files_of(d: Deliverable, options: TourOptions) -> list[Path]:
    return [d.path] + ([d.poster] if options.poster else []) + ([d.contact_sheet] if options.contact_sheet else [])


def _manifest(folder: Path) -> dict:
    import json

    try:
        data = json.loads((folder / MANIFEST).read_text())
        return data.get("files", {}) if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def owned(path: Path) -> bool:
    """Whether ``path`` is a file an earlier run of roomtour wrote and nothing changed since."""
    entry = _manifest(path.parent).get(path.name)
    try:
        st = path.stat()
    except OSError:
        return False
    return isinstance(entry, dict) and entry.get("size") == st.st_size and entry.get("mtime_ns") == st.st_mtime_ns


def commit(staged: list[Deliverable], final: list[Deliverable], options: TourOptions) -> None:
    """Move every staged file onto its final name, then record them in the folder's manifest."""
    import json

    from ..video import atomic_path

    moved = []
    for s, d in zip(staged, final):
        for src, dst in zip(files_of(s, options), files_of(d, options)):
            if src.exists():
                os.replace(src, dst)
                moved.append(dst)
    folder = final[0].path.parent
    entries = _manifest(folder)
    for path in moved:
        st = path.stat()
        entries[path.name] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns}
    with atomic_path(folder / MANIFEST) as tmp:
        tmp.write_text(json.dumps({"files": entries}, indent=1, sort_keys=True))
