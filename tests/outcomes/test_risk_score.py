"""The risk score on the generated county: the seed's formula, by hand, and
the worklists in score order (marts, township workbooks)."""

from __future__ import annotations

import csv
import json
import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import review_fixtures as fx
from openpyxl import load_workbook

from crosscheck.config import serving_path
from crosscheck.query import records
from crosscheck.review import layout
from crosscheck.review.export import export_findings
from crosscheck.review.score import worklist

SEED = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds" / "risk_score_weights.csv"


def weights() -> dict[tuple[str, str], Decimal]:
    with SEED.open(encoding="utf-8") as fh:
        return {(r["component"], r["level"]): Decimal(r["points"]) for r in csv.DictReader(fh)}


def test_every_score_is_the_declared_formula():
    _, wh, as_of = fx.generated_county()
    con = duckdb.connect(str(serving_path(wh)), read_only=True)
    try:
        rows = records(con, "SELECT * FROM marts.anomalies")
    finally:
        con.close()
    w = weights()
    assert rows
    for r in rows:
        parts = json.loads(r["risk_score_evidence"])
        # other rules on the same person or account, counted here independently
        others = {
            o["rule_code"]
            for o in rows
            if o["rule_code"] != r["rule_code"]
            and (
                (r["person_id"] is not None and o["person_id"] == r["person_id"])
                or (r["account_no"] is not None and o["account_no"] == r["account_no"])
            )
        }
        assert parts["other_rules"] == len(others), r["anomaly_id"]
        amount = float(r["amount_at_risk"])
        amount_pts = Decimal(
            str(float(w["amount", "max"]) * min(1, math.log1p(amount) / math.log1p(10000)))
        ).quantize(Decimal("0.1"), ROUND_HALF_UP)
        deaths = parts["death_sources"]
        assert (deaths is not None) == (r["rule_code"] in ("R01", "R13"))
        corroboration = (
            w["corroboration", "not_applicable"]
            if deaths is None
            else w["corroboration", "two_or_more_sources" if deaths >= 2 else "one_source"]
        )
        expected = (
            w["severity", r["severity"]]
            + amount_pts
            + corroboration
            + w["id_match", parts["id_match"]]
            + min(w["other_rules", "max"], w["other_rules", "per_rule"] * len(others))
            + w["pending", "pending" if r["status"] == "pending" else "not_pending"]
        )
        assert r["risk_score"] == expected, (r["anomaly_id"], parts)


def test_worklists_come_out_in_score_order(tmp_path):
    _, wh, as_of = fx.copy_county(tmp_path / "wh")
    con = duckdb.connect(str(serving_path(wh)), read_only=True)
    try:
        items = worklist(con, as_of)
        township = items[0]["division_code"]
        local = worklist(con, as_of, township=township, limit=5)
    finally:
        con.close()
    scores = [(-i["risk_score"], i["anomaly_id"]) for i in items]
    assert scores == sorted(scores) and len({i["risk_score"] for i in items}) > 3
    assert [i["anomaly_id"] for i in local] == [
        i["anomaly_id"] for i in items if i["division_code"] == township
    ][:5]
    by_id = {i["anomaly_id"]: i["risk_score"] for i in items}
    res = export_findings(wh, as_of, tmp_path / "out")
    sheets = 0
    for path in res.files:
        wb = load_workbook(path, read_only=True)
        # the 加急 sheet and every rule sheet (not the cover, not 抽查)
        for ws in wb.worksheets:
            if ws.title in (layout.COVER_SHEET, layout.SAMPLE_SHEET):
                continue
            rows = [r for r in ws.iter_rows(values_only=True)]
            col, idc = rows[0].index(layout.SCORE), rows[0].index(layout.ID_HEADER)
            rows = [r for r in rows[1:] if r[col] is not None]  # an empty 加急 says so
            got = [(-Decimal(str(r[col])), r[idc]) for r in rows]
            assert got == sorted(got) and all(
                by_id[r[idc]] == -g[0] for r, g in zip(rows, got, strict=True)
            )
            assert all("风险评分" in r[layout.HEADERS.index("疑点说明")] for r in rows)
            sheets += 1
        wb.close()
    assert sheets > 5
