"""Exact on any order of nights (issue 9).

One warehouse lives through a sequence of nights, a backfill of an earlier
date, a delivery that arrives after a later date has run, and a quarantine
followed by a release. After each step its `marts.anomalies` must equal a
fresh warehouse built from scratch for the same as-of date on the same
landing folder (and the same release decision), on ids, subtypes, keys,
amounts and status, and so must its payment state (`int_payments`,
`int_payment_months`, every column). A hukou snapshot arriving after a later
one is replayed into the change history (issue 11); at the end a
--full-refresh of the same as-of on the living warehouse leaves its findings
and their history as they were.

The payment state is incremental (issue 11, macros/incremental_payments.sql):
planted in the generated county, each path it follows is taken on some night
and asserted to be taken (what the plan recomputed): a new version correcting
an old payment, a payment whose reissued payment is delivered later, a
recipient moving household in a weekly hukou snapshot, a death certificate
arriving late for an old payment, a correction delivery replacing a ledger
file (one payment gone, one changed), nights after a backfill.

The tables kept until their snapshots change (macros/kept_tables.sql:
int_persons, int_vehicles) are compared too, and both of their paths are
asserted: kept on a night with no new snapshot, rebuilt when one arrives.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from counties import MODELS, read_anomalies
from deliveries import duplicate_a_row

from crosscheck.build import build
from crosscheck.cli import main
from crosscheck.ingest.api import ingest, release

START, END = dt.date(2026, 10, 12), dt.date(2026, 10, 31)
FIELDS = ("anomaly_id", "rule_code", "subtype", "finding_key", "amount_at_risk", "status")
# the rules that follow int_payments' touched payments (macros/incremental_payments.sql)
FOLLOWING_RULES = (
    "rules.r09_identity_mismatch",
    "rules.r10_not_own_card",
    "rules.r14_outside_entitlement",
)
# the tables kept until the snapshots they read change (macros/kept_tables.sql)
KEPT_TABLES = ("intermediate.int_persons", "intermediate.int_vehicles")


def night(landing: Path, warehouse: Path, as_of: dt.date) -> tuple[set[tuple], dict]:
    """One nightly run's ingest and build (models only: the data tests run elsewhere)."""
    ingest(landing, warehouse, as_of=as_of, data_docs=False)
    result = build(warehouse, as_of, select=MODELS)
    assert result.success, result.failures
    return {tuple(a[f] for f in FIELDS) for a in read_anomalies(warehouse)}, payment_state(
        warehouse
    )


def fresh(
    landing: Path, root: Path, as_of: dt.date, released: list[str] = ()
) -> tuple[set[tuple], dict]:
    """A warehouse built from scratch for as_of (with the same releases).

    Every fresh warehouse has the same path, its folder emptied but for dbt's
    target: dbt keeps its parse of the project (it parses again when the
    warehouse path changes), the warehouse itself starts empty."""
    warehouse = root / "fresh" / "warehouse.duckdb"
    parse = root / "fresh-dbt"
    if warehouse.parent.exists():
        (warehouse.parent / "dbt").rename(parse)
        shutil.rmtree(warehouse.parent)
    warehouse.parent.mkdir()
    if parse.exists():
        parse.rename(warehouse.parent / "dbt")
    assert [p.name for p in warehouse.parent.iterdir()] in ([], ["dbt"])
    con = duckdb.connect(str(warehouse))  # a new file, no instance of the last one
    try:
        assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchone() == (0,)
    finally:
        con.close()
    warehouse.unlink()
    ingest(landing, warehouse, as_of=as_of, data_docs=False)
    for load_id in released:
        release(warehouse, load_id, "the same decision as on the living warehouse")
    result = build(warehouse, as_of, select=MODELS)
    assert result.success, result.failures
    return {tuple(a[f] for f in FIELDS) for a in read_anomalies(warehouse)}, payment_state(
        warehouse
    )


def same(
    living: tuple[set[tuple], dict], fresh_: tuple[set[tuple], dict], rules: bool = False
) -> bool:
    """The findings and every table of the payment state equal (a readable failure).

    The following rules' tables (evidence included) and the kept tables are
    compared when both warehouses hold the same deliveries (`rules`): before
    that the living one holds a hukou snapshot the fresh one never saw, which
    R09's evidence and int_persons name.
    """
    assert living[0] == fresh_[0]
    for table, rows in fresh_[1].items():
        if table in FOLLOWING_RULES + KEPT_TABLES and not rules:
            continue
        extra = sorted(set(living[1][table]) - set(rows))[:3]
        missing = sorted(set(rows) - set(living[1][table]))[:3]
        assert living[1][table] == rows, f"{table}: living has {extra}, lacks {missing}"
    return True


def payment_state(warehouse: Path) -> dict[str, list[tuple]]:
    return tables(
        warehouse,
        (
            "intermediate.int_payments",
            "intermediate.int_payment_months",
            *FOLLOWING_RULES,
            *KEPT_TABLES,
        ),
    )


def tables(warehouse: Path, names) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(warehouse))
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in names}
    finally:
        con.close()


def plan(warehouse: Path) -> tuple[bool, set[str]]:
    """What the last build of int_payments recomputed: (everything?, touched payment_ids)."""
    con = duckdb.connect(str(warehouse))
    try:
        [(full,)] = con.execute(
            "SELECT full_rebuild FROM intermediate.int_payments__plan"
        ).fetchall()
        touched = con.execute(
            "SELECT payment_id FROM intermediate.int_payments__touched"
        ).fetchall()
        [(synced,)] = con.execute(
            "SELECT full_rebuild FROM intermediate.int_payment_months__sync"
        ).fetchall()
    finally:
        con.close()
    assert synced == full  # the follower took the same path
    return full, {t[0] for t in touched}


def edit_delivery(folder: Path, edit, encoding: str = "utf-8") -> None:
    """Rewrite a delivery's data file through edit(rows) (a list of dicts) and re-mark it,
    as a department does for a correction (or as if the rows had been there)."""
    marker = json.loads((folder / "_SUCCESS").read_text())
    entry = marker["files"][0]
    data = folder / entry["name"]
    reader = csv.DictReader(io.StringIO(data.read_bytes().decode(encoding), newline=""))
    fields = reader.fieldnames
    rows = edit(list(reader))
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    body = out.getvalue().encode(encoding)
    data.write_bytes(body)
    entry.update(bytes=len(body), rows=len(rows), sha256=hashlib.sha256(body).hexdigest())
    (folder / "_SUCCESS").write_text(json.dumps(marker))


def ledger_rows(landing: Path) -> dict[str, list[tuple[str, dict]]]:
    """Every generated ledger version by payment_id: (delivery folder, row)."""
    out: dict[str, list[tuple[str, dict]]] = {}
    for folder in sorted((landing / "ledger").iterdir()):
        entry = json.loads((folder / "_SUCCESS").read_text())["files"][0]
        with open(folder / entry["name"], encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                out.setdefault(row["payment_id"], []).append((folder.name, row))
    return out


def plant(landing: Path, aside: Path) -> dict[str, str]:
    """Plant the incremental paths in the generated county (see the module docstring)."""
    ledger = ledger_rows(landing)
    hukou_file = landing / "hukou" / "20261025"
    entry = json.loads((hukou_file / "_SUCCESS").read_text())["files"][0]
    with open(hukou_file / entry["name"], encoding="gb18030", newline="") as f:
        register = list(csv.DictReader(f))
    living = {r["公民身份号码"]: r for r in register if r["人员状态"] == "0"}
    # old payments: every version delivered the first day, paid, recipient on the register
    old = [
        max((r for _, r in rows), key=lambda r: r["updated_at"])
        for pid, rows in sorted(ledger.items())
        if {day for day, _ in rows} == {f"{START:%Y%m%d}"}
    ]
    old = [r for r in old if r["status"] == "PAID" and r["recipient_id"] in living]
    corrected, mover = old[0], old[1]
    # R01 judges monthly person-level payments (minimum living allowance, 10)
    dead = next(r for r in old[2:] if r["program_code"] == "10")
    assert len({corrected["recipient_id"], mover["recipient_id"], dead["recipient_id"]}) == 3

    # a new version of an old payment (delivered with the 10-27 ledger); a payment
    # delivered 10-13 reissuing one first delivered 10-27
    later = {**corrected, "amount": f"{float(corrected['amount']) * 2:.2f}"}
    later["updated_at"] = "2026-10-27 08:00:00"
    reissue = {**corrected, "payment_id": "P9000000001", "reissue_of": "P9000000002"}
    reissue["updated_at"] = "2026-10-13 08:00:00"
    reissued = {**corrected, "payment_id": "P9000000002", "updated_at": "2026-10-27 09:00:00"}
    edit_delivery(landing / "ledger" / "20261013", lambda rows: [*rows, reissue])
    edit_delivery(landing / "ledger" / "20261027", lambda rows: [*rows, later, reissued])

    # the recipient of another old payment moves into another household on 10-25
    other = next(r["户号"] for r in register if r["户号"] != living[mover["recipient_id"]]["户号"])

    def move(rows):
        for r in rows:
            if r["公民身份号码"] == mover["recipient_id"]:
                r["户号"] = other
        return rows

    edit_delivery(hukou_file, move, encoding="gb18030")

    # a death certificate for a third old payment's recipient, in the 10-23
    # deaths delivery, which will arrive late
    person = living[dead["recipient_id"]]
    certificate = {
        "\ufeff死亡证编号": "SW599999",
        "公民身份号码": person["公民身份号码"],
        "姓名": person["姓名"],
        "死亡日期": "2025-12-02",  # before any period paid in the county
        "填报日期": "2026-10-23",
    }
    edit_delivery(landing / "deaths" / "20261023", lambda rows: [*rows, certificate])
    return {
        "corrected": corrected["payment_id"],
        "mover": mover["recipient_id"],
        "dead": dead["recipient_id"],
        "dead_payment": dead["payment_id"],
    }


def busiest_ledger_day(landing: Path, after: dt.date) -> dt.date:
    days = []
    for folder in sorted((landing / "ledger").iterdir()):
        day = dt.datetime.strptime(folder.name, "%Y%m%d").date()
        if day > after:
            rows = json.loads((folder / "_SUCCESS").read_text())["files"][0]["rows"]
            days.append((rows, day))
    return max(days)[1]


@pytest.mark.slow
def test_any_order_of_nights_equals_a_fresh_run(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "living" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    argv = ["generate", "--out", str(landing), "--persons", "600", "--seed", "5"]
    argv += ["--start", START.isoformat(), "--end", END.isoformat(), "--quiet"]
    assert main(argv) == 0
    aside = tmp_path / "aside"
    aside.mkdir()
    planted = plant(landing, aside)

    # 1. a night
    d1 = dt.date(2026, 10, 20)
    assert same(night(landing, warehouse, d1), fresh(landing, tmp_path, d1))
    assert plan(warehouse)[0]  # the first build computes every payment

    # 2. a later night, while one death delivery and one weekly hukou snapshot
    # are late (not there yet): the snapshot will arrive after a later one
    late, late_hukou = "20261023", "20261018"
    shutil.move(landing / "deaths" / late, aside / late)
    shutil.move(landing / "hukou" / late_hukou, aside / late_hukou)
    d2 = dt.date(2026, 10, 27)
    assert same(night(landing, warehouse, d2), fresh(landing, tmp_path, d2))
    full, touched = plan(warehouse)
    mover_payments = payments_of(warehouse, planted["mover"])
    assert not full
    assert not kept(warehouse, "intermediate.int_persons")  # the 10-25 hukou snapshot
    # the correcting version, the reissue whose reissued payment arrived, that
    # payment, and the payments of the recipient who moved household
    assert {planted["corrected"], "P9000000001", "P9000000002"} | mover_payments <= touched
    assert planted["dead_payment"] not in touched

    # 3. a backfill of an earlier date in the middle: every payment again
    d0 = dt.date(2026, 10, 16)
    assert same(night(landing, warehouse, d0), fresh(landing, tmp_path, d0))
    assert plan(warehouse)[0]
    # ... a night with no new hukou snapshot since it keeps int_persons as it is,
    # and that is the table a fresh run computes
    d_kept = dt.date(2026, 10, 17)
    living, fresh_ = night(landing, warehouse, d_kept), fresh(landing, tmp_path, d_kept)
    assert same(living, fresh_)
    assert kept(warehouse, "intermediate.int_persons")
    table = "intermediate.int_persons"
    assert living[1][table] == fresh_[1][table]
    # ... and a night between the backfill and the last night follows it incrementally
    d3 = dt.date(2026, 10, 23)
    assert same(night(landing, warehouse, d3), fresh(landing, tmp_path, d3))
    full, touched = plan(warehouse)
    assert not full and "P9000000001" not in touched  # delivered 10-13, before the backfill

    # 4. the late delivery arrives (a death for an old payment's recipient); a
    # correction replaces the 10-13 ledger file (one payment gone, one changed);
    # a later ledger delivery is quarantined
    shutil.move(aside / late, landing / "deaths" / late)
    shutil.move(aside / late_hukou, landing / "hukou" / late_hukou)  # replayed into history
    dropped, changed = correct_ledger(landing / "ledger" / "20261013")
    broken = busiest_ledger_day(landing, d2)
    duplicate_a_row(landing / "ledger" / broken.strftime("%Y%m%d"))
    living = night(landing, warehouse, END)
    assert same(living, fresh(landing, tmp_path, END), rules=True)
    full, touched = plan(warehouse)
    assert not full and {dropped, changed} <= touched
    assert not kept(warehouse, "intermediate.int_persons")  # the 10-25 hukou snapshot
    assert planted["dead_payment"] in {a[3] for a in living[0] if a[1] == "R01"}
    con = duckdb.connect(str(warehouse))
    try:
        [(load_id,)] = con.execute(
            "SELECT load_id FROM meta.loads WHERE status = 'quarantined'"
        ).fetchall()
        deaths_late = con.execute(
            "SELECT status FROM meta.loads WHERE source = 'deaths' AND extract_date = ?",
            [dt.date(2026, 10, 23)],
        ).fetchall()
        superseded = con.execute(
            "SELECT count(*) FROM meta.loads WHERE source = 'ledger' AND status = 'superseded'"
        ).fetchone()[0]
    finally:
        con.close()
    assert load_id.startswith(f"ledger:{broken:%Y%m%d}:")
    assert deaths_late == [("loaded",)]
    assert superseded == 1

    # 5. an auditor releases it; the same night again
    release(warehouse, load_id, "duplicate row is harmless: same version twice")
    released = night(landing, warehouse, END)
    assert same(released, fresh(landing, tmp_path, END, released=[load_id]), rules=True)
    assert not plan(warehouse)[0]
    # no new hukou, sscards or assistance snapshot: the rules follow too
    assert all(followed(warehouse, rule) for rule in FOLLOWING_RULES)
    assert all(kept(warehouse, table) for table in KEPT_TABLES)

    # 6. --full-refresh of the same as-of on the living warehouse changes nothing:
    # every column of the findings (evidence included), the history they keep,
    # and the payment state
    before = marts_state(warehouse) | payment_state(warehouse)
    result = build(warehouse, END, select=MODELS, full_refresh=True)
    assert result.success, result.failures
    assert marts_state(warehouse) | payment_state(warehouse) == before


def _sync_flag(warehouse: Path, table: str, flag: str) -> bool:
    """A flag the last build of `table` recorded in `<table>__sync`."""
    con = duckdb.connect(str(warehouse))
    try:
        [(value,)] = con.execute(f"SELECT {flag} FROM {table}__sync").fetchall()
    finally:
        con.close()
    return bool(value)


def followed(warehouse: Path, model: str) -> bool:
    """Whether a follower of int_payments re-judged only the touched payments."""
    return not _sync_flag(warehouse, model, "full_rebuild")


def kept(warehouse: Path, table: str) -> bool:
    """Whether the last build kept a table as it was (macros/kept_tables.sql)."""
    return _sync_flag(warehouse, table, "kept")


def payments_of(warehouse: Path, person_id: str) -> set[str]:
    con = duckdb.connect(str(warehouse))
    try:
        rows = con.execute(
            "SELECT payment_id FROM intermediate.int_payments WHERE person_id = ?", [person_id]
        ).fetchall()
    finally:
        con.close()
    assert rows
    return {r[0] for r in rows}


def correct_ledger(folder: Path) -> tuple[str, str]:
    """A correction of a ledger delivery: its first row is gone, its second changed."""
    ids: list[str] = []

    def correct(rows):
        ids.extend(r["payment_id"] for r in rows[:2])
        rows[1]["amount"] = f"{float(rows[1]['amount']) + 1:.2f}"
        return rows[1:]

    edit_delivery(folder, correct)
    return ids[0], ids[1]


def marts_state(warehouse: Path) -> dict[str, list[tuple]]:
    return tables(warehouse, ("marts.anomalies", "marts.anomaly_history"))
