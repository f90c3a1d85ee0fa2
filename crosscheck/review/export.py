"""Findings out to the townships: one Excel workbook per township (乡镇核查清单).

Matches are leads, not verdicts: the township checks each one in the field
and writes its conclusion into the empty feedback columns. Data comes from
the serving copy; what was sent is recorded in review.exports of the live
warehouse (under the writer lock) so that feedback can be checked against it
and a finding already verified is not sent again unless its evidence changed.
"""

from __future__ import annotations

import datetime as dt
import getpass
import logging
import os
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.worksheet import Worksheet

from crosscheck import audit, divisions, rulebook
from crosscheck.config import serving_path
from crosscheck.errors import CrosscheckError
from crosscheck.locking import writer_lock
from crosscheck.query import records, scalar
from crosscheck.review import cells, forms, layout, score
from crosscheck.review import evidence as evidence_text
from crosscheck.review.labels import (
    CONCLUSIONS,
    MEASURES,
    RULES,
    SAMPLE_CONCLUSIONS,
    SAMPLE_RULE,
    SEVERITY,
    program_label,
    subtype_label,
)
from crosscheck.review.privacy import make_private, private_dir, private_files, show
from crosscheck.warehouse import has_table, open_warehouse
from crosscheck.workdays import add_working_days

log = logging.getLogger(__name__)

OVERDUE_WORKING_DAYS = rulebook.load().param("overdue_working_days")
UNKNOWN_TOWNSHIP = divisions.UNKNOWN
SIGN_FOOTER = "核查人：__________　审核人：__________"
ID_FONT = Font(size=8)  # the 32 characters of a 问题编号 on one line

# Findings of the serving copy's as-of that still need a township's check:
# not verified yet, verified on evidence that has since changed, or confirmed
# with money still to recover (marts.finding_recovery).
SELECT_SQL = """
CREATE OR REPLACE TEMP TABLE to_export AS
WITH current_findings AS (
    SELECT
        a.*,
        sha256(coalesce(a.evidence, '') || '|' || coalesce(cast(a.amount_at_risk AS VARCHAR), ''))
            AS evidence_hash,
        coalesce(a.division_code, ?) AS township,
        coalesce(a.status = 'pending', false) AS urgent,
        coalesce(r.recovered_amount, 0) AS recovered_so_far,
        coalesce(r.confirmed_amount, 0) AS confirmed_so_far,
        coalesce(r.outstanding_amount, 0) AS outstanding
    FROM serving.marts.anomalies AS a
    LEFT JOIN serving.marts.finding_recovery AS r ON r.anomaly_id = a.anomaly_id
    WHERE a.last_seen = ?
),
verified AS (
    SELECT DISTINCT anomaly_id, evidence_hash FROM review.decisions
)
SELECT c.*
FROM current_findings AS c
WHERE NOT EXISTS (
    SELECT 1 FROM verified AS v
    WHERE v.anomaly_id = c.anomaly_id AND v.evidence_hash = c.evidence_hash
)
-- confirmed and not wholly recovered: out again until the money is back
OR c.outstanding > 0
"""

FETCH_SQL = f"""
SELECT anomaly_id, urgent, rule_code, subtype, severity, person_name, person_id,
       household_no, program_code, period, payment_id, account_no, amount_at_risk,
       first_seen, evidence, township, risk_score, risk_score_evidence,
       recovered_so_far, confirmed_so_far, outstanding
FROM to_export
ORDER BY township, rule_code, {score.ORDER_BY}
"""

# 抽查 items of the serving copy's weekly sample not sent before (each goes out once).
SAMPLE_SQL = """
CREATE OR REPLACE TEMP TABLE sample_to_export AS
SELECT s.*, coalesce(s.township_code, ?) AS township,
       sha256(s.payment_id || '|' || cast(s.amount AS VARCHAR)) AS evidence_hash
FROM serving.marts.spot_check_sample AS s
WHERE NOT EXISTS (SELECT 1 FROM review.sample_items AS i WHERE i.sample_id = s.sample_id)
"""

SAMPLE_CHECK = (
    "请实地核实该笔补贴是否符合发放条件（本人是否在世、是否符合享受条件、"
    "是否发放至本人账户、金额是否正确）。发现问题请选“发现问题”并在说明中写明。"
)


@dataclass
class ExportResult:
    export_id: str
    as_of: dt.date
    files: list[Path] = field(default_factory=list)
    findings: int = 0
    urgent: int = 0
    already_verified: int = 0
    full_identifiers: bool = False
    sample_items: int = 0
    return_by: dt.date | None = None
    return_by_statutory: bool = True


def workbook_name(township: str, as_of: dt.date) -> str:
    """The file name: the township's name and code (a code from the data cannot
    name another folder; the code keeps two same-named townships apart)."""
    return f"核查清单_{divisions.file_part(township)}_{as_of:%Y%m%d}.xlsx"


def return_deadline(as_of: dt.date) -> tuple[dt.date, bool]:
    """The date a workbook is due back: OVERDUE_WORKING_DAYS working days after its
    data date (as marts.anomalies.verification_overdue counts), and whether the
    statutory calendar covered every day counted."""
    return add_working_days(as_of, OVERDUE_WORKING_DAYS)


def deadline_text(by: dt.date, statutory: bool) -> str:
    text = f"{by:%Y年%m月%d日}前（{OVERDUE_WORKING_DAYS}个工作日内）"
    if not statutory:
        text += "；法定节假日日历未覆盖该期间，按周一至周五计算工作日，遇节假日请顺延"
    return text


def _recovery_line(rec: dict) -> str:
    if not rec["outstanding"]:
        return ""
    return (
        f"追缴跟踪：已核实 {rec['confirmed_so_far']:,.2f} 元，"
        f"已追回 {rec['recovered_so_far']:,.2f} 元，"
        f"待追回 {rec['outstanding']:,.2f} 元；追回金额请填写累计已追回总额"
    )


def _finding_row(rec: dict, seq: int, full: bool) -> list:
    return [
        seq,
        rec["anomaly_id"],
        layout.URGENT if rec["urgent"] else "",
        rec["risk_score"],
        f"{rec['rule_code']} {RULES.get(rec['rule_code'], '')}",
        subtype_label(rec["subtype"]),
        SEVERITY.get(rec["severity"], rec["severity"]),
        rec["person_name"],
        show(rec["person_id"], full=full, field="person_id"),
        rec["household_no"],
        program_label(rec["program_code"]),
        rec["period"],
        rec["payment_id"],
        show(rec["account_no"], full=full, field="account_no"),
        rec["amount_at_risk"],
        rec["recovered_so_far"],
        rec["first_seen"],
        "\n".join(
            t
            for t in (
                evidence_text.render(rec["rule_code"], rec["evidence"], full=full),
                score.explain(rec["risk_score"], rec["risk_score_evidence"]),
                _recovery_line(rec),
            )
            if t
        ),
    ]


def _masked_row(values: list, full: bool) -> list:
    """Every text cell through the one masking rule, then formula-neutral."""
    return cells.row(show(v, full=full) for v in values)


def _new_sheet(wb: Workbook, title: str, item_columns: list, page_title: str) -> Worksheet:
    """A protected sheet with its header row: item columns blue, feedback columns yellow."""
    ws = wb.create_sheet(title)
    forms.header_row(ws, item_columns + layout.FEEDBACK_COLUMNS, input_from=len(item_columns) + 1)
    forms.protect(ws)
    forms.print_setup(
        ws,
        title=f"{page_title}　{title}",
        left_footer=SIGN_FOOTER,
    )
    ws.freeze_panes = "C2"
    return ws


def _feedback_inputs(ws, first_col: int, last: int, conclusions=CONCLUSIONS) -> None:
    """Unlock the feedback cells of rows 2..last and give each column its validation."""
    col = {h: first_col + i for i, h in enumerate(layout.FEEDBACK_HEADERS)}
    letter = {h: ws.cell(row=1, column=c).column_letter for h, c in col.items()}
    for r in range(2, last + 1):
        for c in col.values():
            forms.unlock(ws.cell(row=r, column=c))
            ws.cell(row=r, column=c).font = forms.DATA_FONT
        ws.cell(row=r, column=col[layout.RECOVERED]).number_format = "#,##0.00"
        ws.cell(row=r, column=col[layout.CONFIRMED]).number_format = "#,##0.00"
        ws.cell(row=r, column=col[layout.REVIEW_DATE]).number_format = "yyyy-mm-dd"
        ws.cell(row=r, column=col[layout.NOTE]).alignment = forms.WRAP
    checks = [
        (
            layout.CONCLUSION,
            forms.choice(
                conclusions, title="核查结论", prompt="请从下拉列表选择：" + "、".join(conclusions)
            ),
        ),
        (
            layout.MEASURES,
            forms.choice(
                MEASURES,
                title="处理措施",
                prompt="请从下拉列表选择处理措施；选“其他（见说明）”时在“说明”栏写明。",
            ),
        ),
        (
            layout.CONFIRMED,
            forms.validation(
                "decimal",
                title="核实金额（元）",
                prompt="部分属实时填写属实部分的金额（元），不超过风险金额。",
                error="核实金额应为不小于0的金额（元）",
                operator="greaterThanOrEqual",
                formula1="0",
            ),
        ),
        (
            layout.RECOVERED,
            forms.validation(
                "decimal",
                title="追回金额（元）",
                prompt="填写累计已追回总额（元），不超过核实金额。",
                error="追回金额应为不小于0的金额（元）",
                operator="greaterThanOrEqual",
                formula1="0",
            ),
        ),
        (
            layout.REVIEWER,
            forms.validation(
                "textLength",
                title="核查人",
                prompt="填写实地核查人员姓名。",
                error="核查人姓名不超过20个字",
                operator="between",
                formula1="1",
                formula2="20",
            ),
        ),
        (
            layout.REVIEW_DATE,
            forms.validation(
                "date",
                title="核查日期",
                prompt="填写核查日期，如 2026-11-20。",
                error="核查日期应为日期，如 2026-11-20",
                operator="greaterThan",
                formula1="1",
            ),
        ),
        (
            layout.NOTE,
            forms.validation(
                "textLength",
                title="说明",
                prompt="核查情况说明（不超过500字）。",
                error="说明不超过500字",
                operator="lessThanOrEqual",
                formula1="500",
            ),
        ),
    ]
    for header, dv in checks:
        dv.add(f"{letter[header]}2:{letter[header]}{max(last, 2)}")
        ws.add_data_validation(dv)


def _write_finding_sheet(
    wb: Workbook, title: str, recs: list[dict], first_seq: int, full: bool, page_title: str
) -> int:
    """A sheet of findings (a rule's, or the 加急 sheet); returns the next 序号."""
    ws = _new_sheet(wb, title, layout.FINDING_COLUMNS, page_title)
    if not recs:  # an empty 加急 sheet: no rows, and its page header says so
        forms.print_setup(
            ws, title=f"{page_title}　{title}（本清单无加急事项）", left_footer=SIGN_FOOTER
        )
    seq = first_seq
    for rec in recs:
        row = _masked_row(_finding_row(rec, seq, full), full)
        ws.append(row + [None] * len(layout.FEEDBACK_COLUMNS))
        seq += 1
    last = len(recs) + 1
    col = {h: i for i, h in enumerate(layout.HEADERS, start=1)}
    for r in range(2, last + 1):
        for c in range(1, len(layout.FINDING_COLUMNS) + 1):
            cell = ws.cell(row=r, column=c)
            cell.border = forms.BORDER
            cell.alignment = forms.WRAP
            cell.font = forms.DATA_FONT
        ws.cell(row=r, column=col[layout.ID_HEADER]).font = ID_FONT
        ws.cell(row=r, column=col[layout.ID_HEADER]).alignment = forms.TOP
        ws.cell(row=r, column=col["风险金额(元)"]).number_format = "#,##0.00"
        ws.cell(row=r, column=col["首次发现"]).number_format = "yyyy-mm-dd"
        ws.cell(row=r, column=col[layout.SCORE]).number_format = "0.0"
        ws.cell(row=r, column=col[layout.RECOVERED_SO_FAR]).number_format = "#,##0.00"
        if ws.cell(row=r, column=col[layout.URGENT]).value:
            ws.cell(row=r, column=col[layout.URGENT]).font = forms.URGENT_FONT
    _feedback_inputs(ws, len(layout.FINDING_COLUMNS) + 1, last)
    forms.fit_rows(ws, 2, last)
    ws.auto_filter.ref = f"A1:{ws.cell(row=1, column=len(layout.HEADERS)).column_letter}{last}"
    return seq


def _write_sample_sheet(
    wb: Workbook, recs: list[dict], first_seq: int, full: bool, page_title: str
) -> int:
    """The 抽查 sheet: unflagged paid payments to check, same feedback columns."""
    ws = _new_sheet(wb, layout.SAMPLE_SHEET, layout.SAMPLE_COLUMNS, page_title)
    seq = first_seq
    for rec in recs:
        ws.append(
            _masked_row(
                [
                    seq,
                    rec["sample_id"],
                    rec["iso_week"],
                    rec["person_name"],
                    show(rec["person_id"], full=full, field="person_id"),
                    program_label(rec["program_code"]),
                    rec["period"],
                    rec["payment_id"],
                    show(rec["account_no"], full=full, field="account_no"),
                    rec["amount"],
                    rec["status_date"],
                    SAMPLE_CHECK,
                ],
                full,
            )
            + [None] * len(layout.FEEDBACK_COLUMNS)
        )
        seq += 1
    last = len(recs) + 1
    col = {h: i for i, h in enumerate(layout.SAMPLE_HEADERS, start=1)}
    for r in range(2, last + 1):
        for c in range(1, len(layout.SAMPLE_COLUMNS) + 1):
            ws.cell(row=r, column=c).border = forms.BORDER
            ws.cell(row=r, column=c).alignment = forms.WRAP
            ws.cell(row=r, column=c).font = forms.DATA_FONT
        ws.cell(row=r, column=col[layout.ID_HEADER]).font = ID_FONT
        ws.cell(row=r, column=col[layout.ID_HEADER]).alignment = forms.TOP
        ws.cell(row=r, column=col["发放金额(元)"]).number_format = "#,##0.00"
        ws.cell(row=r, column=col["到账日期"]).number_format = "yyyy-mm-dd"
    _feedback_inputs(ws, len(layout.SAMPLE_COLUMNS) + 1, last, conclusions=SAMPLE_CONCLUSIONS)
    forms.fit_rows(ws, 2, last)
    end = ws.cell(row=1, column=len(layout.SAMPLE_HEADERS)).column_letter
    ws.auto_filter.ref = f"A1:{end}{last}"
    return seq


def _write_cover(ws, township: str, as_of: dt.date, export_id: str, by_rule, full: bool) -> None:
    total = sum(len(r) for r in by_rule.values())
    urgent = sum(1 for recs in by_rule.values() for r in recs if r["urgent"])
    amount = sum(
        (r["amount_at_risk"] or Decimal(0) for recs in by_rule.values() for r in recs), Decimal(0)
    )
    by, statutory = return_deadline(as_of)
    ws.title = layout.COVER_SHEET
    ws.append(["一卡通惠民惠农补贴疑点核查清单"])
    ws["A1"].font = Font(bold=True, size=16)
    ws.append([])
    ws.append(["乡镇（区划代码）", cells.neutral(divisions.label(township))])
    county = divisions.display_name(divisions.county_of(township))
    ws.append(["所属县（区）", cells.neutral(county)])
    ws.append(["数据截至", as_of])
    ws.cell(row=ws.max_row, column=2).number_format = "yyyy-mm-dd"
    ws.append(["下发批次", cells.neutral(export_id)])
    ws.append(["疑点总数", total])
    ws.append([f"其中加急（见“{layout.URGENT_SHEET}”表，请在银行支付前核实）", urgent])
    ws.append(["风险金额合计（元）", amount])
    ws.cell(row=ws.max_row, column=2).number_format = "#,##0.00"
    ws.append(
        [
            "证件号码与账号",
            "完整显示（已登记）"
            if full
            else "已脱敏（身份证号、账号保留前6位和后4位，社保卡号保留后2位）",
        ]
    )
    ws.append(["返回期限", deadline_text(by, statutory)])
    ws.cell(row=ws.max_row, column=2).font = forms.URGENT_FONT
    ws.append([])
    ws.append(["规则", "问题数", "加急", "风险金额（元）"])
    for c in "ABCD":
        ws[f"{c}{ws.max_row}"].font = forms.BOLD
        ws[f"{c}{ws.max_row}"].fill = forms.HEADER_FILL
        ws[f"{c}{ws.max_row}"].border = forms.BORDER
    for rule_code in sorted(by_rule):
        recs = by_rule[rule_code]
        ws.append(
            [
                f"{rule_code} {RULES.get(rule_code, '')}",
                len(recs),
                sum(1 for r in recs if r["urgent"]),
                sum((r["amount_at_risk"] or Decimal(0) for r in recs), Decimal(0)),
            ]
        )
        ws[f"D{ws.max_row}"].number_format = "#,##0.00"
        for c in "ABCD":
            ws[f"{c}{ws.max_row}"].border = forms.BORDER
    ws.append([])
    notes = [
        "核查说明",
        "1. 疑点是数据比对发现的线索，不是结论，请逐条实地核查。",
        f"2. 标注“加急”的是尚未支付的待发款项，集中在第一张“{layout.URGENT_SHEET}”表，"
        "请在银行支付前优先核实；其余疑点按规则分表列出。",
        "3. 在各工作表右侧黄色栏目填写：核查结论、处理措施（均为下拉选择）、"
        "核实金额（元，部分属实时填写属实部分的金额）、"
        "追回金额（元，累计已追回总额，不超过风险金额）、核查人、核查日期、说明。"
        "其他单元格已锁定。",
        f"4. 请于{by:%Y年%m月%d日}前（{OVERDUE_WORKING_DAYS}个工作日内）将本表原样返回，"
        "不要修改表头、工作表名和问题编号；电话沟通时请报“序号”或问题编号。",
        "5. 本表含个人信息，仅限核查使用，请妥善保管，不得外传。",
        "6. 各工作表按风险评分从高到低排列，请优先核查排在前面的问题。",
        "7. 已核实但尚未全部追回的问题会在后续清单中再次下发（见“已追回”列），"
        "请在“追回金额”填写累计追回总额，直至追回完毕。",
        "8. 填写完毕后请在下方填报栏签字，打印盖章后与电子表一并返回。",
    ]
    for line in notes:
        ws.append([line])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=4)
        ws.cell(row=ws.max_row, column=1).alignment = forms.WRAP
        ws.row_dimensions[ws.max_row].height = 15 * max(1, -(-len(line) // 45))
    ws[f"A{ws.max_row - len(notes) + 1}"].font = forms.BOLD
    ws.append([])
    ws.append(["填报栏（由乡镇填写）"])
    ws.cell(row=ws.max_row, column=1).font = forms.BOLD
    for label in layout.SIGN_OFF:
        ws.append([label])
        at = ws.max_row
        ws.cell(row=at, column=1).border = forms.BORDER
        ws.merge_cells(start_row=at, start_column=2, end_row=at, end_column=4)
        for col in range(2, 5):
            forms.unlock(ws.cell(row=at, column=col))
        ws.row_dimensions[at].height = 24
        if label == "填报单位":
            ws.cell(row=at, column=2, value=cells.neutral(divisions.display_name(township)))
        if label == "填报日期":
            ws.cell(row=at, column=2).number_format = "yyyy-mm-dd"
            dv = forms.validation(
                "date",
                title="填报日期",
                prompt="填写填报日期，如 2026-11-20。",
                error="填报日期应为日期，如 2026-11-20",
                operator="greaterThan",
                formula1="1",
            )
            dv.add(f"B{at}")
            ws.add_data_validation(dv)
        if label == "联系电话":
            dv = forms.validation(
                "textLength",
                title="联系电话",
                prompt="填写填报人的联系电话（手机或座机）。",
                error="联系电话为7至20个字符",
                operator="between",
                formula1="7",
                formula2="20",
            )
            dv.add(f"B{at}")
            ws.add_data_validation(dv)
    ws.column_dimensions["A"].width = 44
    ws.column_dimensions["B"].width = 30
    ws.column_dimensions["C"].width = 8
    ws.column_dimensions["D"].width = 16
    forms.protect(ws)
    forms.print_setup(ws, title="一卡通惠民惠农补贴疑点核查清单", title_rows=None)
    ws.page_setup.orientation = "portrait"


def _write_workbook(
    path: Path, township: str, as_of: dt.date, export_id: str, recs, full, samples=()
):
    by_rule: dict[str, list[dict]] = defaultdict(list)
    for rec in recs:
        by_rule[rec["rule_code"]].append(rec)
    page_title = f"{divisions.label(township)} 疑点核查清单（数据截至{as_of:%Y-%m-%d}）"
    wb = Workbook()
    cover = wb.active
    _write_cover(cover, township, as_of, export_id, by_rule, full)
    if samples:
        cover.append([])
        cover.append([f"另附随机抽查 {len(samples)} 笔（见“{layout.SAMPLE_SHEET}”表）"])
        cover.append(
            [
                "抽查对象是比对规则未发现疑点的已发放款项，用于评估规则漏报情况；"
                "核查结论选择“发现问题”或“未发现问题”。"
            ]
        )
        cover.merge_cells(
            start_row=cover.max_row, start_column=1, end_row=cover.max_row, end_column=4
        )
        cover.cell(row=cover.max_row, column=1).alignment = forms.WRAP
        cover.row_dimensions[cover.max_row].height = 30
    # 加急 first: urgent findings of every rule, in score order; each finding on one sheet only
    urgent = sorted(
        (r for r in recs if r["urgent"]),
        key=lambda r: (-(r["risk_score"] or 0), r["anomaly_id"]),
    )
    seq = _write_finding_sheet(wb, layout.URGENT_SHEET, urgent, 1, full, page_title)
    wb.move_sheet(layout.URGENT_SHEET, offset=-(len(wb.sheetnames) - 1))
    for rule_code in sorted(by_rule):
        rest = [r for r in by_rule[rule_code] if not r["urgent"]]
        if rest:
            title = layout.sheet_name(rule_code, RULES.get(rule_code, ""))
            seq = _write_finding_sheet(wb, title, rest, seq, full, page_title)
    if samples:
        _write_sample_sheet(wb, list(samples), seq, full, page_title)
    wb.active = 0
    wb.security = WorkbookProtection(lockStructure=True)
    with private_files():
        wb.save(path)
    make_private(path)


def _attach_serving(con, warehouse: Path) -> None:
    serving = serving_path(warehouse)
    if not serving.exists():
        raise CrosscheckError(
            f"no serving copy at {serving}: run the nightly job (crosscheck run) first"
        )
    # connections of one process share the database: a previous export's attach
    # may still be there (e.g. while dbt holds the file in the same process)
    con.execute("DETACH DATABASE IF EXISTS serving")
    con.execute("ATTACH ? AS serving (READ_ONLY)", [str(serving)])  # a path is data: bound
    if not has_table(con, "marts", "anomalies", database="serving"):
        raise CrosscheckError(f"serving copy {serving} has no marts.anomalies: run a build first")
    if not has_table(con, "marts", "finding_recovery", database="serving"):
        raise CrosscheckError(
            f"serving copy {serving} was built before marts.finding_recovery existed: "
            "run the nightly job (crosscheck run) to rebuild and publish it, then export"
        )


def _samples(con) -> list[dict]:
    """This week's 抽查 items not sent yet (none if the serving copy has no sample)."""
    if not has_table(con, "marts", "spot_check_sample", database="serving"):
        return []
    con.execute(SAMPLE_SQL, [UNKNOWN_TOWNSHIP])
    return records(
        con, "SELECT * FROM sample_to_export ORDER BY township, program_code, draw_order, sample_id"
    )


def _record(con, export_id, as_of, full_identifiers, exported_by, written, samples) -> None:
    """What went out, one row per finding, in one transaction."""
    con.execute("CREATE OR REPLACE TEMP TABLE export_files (township VARCHAR, file_name VARCHAR)")
    con.executemany("INSERT INTO export_files VALUES (?, ?)", [[t, f.name] for _, f, t in written])
    con.execute("BEGIN TRANSACTION")
    con.execute(
        """INSERT INTO review.exports (export_id, anomaly_id, as_of, township,
               evidence_hash, file_name, full_identifiers, exported_at, exported_by,
               rule_code, severity, urgent, amount_at_risk)
           SELECT ?, t.anomaly_id, ?, t.township, t.evidence_hash, f.file_name, ?,
                  current_timestamp, ?, t.rule_code, t.severity, t.urgent,
                  t.amount_at_risk
           FROM to_export AS t JOIN export_files AS f USING (township)""",
        [export_id, as_of, full_identifiers, exported_by],
    )
    if samples:
        _record_samples(con, export_id, as_of, full_identifiers, exported_by)
    if full_identifiers:
        audit.append(con, "full_export", [export_id])
    con.execute("COMMIT")


def _record_samples(con, export_id, as_of, full_identifiers, exported_by) -> None:
    con.execute(
        """INSERT INTO review.exports (export_id, anomaly_id, as_of, township,
               evidence_hash, file_name, full_identifiers, exported_at, exported_by,
               rule_code, severity, urgent, amount_at_risk)
           SELECT ?, t.sample_id, ?, t.township, t.evidence_hash, f.file_name, ?,
                  current_timestamp, ?, ?, NULL, false, t.amount
           FROM sample_to_export AS t JOIN export_files AS f USING (township)""",
        [export_id, as_of, full_identifiers, exported_by, SAMPLE_RULE],
    )
    con.execute(
        """INSERT INTO review.sample_items (sample_id, export_id, as_of, iso_week, payment_id,
               county_code, township_code, program_code, amount, stratum_population,
               stratum_sample, week_population, sample_size, sample_seed, exported_at)
           SELECT t.sample_id, ?, ?, t.iso_week, t.payment_id, t.county_code, t.township_code,
                  t.program_code, t.amount, t.stratum_population, t.stratum_sample,
                  t.week_population, t.sample_size, t.sample_seed, current_timestamp
           FROM sample_to_export AS t JOIN export_files AS f USING (township)""",
        [export_id, as_of],
    )


def export_findings(
    warehouse: Path | str,
    as_of: dt.date,
    out: Path | str,
    *,
    full_identifiers: bool = False,
    exported_by: str | None = None,
) -> ExportResult:
    """Write one workbook per township of the findings to verify; record the export."""
    warehouse = Path(warehouse)
    if not warehouse.exists():
        raise CrosscheckError(f"warehouse {warehouse} does not exist")
    out = private_dir(out)
    exported_by = exported_by or getpass.getuser()
    export_id = f"{as_of:%Y%m%d}-{uuid.uuid4().hex[:10]}"
    result = ExportResult(export_id=export_id, as_of=as_of, full_identifiers=full_identifiers)
    with writer_lock(warehouse):
        con = open_warehouse(warehouse)
        try:
            _attach_serving(con, warehouse)
            latest = scalar(con, "SELECT max(last_seen) FROM serving.marts.anomalies")
            if latest is not None and latest != as_of:
                raise CrosscheckError(
                    f"the serving copy's findings are as of {latest}, not {as_of}: "
                    f"export --as-of {latest}, or run the nightly job for {as_of} first"
                )
            con.execute(SELECT_SQL, [UNKNOWN_TOWNSHIP, as_of])
            samples = _samples(con)
            current = scalar(
                con, "SELECT count(*) FROM serving.marts.anomalies WHERE last_seen = ?", [as_of]
            )
            recs = records(con, FETCH_SQL)
            by_township: dict[str, list[dict]] = defaultdict(list)
            for rec in recs:
                by_township[rec["township"]].append(rec)
            sample_by_township: dict[str, list[dict]] = defaultdict(list)
            for rec in samples:
                sample_by_township[rec["township"]].append(rec)
            written: list[tuple[Path, Path, str]] = []
            try:
                for township in sorted(set(by_township) | set(sample_by_township)):
                    final = out / workbook_name(township, as_of)
                    tmp = out / f".{final.name}.tmp"
                    written.append((tmp, final, township))
                    _write_workbook(
                        tmp,
                        township,
                        as_of,
                        export_id,
                        by_township.get(township, []),
                        full_identifiers,
                        sample_by_township.get(township, []),
                    )
                if written:
                    _record(con, export_id, as_of, full_identifiers, exported_by, written, samples)
            except BaseException:
                for tmp, _, _ in written:
                    tmp.unlink(missing_ok=True)
                raise
            for tmp, final, _ in written:
                os.replace(tmp, final)
                result.files.append(final)
        finally:
            con.close()
    result.findings = len(recs)
    result.return_by, result.return_by_statutory = return_deadline(as_of)
    result.sample_items = len(samples)
    result.urgent = sum(1 for r in recs if r["urgent"])
    result.already_verified = current - len(recs)
    log.info(
        "export %s as of %s: %d findings (%d urgent) in %d township workbooks; "
        "%d already verified not sent again",
        export_id,
        as_of,
        result.findings,
        result.urgent,
        len(result.files),
        result.already_verified,
    )
    if full_identifiers:
        log.warning(
            "export %s carries FULL identifiers: requested by %s at %s for %d workbooks",
            export_id,
            exported_by,
            dt.datetime.now().isoformat(timespec="seconds"),
            len(result.files),
        )
    return result
