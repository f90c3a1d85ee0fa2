"""Write seeds/statutory_calendar.csv from the `chinese_calendar` package.

One row per day of every year the package covers (2004–2026 at the time of
writing), with is_working_day under the PRC statutory calendar: public
holidays off, adjusted weekend working days (调休) on. int_calendar falls back
to Monday–Friday outside these years and a warn test says so on every run.

Re-run after upgrading chinesecalendar:
    .venv/bin/python dbt_project/scripts/build_calendar_seed.py
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import chinese_calendar

SEED = Path(__file__).resolve().parent.parent / "seeds" / "statutory_calendar.csv"


def covered_years() -> range:
    """The years chinese_calendar has data for (it raises outside them)."""
    years = sorted(
        {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
    )
    return range(years[0], years[-1] + 1)


def rows(years: range):
    day = dt.date(years.start, 1, 1)
    end = dt.date(years.stop - 1, 12, 31)
    while day <= end:
        yield day.isoformat(), "true" if chinese_calendar.is_workday(day) else "false"
        day += dt.timedelta(days=1)


def main() -> None:
    years = covered_years()
    with SEED.open("w", encoding="utf-8", newline="\n") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["day", "is_working_day"])
        w.writerows(rows(years))
    print(f"wrote {SEED} ({years.start}–{years.stop - 1})")


if __name__ == "__main__":
    main()
