"""The tamper-evident trail: decisions and full-identifier exports are
chained as they are written; editing, deleting or slipping in a row behind
the system's back is caught and named by `crosscheck audit verify`."""

from __future__ import annotations

import shutil

import pytest
import review_fixtures as fx
from outcome_support import q as sql

from crosscheck.audit import verify
from crosscheck.cli import main
from crosscheck.review.export import export_findings
from crosscheck.review.feedback import FEEDBACK_DIR, load_feedback

DAY = fx.AS_OF


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The trail written once; each test tampers with its own copy."""
    tmp_path = tmp_path_factory.mktemp("trail")
    wh = fx.build(tmp_path / "warehouse.duckdb")
    res = export_findings(wh, DAY, tmp_path / "out", full_identifiers=True)
    export_findings(wh, DAY, tmp_path / "masked")  # masked: not chained
    ids = [a["anomaly_id"] for a in fx.anomalies()]
    folder = tmp_path / "landing" / FEEDBACK_DIR
    folder.mkdir(parents=True)
    answers = {
        ids[0]: {"核查结论": "属实", "追回金额": 300, "核查人": "王", "核查日期": DAY},
        ids[3]: {"核查结论": "不属实", "核查人": "王", "核查日期": DAY},
        ids[4]: {"核查结论": "部分属实", "核实金额": 100, "核查人": "李", "核查日期": DAY},
    }
    for wb in res.files:
        fx.fill_feedback(wb, answers, out=folder / wb.name)
    assert load_feedback(tmp_path / "landing", wh, DAY).decisions_loaded == 3
    return wh, res.export_id


@pytest.fixture
def trail(built, tmp_path):
    wh, export_id = built
    copy = tmp_path / wh.name
    shutil.copy(wh, copy)
    return copy, export_id


def test_an_untouched_trail_is_intact(trail, capsys):
    wh, export_id = trail
    verdict = verify(wh)
    assert verdict.ok and verdict.records == 4  # one full export, three decisions
    kinds = sql(wh, "SELECT kind, record_key FROM meta.audit_chain ORDER BY seq")
    assert kinds[0] == ("full_export", export_id) and [k for k, _ in kinds[1:]] == ["decision"] * 3
    # each record carries the previous one's hash
    chain = sql(wh, "SELECT prev_hash, chain_hash FROM meta.audit_chain ORDER BY seq")
    assert chain[0][0] == "0" * 64
    assert all(chain[i][0] == chain[i - 1][1] for i in range(1, len(chain)))
    assert main(["audit", "verify", "--warehouse", str(wh)]) == 0
    assert "audit trail intact: 4 records chained" in capsys.readouterr().out


def test_an_edited_decision_is_caught_and_named(trail, capsys):
    wh, _ = trail
    key, seq = sql(
        wh, "SELECT record_key, seq FROM meta.audit_chain WHERE kind = 'decision' ORDER BY seq"
    )[1]
    # behind the system's back: a dismissed finding becomes confirmed
    sql(wh, "UPDATE review.decisions SET conclusion = '属实' WHERE decision_id = ?", [key])
    assert main(["audit", "verify", "--warehouse", str(wh)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert f"record {seq} (decision {key}): the record in review.decisions was changed" in err


@pytest.mark.parametrize(
    "tamper, expected",
    [
        (
            "DELETE FROM review.decisions WHERE decision_id = (SELECT max(decision_id) "
            "FROM review.decisions)",
            "is gone from review.decisions",
        ),
        (
            "UPDATE review.exports SET exported_by = 'someone else' WHERE full_identifiers",
            "record 1 (full_export",
        ),
        (
            "INSERT INTO review.decisions (decision_id, anomaly_id, conclusion) "
            "VALUES ('zz-forged', 'x', '属实')",
            "decision zz-forged in review.decisions is not in",
        ),
        (
            "UPDATE meta.audit_chain SET record_hash = repeat('a', 64) WHERE seq = 2",
            "record 2 (decision",
        ),
        ("DELETE FROM meta.audit_chain WHERE seq = 2", "chain row 2 is missing"),
    ],
)
def test_other_tampering_is_caught(trail, tamper, expected):
    wh, _ = trail
    sql(wh, tamper)
    verdict = verify(wh)
    assert not verdict.ok and expected in verdict.broken
