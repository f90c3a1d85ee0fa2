"""A small generated county shared by the generator tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from counties import generated
from gen_support import COUNTY


@pytest.fixture(scope="session")
def county() -> Path:
    return generated(**COUNTY)


@pytest.fixture(scope="session")
def landing(county) -> Path:
    return county / "landing"


@pytest.fixture(scope="session")
def truth(county) -> dict:
    return json.loads((county / "truth.json").read_text(encoding="utf-8"))
