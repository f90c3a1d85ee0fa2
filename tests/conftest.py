"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


_EXIT: dict[str, int] = {}


def pytest_sessionfinish(session, exitstatus):
    _EXIT["status"] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """End the test process as every entry point of the package ends
    (crosscheck.process): no "nanobind: leaked …" teardown lines under the
    summary. xdist workers end normally (their controller talks to them)."""
    if hasattr(config, "workerinput") or "status" not in _EXIT:
        return
    from crosscheck.process import exit_quietly

    exit_quietly(_EXIT["status"])
