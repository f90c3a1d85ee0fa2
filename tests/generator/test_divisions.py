"""Issue 13: every division code the generator writes has a name in the seed.

The seed (dbt_project/seeds/divisions.csv) is the one home of code → name;
the generator's codes are read back from its deliveries (hukou 户籍地区划,
assistance and ledger division_code), not from the generator's constants.
"""

from __future__ import annotations

import csv

import pytest
from test_generate_formats import read_rows

from crosscheck import divisions
from crosscheck.errors import CrosscheckError
from crosscheck.generator.population import division_rows

COLUMN = {"hukou": 6, "assistance": 4, "ledger": 9}


def _seed_rows() -> list[dict]:
    with divisions.SEED.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_seed_names_every_code_the_generator_writes(landing):
    seed = {r["code"]: r for r in _seed_rows()}
    written = set()
    for source, col in COLUMN.items():
        for path in (landing / source).glob("*/*.csv"):
            written |= {r[col] for r in read_rows(path, source)[1:]}
    assert written, "the generated county wrote no division codes"
    missing = sorted(c for c in written if c not in seed)
    assert not missing, f"codes without a name in {divisions.SEED}: {missing}"
    for code in written:
        assert seed[code]["level"] == "township"
        assert seed[seed[code]["parent_code"]]["level"] == "county"
        assert divisions.division_name(code) == seed[code]["name"]


def test_seed_carries_the_generators_names():
    """Regenerate with dbt_project/scripts/build_divisions_seed.py when they drift."""
    seed = {(r["code"], r["name"], r["level"], r["parent_code"]) for r in _seed_rows()}
    assert set(division_rows()) <= seed


def test_unknown_code_is_one_line_error_or_bracketed():
    with pytest.raises(divisions.UnknownDivision) as e:
        divisions.division_name("500230999")
    assert "500230999" in str(e.value) and "\n" not in str(e.value)
    assert isinstance(e.value, CrosscheckError)
    assert divisions.display_name("500230999") == "[500230999]"
    assert divisions.label("500230999") == "[500230999]"
    assert divisions.display_name(None) == divisions.UNKNOWN
    code, name = division_rows()[1][:2]
    assert divisions.label(code) == f"{name}（{code}）"
    assert divisions.file_part(code) == f"{name}_{code}"
    assert divisions.file_part("500230999") == "500230999"
    assert divisions.file_part("../etc") == "_etc"


def test_a_broken_seed_is_a_one_line_error(tmp_path):
    bad = tmp_path / "divisions.csv"
    bad.write_text("code,name,level,parent_code\n500230101,,township,500230\n", encoding="utf-8")
    with pytest.raises(CrosscheckError, match="line 2"):
        divisions.divisions(bad)
    bad.write_text("code,name\n1,x\n", encoding="utf-8")
    with pytest.raises(CrosscheckError, match="must have the columns"):
        divisions.divisions(bad)
