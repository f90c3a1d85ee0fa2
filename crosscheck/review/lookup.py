"""What the warehouse knows about one person or one finding, as plain text.

`crosscheck person ID|NAME` and `crosscheck finding ID`: registries (hukou,
deaths, social-security cards, assistance roster, vehicles, payroll),
payments, findings, township decisions and recovery, without Jupyter. Read
through the readers' path (publish.reading: the live warehouse when no
writer is at work, else the last serving copy). Every value goes through the
one masking rule (privacy.show) unless full identifiers are asked for, which
is recorded first (review/access.py).
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from crosscheck import divisions
from crosscheck.errors import CrosscheckError
from crosscheck.publish import reading
from crosscheck.query import records
from crosscheck.review import evidence as evidence_text
from crosscheck.review import score
from crosscheck.review.access import record_full_access
from crosscheck.review.evidence import VALUES
from crosscheck.review.labels import SEVERITY, program_label, rule_label, subtype_label
from crosscheck.review.privacy import show
from crosscheck.warehouse import has_table

ID_LIKE = re.compile(r"^(\d{17}[\dXx]|\d{15})$")
PAYMENTS_SHOWN = 10
PERSONS_SHOWN = 20
REVIEW = {
    "open": "未下发",
    "under_verification": "核查中",
    "confirmed": "已核实",
    "recovered": "已追回",
    "dismissed": "不属实",
}
SEX = {"1": "男", "2": "女", "9": "未说明"}


class _Out:
    """Lines of the answer; every value shown through the masking rule."""

    def __init__(self, full: bool):
        self.full = full
        self.lines: list[str] = []

    def v(self, value, field: str | None = None) -> str:
        if value is None or value == "":
            return "无"
        if isinstance(value, Decimal):
            return f"{value:,.2f}"
        return str(show(value, full=self.full, field=field))

    def add(self, text: str = "") -> None:
        # a last pass of the rule over the whole line: nothing slips through unmasked
        self.lines.append(text if self.full else str(show(text)))

    def text(self) -> str:
        return "\n".join(self.lines)


def _snapshot(con, source: str) -> str:
    """SQL condition: the latest good snapshot of a source (as the build used)."""
    if has_table(con, "intermediate", "int_snapshot_dates") or _has_view(
        con, "intermediate", "int_snapshot_dates"
    ):
        return (
            "snapshot_date = (SELECT max(snapshot_date) FROM intermediate.int_snapshot_dates "
            f"WHERE source = '{source}')"
        )
    return "true"


def _has_view(con, schema: str, name: str) -> bool:
    return (
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? "
            "AND table_name = ?",
            [schema, name],
        ).fetchone()[0]
        > 0
    )


def _need(con, warehouse: Path) -> None:
    if not _has_view(con, "marts", "anomalies"):
        raise CrosscheckError(
            f"warehouse {warehouse} has no marts yet: run the nightly job (crosscheck run) first"
        )


def _township(code) -> str:
    return divisions.label(code)


def _findings_lines(out: _Out, rows: list[dict]) -> None:
    for f in rows:
        state = "已消除" if f.get("resolved_on") else "当前"
        out.add(
            f"    {f['anomaly_id']}  {rule_label(f['rule_code'])}"
            f"{'（' + subtype_label(f['subtype']) + '）' if f['subtype'] else ''}  "
            f"风险等级{SEVERITY.get(f['severity'], f['severity'])}  "
            f"风险金额 {out.v(f['amount_at_risk'])} 元  {state}  "
            f"核查：{REVIEW.get(f['review_status'], f['review_status'])}"
            f"{'，' + f['current_conclusion'] if f['current_conclusion'] else ''}"
        )


def _person_block(con, out: _Out, p: dict) -> list[str]:
    """One hukou person; returns the finding ids shown."""
    pid = p["person_id"]
    out.add(f"人员 {p['name']}（身份证号 {out.v(pid, 'person_id')}）")
    out.add(
        f"  户籍：性别 {SEX.get(str(p['sex']), out.v(p['sex']))}，出生 {out.v(p['birth_date'])}，"
        f"户号 {out.v(p['household_no'])}，乡镇 {_township(p['division_code'])}，"
        f"人员状态 {VALUES['hukou_status'].get(str(p['reg_status']), out.v(p['reg_status']))}"
        f"{'，注销日期 ' + out.v(p['dereg_date']) if p['dereg_date'] else ''}"
        f"（户籍数据 {out.v(p['snapshot_date'])}）"
    )
    members = records(
        con,
        "SELECT name, person_id, relation_to_head FROM intermediate.int_persons "
        "WHERE household_no = ? AND person_id <> ? ORDER BY relation_to_head, person_id",
        [p["household_no"], pid],
    )
    if members:
        out.add(
            "  同户成员："
            + "、".join(f"{m['name']}（{out.v(m['person_id'], 'person_id')}）" for m in members)
        )
    _registries(con, out, pid)
    return _payments_and_findings(con, out, "person_id = ?", [pid])


def _registries(con, out: _Out, pid: str) -> None:
    for d in records(con, "SELECT * FROM intermediate.int_death_dates WHERE person_id = ?", [pid]):
        out.add(
            f"  死亡信息：死亡日期 {out.v(d['death_date'])}，死亡证 {out.v(d['certificate_no'])}，"
            f"火化记录 {out.v(d['cremation_record_no'])}（火化日期 {out.v(d['cremation_date'])}），"
            f"户籍注销 {out.v(d['hukou_dereg_date'])}"
        )
    for c in records(
        con,
        "SELECT * FROM staging.stg_sscards__cards WHERE person_id = ? AND "
        f"{_snapshot(con, 'sscards')} ORDER BY issued_date",
        [pid],
    ):
        out.add(
            f"  社保卡：卡号 {out.v(c['card_no'], 'card_no')}，银行账号 "
            f"{out.v(c['account_no'], 'account_no')}（{out.v(c['bank_name'])}），"
            f"卡状态 {out.v(c['card_status'])}，金融功能 {out.v(c['financial_status'])}"
        )
    for s in records(
        con,
        "SELECT * FROM staging.stg_assistance__spells WHERE person_id = ? AND "
        f"{_snapshot(con, 'assistance')} ORDER BY program_code, start_month",
        [pid],
    ):
        out.add(
            f"  救助名册：{program_label(s['program_code'])}，{out.v(s['start_month'])}–"
            f"{s['end_month'] or '至今'}，{out.v(s['roster_status'])}"
        )
    for v in records(
        con,
        "SELECT * FROM intermediate.int_vehicles WHERE owner_id = ? ORDER BY plate_no",
        [pid],
    ):
        out.add(
            f"  车辆：{out.v(v['plate_no'])} "
            f"{VALUES['plate_class'].get(str(v['plate_class']), out.v(v['plate_class']))}，"
            f"{VALUES['vehicle_status'].get(str(v['vehicle_status']), out.v(v['vehicle_status']))}"
            f"，初次登记 {out.v(v['first_registered'])}"
        )
    pay = records(
        con,
        "SELECT employer, employer_type, count(*) AS months, max(pay_month) AS last_month "
        "FROM staging.stg_payroll__pay_months WHERE person_id = ? AND "
        f"{_snapshot(con, 'payroll')} GROUP BY ALL ORDER BY last_month DESC",
        [pid],
    )
    for w in pay:
        out.add(
            f"  财政供养：{out.v(w['employer'])}（{out.v(w['employer_type'])}），"
            f"{w['months']} 个月，最近 {out.v(w['last_month'])}"
        )


def _payments_and_findings(con, out: _Out, where: str, params: list) -> list[str]:
    payments = records(
        con,
        f"SELECT * FROM intermediate.int_payments WHERE {where} "
        "ORDER BY approved_date DESC, payment_id DESC",
        params,
    )
    total = sum((p["amount"] or Decimal(0) for p in payments), Decimal(0))
    out.add(
        f"  发放记录：共 {len(payments)} 笔，合计 {out.v(total)} 元"
        + (f"（最近 {PAYMENTS_SHOWN} 笔）" if len(payments) > PAYMENTS_SHOWN else "")
    )
    for p in payments[:PAYMENTS_SHOWN]:
        out.add(
            f"    {out.v(p['approved_date'])} {p['payment_id']} {program_label(p['program_code'])} "
            f"{out.v(p['period'])} {out.v(p['amount'])} 元 "
            f"{VALUES['status'].get(str(p['status']), out.v(p['status']))} "
            f"账号 {out.v(p['account_no'], 'account_no')} 乡镇 {_township(p['division_code'])}"
        )
    ids = [p["payment_id"] for p in payments]
    findings = records(
        con,
        f"SELECT * FROM marts.anomaly_lifecycle WHERE {where} "
        + (f"OR payment_id IN ({', '.join('?' * len(ids))}) " if ids else "")
        + "ORDER BY first_seen DESC, anomaly_id",
        params + ids,
    )
    holds = {
        r["payment_id"]
        for r in records(con, "SELECT payment_id FROM marts.hold_list")
        if r["payment_id"] in set(ids)
    }
    if holds:
        out.add(f"  暂停支付清单：{'、'.join(sorted(holds))}（待支付，请在银行支付前核实）")
    out.add(
        f"  疑点：{len(findings)} 条"
        + ("（详情：crosscheck finding <问题编号>）" if findings else "")
    )
    _findings_lines(out, findings)
    return [f["anomaly_id"] for f in findings]


def person(
    warehouse: Path | str, who: str, *, full_identifiers: bool = False, by: str | None = None
) -> str:
    """Everything the warehouse knows about a person, by ID number or by name."""
    warehouse = Path(warehouse)
    who = (who or "").strip()
    if not who:
        raise CrosscheckError("give an ID number or a name")
    if not warehouse.exists():
        raise CrosscheckError(f"warehouse {warehouse} does not exist")
    by_id = bool(ID_LIKE.match(who))
    key = who.upper() if by_id else who
    with reading(warehouse) as (con, note):
        _need(con, warehouse)
        if by_id:
            persons = records(
                con, "SELECT * FROM intermediate.int_persons WHERE person_id = ?", [key]
            )
            paid = records(
                con,
                "SELECT count(*) AS n FROM intermediate.int_payments "
                "WHERE person_id = ? OR recipient_id_raw = ?",
                [key, key],
            )[0]["n"]
        else:
            persons = records(
                con,
                "SELECT * FROM intermediate.int_persons WHERE name = ? OR name_compact = ? "
                "ORDER BY division_code, person_id",
                [key, key.replace(" ", "")],
            )
            paid = records(
                con,
                "SELECT count(*) AS n FROM intermediate.int_payments "
                "WHERE recipient_name = ? OR recipient_name_compact = ?",
                [key, key.replace(" ", "")],
            )[0]["n"]
        if not persons and not paid:
            what = "ID number" if by_id else "name"
            raise CrosscheckError(
                f"no person with {what} {show(key, field='person_id' if by_id else None)} "
                "in the warehouse (hukou or payments)"
            )
        out = _Out(full_identifiers)
        if note:
            out.add(f"（{note}）")
        for p in persons[:PERSONS_SHOWN]:
            _person_block(con, out, p)
            out.add()
        if len(persons) > PERSONS_SHOWN:
            out.add(f"……另有 {len(persons) - PERSONS_SHOWN} 人同名，请按身份证号查询")
        if not persons:
            out.add(
                f"户籍中无此人；发放记录中的收款人 {out.v(key, 'person_id' if by_id else None)}："
            )
            cond = (
                "(person_id = ? OR recipient_id_raw = ?)"
                if by_id
                else "(recipient_name = ? OR recipient_name_compact = ?)"
            )
            _payments_and_findings(con, out, cond, [key, key if by_id else key.replace(" ", "")])
    # recorded under the writer lock, so after the read, and before anything is shown
    if full_identifiers:
        record_full_access(warehouse, "person", key, by=by)
    return out.text()


def finding(
    warehouse: Path | str, anomaly_id: str, *, full_identifiers: bool = False, by: str | None = None
) -> str:
    """One finding: what the rule saw, its score, and what happened to it since."""
    warehouse = Path(warehouse)
    anomaly_id = (anomaly_id or "").strip()
    if not warehouse.exists():
        raise CrosscheckError(f"warehouse {warehouse} does not exist")
    with reading(warehouse) as (con, note):
        _need(con, warehouse)
        found = records(
            con,
            "SELECT l.*, a.risk_score, a.risk_score_evidence FROM marts.anomaly_lifecycle AS l "
            "LEFT JOIN marts.anomalies AS a USING (anomaly_id) WHERE l.anomaly_id = ?",
            [anomaly_id],
        )
        if not found:
            raise CrosscheckError(f"no finding {anomaly_id!r} in the warehouse (问题编号 unknown)")
        f = found[0]
        out = _Out(full_identifiers)
        if note:
            out.add(f"（{note}）")
        out.add(f"问题编号 {anomaly_id}")
        out.add(
            f"  规则：{rule_label(f['rule_code'])}"
            f"{'（' + subtype_label(f['subtype']) + '）' if f['subtype'] else ''}，"
            f"风险等级 {SEVERITY.get(f['severity'], f['severity'])}"
            + (f"，风险评分 {f['risk_score']}" if f.get("risk_score") is not None else "")
        )
        out.add(
            f"  人员：{out.v(f['person_name'])}（身份证号 {out.v(f['person_id'], 'person_id')}），"
            f"户号 {out.v(f['household_no'])}，乡镇 {_township(f['division_code'])}"
        )
        out.add(
            f"  发放：{program_label(f['program_code'])}，所属期 {out.v(f['period'])}，"
            f"支付单号 {out.v(f['payment_id'])}，账号 {out.v(f['account_no'], 'account_no')}，"
            f"风险金额 {out.v(f['amount_at_risk'])} 元"
        )
        out.add(
            f"  发现：首次 {out.v(f['first_seen'])}，最近 {out.v(f['last_seen'])}，"
            + (f"已于 {f['resolved_on']} 消除" if f["resolved_on"] else "当前仍存在")
        )
        out.add(
            "  疑点说明："
            + evidence_text.render(f["rule_code"], f["evidence"], full=full_identifiers)
        )
        if f.get("risk_score") is not None:
            out.add("  " + score.explain(f["risk_score"], f["risk_score_evidence"]))
        if f["payment_id"] and records(
            con, "SELECT 1 AS x FROM marts.hold_list WHERE payment_id = ?", [f["payment_id"]]
        ):
            out.add("  暂停支付：在暂停支付清单中（待支付，请在银行支付前核实）")
        out.add(
            f"  核查状态：{REVIEW.get(f['review_status'], f['review_status'])}"
            + ("（已逾期未反馈）" if f["verification_overdue"] else "")
        )
        for e in records(
            con,
            "SELECT as_of, export_id, file_name, full_identifiers, urgent FROM review.exports "
            "WHERE anomaly_id = ? ORDER BY exported_at",
            [anomaly_id],
        ):
            out.add(
                f"    下发 {e['as_of']}：批次 {e['export_id']}，{e['file_name']}"
                + ("，加急" if e["urgent"] else "")
            )
        for d in records(
            con,
            "SELECT * FROM review.decisions WHERE anomaly_id = ? ORDER BY review_date, seq",
            [anomaly_id],
        ):
            out.add(
                f"    反馈 {d['review_date']}：{d['conclusion']}，处理措施 {out.v(d['measures'])}，"
                f"核实金额 {out.v(d['confirmed_amount'])}，"
                f"追回金额 {out.v(d['recovered_amount'])}，"
                f"核查人 {out.v(d['reviewer'])}，说明 {out.v(d['note'])}（{d['feedback_file']}）"
            )
        if has_table(con, "marts", "finding_recovery"):
            for r in records(
                con, "SELECT * FROM marts.finding_recovery WHERE anomaly_id = ?", [anomaly_id]
            ):
                if r["confirmed_amount"]:
                    out.add(
                        f"  追缴：已核实 {out.v(r['confirmed_amount'])} 元，"
                        f"已追回 {out.v(r['recovered_amount'])} 元，"
                        f"待追回 {out.v(r['outstanding_amount'])} 元"
                    )
    if full_identifiers:
        record_full_access(warehouse, "finding", anomaly_id, by=by)
    return out.text()
