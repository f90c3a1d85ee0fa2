"""Working days by the PRC statutory calendar (holidays and 调休), as arrays.

Days are integer offsets from `base`, so timelines of millions of payments
are computed with numpy instead of date objects. Years the calendar table
does not cover fall back to Monday–Friday, as docs/RULEBOOK.md prescribes.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from crosscheck.workdays import statutory_workday


class Workdays:
    """The calendar from `first` to `last` (inclusive) as day offsets."""

    def __init__(self, first: dt.date, last: dt.date):
        self.base = first
        n = (last - first).days + 1
        self.days = [first + dt.timedelta(i) for i in range(n)]
        self.is_work = np.array([statutory_workday(d) for d in self.days], dtype=bool)
        self.cum = np.cumsum(self.is_work)  # working days <= i
        self.work_idx = np.flatnonzero(self.is_work)
        self.iso = np.array([d.isoformat() for d in self.days], dtype=object)
        self.compact = np.array([d.strftime("%Y%m%d") for d in self.days], dtype=object)

    def idx(self, day: dt.date) -> int:
        return (day - self.base).days

    def date(self, i) -> dt.date:
        return self.base + dt.timedelta(int(i))

    def add(self, i, n):
        """The n-th working day strictly after day i (n >= 1); n = 0 gives i itself."""
        i = np.asarray(i)
        n = np.asarray(n)
        out = self.work_idx[np.clip(self.cum[i] + n - 1, 0, len(self.work_idx) - 1)]
        return np.where(n == 0, i, out)

    def on_or_after(self, i):
        """Day i if a working day, else the next working day."""
        i = np.asarray(i)
        return np.where(self.is_work[i], i, self.add(i, 1))

    def sub(self, i, n):
        """The n-th working day strictly before day i (n >= 1)."""
        i = np.asarray(i)
        before = self.cum[i] - self.is_work[i].astype(int)  # working days < i
        return self.work_idx[np.clip(before - n, 0, len(self.work_idx) - 1)]

    def between(self, x, y):
        """Working days in the interval (x, y]."""
        return self.cum[np.asarray(y)] - self.cum[np.asarray(x)]


def month_add(yyyymm: int, n: int) -> int:
    y, m = divmod(yyyymm // 100 * 12 + yyyymm % 100 - 1 + n, 12)
    return y * 100 + m + 1


def month_of(day: dt.date) -> int:
    return day.year * 100 + day.month


def month_start(yyyymm: int) -> dt.date:
    return dt.date(yyyymm // 100, yyyymm % 100, 1)


def month_end(yyyymm: int) -> dt.date:
    return month_start(month_add(yyyymm, 1)) - dt.timedelta(1)


def months_add(yyyymm: np.ndarray, n) -> np.ndarray:
    """month_add over arrays."""
    t = np.asarray(yyyymm) // 100 * 12 + np.asarray(yyyymm) % 100 - 1 + np.asarray(n)
    return t // 12 * 100 + t % 12 + 1
