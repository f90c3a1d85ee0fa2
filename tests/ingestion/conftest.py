"""A warehouse with one good delivery of every source, built once, copied per test."""

from __future__ import annotations

import shutil

import pytest
from deliveries import good_rows, hukou_rows, write_delivery
from ingest_env import BASE_DAY, Env

from crosscheck.ingest.sources import SOURCE_NAMES


@pytest.fixture(scope="session")
def baseline(tmp_path_factory) -> Env:
    env = Env(tmp_path_factory.mktemp("baseline"))
    for s in SOURCE_NAMES:
        rows = hukou_rows(10) if s == "hukou" else good_rows(s, BASE_DAY)
        write_delivery(env.landing, s, BASE_DAY, rows)
    report = env.ingest(as_of=BASE_DAY)
    assert [d.status for d in report.deliveries] == ["loaded"] * len(SOURCE_NAMES), [
        d.line() for d in report.deliveries
    ]
    return env


@pytest.fixture
def env(baseline, tmp_path) -> Env:
    """A private copy of the baseline warehouse and landing folder."""
    e = Env(tmp_path / "env")
    e.root.mkdir()
    shutil.copytree(baseline.landing, e.landing)
    shutil.copy2(baseline.warehouse, e.warehouse)
    return e
