"""The charts are matplotlib Figures of their own: importing and drawing them
switches no backend, imports no pyplot and leaves the process's rcParams alone."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from crosscheck.report import charts

PROBE = """
import matplotlib, sys
matplotlib.rcParams["font.size"] = 7.5
before = matplotlib.get_backend()
from crosscheck.report import charts
import pandas as pd
trend = pd.DataFrame({"iso_week": ["2026-W43", "2026-W44"], "amount_paid": [1.0, 2.0],
                      "amount_at_risk": [0.5, 0.7], "confirmed": [0, 1], "dismissed": [1, 0],
                      "verification_rate": [0.5, 1.0]})
svg = charts.to_svg(charts.money_trend(trend, "2026-W44"), "t")
assert svg.startswith("<svg"), svg[:50]
assert matplotlib.get_backend() == before, (before, matplotlib.get_backend())
assert "matplotlib.pyplot" not in sys.modules
assert matplotlib.rcParams["font.size"] == 7.5
print("ok", before)
"""


def test_drawing_a_chart_switches_no_backend_and_touches_no_global_style():
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env={"MPLBACKEND": "pdf", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "ok pdf"


def test_an_empty_chart_says_why_in_words():
    trend = pd.DataFrame(
        {
            "iso_week": ["2026-W43", "2026-W44"],
            "confirmed": [0, 0],
            "dismissed": [0, 0],
            "verification_rate": [None, None],
        }
    )
    svg = charts.to_svg(charts.verification(trend), "核查进度")
    assert 'class="chart empty"' in svg and charts.EMPTY["verification"] in svg
    empty = pd.DataFrame(columns=["rule_code", "severity", "open_findings", "amount_at_risk"])
    assert charts.EMPTY["rules"] in charts.to_svg(charts.rule_bars(empty, {}), "r")
