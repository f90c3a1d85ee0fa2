"""Cut the generated county into deliveries: which source on which day holds what."""

# ruff: noqa: E501  (SQL text)

from __future__ import annotations

import datetime as dt
from pathlib import Path

from crosscheck.generator.writers import EXCEL_EPOCH, SheetRows, write_csv, write_success
from crosscheck.ingest.sources import Source, load_sources


def delivery_days(source: Source, start: dt.date, end: dt.date) -> list[dt.date]:
    """The first delivery is on `start` (the baseline), then the source's cadence."""
    days = [start]
    d = start + dt.timedelta(1)
    while d <= end:
        if source.expected_on(d):
            days.append(d)
        d += dt.timedelta(1)
    return days


def _d(expr: str, fmt: str = "%Y-%m-%d") -> str:
    """SQL: a day offset column as text."""
    return f"strftime(DATE '{{base}}' + CAST({expr} AS INTEGER), '{fmt}')"


def snapshot_queries(base: dt.date) -> dict[str, str]:
    """Per source, the SQL (with {x}: the extract day offset, {xm}: its YYYYMM) of a delivery."""
    b = base.isoformat()

    def d(expr, fmt="%Y-%m-%d"):
        return _d(expr, fmt).replace("{base}", b)

    return {
        "hukou": f"""
            SELECT id AS c0, name AS c1, sex AS c2, birth AS c3, household_no AS c4, relation AS c5,
                   division AS c6,
                   CASE WHEN status <> '0' AND dereg_day <= {{x}} THEN status ELSE '0' END AS c7,
                   CASE WHEN status <> '0' AND dereg_day <= {{x}} THEN {d("dereg_day", "%Y%m%d")} END AS c8
            FROM persons WHERE in_hukou ORDER BY household_no, pos, id""",
        "vehicles": f"""
            SELECT plate_no AS c0, plate_class AS c1, owner_id AS c2, owner_name AS c3, use_code AS c4,
                   {d("first_reg", "%Y%m%d")} AS c5,
                   CASE WHEN status_day <= {{x}} THEN vstatus ELSE 'A' END AS c6,
                   {d("CASE WHEN status_day <= {x} THEN status_day ELSE first_reg END", "%Y%m%d")} AS c7
            FROM vehicles WHERE first_reg <= {{x}} ORDER BY plate_no, plate_class""",
        "assistance": """
            SELECT id_number AS c0, name AS c1, program AS c2, household_no AS c3, division AS c4,
                   start_month AS c5, end_month AS c6, status AS c7
            FROM roster ORDER BY household_no, id_number, program, start_month""",
        "payroll": """
            SELECT p.id AS c0, p.name AS c1, r.employer AS c2, r.employer_type AS c3,
                   CAST(m.month AS VARCHAR) AS c4, printf('%d.%02d', r.cents // 100, r.cents % 100) AS c5
            FROM payroll r JOIN persons p ON p.pidx = r.person
            JOIN months m ON m.month BETWEEN greatest(r.from_month, {lo}) AND least(r.to_month, {xm})
            ORDER BY p.id, r.employer, m.month""",
        "deaths": f"""
            SELECT cert_no AS c0, id_number AS c1, name AS c2, {d("death")} AS c3, {d("issued")} AS c4
            FROM deaths WHERE deliver = {{x}} OR ({{x}} = {{s}} AND deliver < {{s}})
            ORDER BY deliver, cert_no""",
        "cremations": f"""
            SELECT record_no AS c0, id_number AS c1, name AS c2, {d("death")} AS c3, {d("cremation")} AS c4,
                   home AS c5
            FROM cremations WHERE deliver = {{x}} OR ({{x}} = {{s}} AND deliver < {{s}})
            ORDER BY deliver, record_no""",
        "ledger": """
            SELECT payment_id AS c0, batch_no AS c1, program AS c2, recipient_id AS c3, recipient_name AS c4,
                   account_no AS c5, bank_name AS c6, amount AS c7, period AS c8, division AS c9,
                   approved_date AS c10, sent_date AS c11, status AS c12, status_date AS c13,
                   fail_reason AS c14, reissue_of AS c15, updated_at AS c16
            FROM ledger_out WHERE deliver = {x} ORDER BY updated_at, payment_id""",
    }


def month_minus(yyyymm: int, n: int) -> int:
    t = yyyymm // 100 * 12 + yyyymm % 100 - 1 - n
    return t // 12 * 100 + t % 12 + 1


def write_all(
    con,
    out: Path,
    base: dt.date,
    start: dt.date,
    end: dt.date,
    progress,
    parts: dict | None = None,
) -> dict:
    """Every delivery of every source from start to end; returns rows/bytes per source.

    `parts` (a province generated in parts): {"first": bool, "last": bool, "rows": {}}.
    The first part writes the files with their headers, later parts append to them,
    and the last writes the _SUCCESS markers with the rows counted over all parts.
    """
    sources = load_sources()
    queries = snapshot_queries(base)
    s = (start - base).days
    first = parts is None or parts["first"]
    last = parts is None or parts["last"]
    counted: dict = {} if parts is None else parts.setdefault("rows", {})
    stats: dict[str, dict] = {}
    sheets = None
    for name, source in sources.items():
        rows_total = bytes_total = 0
        days = delivery_days(source, start, end)
        for day in days:
            x = (day - base).days
            xm = day.year * 100 + day.month
            folder = out / name / day.strftime("%Y%m%d")
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / source.file_name(day)
            if source.format == "xlsx":
                if parts is not None:
                    raise ValueError(
                        f"{name}: a province generated in parts needs its deliveries as CSV "
                        "(one XLSX sheet holds 1,048,576 rows); declare it in the deployment file"
                    )
                sheets = sheets or SheetRows(con, *sscards_queries(base), source)
                rows = sheets.write(path, x, day)
            else:
                if name == "sscards":
                    q = sscards_csv_query(base).format(x=x)
                else:
                    q = queries[name].format(x=x, s=s, xm=xm, lo=month_minus(xm, 23))
                rows = write_csv(con, q, path, source, append=not first)
            rows = counted[(name, day)] = counted.get((name, day), 0) + rows
            if last:
                write_success(folder, name, day, path, rows)
            rows_total += rows
            bytes_total += path.stat().st_size
        stats[name] = {"deliveries": len(days), "rows": rows_total, "bytes": bytes_total}
        progress.step(f"{name}: {len(days)} deliveries, {rows_total} rows, {bytes_total} bytes")
    return stats


def sscards_csv_query(base: dt.date) -> str:
    """The card register as CSV (a deployment that receives it so): the same rows as the
    workbook's (sscards_queries), 发卡日期 as YYYY-MM-DD."""
    return f"""
        SELECT id_typed AS c0, name AS c1, card_no AS c2, account_no AS c3, bank_name AS c4,
               CASE WHEN change_day <= {{x}} THEN fin_after ELSE fin END AS c5,
               CASE WHEN change_day <= {{x}} THEN status_after ELSE status END AS c6,
               {_d("issued").replace("{base}", base.isoformat())} AS c7
        FROM cards WHERE issued <= {{x}} ORDER BY card_no"""


def sscards_queries(base: dt.date) -> tuple[str, str]:
    """The card register before and after each card's (rare) status change."""
    serial = (base - EXCEL_EPOCH).days
    cols = "id_typed AS c0, name AS c1, card_no AS c2, account_no AS c3, bank_name AS c4"
    before = f"""SELECT issued AS visible, change_day AS changed, {cols}, fin AS c5, status AS c6,
                        issued + {serial} AS c7
                 FROM cards ORDER BY card_no"""
    after = f"""SELECT {cols}, fin_after AS c5, status_after AS c6, issued + {serial} AS c7
                FROM cards WHERE change_day < 10000000 ORDER BY card_no"""
    return before, after
