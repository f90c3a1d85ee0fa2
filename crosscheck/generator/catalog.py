"""The program catalog of docs/RULEBOOK.md and its due dates and R06 deadlines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from crosscheck.generator.workdays import Workdays, month_add, month_end, month_start


@dataclass(frozen=True)
class Program:
    code: str
    name: str
    cycle: str  # monthly | quarterly | annual | oneoff
    person_level: bool
    means_tested: bool
    ceiling: Decimal | None


PROGRAMS = {
    p.code: p
    for p in [
        Program("01", "耕地地力保护补贴", "annual", False, False, None),
        Program("02", "农机购置补贴", "oneoff", False, False, None),
        Program("03", "大中型水库移民后期扶持资金", "annual", True, False, Decimal(600)),
        Program("04", "三峡移民补助资金", "annual", True, False, Decimal(600)),
        Program("05", "前一轮退耕还林直补资金", "annual", False, False, None),
        Program("06", "新一轮退耕还林直补资金", "annual", False, False, None),
        Program("07", "集体和个人所有森林生态效益补偿资金", "annual", False, False, None),
        Program("08", "农村部分计划生育家庭奖励扶助资金", "annual", True, False, Decimal(1200)),
        Program("09", "计划生育家庭特别扶助资金", "quarterly", True, False, Decimal(3000)),
        Program("10", "城乡居民最低生活保障金", "monthly", True, True, Decimal(900)),
        Program("11", "特困人员救助供养保障金", "monthly", True, True, Decimal(1200)),
        Program("12", "临时救助金", "oneoff", True, True, Decimal(5000)),
        Program("13", "经济困难高龄失能养老服务补贴", "monthly", True, True, Decimal(400)),
        Program("14", "重度残疾人护理补贴", "monthly", True, False, Decimal(150)),
        Program("15", "困难残疾人生活补贴", "monthly", True, True, Decimal(150)),
        Program("16", "散居孤儿、事实无人抚养儿童补助", "monthly", True, False, Decimal(1600)),
        Program("17", "自然灾害生活补助资金", "oneoff", True, False, Decimal(3000)),
        Program("18", "农村危房改造补助资金", "oneoff", False, False, None),
    ]
}
ROSTER_PROGRAMS = ("10", "11", "13", "14", "15", "16")
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
