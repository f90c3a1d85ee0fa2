"""Data Docs with history, offline: an index and one page per month, from
meta.validation_results.

Every validation ever recorded (every delivery of every source) is on the
page of its extract month, newest first, with the delivery's fate from
meta.loads: passed, passed with warnings ("警告 / Warning", never "Failed":
the delivery loaded), or quarantined ("隔离 / Failed": a critical
expectation failed). Each run folds out to its expectations with the
observed values. The index (`index.html`) gives the counts, the latest
validation of each source and every month with a link to its page.

Pages carry their stylesheet inline and fetch nothing (no CDN), so they read
the same on a machine without network. After each ingestion run the index
is rewritten, and a month's page only when what it shows changed (a new
validation, a release, a superseded delivery: its fingerprint in
`pages.json`) or is missing: a night renders its own month, not the history.

Observed values are shown as recorded, shares rounded (4 decimals, or a
percentage), ID and account numbers masked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from decimal import Decimal, InvalidOperation
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from crosscheck.query import records

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

# a month's page: the results of the runs of that extract month
MONTH_RESULTS_SQL = """
SELECT load_id, expectation, column_name, severity, success, observed_value, details
FROM meta.validation_results
WHERE extract_date >= ? AND extract_date < ?
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


def _runs(con) -> list[dict]:
    """Every validation run (one per load id) with its verdict, newest first."""
    runs = records(con, RUNS_SQL)
    for run in runs:
        run["verdict"] = verdict(run["status"], run["failed_critical"], run["failed_warning"])
        run["label"], run["css"] = VERDICTS[run["verdict"]]
        run["month"] = run["extract_date"].strftime("%Y-%m")
        run["page"] = month_page(run["month"])
        run["anchor"] = "run-" + "".join(c if c.isalnum() else "-" for c in run["load_id"])
    return runs


def month_page(month: str) -> str:
    """The file name of a month's page ("2026-11" → "2026-11.html")."""
    return f"{month}.html"


def _results(con, month: str) -> dict[str, list[dict]]:
    """The expectations of every run of `month`, by load id, shown for people."""
    first = dt.date.fromisoformat(month + "-01")
    after = (first + dt.timedelta(days=31)).replace(day=1)
    results: dict[str, list[dict]] = {}
    for load_id, expectation, column, severity, success, observed, details in con.execute(
        MONTH_RESULTS_SQL, [first, after]
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
    return results


def _counts(runs: list[dict]) -> dict[str, int]:
    counts = {"passed": 0, "warning": 0, "failed": 0}
    for run in runs:
        counts[run["verdict"]] += 1
    return counts


def _months(runs: list[dict]) -> dict[str, list[dict]]:
    """The runs by extract month, newest month first (each newest run first)."""
    months: dict[str, list[dict]] = {}
    for run in runs:
        months.setdefault(run["month"], []).append(run)
    return dict(sorted(months.items(), reverse=True))


def _renderer() -> str:
    """The code and templates that render a month's page (read once per `write`)."""
    templates = Path(__file__).parent / "templates"
    return "".join(
        p.read_text(encoding="utf-8")
        for p in (
            Path(__file__),
            templates / "data_docs_base.html.j2",
            templates / "data_docs_month.html.j2",
        )
    )


def _fingerprint(runs: list[dict], renderer: str) -> str:
    """What a month's page shows of its runs, and what renders it (`_renderer`):
    equal fingerprints, equal pages (a run's expectations change only with a new
    validation, which changes its `validated_at`)."""
    keys = (
        "load_id", "validated_at", "status", "file_name", "rows_loaded", "rows_rejected",
        "expectations", "failed_critical", "failed_warning",
    )  # fmt: skip
    text = repr([[str(r[k]) for k in keys] for r in runs]) + renderer
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def render_index(runs: list[dict]) -> str:
    """The index: counts, the latest validation of each source, every month."""
    latest: dict[str, dict] = {}
    for run in runs:
        latest.setdefault(run["source"], run)
    months = [
        {"month": m, "page": month_page(m), "runs": len(rs), "counts": _counts(rs)}
        for m, rs in _months(runs).items()
    ]
    return (
        _env()
        .get_template("data_docs_index.html.j2")
        .render(
            runs=runs,
            counts=_counts(runs),
            latest=sorted(latest.values(), key=lambda r: r["source"]),
            months=months,
        )
    )


def render_month(con, month: str, runs: list[dict]) -> str:
    """A month's page: its runs, newest first, each with its expectations."""
    results = _results(con, month)
    for run in runs:
        run["results"] = results.get(run["load_id"], [])
    return (
        _env()
        .get_template("data_docs_month.html.j2")
        .render(month=month, runs=runs, counts=_counts(runs))
    )


def _write(path: Path, text: str) -> None:
    tmp = path.with_name("." + path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write(con, docs_dir: Path) -> Path:
    """Render into docs_dir: each month's page whose fingerprint changed (or that is
    missing), then the index (each file atomically). Returns the index."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    manifest = docs_dir / "pages.json"
    try:
        rendered = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        rendered = {}
    runs, renderer = _runs(con), _renderer()
    now = {}
    for month, month_runs in _months(runs).items():
        now[month] = _fingerprint(month_runs, renderer)
        page = docs_dir / month_page(month)
        if rendered.get(month) != now[month] or not page.is_file():
            _write(page, render_month(con, month, month_runs))
    for month in set(rendered) - set(now):  # no validation left in it
        (docs_dir / month_page(month)).unlink(missing_ok=True)
    target = docs_dir / "index.html"
    _write(target, render_index(runs))
    _write(manifest, json.dumps(now, indent=1, sort_keys=True) + "\n")
    return target
