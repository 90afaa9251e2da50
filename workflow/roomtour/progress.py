"""Progress lines for long jobs, written to stderr (which the rules send to their log)."""

from __future__ import annotations

import sys
import time


class Progress:
    """Print ``label: i/n (rate, eta)`` at most every ``every`` seconds and at the end."""

    def __init__(self, label: str, total: int, every: float = 5.0, stream=None):
        self.label, self.total, self.every = label, total, every
        self.stream = stream or sys.stderr
        self.start = self.last = time.monotonic()
        self.done = 0

    def update(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last >= self.every or self.done >= self.total:
            rate = self.done / max(now - self.start, 1e-9)
            eta = (self.total - self.done) / rate if rate > 0 else float("inf")
            print(f"{self.label}: {self.done}/{self.total} ({rate:.2f}/s, eta {eta:.0f}s)", file=self.stream, flush=True)
            self.last = now
