"""Render jobs: queued in the database, run by worker threads as ``roomtour tour`` processes.

The web server never renders: each worker thread claims the oldest queued job, lays out its
photos (linked in tour order, a ``tour.yaml`` with captions and moves), and runs ``python -m
roomtour tour`` in its own process group, reading its progress lines.  The render writes into
a fresh folder per attempt; only when every file of the run is complete is that folder moved
whole to ``renders/<job>/`` and the job marked done, so nothing half-written is ever served and
a listing's previous complete render stays until then.  A job the server was killed in the
middle of is queued again at the next start (:meth:`Store.requeue_interrupted`) and rendered
anew; rendering is deterministic, so its frames equal an uninterrupted render's.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from ..config import safe_name
from .store import Store

__all__ = ["JobRunner", "tour_command", "PROGRESS_RE"]

log = logging.getLogger(__name__)

# "tour: 16:9 photo 3/10 [#####...] frame 312/1190, ..." (no format label in a one-format run)
PROGRESS_RE = re.compile(r"^tour: (?:(\d+:\d+) )?photo \d+/\d+ \[[# ]*\] frame (\d+)/(\d+)")
_FLAG_OPTIONS = ("formats",)


def tour_command(photos: Path, out: Path, options: dict, threads: int | None = None) -> list[str]:
    """``python -m roomtour tour`` with one flag per option (``options`` as validated by the
    schema's ``tour_options``): booleans as ``--x``/``--no-x``, formats comma-separated."""
    cmd = [sys.executable, "-m", "roomtour"]
    if threads:
        cmd += ["--threads", str(int(threads))]
    cmd += ["tour", str(photos), "-o", str(out)]
    for key, value in sorted(options.items()):
        flag = "--" + key.replace("_", "-")
        if key == "formats":
            cmd += ["--format", ",".join(value)]
        elif isinstance(value, bool):
            cmd.append(flag if value else "--no-" + key.replace("_", "-"))
        elif value is not None and value != "":
            cmd += [flag, str(value)]
    return cmd


def readiness(report: str, out: Path) -> dict:
    """``{video file name: "ready for ...; not for ..."}`` from ``roomtour tour``'s report lines."""
    lines = {}
    for line in report.splitlines():
        path, sep, rest = line.partition(": ")
        if sep and path.startswith(str(out)) and "ready for" in rest:
            lines[Path(path).name] = rest.split("; ", 1)[-1] if "; " in rest else rest
    return lines


def _pdeathsig():  # the render dies with the server's worker (Linux), never orphaned
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class JobRunner:
    """At most ``workers`` renders at once; see the module docstring."""

    def __init__(self, store: Store, workers: int = 1, weights_dir: str = "", threads: int | None = None):
        self.store, self.workers, self.weights_dir, self.threads = store, max(1, int(workers)), weights_dir, threads
        self._claim = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        requeued = self.store.requeue_interrupted()
        if requeued:
            log.info("queued again after a restart: job(s) %s", ", ".join(map(str, requeued)))
        for i in range(self.workers):
            t = threading.Thread(target=self._loop, name=f"render-worker-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def notify(self) -> None:
        self._wake.set()

    # ------------------------------------------------------------------ the loop

    def _next(self) -> dict | None:
        with self._claim:
            row = self.store.one("SELECT id FROM jobs WHERE state = 'queued' ORDER BY id LIMIT 1")
            if row is None:
                return None
            self.store.execute("UPDATE jobs SET state = 'running', attempt = attempt + 1, progress = '{}' "
                               "WHERE id = ?", (row["id"],))
            return self.store.job(row["id"])

    def _loop(self) -> None:
        while not self._stop.is_set():
            job = self._next()
            if job is None:
                self._wake.wait(1.0)
                self._wake.clear()
                continue
            try:
                self.run(job)
            except Exception as exc:  # a bug must not kill the worker: the job fails with one line
                log.exception("job %s", job["id"])
                self._finish(job["id"], "failed", f"internal error: {exc.__class__.__name__}: {exc}")

    def _finish(self, job_id: int, state: str, message: str = "", progress: dict | None = None) -> None:
        args = [state, message, time.time()]
        sql = "UPDATE jobs SET state = ?, message = ?, finished = ?"
        if progress is not None:
            sql += ", progress = ?"
            args.append(json.dumps(progress))
        self.store.execute(sql + " WHERE id = ? AND state = 'running'", (*args, job_id))

    # ------------------------------------------------------------------ one job

    def layout(self, job: dict, work: Path) -> Path:
        """The job's photos linked in tour order with a ``tour.yaml`` (captions, moves)."""
        import yaml

        photos = work / "photos"
        photos.mkdir(parents=True)
        entries = []
        for i, p in enumerate(job["spec"]["photos"], start=1):
            src = self.store.file_path(p["file"])
            name = f"{i:02d}_{safe_name(p['caption'] or 'photo')[:40]}.{src.suffix.lstrip('.')}"
            try:  # a hard link: the tour reads only files inside its folder, and a link costs no copy
                os.link(src, photos / name)
            except OSError:
                shutil.copyfile(src, photos / name)
            entries.append({"file": name, "caption": p["caption"], "motion": p["move"]})
        (photos / "tour.yaml").write_text(yaml.safe_dump({"photos": entries}, allow_unicode=True))
        return photos

    def run(self, job: dict) -> None:
        job_id = job["id"]
        work = self.store.job_dir(job_id) / f"attempt-{job['attempt']}"
        shutil.rmtree(self.store.job_dir(job_id), ignore_errors=True)  # an interrupted attempt's leftovers
        photos = self.layout(job, work)
        out = work / "out"
        out.mkdir()
        spec = job["spec"]
        options = dict(spec["options"])
        for key in ("music", "logo"):
            if options.get(key):
                options[key] = str(self.store.file_path(options[key]))
        options["weights_dir"] = self.weights_dir or None
        cmd = tour_command(photos, out / f"{spec['slug']}.mp4", options, self.threads)
        env = dict(os.environ, ROOMTOUR_PROGRESS_SECONDS="0.5", PYTHONUNBUFFERED="1")
        progress = {f: 0.0 for f in options["formats"]}
        stdout = open(work / "report.txt", "w")
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, text=True, env=env,
                                start_new_session=True, preexec_fn=_pdeathsig)
        stdout.close()
        self.store.execute("UPDATE jobs SET pid = ? WHERE id = ?", (proc.pid, job_id))
        watcher = threading.Thread(target=self._watch_cancel, args=(job_id, proc), daemon=True)
        watcher.start()
        last_error, tail = "", []
        with open(work / "render.log", "w") as logfile:
            for line in proc.stderr:
                logfile.write(line)
                line = line.strip()
                tail = (tail + [line])[-5:]
                m = PROGRESS_RE.match(line)
                if m:
                    fmt = m.group(1) or options["formats"][0]
                    progress[fmt] = int(m.group(2)) / max(1, int(m.group(3)))
                    self.store.execute("UPDATE jobs SET progress = ? WHERE id = ? AND state = 'running'",
                                       (json.dumps(progress), job_id))
                elif line.startswith("roomtour: error:"):
                    last_error = line[len("roomtour: error:"):].strip()
        rc = proc.wait()
        state = self.store.job(job_id)["state"]
        if state != "running":  # cancelled while it ran
            shutil.rmtree(self.store.job_dir(job_id), ignore_errors=True)
            return
        if rc != 0:
            message = last_error or (tail[-1] if tail else f"the render stopped (exit {rc})")
            # paths inside the data folder mean nothing to the agent: name the photo or the step
            message = message.replace(str(photos) + "/", "").replace(str(self.store.root) + "/", "")
            self._finish(job_id, "failed", message[:300])
            shutil.rmtree(self.store.job_dir(job_id), ignore_errors=True)
            return
        done = {f: 1.0 for f in progress}
        done["platforms"] = readiness((work / "report.txt").read_text(), out)
        final = self.store.render_dir(job_id)
        shutil.rmtree(final, ignore_errors=True)
        os.replace(out, final)  # the whole set appears at once
        shutil.rmtree(self.store.job_dir(job_id), ignore_errors=True)
        self._finish(job_id, "done", "", done)
        self._drop_older(job)

    def _drop_older(self, job: dict) -> None:
        """Earlier renders of the listing, now that a newer one is complete (disk is not endless)."""
        for row in self.store.query("SELECT id FROM jobs WHERE listing = ? AND id < ? AND state = 'done'",
                                    (job["listing"], job["id"])):
            shutil.rmtree(self.store.render_dir(row["id"]), ignore_errors=True)
            self.store.render_dir(row["id"]).with_name(f"{row['id']}.zip").unlink(missing_ok=True)
            self.store.execute("UPDATE jobs SET state = 'superseded' WHERE id = ?", (row["id"],))

    def _watch_cancel(self, job_id: int, proc: subprocess.Popen) -> None:
        while proc.poll() is None:
            job = self.store.one("SELECT state FROM jobs WHERE id = ?", (job_id,))
            if job is None or job["state"] == "cancelled" or self._stop.is_set():
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(5)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                return
            time.sleep(0.5)
