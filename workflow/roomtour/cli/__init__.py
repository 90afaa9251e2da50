"""``roomtour``: the command line, one module per audience.

- :mod:`.study`: the study's steps, one step on one video per command (the Snakemake rules
  call them, so each step is usable outside the workflow too);
- :mod:`.benchmarks`: the restoration benchmark, training, the RealEstate10K suite;
- :mod:`.tours`: ``roomtour tour`` for agents, and the workflow's tour steps.

Handlers are glue; the work is in the package's modules.  Bad input ends with one line
``roomtour: error: <file>: <problem>`` and exit status 2; outputs are written atomically, so
a failed step leaves no half-written file.  Progress and warnings go through :mod:`logging`
to stderr (``tour: warning: ...``).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

from ..errors import RoomtourError
from . import benchmarks, config_check, study, tours, web
from .args import _set_threads

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="roomtour", description="roomtour: photos to camera-guided videos, "
                                                             "post-processed and scored; property tours.")
    p.add_argument("--threads", type=int, default=None, help="CPU threads for OpenCV/torch (default: all)")
    p.add_argument("--quiet", action="store_true", help="warnings and errors only")
    sub = p.add_subparsers(dest="command", required=True)
    study.add_commands(sub)
    benchmarks.add_commands(sub)
    tours.add_commands(sub)
    config_check.add_commands(sub)
    web.add_commands(sub)
    return p


def one_line(text: str) -> str:
    """``text`` with control characters escaped (a newline in a file name must not split a log line)."""
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in str(text))


class _Lines(logging.Formatter):
    """``tour: message`` / ``tour: warning: message``: the part of roomtour speaking, then the line."""

    def format(self, record):
        part = record.name.split(".")[1] if record.name.count(".") else record.name
        level = "warning: " if record.levelno >= logging.WARNING else ""
        return f"{part}: {level}{one_line(record.getMessage())}"


def setup_logging(quiet: bool = False) -> None:
    root = logging.getLogger("roomtour")
    if not any(getattr(h, "_roomtour", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_Lines())
        handler._roomtour = True
        root.addHandler(handler)
    root.setLevel(logging.WARNING if quiet else logging.INFO)


def _stop(signum, frame):
    """SIGTERM (a kill, a timeout, the studio's cancel) unwinds like Ctrl-C: outputs are written
    beside their names and renamed only when complete, so unwinding leaves none half-made."""
    raise KeyboardInterrupt(signum)


def main(argv=None) -> int:
    import signal

    args = build_parser().parse_args(argv)
    setup_logging(args.quiet)
    _set_threads(args.threads)
    start = time.monotonic()
    try:
        previous = signal.signal(signal.SIGTERM, _stop)
    except ValueError:  # not the main thread (an embedding program): its own handling stands
        previous = None
    try:
        args.func(args)
    except KeyboardInterrupt as exc:
        terminated = bool(exc.args) and exc.args[0] == signal.SIGTERM
        print(f"roomtour: error: {args.command}: {'stopped' if terminated else 'interrupted'}; earlier outputs "
              "are as they were and nothing half-written is left", file=sys.stderr)
        return 143 if terminated else 130
    except RoomtourError as exc:
        print(f"roomtour: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except MemoryError:
        print(f"roomtour: error: {args.command}: out of memory (a smaller --size or image?)", file=sys.stderr)
        return 2
    except OSError as exc:
        # a full disk, a read-only directory: one line naming the file, not a traceback
        where = exc.filename or args.command
        print(f"roomtour: error: {one_line(where)}: {one_line(exc.strerror or exc)}", file=sys.stderr)
        return 2
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    print(f"roomtour {args.command}: done in {time.monotonic() - start:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
