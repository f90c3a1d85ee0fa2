"""Working days by the PRC statutory calendar (holidays and 调休 working weekends).

`chinese_calendar` covers 2004–2026 at the time of writing; outside the years
it covers, Monday–Friday are working days (docs/RULEBOOK.md "Working day"), and the
answers say so, so an artefact can tell its reader.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar


def statutory_workday(day: dt.date) -> bool:
    """A working day under the statutory calendar; Monday–Friday outside its years."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def covered(day: dt.date) -> bool:
    """Whether the statutory calendar knows this day's year."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def add_working_days(day: dt.date, n: int) -> tuple[dt.date, bool]:
    """The n-th working day strictly after `day` (n >= 1), and whether every day
    counted was in the statutory calendar (False: Monday–Friday were assumed)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    statutory = True
    d = day
    while n:
        d += dt.timedelta(days=1)
        statutory = statutory and covered(d)
        if statutory_workday(d):
            n -= 1
    return d, statutory
