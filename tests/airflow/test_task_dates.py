"""Dates of the work come from the logical date (Asia/Shanghai), never the clock."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pendulum
import pytest

from crosscheck.errors import CrosscheckError
from crosscheck.orchestration import tasks


def test_local_date_is_the_shanghai_calendar_date():
    # 2026-10-12 23:30 in Shanghai is 15:30 UTC the same day; 00:30 is the day before in UTC
    assert tasks.local_date(pendulum.datetime(2026, 10, 12, 15, 30, tz="UTC")) == dt.date(
        2026, 10, 12
    )
    assert tasks.local_date(pendulum.datetime(2026, 10, 11, 16, 30, tz="UTC")) == dt.date(
        2026, 10, 12
    )
    with pytest.raises(CrosscheckError):
        tasks.local_date(None)


def test_as_of_of_asset_triggered_runs_is_the_latest_promoted_extract_date():
    ev = lambda day: SimpleNamespace(extra={"extract_date": day})  # noqa: E731
    events = {"a": [ev("2026-10-11")], "b": [ev("2026-10-12"), ev("2026-10-10")]}
    assert tasks.as_of_for_run(None, events) == dt.date(2026, 10, 12)
    logical = pendulum.datetime(2026, 10, 9, 23, 30, tz="Asia/Shanghai")
    assert tasks.as_of_for_run(logical, events) == dt.date(2026, 10, 9)
    with pytest.raises(CrosscheckError, match="as-of"):
        tasks.as_of_for_run(None, {})


def test_weekly_run_reports_the_week_before():
    assert tasks.week_of(dt.date(2026, 10, 12)) == (dt.date(2026, 10, 11), "2026-W41")
    assert tasks.week_of(dt.date(2027, 1, 4)) == (dt.date(2027, 1, 3), "2026-W53")


def test_reruns_of_the_same_bytes_count_as_promoted():
    first = {"source": "ledger", "extract_date": dt.date(2026, 10, 12), "status": "loaded",
             "load_id": "ledger:20261012:abc", "reasons": []}  # fmt: skip
    again = {**first, "status": "skipped", "reasons": ["already loaded"]}
    quarantined = {**first, "status": "skipped", "reasons": ["already quarantined"]}
    assert tasks.promoted_event_extra(tasks.summarize_delivery(first)) == {
        "source": "ledger",
        "extract_date": "2026-10-12",
        "load_id": "ledger:20261012:abc",
    }
    assert tasks.promoted_event_extra(tasks.summarize_delivery(again)) is not None
    assert tasks.promoted_event_extra(tasks.summarize_delivery(quarantined)) is None
