"""Fixtures of the pipeline tests (the generated county lives in conftest_county)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from conftest_county import county  # noqa: E402, F401
