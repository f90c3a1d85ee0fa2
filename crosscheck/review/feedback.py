"""Decisions back from the townships: returned workbooks into review.decisions.

Workbooks dropped in `<landing>/review_feedback/` are loaded nightly. Each
filled row is checked (the finding was sent out, the conclusion is one of
the list, the amount is within the amount at risk, the date is a real date
not after the load's as-of); good rows load, bad cells are named (sheet,
row, column letter, value, reason) in review.feedback_rejects and in a
report file beside the workbook (removed again when a corrected version of
the file loads clean). 处理措施 is one of labels.MEASURES. review.decisions
is append-only: a later decision supersedes, it never overwrites. The same
file twice changes nothing (sha256).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from crosscheck import audit
from crosscheck.errors import CrosscheckError
from crosscheck.locking import writer_lock
from crosscheck.query import scalar
from crosscheck.review import layout
from crosscheck.review.cells import csv_writer
from crosscheck.review.labels import (
    CONCLUSIONS,
    MEASURES,
    SAMPLE_CLEAR,
    SAMPLE_CONCLUSIONS,
    SAMPLE_RULE,
)
from crosscheck.review.privacy import make_private, private_files
from crosscheck.warehouse import open_warehouse

log = logging.getLogger(__name__)

FEEDBACK_DIR = "review_feedback"
REPORT_SUFFIX = ".rejects.csv"
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日")


@dataclass
class Reject:
    sheet: str
    row_no: int
    cell: str
    column_name: str
    value: str | None
    reason: str
    anomaly_id: str | None = None


@dataclass
class Decision:
    anomaly_id: str
    conclusion: str
    measures: str | None
    recovered_amount: Decimal | None  # cumulative: everything recovered so far
    confirmed_amount: Decimal | None
    reviewer: str
    review_date: dt.date
    note: str | None
    sheet: str
    row_no: int


@dataclass
class FileOutcome:
    file: Path
    sha256: str
    status: str  # loaded | partial | rejected | empty | duplicate
    rows_total: int = 0
    rows_loaded: int = 0
    rows_unchanged: int = 0
    rejects: list[Reject] = field(default_factory=list)
    report: Path | None = None


@dataclass
class FeedbackResult:
    as_of: dt.date
    files: list[FileOutcome] = field(default_factory=list)

    @property
    def decisions_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def cells_rejected(self) -> int:
        return sum(len(f.rejects) for f in self.files)


def today_shanghai() -> dt.date:
    """Feedback dates are people's dates: the default as-of is today in China."""
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _parse_amount(value) -> Decimal:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, float):
        value = repr(value)
    text = str(value).strip().replace(",", "").replace("，", "").removesuffix("元")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError from None
    if not amount.is_finite():
        raise ValueError
    return amount


def _parse_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise ValueError


@dataclass
class _Sent:
    amount_at_risk: Decimal | None
    first_as_of: dt.date
    evidence_hash: str | None
    rule_code: str | None = None


def _read_rows(path: Path):
    """Yield (sheet, row_no, {header: (letter, value)}) for rows with any feedback.

    Cells are read as written, never evaluated: a formula typed into a cell
    comes back as its text (`=…`), kept in a note and refused as a conclusion,
    amount or date.
    """
    wb = load_workbook(path, read_only=True, data_only=False)
    try:
        for ws in wb.worksheets:
            if ws.title == layout.COVER_SHEET:
                continue
            rows = ws.iter_rows(values_only=True)
            header = next(rows, None) or ()
            positions = {}
            for i, h in enumerate(header):
                h = _text(h)
                if h in (*layout.HEADERS, *layout.SAMPLE_HEADERS) and h not in positions:
                    positions[h] = i
            missing = [
                h
                for h in [layout.ID_HEADER, *layout.FEEDBACK_HEADERS]
                if h not in positions and h not in layout.OPTIONAL_FEEDBACK_HEADERS
            ]
            if missing:
                yield ws.title, 1, None, "缺少表头：" + "、".join(missing)
                continue
            for row_no, values in enumerate(rows, start=2):
                cells = {
                    h: (get_column_letter(i + 1), values[i] if i < len(values) else None)
                    for h, i in positions.items()
                }
                for h in layout.OPTIONAL_FEEDBACK_HEADERS:
                    cells.setdefault(h, ("", None))
                if all(_text(cells[h][1]) is None for h in layout.FEEDBACK_HEADERS):
                    continue
                yield ws.title, row_no, cells, None
    finally:
        wb.close()


def _money(raw, header, reject, info) -> Decimal | None:
    """A yuan amount cell: a number ≥ 0 with ≤ 2 decimals, ≤ the amount at risk sent."""
    if _text(raw) is None:
        return None
    try:
        amount = _parse_amount(raw)
    except ValueError:
        reject(header, f"{header}不是数字")
        return None
    if amount < 0:
        reject(header, f"{header}不能为负数")
    elif amount != amount.quantize(Decimal("0.01")):
        reject(header, f"{header}最多两位小数")
    elif info is not None and info.amount_at_risk is not None and amount > info.amount_at_risk:
        reject(header, f"{header}超过风险金额 {info.amount_at_risk}")
    else:
        return amount.quantize(Decimal("0.01"))
    return None


def _check_row(
    sheet, row_no, cells, sent: dict[str, _Sent], as_of, seen: set, recorded: dict | None = None
):
    """Validate one filled row: a Decision, or the list of its bad cells.

    `recorded` maps ids to the cumulative amount recovered so far (current
    decision): 追回金额 is cumulative, so it may not fall below it, and an
    empty cell keeps it.
    """
    bad: list[Reject] = []

    def reject(header, reason):
        letter, value = cells[header]
        bad.append(
            Reject(sheet, row_no, f"{letter}{row_no}", header, _text(value), reason, anomaly_id)
        )

    anomaly_id = _text(cells[layout.ID_HEADER][1])
    info = sent.get(anomaly_id) if anomaly_id else None
    if anomaly_id is None:
        reject(layout.ID_HEADER, "问题编号为空")
    elif info is None:
        reject(layout.ID_HEADER, "问题编号不存在（未曾下发）")
    elif anomaly_id in seen:
        reject(layout.ID_HEADER, "同一问题编号在本文件中重复填写")

    sample = info is not None and info.rule_code == SAMPLE_RULE
    allowed = SAMPLE_CONCLUSIONS if sample else CONCLUSIONS
    conclusion = _text(cells[layout.CONCLUSION][1])
    if conclusion is None:
        reject(layout.CONCLUSION, "核查结论为空")
    elif conclusion not in allowed:
        reject(layout.CONCLUSION, "核查结论须为：" + "、".join(allowed))
    # a 抽查 item with nothing found is, for the amounts, a 不属实
    negative = conclusion in ("不属实", SAMPLE_CLEAR)

    errors_before = len(bad)
    amount = _money(cells[layout.RECOVERED][1], layout.RECOVERED, reject, info)
    confirmed = _money(cells[layout.CONFIRMED][1], layout.CONFIRMED, reject, info)
    so_far = (recorded or {}).get(anomaly_id) or Decimal(0)
    if len(bad) == errors_before:
        if negative and (amount or 0) > 0:
            reject(layout.RECOVERED, f"核查结论为{conclusion}，不应有追回金额")
        elif negative and (confirmed or 0) > 0:
            reject(layout.CONFIRMED, f"核查结论为{conclusion}，不应有核实金额")
        elif negative and so_far > 0:
            reject(layout.CONCLUSION, f"已登记追回 {so_far} 元，结论不能改为不属实")
        elif amount is not None and amount < so_far:
            reject(layout.RECOVERED, f"追回金额为累计已追回总额，不能少于已登记的 {so_far} 元")
        elif confirmed is not None and max(amount or 0, so_far) > confirmed:
            reject(layout.RECOVERED, f"追回金额超过核实金额 {confirmed}")
        if amount is None and so_far > 0:
            amount = so_far

    measures = _text(cells[layout.MEASURES][1])
    if measures is not None and measures not in MEASURES:
        reject(layout.MEASURES, "处理措施须从下拉列表选择：" + "、".join(MEASURES))

    reviewer = _text(cells[layout.REVIEWER][1])
    if reviewer is None:
        reject(layout.REVIEWER, "核查人为空")

    review_date = None
    raw_date = cells[layout.REVIEW_DATE][1]
    if _text(raw_date) is None:
        reject(layout.REVIEW_DATE, "核查日期为空")
    else:
        try:
            review_date = _parse_date(raw_date)
        except ValueError:
            reject(layout.REVIEW_DATE, "核查日期不是有效日期（如 2026-11-20）")
        else:
            if review_date > as_of:
                reject(layout.REVIEW_DATE, f"核查日期晚于加载日期 {as_of}")
            elif info is not None and review_date < info.first_as_of:
                reject(layout.REVIEW_DATE, f"核查日期早于下发清单的数据日期 {info.first_as_of}")

    if anomaly_id:
        seen.add(anomaly_id)
    if bad:
        return None, bad
    if anomaly_id is None or conclusion is None or reviewer is None or review_date is None:
        raise AssertionError("every required cell of a row without rejects is filled")
    return (
        Decision(
            anomaly_id=anomaly_id,
            conclusion=conclusion,
            measures=measures,
            recovered_amount=amount,
            confirmed_amount=confirmed,
            reviewer=reviewer,
            review_date=review_date,
            note=_text(cells[layout.NOTE][1]),
            sheet=sheet,
            row_no=row_no,
        ),
        [],
    )


def _sent_findings(con, ids: list[str]) -> dict[str, _Sent]:
    """What was sent for these ids: latest amount and evidence, first as-of."""
    if not ids:
        return {}
    con.execute("CREATE OR REPLACE TEMP TABLE fb_ids (anomaly_id VARCHAR)")
    con.executemany("INSERT INTO fb_ids VALUES (?)", [[i] for i in sorted(set(ids))])
    rows = con.execute(
        """SELECT e.anomaly_id,
                  arg_max(e.amount_at_risk, e.exported_at),
                  min(e.as_of),
                  arg_max(e.evidence_hash, e.exported_at),
                  arg_max(e.rule_code, e.exported_at)
           FROM review.exports AS e JOIN fb_ids USING (anomaly_id)
           GROUP BY e.anomaly_id"""
    ).fetchall()
    return {r[0]: _Sent(r[1], r[2], r[3], r[4]) for r in rows}


def _current(con, ids) -> dict[str, tuple]:
    if not ids:
        return {}
    rows = con.execute(
        """SELECT d.anomaly_id, d.conclusion, d.measures, d.recovered_amount, d.reviewer,
                  d.review_date, d.note, d.confirmed_amount
           FROM review.current_decisions AS d JOIN fb_ids USING (anomaly_id)"""
    ).fetchall()
    return {r[0]: tuple(r[1:]) for r in rows}


def _write_report(path: Path, rejects: list[Reject]) -> Path:
    report = path.with_name(path.name + REPORT_SUFFIX)
    with private_files(), report.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv_writer(fh)
        w.writerow(["工作表", "行号", "单元格", "列名", "填写内容", "问题"])
        for r in rejects:
            w.writerow([r.sheet, r.row_no, r.cell, r.column_name, r.value or "", r.reason])
    return make_private(report)


def _wrong_form(path: Path) -> str | None:
    """Why a returned file is not a workbook we can read, or None."""
    if path.is_symlink():
        return "文件是符号链接，请放入文件本身"
    if path.suffix.lower() != ".xlsx":
        return (
            f"文件不是Excel工作簿（.xlsx），而是“{path.suffix or '无扩展名'}”："
            "请在下发的清单中填写并原样返回"
        )
    return None


def _insert_many(con, sql: str, rows: list) -> None:
    if rows:
        con.executemany(sql, rows)


def _decision_id(file_id: str, d: Decision) -> str:
    return f"{file_id}-{d.sheet}-{d.row_no}"


def _load_file(con, path: Path, sha: str, as_of: dt.date) -> FileOutcome:
    outcome = FileOutcome(file=path, sha256=sha, status="loaded")
    file_id = sha[:16]
    parsed = []
    wrong_form = _wrong_form(path)
    if wrong_form:
        log.warning("feedback file %s refused: %s", path.name, wrong_form)
        outcome.rejects.append(Reject("", 0, "", "文件", None, wrong_form))
    try:
        for sheet, row_no, cells, problem in [] if wrong_form else _read_rows(path):
            if problem:
                outcome.rejects.append(Reject(sheet, row_no, "A1", "表头", None, problem))
            else:
                parsed.append((sheet, row_no, cells))
    except Exception as e:  # a broken or non-Excel file: one reject for the whole file
        log.warning(
            "feedback file %s cannot be read as a workbook (%s)", path.name, type(e).__name__
        )
        outcome.rejects.append(Reject("", 0, "", "文件", None, "文件无法作为Excel工作簿打开"))
    outcome.rows_total = len(parsed)
    ids = [a for a in (_text(c[layout.ID_HEADER][1]) for _, _, c in parsed) if a]
    sent = _sent_findings(con, ids)
    current = _current(con, ids)
    recorded = {a: c[2] for a, c in current.items()}
    seen: set[str] = set()
    decisions: list[Decision] = []
    for sheet, row_no, cells in parsed:
        decision, bad = _check_row(sheet, row_no, cells, sent, as_of, seen, recorded)
        outcome.rejects.extend(bad)
        if decision is None:
            continue
        same = current.get(decision.anomaly_id) == (
            decision.conclusion,
            decision.measures,
            decision.recovered_amount,
            decision.reviewer,
            decision.review_date,
            decision.note,
            decision.confirmed_amount,
        )
        if same:
            outcome.rows_unchanged += 1
        else:
            decisions.append(decision)
    outcome.rows_loaded = len(decisions)
    if outcome.rejects:
        outcome.status = "partial" if decisions else "rejected"
        outcome.report = _write_report(path, outcome.rejects)
    elif not parsed:
        outcome.status = "empty"

    con.execute("BEGIN TRANSACTION")
    try:
        seq0 = con.execute("SELECT coalesce(max(seq), 0) FROM review.decisions").fetchone()[0]
        _insert_many(
            con,
            """INSERT INTO review.decisions (decision_id, anomaly_id, conclusion, measures,
                   recovered_amount, reviewer, review_date, note, feedback_file, sheet, row_no,
                   loaded_at, seq, evidence_hash, file_id, confirmed_amount)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp, ?, ?, ?, ?)""",
            [
                [
                    _decision_id(file_id, d),
                    d.anomaly_id,
                    d.conclusion,
                    d.measures,
                    d.recovered_amount,
                    d.reviewer,
                    d.review_date,
                    d.note,
                    path.name,
                    d.sheet,
                    d.row_no,
                    seq0 + k,
                    sent[d.anomaly_id].evidence_hash,
                    file_id,
                    d.confirmed_amount,
                ]
                for k, d in enumerate(decisions, start=1)
            ],
        )
        audit.append(con, "decision", [_decision_id(file_id, d) for d in decisions])
        _insert_many(
            con,
            """INSERT INTO review.feedback_rejects (file_id, sheet, row_no, cell, value, reason,
                   column_name, anomaly_id, loaded_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)""",
            [
                [file_id, r.sheet, r.row_no, r.cell, r.value, r.reason, r.column_name, r.anomaly_id]
                for r in outcome.rejects
            ],
        )
        con.execute(
            """INSERT INTO review.feedback_files (file_id, file_name, sha256, rows_total,
                   rows_loaded, rows_rejected, status, loaded_at, as_of, report_file)
               VALUES (?, ?, ?, ?, ?, ?, ?, current_timestamp, ?, ?)""",
            [
                file_id,
                path.name,
                sha,
                outcome.rows_total,
                outcome.rows_loaded,
                len({(r.sheet, r.row_no) for r in outcome.rejects}),
                outcome.status,
                as_of,
                outcome.report.name if outcome.report else None,
            ],
        )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    stale = path.with_name(path.name + REPORT_SUFFIX)
    if not outcome.rejects and stale.is_file() and not stale.is_symlink():
        # a clean (re)load: the report of an earlier version of this file is stale
        stale.unlink()
        log.info("feedback %s loaded clean: removed the stale %s", path.name, stale.name)
    return outcome


def feedback_files(landing: Path | str) -> list[Path]:
    """Every file returned in the feedback folder but our own reports and Excel lock files.

    Not only `.xlsx`: a CSV, an `.xls` or a renamed file is recorded as
    rejected with its reason, never silently skipped.
    """
    folder = Path(landing) / FEEDBACK_DIR
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if not p.name.startswith(("~$", "."))
        and not p.name.endswith(REPORT_SUFFIX)
        and (p.is_file() or p.is_symlink())
    )


def load_feedback(
    landing: Path | str, warehouse: Path | str, as_of: dt.date | None = None
) -> FeedbackResult:
    """Load every new returned workbook of `<landing>/review_feedback/`."""
    warehouse = Path(warehouse)
    if not warehouse.exists():
        raise CrosscheckError(f"warehouse {warehouse} does not exist")
    as_of = as_of or today_shanghai()
    result = FeedbackResult(as_of=as_of)
    files = feedback_files(landing)
    if not files:
        log.info("no feedback workbooks in %s", Path(landing) / FEEDBACK_DIR)
        return result
    with writer_lock(warehouse):
        con = open_warehouse(warehouse)
        try:
            for path in files:
                data = f"symlink:{path.name}".encode() if path.is_symlink() else path.read_bytes()
                sha = hashlib.sha256(data).hexdigest()
                done = scalar(
                    con, "SELECT count(*) FROM review.feedback_files WHERE sha256 = ?", [sha]
                )
                if done:
                    result.files.append(FileOutcome(file=path, sha256=sha, status="duplicate"))
                    continue
                outcome = _load_file(con, path, sha, as_of)
                result.files.append(outcome)
                log.info(
                    "feedback %s: %s, %d decisions loaded, %d unchanged, %d bad cells",
                    path.name,
                    outcome.status,
                    outcome.rows_loaded,
                    outcome.rows_unchanged,
                    len(outcome.rejects),
                )
        finally:
            con.close()
    return result
