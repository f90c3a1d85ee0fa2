"""A small generated county shared by the generator tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gen_support import generate


@pytest.fixture(scope="session")
def county(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("county")
    generate(root)
    return root


@pytest.fixture(scope="session")
def landing(county) -> Path:
    return county / "landing"


@pytest.fixture(scope="session")
def truth(county) -> dict:
    return json.loads((county / "truth.json").read_text(encoding="utf-8"))
