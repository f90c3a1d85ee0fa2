"""The notebooks run end to end on a warehouse's serving copy, and carry no outputs."""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

import duckdb
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
    """The generated county's published serving copy (shared with the loop test)."""
    _, wh, _ = fx.generated_county()
    return serving_path(wh), tmp_path_factory.mktemp("nb")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_on_the_serving_copy(path, serving, monkeypatch):
    copy, root = serving
    monkeypatch.setenv("CROSSCHECK_SERVING", str(copy))
    monkeypatch.setenv("CROSSCHECK_NOTEBOOK_OUT", str(root / "exports"))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's own (inline) backend
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
    con = duckdb.connect(str(copy), read_only=True)
    n_open, person = con.execute(
        "SELECT count(*), arg_max(person_id, amount_at_risk) FROM marts.anomalies "
        "WHERE review_status IN ('open', 'under_verification')"
    ).fetchone()
    con.close()
    if path.name == "audit_triage.ipynb":
        assert f"{n_open} open findings" in text
        events = re.search(r"(\d+) registry events", text)
        assert events and int(events[1]) > 0  # the person's rows across the registries
        assert person not in text  # shown masked
        selection = root / "exports" / "triage_selection.csv"
        assert selection.exists() and oct(os.stat(selection).st_mode)[-3:] == "600"
    else:
        assert "2026-W44" in text and "R01" in text
        # every chart cell showed its figure (crosscheck.report.charts switches no backend)
        charts = [c for c in nb.cells if "chart" in c.metadata.get("tags", [])]
        assert len(charts) == 4
        for cell in charts:
            images = [o for o in cell.outputs if "image/png" in o.get("data", {})]
            assert len(images) == 1, cell.source
            assert base64.b64decode(images[0]["data"]["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
