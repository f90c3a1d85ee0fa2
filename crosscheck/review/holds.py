"""The county-wide 暂停支付清单 for the payment desk, from marts.hold_list.

The pending payments some rule flags, to stop before the bank pays them: one
row per payment with the township's name, the rules it breaks and what to
check. Written as a protected A4-landscape workbook and as a CSV (UTF-8 with
BOM, so Excel and WPS open it in Chinese) with the same columns; identifiers
masked by the one rule (privacy.show) unless full identifiers are asked for,
which is recorded (review/access.py).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.workbook.protection import WorkbookProtection

from crosscheck import config, divisions
from crosscheck.errors import CrosscheckError
from crosscheck.publish import reading
from crosscheck.query import records, scalar
from crosscheck.review import cells, forms
from crosscheck.review.access import record_full_access
from crosscheck.review.labels import SEVERITY, program_label, rule_label, subtype_label
from crosscheck.review.privacy import make_private, private_dir, private_files, show
from crosscheck.warehouse import has_table

log = logging.getLogger(__name__)

TITLE = "暂停支付清单"
ID_FONT = Font(size=8)  # 32-character 问题编号, one a line
SUMMARY_SHEET = "按乡镇汇总"

# (header, width) of the list, in order; the CSV has the same columns.
COLUMNS = [
    ("序号", 5),
    ("乡镇", 9),
    ("区划代码", 10),
    ("支付单号", 12),
    ("批次号", 14),
    ("姓名", 8),
    ("身份证号", 18),
    ("收款账号", 20),
    ("补贴项目", 16),
    ("所属期", 7),
    ("发放金额(元)", 10),
    ("风险金额(元)", 10),
    ("审批日期", 10),
    ("风险等级", 5),
    ("违反规则", 22),
    ("首次发现", 10),
    ("问题编号", 24),
]
HEADERS = [h for h, _ in COLUMNS]

FETCH_SQL = """
SELECT payment_id, rule_codes, findings, severity, person_id, person_name, recipient_id_raw,
       household_no, account_no, program_code, period, amount, amount_at_risk, approved_date,
       county_code, township_code, batch_no, first_seen, as_of, evidence, anomaly_ids
FROM marts.hold_list
ORDER BY township_code NULLS LAST, amount DESC, payment_id
"""


@dataclass
class HoldsResult:
    as_of: dt.date
    payments: int = 0
    amount: Decimal = Decimal(0)
    townships: int = 0
    files: list[Path] = field(default_factory=list)
    full_identifiers: bool = False
    note: str | None = None


def file_stem(county: str | None, as_of: dt.date) -> str:
    """暂停支付清单_丰都县_500230_20261031 (all counties of the warehouse: 全部)."""
    part = divisions.file_part(county) if county else "全部"
    return f"{TITLE}_{part}_{as_of:%Y%m%d}"


def _rules(rec: dict) -> str:
    """R01 已故人员领取补贴（…）; R02 … from the hold list's evidence array."""
    try:
        items = json.loads(rec["evidence"] or "[]")
    except ValueError:
        items = []
    seen: list[str] = []
    for item in items if isinstance(items, list) else []:
        label = rule_label(item.get("rule_code"))
        if item.get("subtype"):
            label += f"（{subtype_label(item['subtype'])}）"
        if label and label not in seen:
            seen.append(label)
    if not seen:
        seen = [rule_label(c.strip()) for c in (rec["rule_codes"] or "").split(",") if c.strip()]
    return "；".join(seen)


def _row(seq: int, rec: dict, full: bool) -> list:
    person_id = rec["person_id"] or rec["recipient_id_raw"]
    return [
        seq,
        divisions.display_name(rec["township_code"]),
        rec["township_code"],
        rec["payment_id"],
        rec["batch_no"],
        rec["person_name"],
        show(person_id, full=full, field="person_id"),
        show(rec["account_no"], full=full, field="account_no"),
        program_label(rec["program_code"]),
        rec["period"],
        rec["amount"],
        rec["amount_at_risk"],
        rec["approved_date"],
        SEVERITY.get(rec["severity"], rec["severity"]),
        _rules(rec),
        rec["first_seen"],
        (rec["anomaly_ids"] or "").replace(",", "\n"),
    ]


def _fetch(warehouse: Path, as_of: dt.date) -> tuple[list[dict], str | None]:
    with reading(warehouse) as (con, note):
        if not has_table(con, "marts", "hold_list"):
            raise CrosscheckError(
                f"warehouse {warehouse} has no marts.hold_list: run the nightly job first"
            )
        recs = records(con, FETCH_SQL)
        built = scalar(
            con,
            "SELECT max(last_seen) FROM marts.anomalies"
            if has_table(con, "marts", "anomalies")
            else "SELECT NULL",
        )
    dates = {r["as_of"] for r in recs} or ({built} if built else set())
    if dates and dates != {as_of}:
        latest = max(dates)
        raise CrosscheckError(
            f"the hold list is as of {latest}, not {as_of}: "
            f"use --as-of {latest}, or run the nightly job for {as_of} first"
        )
    return recs, note


def _write_xlsx(path: Path, recs: list[dict], as_of: dt.date, county: str | None, full: bool):
    rows = [cells.row(show(v, full=full) for v in _row(i, r, full)) for i, r in enumerate(recs, 1)]
    place = divisions.label(county) if county else "全部"
    title = f"{place} {TITLE}（数据截至{as_of:%Y-%m-%d}，共{len(recs)}笔）"
    wb = Workbook()
    ws = wb.active
    ws.title = TITLE
    forms.header_row(ws, COLUMNS)
    for row in rows:
        ws.append(row)
    col = {h: i for i, h in enumerate(HEADERS, start=1)}
    for r in range(2, len(rows) + 2):
        for c in range(1, len(COLUMNS) + 1):
            cell = ws.cell(row=r, column=c)
            cell.border = forms.BORDER
            cell.alignment = forms.WRAP
            cell.font = forms.DATA_FONT
        for h in ("发放金额(元)", "风险金额(元)"):
            ws.cell(row=r, column=col[h]).number_format = "#,##0.00"
        for h in ("审批日期", "首次发现"):
            ws.cell(row=r, column=col[h]).number_format = "yyyy-mm-dd"
    for r in range(2, len(rows) + 2):
        ws.cell(row=r, column=col["问题编号"]).font = ID_FONT
    forms.fit_rows(ws, 2, len(rows) + 1)
    ws.freeze_panes = "D2"
    if rows:
        ws.auto_filter.ref = (
            f"A1:{ws.cell(row=1, column=len(COLUMNS)).column_letter}{len(rows) + 1}"
        )
    forms.protect(ws)
    forms.print_setup(ws, title=title, left_footer="经办人：__________　复核人：__________")

    summary = wb.create_sheet(SUMMARY_SHEET)
    forms.header_row(summary, [("乡镇", 14), ("区划代码", 12), ("笔数", 8), ("发放金额(元)", 14)])
    totals: dict[str | None, list] = {}
    for rec in recs:
        tally = totals.setdefault(rec["township_code"], [0, Decimal(0)])
        tally[0] += 1
        tally[1] += rec["amount"] or Decimal(0)
    for code, (n, amount) in totals.items():
        summary.append(cells.row([divisions.display_name(code), code, n, amount]))
    summary.append(["合计", "", len(recs), sum((t[1] for t in totals.values()), Decimal(0))])
    for r in range(2, summary.max_row + 1):
        summary.cell(row=r, column=4).number_format = "#,##0.00"
        for c in range(1, 5):
            summary.cell(row=r, column=c).border = forms.BORDER
    forms.protect(summary)
    forms.print_setup(summary, title=title)
    summary.page_setup.orientation = "portrait"
    wb.security = WorkbookProtection(lockStructure=True)
    with private_files():
        wb.save(path)
    return rows


def _write_csv(path: Path, rows: list[list]) -> None:
    with private_files(), path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = cells.csv_writer(fh)
        w.writerow(HEADERS)
        for row in rows:
            w.writerow([v.isoformat() if isinstance(v, dt.date) else v for v in row])


def write_holds(
    warehouse: Path | str,
    as_of: dt.date,
    out: Path | str | None = None,
    *,
    full_identifiers: bool = False,
    requested_by: str | None = None,
) -> HoldsResult:
    """Write the county-wide 暂停支付清单 (xlsx and CSV) of the hold list as of `as_of`."""
    warehouse = Path(warehouse)
    if not warehouse.exists():
        raise CrosscheckError(f"warehouse {warehouse} does not exist")
    recs, note = _fetch(warehouse, as_of)
    if full_identifiers:
        record_full_access(warehouse, "holds", as_of.isoformat(), by=requested_by)
    out = private_dir(Path(out) if out else default_dir())
    counties = {r["county_code"] for r in recs if r["county_code"]}
    county = counties.pop() if len(counties) == 1 else None
    if county is None and not recs:
        county = _only_county()
    stem = file_stem(county, as_of)
    result = HoldsResult(as_of=as_of, full_identifiers=full_identifiers, note=note)
    xlsx, csv_path = out / f"{stem}.xlsx", out / f"{stem}.csv"
    tmp_x, tmp_c = out / f".{xlsx.name}.tmp", out / f".{csv_path.name}.tmp"
    try:
        rows = _write_xlsx(tmp_x, recs, as_of, county, full_identifiers)
        _write_csv(tmp_c, rows)
    except BaseException:
        tmp_x.unlink(missing_ok=True)
        tmp_c.unlink(missing_ok=True)
        raise
    for tmp, final in ((tmp_x, xlsx), (tmp_c, csv_path)):
        os.replace(tmp, final)
        make_private(final)
        result.files.append(final)
    result.payments = len(recs)
    result.amount = sum((r["amount"] or Decimal(0) for r in recs), Decimal(0))
    result.townships = len({r["township_code"] for r in recs})
    log.info(
        "hold list as of %s: %d payments, %s yuan, %d townships -> %s",
        as_of,
        result.payments,
        result.amount,
        result.townships,
        xlsx,
    )
    return result


def _only_county() -> str | None:
    """The county of the divisions seed, when it names exactly one."""
    found = [d.code for d in divisions.divisions().values() if d.level == "county"]
    return found[0] if len(found) == 1 else None


def default_dir() -> Path:
    """Where the nightly job writes the list: <CROSSCHECK_HOME>/holds."""
    return config.home() / "holds"
