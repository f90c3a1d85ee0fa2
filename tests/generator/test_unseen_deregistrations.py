"""R13 in the truth follows the deployment's hukou cadence: a death more than 30 days
old whose deregistration the snapshot in force does not show yet is a finding."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pandas as pd

from crosscheck.generator.county import unseen_deregistrations
from crosscheck.generator.workdays import Workdays

BASE = dt.date(2025, 1, 1)
CAL = Workdays(BASE, dt.date(2027, 1, 1))
NEVER = -(10**6)


def _county() -> SimpleNamespace:
    day = CAL.idx
    deaths = {  # person: (death, deregistered)
        "A": (day(dt.date(2026, 9, 25)), day(dt.date(2026, 10, 5))),  # after the 1st
        "B": (day(dt.date(2026, 9, 10)), day(dt.date(2026, 9, 20))),  # before it
        "C": (day(dt.date(2026, 10, 10)), day(dt.date(2026, 10, 20))),  # 21 days: too recent
        "D": (day(dt.date(2026, 9, 1)), None),  # planted: already an R13 finding
        "E": (day(dt.date(2026, 9, 28)), day(dt.date(2026, 10, 8))),  # cremation only
    }
    persons = pd.DataFrame(
        {
            "id": list(deaths),
            "status": ["1" if d else "0" for _, d in deaths.values()],
            "dereg_day": [d if d else NEVER for _, d in deaths.values()],
            "in_hukou": True,
        }
    )
    certs = pd.DataFrame(
        {"id_number": ["A", "B", "C", "D"], "death": [deaths[p][0] for p in "ABCD"]}
    )
    crems = pd.DataFrame({"id_number": ["E", None], "death": [deaths["E"][0], day(BASE)]})
    return SimpleNamespace(
        opts=SimpleNamespace(start=dt.date(2026, 8, 1), end=dt.date(2026, 10, 31)),
        cal=CAL,
        persons=persons,
        deaths=certs,
        cremations=crems,
        findings=[{"rule_code": "R13", "finding_key": "D"}],
    )


def test_monthly_snapshots_leave_recent_deregistrations_unseen(tmp_path, monkeypatch):
    monthly = tmp_path / "deployment.yml"
    monthly.write_text(
        json.dumps({"sources": {"hukou": {"cadence": {"every": "monthly", "day": 1}}}}), "utf-8"
    )
    monkeypatch.setenv("CROSSCHECK_DEPLOYMENT", str(monthly))
    found = unseen_deregistrations(_county())
    assert [f["finding_key"] for f in found] == ["A", "E"]  # the 1 Oct snapshot shows them active
    assert all(f["rule_code"] == "R13" and f["amount_at_risk"] == "0.00" for f in found)


def test_weekly_snapshots_show_every_old_deregistration(monkeypatch):
    monkeypatch.delenv("CROSSCHECK_DEPLOYMENT", raising=False)
    assert unseen_deregistrations(_county()) == []  # the snapshot of 25 Oct shows them
