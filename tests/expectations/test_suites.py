"""The committed suites are what the declarations give, and GX can build every expectation."""

from __future__ import annotations

import great_expectations as gx
import pytest

from crosscheck.gate.gate import _class_name
from crosscheck.gate.suite_builder import (
    POLICY_DOC,
    build_suite,
    load_suite,
    render,
    render_policy,
    suite_path,
)
from crosscheck.ingest.sources import SOURCE_NAMES, get_source


@pytest.mark.parametrize("name", SOURCE_NAMES)
def test_committed_suite_is_up_to_date(name):
    expected = render(build_suite(get_source(name)))
    assert suite_path(name).read_text(encoding="utf-8") == expected, (
        f"run `python -m crosscheck.gate.suite_builder` to regenerate {suite_path(name).name}"
    )


@pytest.mark.parametrize("name", SOURCE_NAMES)
def test_every_expectation_is_buildable_and_marked(name):
    spec = load_suite(name)
    ids = [e["id"] for e in spec["expectations"]]
    assert len(ids) == len(set(ids))
    for e in spec["expectations"]:
        assert e["severity"] in ("critical", "warning", "rate")
        assert e["why"], "every expectation says why it has its policy"
        if e["severity"] == "rate":
            assert e["quarantine"]["min_rows"] >= 100
        cls = getattr(gx.expectations, _class_name(e["type"]))
        cls(**e["kwargs"], description=e["description"], meta={"id": e["id"]})


def test_suites_cover_the_contract():
    ledger = {e["id"]: e for e in load_suite("ledger")["expectations"]}
    assert ledger["key_unique"]["severity"] == "critical"
    # row-level defects a rule covers never block a delivery by themselves (issue 9)
    assert ledger["recipient_id_valid_rate"]["severity"] == "rate"
    assert ledger["recipient_id_valid_rate"]["quarantine"]["share_above"] == 0.5
    assert ledger["paid_has_sent_date"]["severity"] == "rate"
    assert ledger["amount_within_ceiling_margin"]["severity"] == "warning"  # R12's
    assert ledger["reissue_of_known_payment"]["severity"] == "warning"
    assert "program_code_in_list" in ledger and "amount_positive" in ledger
    hukou = {e["id"]: e for e in load_suite("hukou")["expectations"]}
    assert hukou["row_count_near_previous"]["severity"] == "critical"
    assert hukou["id_number_unique"]["severity"] == "warning"  # key_unique: false
    assert "birth_date_plausible" in hukou


def test_policy_doc_is_up_to_date():
    assert POLICY_DOC.read_text(encoding="utf-8") == render_policy(), (
        "run `python -m crosscheck.gate.suite_builder` to regenerate docs/QUALITY_GATE.md"
    )
