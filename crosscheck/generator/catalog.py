"""The program catalog (crosscheck/rulebook.yml) and its due dates and R06 deadlines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from crosscheck import rulebook
from crosscheck.generator.workdays import Workdays, month_add, month_end, month_start


@dataclass(frozen=True)
class Program:
    code: str
    name: str
    cycle: str  # monthly | quarterly | annual | oneoff
    person_level: bool
    means_tested: bool
    ceiling: Decimal | None


_RULEBOOK = rulebook.load()
PROGRAMS = {
    code: Program(code, p.zh, p.cycle.replace("-", ""), p.person_level, p.means_tested, p.ceiling)
    for code, p in _RULEBOOK.programs.items()
}
ROSTER_PROGRAMS = tuple(_RULEBOOK.param("roster_programs"))
MEANS_TESTED = tuple(c for c, p in PROGRAMS.items() if p.means_tested)


def money(value) -> str:
    return str(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def covered_months(period: str) -> list[int]:
    if "Q" in period:
        y, q = int(period[:4]), int(period[5])
        return [y * 100 + 3 * (q - 1) + k for k in (1, 2, 3)]
    if len(period) == 4:
        return [int(period) * 100 + k for k in range(1, 13)]
    return [int(period)]


def quarter_of(yyyymm: int) -> str:
    return f"{yyyymm // 100}Q{(yyyymm % 100 - 1) // 3 + 1}"


def due_date(cal: Workdays, program: str, period: str, approved: dt.date) -> dt.date:
    cycle = PROGRAMS[program].cycle
    if cycle == "oneoff":
        return cal.date(cal.add(cal.idx(approved), 7))
    if cycle == "monthly":
        d = month_start(int(period)).replace(day=10)
    elif cycle == "quarterly":
        d = month_start(covered_months(period)[-1]).replace(day=20)
    else:
        d = dt.date(int(period), 6, 30)
    return cal.date(cal.on_or_after(cal.idx(d)))


def r06_deadline(program: str, failure: dt.date) -> dt.date:
    cycle = PROGRAMS[program].cycle
    m = failure.year * 100 + failure.month
    if cycle == "monthly":
        return month_start(month_add(m, 1)).replace(day=28)
    if cycle == "quarterly":
        q_last = m + (2 - (m % 100 - 1) % 3)
        return month_end(month_add(q_last, 1))
    return month_end(month_add(m, 1))
