"""The studio's state: one SQLite database (WAL) and files under server-made names.

Everything lives under one data folder::

    studio.db                 listings, photos, agents, jobs
    files/<hex>.<ext>         uploads (photos, music, logos), named by the server
    jobs/<id>/                a render's working folder (its photos linked in tour order)
    renders/<id>/             a completed render's files, moved here whole when it succeeded

No client-supplied name ever becomes a path: :meth:`Store.file_path` takes only names this
module made (``[0-9a-f]{32}`` and a suffix from a fixed list).
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
import uuid
from pathlib import Path

from ..errors import RoomtourError

__all__ = ["Store", "FILE_NAME"]

FILE_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp|mp3|wav|m4a|aac|ogg|flac)$")

SCHEMA = """
CREATE TABLE IF NOT EXISTS agents (
    name TEXT PRIMARY KEY, phone TEXT DEFAULT '', email TEXT DEFAULT '', brokerage TEXT DEFAULT '',
    logo TEXT DEFAULT '');
CREATE TABLE IF NOT EXISTS listings (
    id INTEGER PRIMARY KEY, address TEXT NOT NULL, price TEXT DEFAULT '', agent TEXT DEFAULT '',
    music TEXT DEFAULT '', options TEXT DEFAULT '{}', created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS photos (
    id INTEGER PRIMARY KEY, listing INTEGER NOT NULL REFERENCES listings(id) ON DELETE CASCADE,
    file TEXT NOT NULL, original TEXT DEFAULT '', caption TEXT DEFAULT '', move TEXT DEFAULT 'auto',
    position INTEGER NOT NULL, width INTEGER, height INTEGER, thumb TEXT DEFAULT '');
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY, listing INTEGER NOT NULL REFERENCES listings(id) ON DELETE CASCADE,
    state TEXT NOT NULL, spec TEXT NOT NULL, progress TEXT DEFAULT '{}', message TEXT DEFAULT '',
    attempt INTEGER DEFAULT 0, created REAL NOT NULL, finished REAL, pid INTEGER);
"""

STATES = ("queued", "running", "done", "failed", "cancelled", "superseded")


def _is_render(pid: int, root: Path) -> bool:
    """Whether process ``pid`` is still a render of this studio (a pid may have been reused)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"roomtour" in cmdline and any(str(root).encode() in part for part in cmdline)


class Store:
    """Thread-safe access to the studio's database and files (one connection per thread)."""

    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()
        for sub in ("files", "jobs", "renders"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self.db_path = self.root / "studio.db"
        self._local = threading.local()
        with self.connect() as db:
            db.executescript(SCHEMA)

    # ------------------------------------------------------------------ database

    def connect(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.db_path, timeout=30, isolation_level=None, check_same_thread=False)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    def query(self, sql: str, args=()) -> list[dict]:
        return [dict(r) for r in self.connect().execute(sql, args).fetchall()]

    def one(self, sql: str, args=()) -> dict | None:
        row = self.connect().execute(sql, args).fetchone()
        return dict(row) if row else None

    def execute(self, sql: str, args=()) -> int:
        cur = self.connect().execute(sql, args)
        return cur.lastrowid

    # ------------------------------------------------------------------ files

    def new_file_name(self, suffix: str) -> str:
        name = f"{uuid.uuid4().hex}.{suffix}"
        assert FILE_NAME.match(name), name
        return name

    def file_path(self, name: str) -> Path:
        """The path of a stored upload; refuses any name this module did not make."""
        if not isinstance(name, str) or not FILE_NAME.match(name):
            raise RoomtourError("file", "not a file of this studio")
        return self.root / "files" / name

    def write_file(self, suffix: str, data: bytes) -> str:
        """Store ``data`` under a new server-made name: written beside, then renamed."""
        name = self.new_file_name(suffix)
        final = self.root / "files" / name
        tmp = final.with_name(f".{name}.part")
        tmp.write_bytes(data)
        tmp.replace(final)
        return name

    def render_dir(self, job_id: int) -> Path:
        return self.root / "renders" / str(int(job_id))

    def job_dir(self, job_id: int) -> Path:
        return self.root / "jobs" / str(int(job_id))

    # ------------------------------------------------------------------ listings

    def listing(self, listing_id: int) -> dict:
        row = self.one("SELECT * FROM listings WHERE id = ?", (int(listing_id),))
        if row is None:
            raise RoomtourError(f"listing {listing_id}", "no such listing")
        row["options"] = json.loads(row["options"] or "{}")
        return row

    def photos(self, listing_id: int) -> list[dict]:
        return self.query("SELECT * FROM photos WHERE listing = ? ORDER BY position, id", (int(listing_id),))

    def photo(self, listing_id: int, photo_id: int) -> dict:
        row = self.one("SELECT * FROM photos WHERE id = ? AND listing = ?", (int(photo_id), int(listing_id)))
        if row is None:
            raise RoomtourError(f"photo {photo_id}", "no such photo in this listing")
        return row

    def agent(self, name: str) -> dict:
        return self.one("SELECT * FROM agents WHERE name = ?", (name,)) or {
            "name": name, "phone": "", "email": "", "brokerage": "", "logo": ""}

    # ------------------------------------------------------------------ jobs

    def add_job(self, listing_id: int, spec: dict) -> int:
        return self.execute("INSERT INTO jobs (listing, state, spec, created) VALUES (?, 'queued', ?, ?)",
                            (int(listing_id), json.dumps(spec), time.time()))

    def job(self, job_id: int) -> dict | None:
        row = self.one("SELECT * FROM jobs WHERE id = ?", (int(job_id),))
        if row:
            row["spec"] = json.loads(row["spec"])
            row["progress"] = json.loads(row["progress"] or "{}")
        return row

    def jobs(self, listing_id: int) -> list[dict]:
        rows = self.query("SELECT * FROM jobs WHERE listing = ? ORDER BY id DESC", (int(listing_id),))
        for row in rows:
            row["spec"] = json.loads(row["spec"])
            row["progress"] = json.loads(row["progress"] or "{}")
        return rows

    def queue_position(self, job_id: int) -> int:
        """0 while running or finished; else how many queued jobs wait before it, plus one."""
        job = self.one("SELECT state FROM jobs WHERE id = ?", (int(job_id),))
        if not job or job["state"] != "queued":
            return 0
        return self.one("SELECT COUNT(*) AS n FROM jobs WHERE state = 'queued' AND id <= ?", (int(job_id),))["n"]

    def last_done(self, listing_id: int) -> dict | None:
        row = self.one("SELECT id FROM jobs WHERE listing = ? AND state = 'done' ORDER BY finished DESC, id DESC",
                       (int(listing_id),))
        return self.job(row["id"]) if row else None

    def requeue_interrupted(self) -> list[int]:
        """Jobs left ``running`` by a server that died: queued again (their working folders are
        made anew, so nothing half-written is reused)."""
        import os
        import signal

        rows = self.query("SELECT id, pid FROM jobs WHERE state = 'running'")
        for row in rows:
            if row["pid"] and _is_render(int(row["pid"]), self.root):
                try:  # what the dead server's render left running (its process group: pool workers, ffmpeg)
                    os.killpg(int(row["pid"]), signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            self.execute("UPDATE jobs SET state = 'queued', progress = '{}', pid = NULL WHERE id = ?", (row["id"],))
        return [row["id"] for row in rows]
