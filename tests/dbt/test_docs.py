"""`make docs`: the dbt docs site from the serving copy, one offline file with the
marts' descriptions and the exposures, rendered by Chromium."""

from __future__ import annotations

import json
import re

import review_fixtures as fx

from crosscheck import dbt_docs
from crosscheck.report import browser


def test_docs_site_is_one_offline_file_with_descriptions_and_exposures(tmp_path):
    _, wh, _ = fx.generated_county()
    page = dbt_docs.generate(wh, tmp_path / "docs")
    text = page.read_text(encoding="utf-8")
    # nothing fetched: no external script, stylesheet or font
    assert not re.findall(r'(?:src|href)="https?://(?!\[::1\])', text)
    assert "fonts.googleapis" not in text
    manifest = json.loads((tmp_path / "docs" / "manifest.json").read_text())
    nodes = manifest["nodes"]
    for mart in ("weekly_summary", "weekly_findings_by_rule", "hold_list", "source_status"):
        node = nodes[f"model.crosscheck.{mart}"]
        assert node["description"] and node["config"]["contract"]["enforced"], mart
        assert all(c["description"] or c["data_type"] for c in node["columns"].values())
    for code in range(8, 15):
        [rule] = [
            n
            for n in nodes.values()
            if n["name"].startswith(f"r{code:02d}_")
            and not n["name"].endswith("_linked")
            and n["resource_type"] == "model"
        ]
        assert rule["description"].startswith(f"R{code:02d} "), rule["name"]
    assert {e.split(".")[-1] for e in manifest["exposures"]} >= {
        "leaders_weekly_brief",
        "township_workbooks",
        "payment_desk_hold_list",
        "weekly_overview_notebook",
        "audit_triage_notebook",
    }
    catalog = json.loads((tmp_path / "docs" / "catalog.json").read_text())
    assert "model.crosscheck.weekly_summary" in catalog["nodes"]
    # the single page renders from disk in a browser
    dom = browser.run(page, "--dump-dom", "--virtual-time-budget=8000")
    assert "weekly_summary" in dom and "leaders_weekly_brief" in dom
