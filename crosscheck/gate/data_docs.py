"""Data Docs with history, offline: one page rendered from meta.validation_results.

Every validation ever recorded (every delivery of every source), newest
first, with the delivery's fate from meta.loads: passed, passed with
warnings ("警告 / Warning", never "Failed": the delivery loaded), or
quarantined ("隔离 / Failed": a critical expectation failed). Each run
folds out to its expectations with the observed values. The page carries
its stylesheet inline and fetches nothing (no CDN), so it reads the same on
a machine without network; it is rebuilt after each ingestion run from the
table, so nothing is lost when a run validates only one delivery.

Observed values are shown as recorded, shares rounded (4 decimals, or a
percentage), ID and account numbers masked.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal, InvalidOperation
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

RUNS_SQL = """
SELECT v.load_id, v.source, v.extract_date, max(v.validated_at) AS validated_at,
       coalesce(l.status, 'unknown') AS status, l.file_name, l.rows_loaded, l.rows_rejected,
       count(*) AS expectations,
       count(*) FILTER (WHERE NOT v.success AND v.severity = 'critical') AS failed_critical,
       count(*) FILTER (WHERE NOT v.success AND v.severity <> 'critical') AS failed_warning
FROM meta.validation_results AS v
LEFT JOIN meta.loads AS l ON l.load_id = v.load_id
GROUP BY ALL
ORDER BY validated_at DESC, v.extract_date DESC, v.source, v.load_id
"""

RESULTS_SQL = """
SELECT load_id, expectation, column_name, severity, success, observed_value, details
FROM meta.validation_results
ORDER BY load_id, success, severity, expectation
"""

VERDICTS = {
    "passed": ("通过 / Passed", "passed"),
    "warning": ("警告 / Warning", "warning"),
    "failed": ("隔离 / Failed", "failed"),
}


def verdict(status: str, failed_critical: int, failed_warning: int) -> str:
    """passed | warning | failed: a quarantined delivery (or a critical failure) is failed;
    a delivery that loaded with failed warnings is a warning."""
    if status == "quarantined" or failed_critical:
        return "failed"
    if failed_warning:
        return "warning"
    return "passed"


def _round_number(value):
    if isinstance(value, bool) or not isinstance(value, float):
        return value
    if value == int(value):
        return int(value)
    return round(value, 4)


def _rounded(obj):
    if isinstance(obj, dict):
        return {k: _rounded(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_rounded(v) for v in obj]
    return _round_number(obj)


def show_value(text: str | None) -> str:
    """An observed value for people: numbers rounded, identifiers masked."""
    from crosscheck.review.privacy import mask_in_text

    if text is None:
        return ""
    try:
        value = json.loads(text)
    except ValueError:
        value = text
    if isinstance(value, str):
        try:
            number = Decimal(value)
        except InvalidOperation:
            return mask_in_text(value)
        value = float(number) if number != number.to_integral_value() else int(number)
    shown = json.dumps(_rounded(value), ensure_ascii=False) if not isinstance(value, str) else value
    return mask_in_text(shown)


def _env() -> Environment:
    return Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(con) -> str:
    """The page's HTML from the warehouse connection's meta tables."""
    cur = con.execute(RUNS_SQL)
    names = [d[0] for d in cur.description]
    runs = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    results: dict[str, list[dict]] = {}
    for load_id, expectation, column, severity, success, observed, details in con.execute(
        RESULTS_SQL
    ).fetchall():
        results.setdefault(load_id, []).append(
            {
                "expectation": expectation,
                "column": column or "",
                "severity": "关键 / critical" if severity == "critical" else "警告 / warning",
                "outcome": "ok" if success else ("failed" if severity == "critical" else "warning"),
                "observed": show_value(observed),
                "details": show_value(details),
            }
        )
    counts = {"passed": 0, "warning": 0, "failed": 0}
    for run in runs:
        run["verdict"] = verdict(run["status"], run["failed_critical"], run["failed_warning"])
        run["label"], run["css"] = VERDICTS[run["verdict"]]
        run["results"] = results.get(run["load_id"], [])
        run["anchor"] = "run-" + "".join(c if c.isalnum() else "-" for c in run["load_id"])
        counts[run["verdict"]] += 1
    latest: dict[str, dict] = {}
    for run in runs:
        latest.setdefault(run["source"], run)
    return (
        _env()
        .get_template("data_docs.html.j2")
        .render(runs=runs, counts=counts, latest=sorted(latest.values(), key=lambda r: r["source"]))
    )


def write(con, docs_dir: Path) -> Path:
    """Render the page into docs_dir/index.html (atomically)."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    target = docs_dir / "index.html"
    tmp = docs_dir / ".index.html.tmp"
    tmp.write_text(render(con), encoding="utf-8")
    os.replace(tmp, target)
    return target
