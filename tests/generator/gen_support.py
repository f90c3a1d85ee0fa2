"""Helpers shared by the generator tests: the window and a generate() call."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from crosscheck.cli import main

START = dt.date(2026, 9, 27)  # a Sunday before 国庆; the window holds a 1st and two Sundays
END = dt.date(2026, 10, 12)


def generate(root: Path, persons=600, seed=3, start=START, end=END, extra=()) -> Path:
    rc = main(
        [
            "generate", "--out", str(root / "landing"), "--persons", str(persons),
            "--seed", str(seed), "--start", start.isoformat(), "--end", end.isoformat(),
            "--quiet", *extra,
        ]
    )  # fmt: skip
    assert rc == 0
    return root / "landing"
