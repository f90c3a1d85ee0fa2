"""The quality gate: run a source's GX suite on a typed delivery inside DuckDB.

One Great Expectations context per ingestion run (ephemeral, so nothing but
the suite files is configuration), one SQL datasource over the writer's own
DuckDB connection (a cursor of it, see gx_duckdb), one table asset per source
on `ingest_work.<source>`, created on first use and reused for every later
delivery of that source: the per-delivery cost is the validation queries.

A failed `critical` expectation quarantines the delivery; failed `warning`s
are recorded and pass. A failed `rate` expectation (a row-level defect) is a
warning unless the delivery has at least its `min_rows` rows and the failing
share is above its `share_above`: then it is critical (`effective_severity`).
The recorded severity is the effective one.

An expectation that raised instead of answering is retried once on a fresh
snapshot; if it still raises it counts as failed (critical, whatever its
policy), with the error as its reason ("could not be evaluated"), never as a pass.

Snapshots: GX keeps one persisted SQLAlchemy connection (a cursor of the
writer's DuckDB connection), and SQLAlchemy opens a transaction on it that GX
does not always end. DuckDB is MVCC: a transaction begun before this
delivery's work table was (re)created sees the previous delivery's table, or
none. So every validation starts and ends by ending that transaction
(`_fresh_snapshot`); tests/expectations/test_gate_snapshot.py pins it.

Every result goes to meta.validation_results; every validation so far is
rendered as one Data Docs page beside the warehouse (crosscheck/gate/data_docs.py).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crosscheck.gate import gx_duckdb
from crosscheck.gate.suite_builder import load_suite, thresholds
from crosscheck.ingest.sources import Source

log = logging.getLogger("crosscheck.gate")

WORK_SCHEMA = "ingest_work"
DATASOURCE = "warehouse"
UNBOUNDED_ROWS = 10**12


@dataclass
class Verdict:
    load_id: str
    source: str
    extract_date: dt.date
    passed: bool
    failed_critical: list[str] = field(default_factory=list)
    failed_warning: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)  # meta.validation_results rows
    errors: dict[str, str] = field(default_factory=dict)  # expectation id -> error raised
    seconds: float = 0.0

    @property
    def reasons(self) -> list[str]:
        def why(x: str) -> str:
            return f" (could not be evaluated: {self.errors[x]})" if x in self.errors else ""

        out = [f"failed critical expectation {x}{why(x)}" for x in self.failed_critical]
        out += [f"warning: {x}{why(x)}" for x in self.failed_warning]
        return out


def failing_share(result: dict, batch_rows: int) -> tuple[int, float]:
    """(rows judged, share failing) of one expectation's result.

    Column expectations report their own domain (filled values, or the rows of
    their row_condition); custom-SQL ones count failing rows of the batch.
    """
    if "unexpected_count" in result and "element_count" in result:
        judged = int(result["element_count"] or 0) - int(result.get("missing_count") or 0)
        bad = int(result["unexpected_count"] or 0)
    elif isinstance(result.get("observed_value"), int):
        judged, bad = batch_rows, int(result["observed_value"])
    else:
        return batch_rows, 1.0  # nothing to measure: judge it as wholly failing
    return judged, (bad / judged if judged else 0.0)


def effective_severity(
    policy: str, quarantine: dict | None, result: dict, batch_rows: int, raised: bool
) -> str:
    """critical or warning for this delivery (suite_builder's module docstring)."""
    if policy != "rate":
        return policy
    if raised or quarantine is None:
        return "critical"  # could not be measured: never a silent pass
    judged, share = failing_share(result, batch_rows)
    if judged >= quarantine["min_rows"] and share > quarantine["share_above"]:
        return "critical"
    return "warning"


def _class_name(type_: str) -> str:
    if type_ == "unexpected_rows":
        return "UnexpectedRowsExpectation"
    return "".join(part.capitalize() for part in type_.split("_"))


def _exp_id(r) -> str:
    cfg = r.expectation_config
    return (cfg.meta or {}).get("id", cfg.type)


def _exceptions(r) -> list[dict]:
    """GX reports a raised expectation flat, or per failing metric (nested): accept both."""
    info = r.exception_info or {}
    if "raised_exception" in info:
        return [info] if info.get("raised_exception") else []
    return [v for v in info.values() if isinstance(v, dict) and v.get("raised_exception")]


def _raised(r) -> bool:
    return bool(_exceptions(r))


def _error_message(r) -> str:
    return "; ".join(str(e.get("exception_message") or "") for e in _exceptions(r))


def _observed(result: dict) -> str:
    if "observed_value" in result:
        return json.dumps(result["observed_value"], ensure_ascii=False, default=str)
    keep = ("element_count", "unexpected_count", "unexpected_percent", "missing_count")
    return json.dumps({k: result[k] for k in keep if k in result}, default=str)


def _details(result: dict) -> str | None:
    sample = result.get("partial_unexpected_list") or result.get("details", {}).get(
        "unexpected_rows"
    )
    if not sample:
        return None
    return json.dumps(list(sample)[:5], ensure_ascii=False, default=str)[:1000]


class Gate:
    """Validates deliveries of one ingestion run; reuse it for every delivery."""

    def __init__(self, con, docs_dir: Path | None = None):
        self.con = con
        self.docs_dir = Path(docs_dir) if docs_dir else None
        self.context: Any = None  # created on first use: refused deliveries never need GX
        self._definitions: dict[str, object] = {}
        self._severity: dict[str, dict[str, tuple[str, str | None, dict | None]]] = {}
        self.validated = 0

    def _start(self) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        gx_duckdb.apply()
        self.gx = gx
        # GX tells at INFO where its ephemeral docs site went: no news to an operator
        logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(
            globally=False, metric_calculations=False
        )
        self.datasource = self.context.data_sources.add_sql(
            DATASOURCE,
            connection_string="duckdb:///:memory:",
            kwargs=gx_duckdb.engine_kwargs(self.con),
        )

    def _fresh_snapshot(self) -> None:
        """End GX's open transaction so its next query sees the current work table."""
        if self.context is None:
            return
        engine = self.datasource.get_execution_engine()
        connection = getattr(engine, "_connection", None)
        if connection is not None and not connection.closed and connection.in_transaction():
            connection.rollback()  # read-only: nothing to keep

    def close(self) -> None:
        """Release GX's connections to the warehouse (before the writer closes it)."""
        if self.context is None:
            return
        try:
            engine = self.datasource.get_execution_engine()
            if getattr(engine, "_connection", None) is not None:
                engine._connection.close()
                engine._connection = None
            engine.engine.dispose()
        except Exception:  # noqa: S110 - best effort: the writer closes the database anyway
            pass

    def _definition(self, source: Source):
        """The source's validation definition (asset + suite), built once per run."""
        if source.name in self._definitions:
            return self._definitions[source.name]
        if self.context is None:
            self._start()
        gx = self.gx
        asset = self.datasource.add_table_asset(
            source.name, table_name=source.name, schema_name=WORK_SCHEMA
        )
        batch = asset.add_batch_definition_whole_table("delivery")
        spec = load_suite(source.name)
        suite = self.context.suites.add(gx.ExpectationSuite(name=f"{source.name}_delivery"))
        info: dict[str, tuple[str, str | None, dict | None]] = {}
        for e in spec["expectations"]:
            cls = getattr(gx.expectations, _class_name(e["type"]))
            kwargs = dict(e["kwargs"])
            exp = cls(**kwargs, description=e["description"], meta={"id": e["id"]})
            suite.add_expectation(exp)
            info[e["id"]] = (e["severity"], kwargs.get("column"), e.get("quarantine"))
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{source.name}_delivery", data=batch, suite=suite)
        )
        self._definitions[source.name] = definition
        self._severity[source.name] = info
        return definition

    def _row_bounds(self, source: Source, extract_date: dt.date) -> tuple[int, int]:
        if source.kind != "snapshot":
            return 0, UNBOUNDED_ROWS
        prev = self.con.execute(
            """SELECT rows_loaded FROM meta.loads
               WHERE source = ? AND status = 'loaded' AND extract_date < ?
               ORDER BY extract_date DESC LIMIT 1""",
            [source.name, extract_date],
        ).fetchone()
        if prev is None or not prev[0]:
            return 1, UNBOUNDED_ROWS
        tol = float(thresholds()["snapshot_row_tolerance"])
        return int(prev[0] * (1 - tol)), int(prev[0] * (1 + tol)) + 1

    def validate(
        self, source: Source, work_table: str, load_id: str, extract_date: dt.date
    ) -> Verdict:
        import time

        from great_expectations.core.run_identifier import RunIdentifier

        t0 = time.monotonic()
        definition = self._definition(source)
        lo, hi = self._row_bounds(source, extract_date)

        def run():
            self._fresh_snapshot()
            try:
                return definition.run(
                    expectation_parameters={"min_rows": lo, "max_rows": hi},
                    result_format="BASIC",
                    run_id=RunIdentifier(run_name=load_id),
                )
            finally:
                self._fresh_snapshot()

        result = run()
        if any(_raised(r) for r in result.results):
            log.warning(
                "%s: expectations raised %s; validating once more",
                load_id,
                sorted(_exp_id(r) for r in result.results if _raised(r)),
            )
            result = run()
        verdict = Verdict(load_id, source.name, extract_date, passed=True)
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)  # bookkeeping only
        info = self._severity[source.name]
        batch_rows = self.con.execute(f"SELECT count(*) FROM {work_table}").fetchone()[0]
        for r in result.results:
            exp_id = _exp_id(r)
            policy, column, quarantine = info.get(exp_id, ("critical", None, None))
            res = r.result or {}
            success = bool(r.success)
            severity = effective_severity(policy, quarantine, res, batch_rows, _raised(r))
            if _raised(r):
                success = False
                message = _error_message(r)
                res = {"error": message}
                verdict.errors[exp_id] = message.splitlines()[0][:300] if message else "error"
                log.warning("%s: expectation %s could not be evaluated: %s",
                            load_id, exp_id, verdict.errors[exp_id])  # fmt: skip
            if not success:
                (
                    verdict.failed_critical if severity == "critical" else verdict.failed_warning
                ).append(exp_id)
            verdict.rows.append(
                (
                    load_id,
                    source.name,
                    extract_date,
                    exp_id,
                    column,
                    severity,
                    success,
                    _observed(res) if "error" not in res else json.dumps(res),
                    _details(res),
                    now,
                )
            )
        verdict.passed = not verdict.failed_critical
        verdict.seconds = time.monotonic() - t0
        self.validated += 1
        if verdict.failed_critical:
            log.warning("%s failed critical expectations: %s", load_id, verdict.failed_critical)
        return verdict

    def record(self, con, verdict: Verdict) -> None:
        """Store the verdict's results (inside the caller's transaction)."""
        con.execute("DELETE FROM meta.validation_results WHERE load_id = ?", [verdict.load_id])
        if verdict.rows:
            con.executemany(
                "INSERT INTO meta.validation_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                verdict.rows,
            )

    def build_docs(self) -> Path | None:
        """Render the Data Docs page with every validation so far (if this run validated any).

        One page from meta.validation_results (crosscheck/gate/data_docs.py), not
        GX's site builder: it keeps the history of every run, reads offline
        (no CDN assets) and shows a delivery that loaded with a failed warning
        as a warning.
        """
        if self.docs_dir is None or not self.validated:
            return None
        from crosscheck.gate import data_docs

        return data_docs.write(self.con, self.docs_dir)
