"""The truth file: every rule and subtype planted, exact, and the near misses stay clean."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from gen_support import generate
from reference_rules import findings

SUBTYPES = {
    "R01": [None], "R02": [None], "R03": [None], "R04": [None], "R05": [None],
    "R06": ["AT_BANK", "RETURNED_UNPAID", "REISSUE_PENDING"], "R07": [None], "R08": [None],
    "R09": ["INVALID_ID", "UNKNOWN_PERSON", "NAME_MISMATCH"],
    "R10": ["CARD_NOT_USABLE", "OTHER_PERSONS_CARD", "NOT_A_CARD"],
    "R11": [None], "R12": [None], "R13": [None], "R14": ["NO_SPELL", "OUTSIDE_SPELL"],
}  # fmt: skip
HOLD = {"R01", "R02", "R03", "R07", "R08", "R09", "R10", "R12", "R14"}
NEAR_MISS_KINDS = {
    "payment_in_death_month", "legitimate_reissue", "motorcycle_in_dibao_household",
    "soe_payroll_in_means_tested_household", "id_lowercase_x", "id_with_spaces",
    "id_fullwidth_digits", "legacy_15_digit_id", "holiday_bank_delay",
    "corrected_death_certificate", "shared_account_in_household", "quarter_began_before_death",
    "spell_suspended_covers_month",
}  # fmt: skip


def key(f):
    return (f["rule_code"], f["subtype"], f["finding_key"], f["amount_at_risk"])


def test_truth_header(truth):
    assert truth["seed"] == 3
    assert truth["as_of"] == truth["end"] == "2026-10-12"
    assert truth["start"] == "2026-09-27"


def test_every_rule_and_subtype_is_planted(truth):
    got = {}
    for f in truth["findings"]:
        got.setdefault((f["rule_code"], f["subtype"]), set()).add(f["status"])
        assert f["person_id"] is None or isinstance(f["person_id"], str)
        assert f["amount_at_risk"].count(".") == 1 and len(f["amount_at_risk"].split(".")[1]) == 2
    for rule, subs in SUBTYPES.items():
        for sub in subs:
            statuses = got.get((rule, sub))
            assert statuses, (rule, sub)
            if rule in HOLD:
                assert statuses == {"paid", "pending"}, (rule, sub, statuses)
            elif rule in ("R06", "R11", "R13"):
                assert statuses == {None}
            else:
                assert statuses == {"paid"}
    counts = {}
    for f in truth["findings"]:
        counts[(f["rule_code"], f["subtype"])] = counts.get((f["rule_code"], f["subtype"]), 0) + 1
    assert all(c >= 2 for c in counts.values()), counts


def test_every_near_miss_kind_is_planted(truth):
    kinds = {n["kind"] for n in truth["near_misses"]}
    assert NEAR_MISS_KINDS <= kinds
    for n in truth["near_misses"]:
        assert n["rule_code"] in SUBTYPES and n["finding_key"] and n["note"]


def test_truth_is_exactly_what_the_rules_find(landing, truth):
    """An independent reading of the rulebook over the files finds the truth, no more, no less."""
    found = findings(landing, dt.date.fromisoformat(truth["as_of"]))
    assert sorted(map(key, found)) == sorted(map(key, truth["findings"]))
    status = {(f["rule_code"], f["subtype"], f["finding_key"]): f["status"] for f in found}
    for f in truth["findings"]:
        assert status[(f["rule_code"], f["subtype"], f["finding_key"])] == f["status"]
    flagged = {(f["rule_code"], f["finding_key"]) for f in found}
    for n in truth["near_misses"]:
        assert (n["rule_code"], n["finding_key"]) not in flagged, n


@pytest.mark.parametrize(
    ("persons", "seed", "start", "end", "history"),
    [
        (400, 11, "2026-10-01", "2026-10-01", "3"),  # a one-day window, short history
        (700, 12, "2026-12-27", "2027-01-12", "6"),  # into a year the calendar does not cover
        # five years: payroll holds only its last 24 months, R08 must still be found
        (500, 13, "2026-10-01", "2026-10-03", "60"),
    ],
)
def test_truth_is_exact_in_other_windows(tmp_path, persons, seed, start, end, history):
    landing = generate(
        tmp_path, persons=persons, seed=seed, start=dt.date.fromisoformat(start),
        end=dt.date.fromisoformat(end), extra=("--history-months", history),
    )  # fmt: skip
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    found = findings(landing, dt.date.fromisoformat(end))
    assert sorted(map(key, found)) == sorted(map(key, truth["findings"]))


def test_truth_is_exact_with_the_plants_of_a_province(tmp_path, monkeypatch):
    """More cases per rule, as a county of 10M+ persons plants: still exactly the truth.

    (At 1M persons R01's fifth case was once paid above program 14's ceiling:
    an R12 finding no truth entry listed.)
    """
    from crosscheck.generator import planted

    assert planted.per_rule(1_000_000) == 5 and planted.per_rule(10_000_000) == 6
    monkeypatch.setattr(planted, "per_rule", lambda persons: 8)
    landing = generate(tmp_path, persons=1500, seed=14)
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert sum(f["rule_code"] == "R01" for f in truth["findings"]) >= 8
    found = findings(landing, dt.date.fromisoformat(truth["as_of"]))
    assert sorted(map(key, found)) == sorted(map(key, truth["findings"]))
