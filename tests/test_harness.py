"""The test harness itself: helpers are imported from named modules, never from
a conftest (pytest imports every folder's conftest.py under the one name
`conftest`, so `from conftest import …` reads whichever folder was collected
first: `pytest tests/airflow tests/generator` used to fail at collection)."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_no_test_module_imports_from_a_conftest():
    pattern = re.compile(r"^\s*(from\s+conftest\s+import|import\s+conftest\b)", re.M)
    offenders = [
        str(p.relative_to(TESTS)) for p in TESTS.rglob("*.py") if pattern.search(p.read_text())
    ]
    assert not offenders
