"""Progress lines for long work, on stderr so stdout stays parseable."""

from __future__ import annotations

import sys
import time


class Progress:
    """Prints `[  12.3s] message` lines, timed from creation."""

    def __init__(self, quiet: bool = False, stream=None):
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.t0 = time.monotonic()

    def step(self, message: str) -> None:
        if not self.quiet:
            elapsed = time.monotonic() - self.t0
            print(f"[{elapsed:7.1f}s] {message}", file=self.stream, flush=True)
