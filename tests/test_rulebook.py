"""The rulebook is declared once (crosscheck/rulebook.yml); every copy of it is
generated from it or reads it, and these tests pin each one."""

from __future__ import annotations

import csv

import pytest

from crosscheck import rulebook
from crosscheck.config import DBT_PROJECT_DIR
from crosscheck.generator import catalog
from crosscheck.review import evidence, labels

RB = rulebook.load()


@pytest.mark.parametrize("path", sorted(rulebook.generated(), key=str), ids=lambda p: p.name)
def test_generated_copy_is_current(path):
    assert path.read_text(encoding="utf-8") == rulebook.generated()[path], (
        f"run `python -m crosscheck.rulebook` to regenerate {path.name}"
    )


def test_the_rule_models_are_the_declared_ones():
    files = sorted(p.stem for p in (DBT_PROJECT_DIR / "models" / "rules").glob("r*.sql"))
    assert files == RB.rule_models()
    assert sorted(RB.rules) == [f"R{n:02d}" for n in range(1, 15)]


def test_no_rule_model_hard_codes_its_severity_or_a_parameter_default():
    """Severity comes from the rulebook (macros/findings.sql); parameters from
    the generated dbt vars, never an inline default."""
    for path in (DBT_PROJECT_DIR / "models" / "rules").glob("*.sql"):
        sql = path.read_text(encoding="utf-8")
        assert "as severity" not in sql, path.name
        for name in RB.parameters:
            assert f"var('{name}'," not in sql, (path.name, name)
    for path in (DBT_PROJECT_DIR / "macros").glob("*.sql"):
        for name in RB.parameters:
            assert f"var('{name}'," not in path.read_text(encoding="utf-8"), (path.name, name)


def test_seeds_hold_the_catalog_and_the_pairs():
    with (DBT_PROJECT_DIR / "seeds" / "program_catalog.csv").open(encoding="utf-8") as f:
        seed = {r["program_code"]: r for r in csv.DictReader(f)}
    assert set(seed) == set(RB.programs)
    for code, p in RB.programs.items():
        assert seed[code]["program_name"] == p.zh
        assert seed[code]["ceiling"] == ("" if p.ceiling is None else f"{p.ceiling:.2f}")


def test_readers_read_the_declaration():
    assert labels.RULES == {c: r.zh for c, r in RB.rules.items()}
    assert labels.PROGRAMS == {c: p.zh for c, p in RB.programs.items()}
    assert labels.SUBTYPES == RB.subtypes
    assert {c: p.ceiling for c, p in catalog.PROGRAMS.items()} == {
        c: p.ceiling for c, p in RB.programs.items()
    }
    assert catalog.ROSTER_PROGRAMS == tuple(RB.param("roster_programs"))
    # the parameters told to the township are the declared ones
    assert f"{RB.param('bank_working_days')}个工作日" in evidence.LEADS["R04"]
    assert f"{RB.param('death_deregistration_days')}天" in evidence.LEADS["R13"]


def _emitted_names() -> set[str]:
    keys = {k for r in RB.rules.values() for k in r.evidence} | set(RB.linked_evidence)
    return {k.rsplit(".", 1)[-1] for k in keys}


def test_every_label_names_a_key_some_rule_emits_and_back():
    names = _emitted_names()
    linked = {k.rsplit(".", 1)[-1] for k in RB.linked_evidence}
    assert set(RB.evidence_labels) <= names, sorted(set(RB.evidence_labels) - names)
    unlabelled = names - set(RB.evidence_labels) - linked
    assert not unlabelled, sorted(unlabelled)


def test_evidence_value_tables_are_about_emitted_keys():
    names = _emitted_names()
    for table in (
        evidence.VALUES,
        evidence.MONEY_KEYS,
        evidence.PROGRAM_KEYS,
        evidence.SKIP,
    ):
        assert set(table) <= names, sorted(set(table) - names)


def test_subtypes_are_declared_with_names():
    for r in RB.rules.values():
        assert set(r.subtypes) <= set(RB.subtypes), r.code
        if isinstance(r.severity, dict):
            assert set(r.severity) - {"default"} <= set(r.subtypes), r.code
