"""A small warehouse with the marts the review side reads, until dbt builds them.

Same columns as the marts of docs/CONTRACTS.md §3 plus the review lifecycle
columns; a handful of findings over three townships, with real-looking ID
numbers and bank accounts so the privacy tests have something to find.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from crosscheck.publish import publish
from crosscheck.warehouse import open_warehouse

AS_OF = dt.date(2026, 10, 31)
COUNTY = "500101"
TOWNSHIPS = ["500101001", "500101002", "500101003"]

# person_id, name, account
PEOPLE = [
    ("500101194501011234", "张三", "6217000010001234567"),
    ("50010119500202221X", "李四", "6228480010002222"),
    ("500101196003033456", "王五", "6217000010003333333"),
    ("500101197004044567", "赵六", "622848001000444455"),
    ("500101198005055678", "孙七", "6217000010005555555"),
]
OTHER_OWNER = "500101199006066789"
CARD_NO = "A01233097"  # a social-security card number (社保卡号), 9 characters

# The marts the fixture fills, created from their dbt contracts
# (dbt_project/models/marts/_marts.yml: every column's data_type, enforced by
# dbt on the real build), so the fixture cannot drift from the real marts.
FIXTURE_MARTS = (
    "anomalies",
    "hold_list",
    "finding_recovery",
    "weekly_summary",
    "weekly_findings_by_rule",
    "source_status",
    "anomaly_lifecycle",
)


def contract_columns(model: str) -> list[tuple[str, str]]:
    """[(column, data_type)] of a contracted mart, in its declared order."""
    import yaml

    from crosscheck.config import dbt_project_dir

    spec = yaml.safe_load(
        (dbt_project_dir() / "models" / "marts" / "_marts.yml").read_text(encoding="utf-8")
    )
    [m] = [m for m in spec["models"] if m["name"] == model]
    assert m["config"]["contract"]["enforced"], model
    return [(c["name"], c["data_type"]) for c in m["columns"]]


def marts_ddl(models: tuple[str, ...] = FIXTURE_MARTS) -> str:
    """CREATE TABLE statements for the marts, from their contracts."""
    out = ["CREATE SCHEMA IF NOT EXISTS marts;"]
    for model in models:
        cols = ", ".join(f"{name} {data_type}" for name, data_type in contract_columns(model))
        out.append(f"CREATE OR REPLACE TABLE marts.{model} ({cols});")
    return "\n".join(out)


def anomalies(as_of: dt.date = AS_OF) -> list[dict]:
    """The fixture findings; R01 and R02 of person 0 are pending (hold list)."""
    p = PEOPLE
    rows = [
        (
            "R01",
            None,
            "high",
            "pending",
            p[0],
            "P0001",
            "10",
            "202610",
            TOWNSHIPS[0],
            "900.00",
            {
                "death_date": "2026-08-14",
                "certificate_date": "2026-08-14",
                "certificate_no": "D2026000123",
                "cremation_date": "2026-08-14",
                "cremation_record_no": "C88",
            },
        ),
        (
            "R01",
            None,
            "high",
            "paid",
            p[0],
            "P0002",
            "10",
            "202609",
            TOWNSHIPS[0],
            "900.00",
            {
                "death_date": "2026-08-14",
                "certificate_date": "2026-08-14",
                "certificate_no": "D2026000123",
            },
        ),
        (
            "R02",
            None,
            "high",
            "pending",
            p[1],
            "P0003",
            "14",
            "202610",
            TOWNSHIPS[0],
            "150.00",
            {"rightful_payment_id": "P0004", "amount": "150.00"},
        ),
        (
            "R10",
            "OTHER_PERSONS_CARD",
            "high",
            "paid",
            p[2],
            "P0005",
            "15",
            "202610",
            TOWNSHIPS[1],
            "150.00",
            {
                "cards_on_account": [
                    {"card_no": CARD_NO, "holder_id": OTHER_OWNER, "holder_name": "周八"}
                ],
                "account_no": p[2][2],
            },
        ),
        (
            "R07",
            None,
            "medium",
            "paid",
            p[3],
            "P0006",
            "10",
            "202610",
            TOWNSHIPS[1],
            "900.00",
            {
                "plate_no": "渝A12345",
                "plate_class": "02",
                "owner_id": p[3][0],
                "first_registered": "2020-05-01",
            },
        ),
        (
            "R12",
            None,
            "medium",
            "paid",
            p[4],
            "P0007",
            "14",
            "202610",
            TOWNSHIPS[2],
            "50.00",
            {"ceiling": "150.00", "amount": "200.00"},
        ),
        (
            "R04",
            None,
            "low",
            "paid",
            p[4],
            "P0008",
            "10",
            "202610",
            TOWNSHIPS[2],
            "0.00",
            {"sent_date": "2026-10-08", "status_date": "2026-10-14", "working_days_taken": 4},
        ),
    ]
    out = []
    for i, (rule, sub, sev, status, person, pay, prog, period, town, amt, ev) in enumerate(rows):
        out.append(
            dict(
                anomaly_id=f"a{i:015d}",
                rule_code=rule,
                subtype=sub,
                severity=sev,
                status=status,
                finding_key=pay,
                person_id=person[0],
                person_name=person[1],
                household_no=f"H{i:04d}",
                payment_id=pay,
                account_no=person[2],
                month=None,
                program_code=prog,
                period=period,
                division_code=town,
                amount_at_risk=Decimal(amt),
                evidence=json.dumps(ev, ensure_ascii=False),
                first_seen=as_of - dt.timedelta(days=3),
                last_seen=as_of,
                review_status="open",
                verification_overdue=False,
                risk_score=SCORES[i],
                risk_score_evidence=json.dumps(
                    {"severity": 35.0, "amount": float(SCORES[i]) - 35, "pending": 0.0}
                ),
            )
        )
    return out


# Risk scores of the fixture findings, not in row order, so worklists show sorting.
SCORES = [Decimal(v) for v in ("71.5", "62.0", "80.3", "66.6", "40.2", "51.0", "15.0")]

# marts.hold_list's shape (dbt_project/models/marts/hold_list.sql) over the pending findings
HOLD_LIST_SQL = """
INSERT INTO marts.hold_list BY NAME
SELECT payment_id, rule_code AS rule_codes, 1::BIGINT AS findings, severity, person_id,
       person_name, person_id AS recipient_id_raw, household_no, account_no, program_code,
       period, amount_at_risk AS amount, amount_at_risk, first_seen AS approved_date,
       substr(division_code, 1, 6) AS county_code, division_code AS township_code,
       'B1' AS batch_no, first_seen, ?::DATE AS as_of, rule_code AS evidence_summary,
       evidence, anomaly_id AS anomaly_ids
FROM marts.anomalies WHERE status = 'pending'
"""


def _weeks(as_of: dt.date, n: int) -> list[dt.date]:
    monday = as_of - dt.timedelta(days=as_of.weekday())
    return [monday - dt.timedelta(weeks=k) for k in range(n - 1, -1, -1)]


def build(warehouse: Path, as_of: dt.date = AS_OF, *, stale: bool = True) -> Path:
    """Create the warehouse with fixture marts and publish its serving copy."""
    con = open_warehouse(warehouse)
    try:
        con.execute(marts_ddl())
        rows = anomalies(as_of)
        cols = list(rows[0])
        con.executemany(
            f"INSERT INTO marts.anomalies ({', '.join(cols)}) "
            f"VALUES ({', '.join('?' * len(cols))})",
            [[r[c] for c in cols] for r in rows],
        )
        con.execute(HOLD_LIST_SQL, [as_of])
        summary, by_rule = [], []
        for k, ws in enumerate(_weeks(as_of, 8)):
            y, w, _ = ws.isocalendar()
            iso = f"{y}-W{w:02d}"
            for t, town in enumerate(TOWNSHIPS):
                for prog in ("10", "14"):
                    pays = 100 + 10 * k + t
                    on_time = pays - (3 + t)
                    summary.append(
                        [
                            iso,
                            ws,
                            COUNTY,
                            town,
                            prog,
                            pays,
                            pays - 2,
                            Decimal(pays * 300),
                            2 + t,
                            1,
                            1,
                            t,
                            3 + k,
                            Decimal(400 * (t + 1) + k * 50),
                            Decimal(150 * t),
                            on_time,
                            pays - 1,
                            on_time / (pays - 1),
                            k // 2,
                            k // 3,
                            Decimal(50 * (k // 2)),
                            (k // 2 + k // 3) / (3 + k + k // 2 + k // 3),
                            Decimal(100 * (k // 2)),
                            Decimal(50 * (k // 2)),
                            Decimal(50 * (k // 2)),
                        ]
                    )
                    for rule, sev in (("R01", "high"), ("R07", "medium"), ("R04", "low")):
                        by_rule.append(
                            [
                                iso,
                                ws,
                                COUNTY,
                                town,
                                prog,
                                rule,
                                sev,
                                1,
                                1 + k % 3,
                                Decimal(100 * (t + 1)),
                            ]
                        )
        for table, rows in (("weekly_summary", summary), ("weekly_findings_by_rule", by_rule)):
            names = [c for c, _ in contract_columns(table)]
            con.executemany(
                f"INSERT INTO marts.{table} ({', '.join(names)}) "
                f"VALUES ({', '.join('?' * len(names))})",
                rows,
            )
        status = []
        problems = {"vehicles": "late", "payroll": "quarantined"} if stale else {}
        for src in (
            "hukou",
            "vehicles",
            "deaths",
            "cremations",
            "assistance",
            "sscards",
            "payroll",
            "ledger",
        ):
            why = problems.get(src)
            status.append(
                [
                    src,
                    as_of - dt.timedelta(days=12 if why else 0),
                    why is not None,
                    as_of - dt.timedelta(days=5) if why else None,
                    why,
                    1,
                    1 if why == "quarantined" else 0,
                    as_of,
                ]
            )
        con.executemany(
            "INSERT INTO marts.source_status (source, last_good_extract_date, is_stale, "
            "stale_since, stale_reasons, loads_loaded, loads_quarantined, as_of) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            status,
        )
        # every finding ever detected: today's, plus two verified earlier ones
        found = {c for c, _ in contract_columns("anomalies")}
        kept = [c for c, _ in contract_columns("anomaly_lifecycle") if c in found]
        con.execute(
            f"INSERT INTO marts.anomaly_lifecycle BY NAME SELECT {', '.join(kept)}, "
            "CAST(NULL AS DATE) AS resolved_on, true AS detected FROM marts.anomalies"
        )
        con.execute(
            """INSERT INTO marts.anomaly_lifecycle BY NAME
               SELECT 'old' || n AS anomaly_id, 'R01' AS rule_code, 'high' AS severity,
                      ?::DATE - 30 AS first_seen, ?::DATE - 20 AS last_seen,
                      ?::DATE - 19 AS resolved_on, false AS detected,
                      ?::DATE - 25 AS exported_on, ?::DATE - 21 AS decided_on,
                      CASE n WHEN 1 THEN 'recovered' ELSE 'dismissed' END AS review_status,
                      CASE n WHEN 1 THEN 900.00 END AS recovered_amount,
                      false AS verification_overdue
               FROM range(1, 3) AS t(n)""",
            [as_of] * 5,
        )
        con.execute(
            "UPDATE marts.anomaly_lifecycle SET exported_on = ?::DATE - 20, "
            "verification_overdue = true WHERE anomaly_id = 'a000000000000006'",
            [as_of],
        )
    finally:
        con.close()
    publish(warehouse)
    return warehouse


def fill_feedback(path: Path, answers: dict[str, dict], out: Path | None = None) -> Path:
    """Fill a township workbook as the township would: answers keyed by 问题编号.

    Each answer maps feedback headers (核查结论, 追回金额…) to cell values.
    Returns the saved path (default: overwrite `path`).
    """
    from openpyxl import load_workbook

    from crosscheck.review import layout

    wb = load_workbook(path)
    for ws in wb.worksheets:
        if ws.title == layout.COVER_SHEET:
            continue
        header = {c.value: c.column for c in ws[1]}
        for row in ws.iter_rows(min_row=2):
            aid = row[header[layout.ID_HEADER] - 1].value
            for h, v in answers.get(aid, {}).items():
                ws.cell(row=row[0].row, column=header[h], value=v)
    target = out or path
    wb.save(target)
    return target


def cell_of(path: Path, anomaly_id: str, header: str) -> tuple[str, str]:
    """(sheet title, cell reference) of a finding's column in a workbook."""
    from openpyxl import load_workbook

    from crosscheck.review import layout

    wb = load_workbook(path, read_only=True)
    try:
        for ws in wb.worksheets:
            rows = list(ws.iter_rows(values_only=True))
            if not rows or header not in rows[0]:
                continue
            col = rows[0].index(header)
            id_col = rows[0].index(layout.ID_HEADER)
            for r, values in enumerate(rows[1:], start=2):
                if values[id_col] == anomaly_id:
                    from openpyxl.utils import get_column_letter

                    return ws.title, f"{get_column_letter(col + 1)}{r}"
    finally:
        wb.close()
    raise KeyError(anomaly_id)


_COUNTY: dict = {}


def generated_county() -> tuple[Path, Path, dt.date]:
    """A small generated county run through the real nightly job, once per process.

    Two days of deliveries (the first a full baseline), 200 residents: every
    rule has findings, some pending (hold list). Returns (landing, warehouse,
    as_of); callers that write to the warehouse work on a copy
    (`copy_county`).
    """
    if not _COUNTY:
        import atexit
        import shutil
        import tempfile

        from counties import REVIEW, generated

        from crosscheck.pipeline import run_nightly

        root = Path(tempfile.mkdtemp(prefix="crosscheck-review-county-"))
        atexit.register(shutil.rmtree, root, True)
        as_of = REVIEW["end"]
        landing = root / "landing"
        county = generated(**REVIEW)
        shutil.copytree(county / "landing", landing)
        warehouse = root / "warehouse.duckdb"
        run_nightly(landing, warehouse, as_of)
        _COUNTY.update(landing=landing, warehouse=warehouse, as_of=as_of)
    return _COUNTY["landing"], _COUNTY["warehouse"], _COUNTY["as_of"]


def copy_county(target: Path) -> tuple[Path, Path, dt.date]:
    """A private copy of the generated county's warehouse and serving copy."""
    import shutil

    from crosscheck.config import serving_path

    landing, warehouse, as_of = generated_county()
    target.mkdir(parents=True, exist_ok=True)
    wh = target / "warehouse.duckdb"
    shutil.copy(warehouse, wh)
    shutil.copy(serving_path(warehouse), serving_path(wh))
    return landing, wh, as_of
