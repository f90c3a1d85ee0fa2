"""The gate counts failing rows before it runs GX (`Gate.counted_results`, issue 11).

An expectation the count shows satisfied gets the result GX would give, and
so does a column-value expectation whose failing values are all one value; GX
runs only on the other expectations with failing rows. These tests hold the counted
results to GX's own, expectation by expectation, on clean, empty and spoiled
deliveries of every source, and show that a clean delivery needs no GX run.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from deliveries import good_rows, hukou_rows, write_delivery
from ingest_env import BASE_DAY, Env

from crosscheck.gate import gate as gate_module
from crosscheck.gate.gate import Gate, _details, _observed
from crosscheck.ingest.sources import SOURCE_NAMES, get_source

DAY = BASE_DAY + dt.timedelta(days=7)  # a Sunday after the baseline: every source is due
DAY_ID = f":{DAY:%Y%m%d}:"  # in the load ids of its deliveries


def spoiled_rows(source: str) -> list[dict]:
    """A delivery of the source with row-level defects (warnings) in some rows."""
    rows = hukou_rows(6) if source == "hukou" else good_rows(source, DAY)
    bad = dict(rows[0])
    if source == "ledger":
        bad.update(payment_id="P0009", amount="-5.00", status="FAILED", fail_reason=None)
    elif source == "hukou":
        bad.update(sex="7", id_number="not an id")
        rows[1] = {**rows[1], "sex": None}  # beside the bad sex, an empty one
    else:  # an ID that is none, and the first other column empty
        src = get_source(source)
        ident = next((c.name for c in src.columns if c.type == "id"), None)
        if ident:
            bad[ident] = "not an id"
        other = next(c.name for c in src.columns if c.name not in src.key and c.name != ident)
        bad[other] = None
    return [*rows, bad] if source not in ("hukou", "ledger") else [*rows[1:], bad]


def results(env: Env) -> list[tuple]:
    return env.query(
        """SELECT load_id, expectation, column_name, severity, success, observed_value, details
           FROM meta.validation_results ORDER BY ALL"""
    )


@pytest.fixture
def runs(env, tmp_path, monkeypatch):
    """Ingest the landing twice from the same baseline: counting first, and GX alone;
    count GX's runs and the expectations they judged."""
    alone = Env(tmp_path / "alone")
    alone.root.mkdir()
    calls: list[frozenset[str]] = []  # the expectations each GX run judged
    original, start = Gate._run, Gate._start

    def counting_run(self, source, ids, lo, hi):
        calls.append(ids)
        return original(self, source, ids, lo, hi)

    started: list[bool] = []

    def counting_start(self):
        started.append(True)
        return start(self)

    monkeypatch.setattr(Gate, "_run", counting_run)
    monkeypatch.setattr(Gate, "_start", counting_start)

    def both(as_of: dt.date) -> tuple[list[frozenset[str]], list[frozenset[str]], bool]:
        """GX's runs counting first, GX's runs alone, and whether GX started at all
        (counting first)."""
        shutil.copytree(env.landing, alone.landing, dirs_exist_ok=True)
        if not alone.warehouse.exists():
            shutil.copy2(env.warehouse, alone.warehouse)
        calls.clear()
        env.ingest(as_of=as_of)
        counted, gx_started = list(calls), bool(started)
        calls.clear()
        alone.ingest(as_of=as_of, gx_only=True)
        assert results(env) == results(alone)
        return counted, list(calls), gx_started

    return both


def test_a_clean_delivery_of_every_source_needs_no_gx_run(env, runs):
    for s in SOURCE_NAMES:
        rows = hukou_rows(10) if s == "hukou" else good_rows(s, DAY)
        write_delivery(env.landing, s, DAY, rows)
    counted, alone, gx_started = runs(DAY)
    # the company that owns a vehicle has no personal ID: owner_id_valid_rate's only
    # failing value (False, a warning) is settled by the count too, as GX settles it
    assert counted == [] and not gx_started
    assert len(alone) == len(SOURCE_NAMES)  # GX alone: one run per delivery, all of it
    (owner,) = [r for r in results(env) if r[1] == "owner_id_valid_rate" and DAY_ID in r[0]]
    assert owner[3:] == ("warning", True, owner[5], "[false]")


def test_an_empty_delivery_is_settled_as_gx_settles_it(env, runs):
    for s in ("ledger", "deaths", "cremations"):
        write_delivery(env.landing, s, DAY, [])
    counted, alone, gx_started = runs(DAY)
    assert counted == [] and not gx_started  # GX is not even imported
    assert len(alone) == 3


def test_failing_rows_are_judged_by_gx_and_only_they(env, runs):
    for s in SOURCE_NAMES:
        write_delivery(env.landing, s, DAY, spoiled_rows(s))
    counted, alone, _ = runs(DAY)
    failed = {r[1] for r in results(env) if not r[4]}
    assert len(failed) > 3  # the spoiled deliveries do fail several expectations
    judged = set().union(*counted)
    assert failed & judged  # GX judged failing expectations itself…
    # …all but those whose failing values are one value (the fixture holds every
    # result to GX's own): their sample is that value repeated
    for r in results(env):
        if r[1] in failed - judged and not r[4]:
            assert r[6] is not None and len(set(json.loads(r[6]))) == 1, r
    assert sum(map(len, counted)) < sum(map(len, alone)) / 3


def test_counted_results_are_gx_results_expectation_by_expectation(baseline, tmp_path):
    """On the baseline's work tables read anew: every counted result is GX's, as recorded."""
    from crosscheck.ingest import api
    from crosscheck.ingest.discover import Delivery
    from crosscheck.ingest.load import _drop_work, _prepare

    env = Env(tmp_path / "env")
    shutil.copytree(baseline.root, env.root)
    con = api._open(env.warehouse)
    settled_failing: set[tuple[str, str]] = set()
    try:
        gate = Gate(con)
        for s in SOURCE_NAMES:
            source = get_source(s)
            folder = env.landing / s / BASE_DAY.strftime("%Y%m%d")
            # a re-delivery of the same day with other bytes: read into its work table
            rows = hukou_rows(10) if s == "hukou" else good_rows(s, BASE_DAY)
            write_delivery(
                env.landing, s, BASE_DAY, [*rows, *rows[:1]] if s != "hukou" else rows[:7]
            )
            pending = _prepare(con, Delivery(BASE_DAY, s, folder), None, None)
            work = pending.read.work_table
            gate._definition(source)
            ids = frozenset(gate._specs[s])
            lo, hi = gate._row_bounds(source, BASE_DAY)
            counted = gate.counted_results(source, work, ids, lo, hi)
            assert counted, s
            by_gx = {gate_module._exp_id(r): r for r in gate._run(source, ids, lo, hi).results}
            for exp_id, (res, success) in counted.items():
                r = by_gx[exp_id]
                assert r.success == success, (s, exp_id)
                assert _observed(res) == _observed(r.result or {}), (s, exp_id)
                assert _details(res) == _details(r.result or {}), (s, exp_id)
            # what the count left to GX has failing rows there, of several values
            failing = {
                i for i, r in by_gx.items()
                if not r.success or (r.result or {}).get("unexpected_count")
            }  # fmt: skip
            assert ids - frozenset(counted) <= failing, s
            for exp_id in failing - (ids - frozenset(counted)):
                sample = by_gx[exp_id].result.get("partial_unexpected_list") or []
                assert len(set(map(repr, sample))) == 1, (s, exp_id)
            settled_failing |= {(s, i) for i in failing if i in counted}
            _drop_work(con, source)  # a snapshot's work table is a view
    finally:
        gate.close()
        api._close(con)
    # failing results were settled by the count, and held to GX's above
    assert ("vehicles", "owner_id_valid_rate") in settled_failing
