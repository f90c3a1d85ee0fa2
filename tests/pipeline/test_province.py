"""The province's way of delivering, on small counties through `crosscheck run` (issue 11):

- the card register delivered as CSV (a deployment's format) gives the same anomalies
  as the same county delivered as XLSX (the session's pipeline county);
- a county generated in parts (bounded memory: each part appended to the same
  deliveries) is a valid county whose planted truth the rules find, and nothing else.
"""

from __future__ import annotations

import json

import pytest
from counties import END, PIPELINE, generate_into, read_anomalies

from crosscheck.cli import main
from crosscheck.generator.truth import RULES, finding_set
from crosscheck.warehouse import open_file

pytestmark = pytest.mark.slow
CSV_CARDS = {"sources": {"sscards": {"format": "csv"}}}


def _run(root, deployment: dict, extra=()) -> tuple:
    path = root / "deployment.yml"
    path.write_text(json.dumps(deployment), encoding="utf-8")
    mp = pytest.MonkeyPatch()
    mp.setenv("CROSSCHECK_DEPLOYMENT", str(path))
    try:
        landing = generate_into(root, **PIPELINE, extra=tuple(extra))
        warehouse = root / "warehouse.duckdb"
        args = ["run", "--landing", str(landing), "--warehouse", str(warehouse)]
        assert main([*args, "--as-of", END.isoformat()]) == 0
    finally:
        mp.undo()
    truth = json.loads((root / "truth.json").read_text(encoding="utf-8"))
    return landing, warehouse, truth, read_anomalies(warehouse)


@pytest.fixture(scope="module")
def csv_cards(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("csv-cards"), CSV_CARDS)


@pytest.fixture(scope="module")
def in_parts(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("in-parts"), CSV_CARDS, ("--part-size", "500"))


def _comparable(rows):
    """An anomaly as a reader sees it, without when it was first and last seen."""
    skip = {"first_seen", "last_seen", "first_seen_run", "last_seen_run", "run_id"}
    return sorted(
        (tuple(sorted((k, str(v)) for k, v in r.items() if k not in skip)) for r in rows),
    )


def test_csv_cards_give_the_same_anomalies_as_the_workbook(csv_cards, county):
    landing, _, truth, after = csv_cards
    assert (landing / "sscards" / PIPELINE["start"].strftime("%Y%m%d")).is_dir()
    assert not list(landing.glob("sscards/*/*.xlsx")) and list(landing.glob("sscards/*/*.csv"))
    assert truth == county.truth  # the same county, only the card file's format differs
    assert len(after) > 20
    assert _comparable(after) == _comparable(county.after)


def test_a_county_in_parts_has_no_key_twice(in_parts):
    _, warehouse, _, _ = in_parts
    con = open_file(warehouse)  # the process may hold dbt's connection
    try:
        areas = dict(
            con.execute(
                "SELECT substr(id_number, 1, 4), count(DISTINCT id_number) FROM raw.hukou "
                "WHERE _extract_date = (SELECT max(_extract_date) FROM raw.hukou) GROUP BY 1"
            ).fetchall()
        )
        dup_cards = con.execute(
            "SELECT count(*) - count(DISTINCT card_no) FROM raw.sscards "
            "WHERE _extract_date = (SELECT max(_extract_date) FROM raw.sscards)"
        ).fetchone()[0]
        households = con.execute(
            "SELECT count(DISTINCT household_no), count(DISTINCT length(household_no)) "
            "FROM raw.hukou"
        ).fetchone()
        loads = con.execute("SELECT DISTINCT status FROM meta.loads").fetchall()
    finally:
        con.close()
    # part 0 is the county (5002..), parts 1 and 2 persons born in 50001x, 50002x
    assert {"5002", "5001"} <= set(areas) and sum(areas.values()) > 1400, areas
    assert dup_cards == 0
    assert households[0] > 500 and households[1] == 2  # 户号 of parts 1, 2 run past 999999
    assert loads == [("loaded",)]


@pytest.mark.parametrize("rule", RULES)
def test_a_county_in_parts_finds_exactly_its_planted_truth(in_parts, rule):
    _, _, truth, after = in_parts
    expected = finding_set(truth["findings"], rule)
    found = finding_set(after, rule)
    assert found == expected, (
        f"{rule}: missing {sorted(expected - found)[:5]}, extra {sorted(found - expected)[:5]}"
    )


def test_a_county_in_parts_finds_its_linked_truth_and_no_near_miss(in_parts):
    _, _, truth, after = in_parts
    for rule in ("R01", "R07", "R08", "R13"):
        expected = finding_set(truth["linked_findings"], rule, linked=True)
        assert finding_set(after, rule, linked=True) == expected, rule
    flagged = {(a["rule_code"], a["finding_key"]) for a in after}
    hits = [m for m in truth["near_misses"] if (m["rule_code"], m["finding_key"]) in flagged]
    assert not hits, hits[:5]
