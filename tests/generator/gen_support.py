"""Helpers shared by the generator tests: the window and a generate() call."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from counties import generate_into

START = dt.date(2026, 9, 27)  # a Sunday before 国庆; the window holds a 1st and two Sundays
END = dt.date(2026, 10, 12)
COUNTY = {"persons": 600, "seed": 3, "start": START, "end": END}


def generate(root: Path, persons=600, seed=3, start=START, end=END, extra=()) -> Path:
    return generate_into(root, persons=persons, seed=seed, start=start, end=end, extra=tuple(extra))
