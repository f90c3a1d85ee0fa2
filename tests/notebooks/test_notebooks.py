"""The notebooks run end to end on a warehouse's serving copy, and carry no outputs."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
import review_fixtures as fx
from nbclient import NotebookClient

from crosscheck.config import serving_path

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


def test_both_notebooks_exist():
    assert {p.name for p in NOTEBOOKS} == {"audit_triage.ipynb", "weekly_overview.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebooks_carry_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name


@pytest.fixture(scope="module")
def serving(tmp_path_factory):
    root = tmp_path_factory.mktemp("nb")
    wh = fx.build(root / "warehouse.duckdb")
    return serving_path(wh), root


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_on_the_serving_copy(path, serving, monkeypatch):
    copy, root = serving
    monkeypatch.setenv("CROSSCHECK_SERVING", str(copy))
    monkeypatch.setenv("CROSSCHECK_NOTEBOOK_OUT", str(root / "exports"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(root)}}
    ).execute()
    text = "\n".join(
        o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
    )
    assert str(copy) in text
    if path.name == "audit_triage.ipynb":
        assert "7 open findings" in text
        assert (root / "exports" / "triage_selection.csv").exists()
        assert oct(os.stat(root / "exports" / "triage_selection.csv").st_mode)[-3:] == "600"
        for pid, _, account in fx.PEOPLE:
            assert pid not in text and account not in text
    else:
        assert "2026-W44" in text and "R01" in text
