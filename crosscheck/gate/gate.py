"""The quality gate: run a source's GX suite on a typed delivery inside DuckDB.

One Great Expectations context per ingestion run (ephemeral, so nothing but
the suite files is configuration), one SQL datasource over the writer's own
DuckDB connection (a cursor of it, see gx_duckdb), one table asset per source
on `ingest_work.<source>` (the delivery's rows: a table, or the ingestion's view
of its in-memory work table), created on first use and reused for every later
delivery of that source. GX runs the suite through its validator directly
(not ValidationDefinition.run: no copy of each result in GX's store).

Before GX runs on a delivery, one SQL statement counts, for each expectation
of its suite, the rows that would fail it — the same conditions GX's SQL engine puts
to DuckDB (`counted_results`). An expectation with no failing row (and rows to
judge) is satisfied: its result is written from the counts, as GX would write
it; so is a column-value expectation whose failing values are all one value
(its sample is that value repeated, in any order). GX runs only the other
expectations with failing rows and those that cannot be counted; their
results, samples and errors are GX's own. A clean delivery
then needs no GX run at all: a catch-up of a thousand daily deliveries pays
one statement each, not a GX run each. A backlog's small deliveries typed
together (`load.Backlog`) are counted together too (`batch_counts`, grouped by
load id, repeated keys too): each then runs only the counts that read more
than its own rows.
Verdicts, recorded results and Data Docs are the same as GX alone gives
(tests/ingestion/test_counted_results.py per expectation;
tests/ingestion/test_backlog.py on a generated county).

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
rendered as Data Docs beside the warehouse, a page per extract month
(crosscheck/gate/data_docs.py).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

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


MAP_TYPES = (
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_not_be_null",
)
_NOT_NULL_CONDITION = re.compile(r'^col\("([A-Za-z_][A-Za-z0-9_]*)"\)\.notNull\(\)$')
# An unexpected-rows query that only filters the batch's rows: its count is a FILTER of
# the one scan (a subquery costs its own planning and scan: ~1 ms a delivery each)
_ROW_FILTER_QUERY = re.compile(r"^\s*SELECT \* FROM \{batch\} WHERE (.+?)\s*$", re.S | re.I)


# An unexpected-rows query that finds repeated keys: per delivery of a batch, the
# same groups with the batch's rows grouped by load id too (`Gate.batch_counts`)
_KEY_REPEATS_QUERY = re.compile(
    r'^\s*SELECT ((?:"[A-Za-z_][A-Za-z0-9_]*", )+)count\(\*\) AS n FROM \{batch\} '
    r"GROUP BY (.+?) HAVING count\(\*\) > 1\s*$",
    re.S | re.I,
)


def _repeated_key(query: str) -> str | None:
    """The key columns (SQL) of `SELECT <key>, count(*) AS n FROM {batch} GROUP BY <key>
    HAVING count(*) > 1`; None for any other query."""
    match = _KEY_REPEATS_QUERY.match(query)
    if match is None:
        return None
    key = match.group(1).rstrip(", ")
    return key if re.sub(r"\s+", " ", match.group(2)).strip() == key else None


def _row_filter(query: str) -> str | None:
    """The WHERE condition of `SELECT * FROM {batch} WHERE …` when it reads no other
    table (no SELECT inside, no brace but {batch}); None for any other query."""
    match = _ROW_FILTER_QUERY.match(query)
    if match is None or re.search(r"\bSELECT\b|[{}]|;", match.group(1), re.I):
        return None
    return match.group(1)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _domain_sql(spec: dict) -> str:
    cond = spec["kwargs"].get("row_condition")
    if not cond:
        return "TRUE"
    match = _NOT_NULL_CONDITION.match(cond)
    if match is None:
        raise ValueError(f"row condition {cond!r} is not a plain not-null")
    return f"{_q(match.group(1))} IS NOT NULL"


def _literal(value: object) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


# The kwargs an expectation may carry for its rows to be counted (anything else: GX judges).
_COUNTABLE_KWARGS = {
    "expect_column_values_to_not_be_null": {"column", "mostly", "row_condition",
                                            "condition_parser"},
    "expect_column_values_to_be_in_set": {"column", "value_set", "mostly", "row_condition",
                                          "condition_parser"},
    "expect_column_values_to_match_regex": {"column", "regex", "mostly", "row_condition",
                                            "condition_parser"},
    "unexpected_rows": {"unexpected_rows_query"},
    "expect_table_row_count_to_be_between": {"min_value", "max_value"},
    "expect_table_columns_to_match_set": {"column_set", "exact_match"},
}  # fmt: skip


def failing_row_sql(spec: dict) -> str | None:
    """The condition of a failing value of a column-value expectation, as GX's SQL engine
    puts it to DuckDB (a filled value outside the set, or not matching the pattern with
    `gx_duckdb.REGEX_FUNCTION`; for not-null, the empty value); None if not countable."""
    kind, kwargs = spec["type"], spec["kwargs"]
    if kind not in MAP_TYPES or not set(kwargs) <= _COUNTABLE_KWARGS[kind]:
        return None
    column = _q(kwargs["column"])
    if kind == "expect_column_values_to_not_be_null":
        return f"{column} IS NULL"
    if kind == "expect_column_values_to_be_in_set":
        values = kwargs["value_set"]
        if not values or any(v is None for v in values):
            return None
        return f"{column} IS NOT NULL AND {column} NOT IN ({', '.join(map(_literal, values))})"
    return (
        f"{column} IS NOT NULL AND NOT "
        f"{gx_duckdb.REGEX_FUNCTION}({column}, {_literal(kwargs['regex'])})"
    )


def _bound(value: object, parameters: dict[str, int]) -> int | None:
    """A row-count bound: a number, or the suite parameter it names."""
    if isinstance(value, dict) and "$PARAMETER" in value:
        return parameters.get(value["$PARAMETER"])
    return value if isinstance(value, int) else None


def _mostly_success(considered: int, unexpected: int, mostly: float) -> bool:
    """GX's own test of `mostly` (great_expectations.expectations.expectation)."""
    return (float(considered) - float(unexpected)) / float(considered) >= mostly


PARTIAL_UNEXPECTED = 20  # GX's partial_unexpected_count in the BASIC result format


def _counted_map_result(
    kind: str,
    elements: int,
    missing: int,
    bad: int,
    kinds_of_bad: int = 0,
    a_bad_value: object = None,
    mostly: float = 1.0,
) -> tuple[dict, bool] | None:
    """GX's result (BASIC) and success of a column-value expectation, from the counts of
    its domain's rows, empty values and failing values; None where GX must say.

    With failing values, only an expectation over filled values whose failing values
    are all one value (`kinds_of_bad` 1: a company's vehicle has no valid personal ID)
    is settled here: its sample of failing values is that value repeated, whatever
    order GX would read them in; its success is GX's `mostly` test."""
    with_missing = kind != "expect_column_values_to_not_be_null"
    if bad and not (with_missing and kinds_of_bad == 1):
        return None
    if elements == 0:  # nothing in its domain: GX reports no share, and success
        result: dict = {"element_count": 0, "unexpected_count": None, "unexpected_percent": None}
        return ({**result, "missing_count": 0} if with_missing else result), True
    if with_missing and elements - missing <= 0:
        return None  # every value empty: let GX say what that means
    considered = elements - missing if with_missing else elements
    result = {"element_count": elements, "unexpected_count": bad,
              "unexpected_percent": bad / considered * 100 if bad else 0.0,
              "partial_unexpected_list": [a_bad_value] * min(bad, PARTIAL_UNEXPECTED)}  # fmt: skip
    success = _mostly_success(considered, bad, mostly) if bad else True
    return ({**result, "missing_count": missing} if with_missing else result), success


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


@dataclass
class BatchCounts:
    """A typed batch's row counts by load id (`Gate.batch_counts`): the aggregates of
    `_count_plan` at positions `rowwise`, and the batch's columns (a delivery's work
    table is `SELECT *` of its rows)."""

    rowwise: list[int]
    by_load: dict[str, tuple]
    columns: list[str]
    # expression index -> load id -> repeated keys (`_repeated_key`; a load not
    # named has none)
    repeats: dict[int, dict[str, int]] = field(default_factory=dict)

    def of(self, load_id: str, exprs: list[str], con) -> tuple[tuple, list[str]]:
        """The delivery's counts for `exprs`: its batch's (zeros for a delivery with no
        row, as its empty work table counts), its other subqueries run now."""
        row = self.by_load.get(load_id) or (0,) * len(self.rowwise)
        counts: list = [None] * len(exprs)
        for i, value in zip(self.rowwise, row, strict=True):
            counts[i] = value
        for i, per_load in self.repeats.items():
            counts[i] = per_load.get(load_id, 0)
        subs = [i for i in range(len(exprs)) if counts[i] is None]
        if subs:
            got = con.execute(f"SELECT {', '.join(exprs[i] for i in subs)}").fetchone()
            for i, value in zip(subs, got, strict=True):
                counts[i] = value
        return tuple(counts), self.columns


class Gate:
    """Validates deliveries of one ingestion run; reuse it for every delivery."""

    def __init__(self, con, docs_dir: Path | None = None, count_first: bool = True):
        self.con = con
        self.count_first = count_first  # False: GX judges every expectation (the reference)
        self.docs_dir = Path(docs_dir) if docs_dir else None
        self.context: Any = None  # created on first use: refused deliveries never need GX
        self._definitions: dict[str, object] = {}
        self._severity: dict[str, dict[str, tuple[str, str | None, dict | None]]] = {}
        self._specs: dict[str, dict[str, dict]] = {}  # source -> expectation id -> spec
        self._subsuites: dict[tuple[str, frozenset[str]], object] = {}
        self.validated = 0

    def _start(self) -> None:
        gx = gx_duckdb.import_gx()
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

    def _load_spec(self, source: Source) -> dict[str, dict]:
        """The source's expectations by id, and their policies (no GX needed: a clean
        delivery is settled by counting, and then GX is never imported)."""
        if source.name not in self._specs:
            spec = load_suite(source.name)
            self._specs[source.name] = {e["id"]: e for e in spec["expectations"]}
            self._severity[source.name] = {
                e["id"]: (e["severity"], e["kwargs"].get("column"), e.get("quarantine"))
                for e in spec["expectations"]
            }
        return self._specs[source.name]

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
        suite = self.context.suites.add(gx.ExpectationSuite(name=f"{source.name}_delivery"))
        for e in self._load_spec(source).values():
            suite.add_expectation(self._expectation(e))
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{source.name}_delivery", data=batch, suite=suite)
        )
        self._definitions[source.name] = definition
        return definition

    def _expectation(self, e: dict):
        """The GX expectation of one suite entry (its id in `meta`, where results name it)."""
        cls = getattr(self.gx.expectations, _class_name(e["type"]))
        return cls(**dict(e["kwargs"]), description=e["description"], meta={"id": e["id"]})

    def _suite(self, source: Source, ids: frozenset[str]):
        """The source's suite, or the part of it with these expectation ids (built once)."""
        definition = self._definition(source)
        if ids == frozenset(self._specs[source.name]):
            return definition.suite
        key = (source.name, ids)
        if key not in self._subsuites:
            exps = [
                self._expectation(e) for e in self._specs[source.name].values() if e["id"] in ids
            ]
            n = len(self._subsuites)
            self._subsuites[key] = self.gx.ExpectationSuite(
                name=f"{source.name}_delivery_part_{n}", expectations=exps
            )
        return self._subsuites[key]

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

    def _run(self, source: Source, ids: frozenset[str], lo: int, hi: int):
        """One GX run of (part of) the source's suite on `ingest_work.<source>`."""
        from great_expectations.validator.v1_validator import Validator

        definition = self._definition(source)
        suite = self._suite(source, ids)
        # What ValidationDefinition.run does, less its bookkeeping in the (ephemeral)
        # context: a freshness check of the suite and a copy of the result in GX's
        # store. Our results go to meta.validation_results and our own Data Docs.
        self._fresh_snapshot()
        try:
            validator = Validator(batch_definition=definition.batch_definition,
                                  result_format="BASIC")  # fmt: skip
            return validator.validate_expectation_suite(suite, {"min_rows": lo, "max_rows": hi})
        finally:
            self._fresh_snapshot()

    def counted_results(
        self, source: Source, work_table: str, ids: frozenset[str], lo: int, hi: int
    ) -> dict[str, tuple[dict, bool]]:
        """The results and successes of the expectations among `ids` that ONE count over
        the delivery's rows settles: no failing row, and rows to judge (or none at all,
        which GX calls satisfied too), or failing values that are all one value
        (`_counted_map_result`). Each result is what GX writes for it (BASIC format);
        an expectation with other failing rows, or that cannot be counted, is left to GX.
        A count that raises settles nothing (GX then judges, and reports the error)."""
        return self._counted(source, work_table, ids, lo, hi)[0]

    def _count_plan(self, source: Source, work_table: str, ids: frozenset[str]):
        """What `_counted` counts: (exprs, plan, failing). `exprs` are aggregates over
        the delivery's rows, or scalar subqueries (`(SELECT …`: an unexpected-rows
        query that reads more than the rows); plan: (expectation id, index of its
        first count); failing: a map expectation's column and failing condition."""
        specs = self._load_spec(source)
        exprs, plan = ["count(*)"], []
        failing: dict[str, tuple[str, str]] = {}
        for exp_id in (i for i in specs if i in ids):
            spec = specs[exp_id]
            kind, kwargs = spec["type"], spec["kwargs"]
            if kind not in _COUNTABLE_KWARGS or not set(kwargs) <= _COUNTABLE_KWARGS[kind]:
                continue
            if kind in MAP_TYPES:
                bad = failing_row_sql(spec)
                try:
                    domain = _domain_sql(spec)
                except ValueError:
                    continue
                if bad is None:
                    continue
                column = _q(kwargs["column"])
                plan.append((exp_id, len(exprs)))
                failing[exp_id] = column, f"{domain} AND ({bad})"
                exprs += [
                    f"count(*) FILTER (WHERE {domain})",
                    f"count(*) FILTER (WHERE {domain} AND {column} IS NULL)",
                    f"count(*) FILTER (WHERE {domain} AND ({bad}))",
                ]
            elif kind == "unexpected_rows":
                try:  # {batch} as GX fills it for a table batch (str.format)
                    query = kwargs["unexpected_rows_query"].format(batch=work_table)
                except (KeyError, IndexError, ValueError):
                    continue
                plan.append((exp_id, len(exprs)))
                where = _row_filter(kwargs["unexpected_rows_query"])
                if where is not None:
                    exprs.append(f"count(*) FILTER (WHERE {where})")
                else:
                    exprs.append(f"(SELECT count(*) FROM ({query}) AS cc_unexpected)")
            else:
                plan.append((exp_id, 0))
        return exprs, plan, failing

    def batch_counts(self, source: Source, table: str, work_table: str) -> BatchCounts | None:
        """The row counts of `_counted` for every delivery of a backlog's typed batch
        (`readers.TypedBatch`, rows by `_load_id`) in one statement; each delivery's
        work table (`work_table`, made from the batch) then needs only its subqueries.
        None when the count raises (each delivery is then counted alone)."""
        if not self.count_first:
            return None
        specs = self._load_spec(source)
        exprs, plan, _ = self._count_plan(source, work_table, frozenset(specs))
        rowwise = [i for i, e in enumerate(exprs) if not e.startswith("(SELECT")]
        if not plan:
            return None
        keys = {}  # expression index -> the repeated-key columns it counts
        for exp_id, k in plan:
            if exprs[k].startswith("(SELECT") and specs[exp_id]["type"] == "unexpected_rows":
                key = _repeated_key(specs[exp_id]["kwargs"]["unexpected_rows_query"])
                if key is not None:
                    keys[k] = key
        try:
            got = self.con.execute(
                f"SELECT _load_id, {', '.join(exprs[i] for i in rowwise)} FROM {table} "
                "GROUP BY _load_id"
            ).fetchall()
            columns = [d[0] for d in self.con.execute(f"SELECT * FROM {table} LIMIT 0").description]
            repeats = {
                k: dict(
                    self.con.execute(
                        f"SELECT _load_id, count(*) FROM (SELECT _load_id FROM {table} "
                        f"GROUP BY _load_id, {key} HAVING count(*) > 1) GROUP BY _load_id"
                    ).fetchall()
                )
                for k, key in keys.items()
            }
        except duckdb.Error as e:
            log.debug("%s: counting a batch raised (counted one by one): %s", source.name, e)
            return None
        return BatchCounts(rowwise, {r[0]: r[1:] for r in got}, columns, repeats)

    def _counted(
        self,
        source: Source,
        work_table: str,
        ids: frozenset[str],
        lo: int,
        hi: int,
        pre: tuple[BatchCounts, str] | None = None,
    ) -> tuple[dict[str, tuple[dict, bool]], int | None]:
        """`counted_results`, and the delivery's row count (None if nothing was counted).
        `pre`: its batch's counts and its load id (`batch_counts`: its subqueries only
        are run here)."""
        specs = self._load_spec(source)
        if ids != frozenset(specs):  # the batch counted the whole suite
            pre = None
        exprs, plan, failing = self._count_plan(source, work_table, ids)
        if not plan:
            return {}, None
        try:
            if pre is None:
                counts = self.con.execute(f"SELECT {', '.join(exprs)} FROM {work_table}").fetchone()
                columns = [
                    d[0]
                    for d in self.con.execute(f"SELECT * FROM {work_table} LIMIT 0").description
                ]
            else:
                counts, columns = pre[0].of(pre[1], exprs, self.con)
            # the kinds of failing values, and one of them, only where some fail (a
            # distinct count costs more than all the other counts together)
            kinds = {i: failing[i] for i, k in plan if i in failing and counts[k + 2]}
            of_bad: dict[str, tuple] = {}
            if kinds:
                parts = [
                    f"count(DISTINCT {c}) FILTER (WHERE {w}), any_value({c}) FILTER (WHERE {w})"
                    for c, w in kinds.values()
                ]
                got = self.con.execute(f"SELECT {', '.join(parts)} FROM {work_table}").fetchone()
                of_bad = {i: got[2 * n : 2 * n + 2] for n, i in enumerate(kinds)}
        except duckdb.Error as e:
            log.debug("%s: counting failing rows raised (GX judges instead): %s", source.name, e)
            return {}, None
        rows = counts[0]
        out: dict[str, tuple[dict, bool]] = {}
        for exp_id, k in plan:
            spec = specs[exp_id]
            kind, kwargs = spec["type"], spec["kwargs"]
            if kind in MAP_TYPES:
                mostly = float(kwargs.get("mostly", 1.0))
                elements, missing, bad = counts[k : k + 3]
                kinds_of_bad, a_bad_value = of_bad.get(exp_id, (0, None))
                counted = _counted_map_result(
                    kind, elements, missing, bad, kinds_of_bad, a_bad_value, mostly
                )
                if counted is not None:
                    out[exp_id] = counted
            elif kind == "unexpected_rows":
                if counts[k] == 0:
                    out[exp_id] = {"observed_value": 0}, True
            elif kind == "expect_table_row_count_to_be_between":
                low = _bound(kwargs.get("min_value"), {"min_rows": lo})
                high = _bound(kwargs.get("max_value"), {"max_rows": hi})
                if (low is None or rows >= low) and (high is None or rows <= high):
                    out[exp_id] = {"observed_value": rows}, True
            elif set(columns) == set(kwargs["column_set"]) and len(columns) == len(set(columns)):
                out[exp_id] = {"observed_value": sorted(columns)}, True
        return out, rows

    def validate(
        self,
        source: Source,
        work_table: str,
        load_id: str,
        extract_date: dt.date,
        rows: int | None = None,
        pre: tuple[BatchCounts, str] | None = None,
    ) -> Verdict:
        """The delivery's verdict: its suite on its rows (`work_table`, which GX reads as
        `ingest_work.<source>`): counted first (`counted_results`), the rest run by GX.
        `rows`: how many rows `work_table` holds, when the caller knows; `pre`: its
        batch's counts and its load id (`batch_counts`)."""
        import time

        t0 = time.monotonic()
        specs = self._load_spec(source)
        lo, hi = self._row_bounds(source, extract_date)
        known: dict[str, tuple[dict, bool]] = {}
        batch_rows = None
        if self.count_first:
            known, batch_rows = self._counted(source, work_table, frozenset(specs), lo, hi, pre)
        rest = frozenset(specs) - frozenset(known)
        log.debug("%s: GX runs %s", load_id, sorted(rest))
        results: dict[str, tuple[dict, bool, bool, str]] = {}  # id -> result, success, raised, msg
        if rest:
            result = self._run(source, rest, lo, hi)
            if any(_raised(r) for r in result.results):
                log.warning(
                    "%s: expectations raised %s; validating once more",
                    load_id,
                    sorted(_exp_id(r) for r in result.results if _raised(r)),
                )
                result = self._run(source, rest, lo, hi)
            for r in result.results:
                results[_exp_id(r)] = (r.result or {}, bool(r.success), _raised(r),
                                       _error_message(r) if _raised(r) else "")  # fmt: skip
        for exp_id, (res, success) in known.items():
            results[exp_id] = (res, success, False, "")
        verdict = Verdict(load_id, source.name, extract_date, passed=True)
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)  # bookkeeping only
        info = self._severity[source.name]
        if rows is not None:
            batch_rows = rows
        elif batch_rows is None:  # else counted above, on the same rows
            batch_rows = self.con.execute(f"SELECT count(*) FROM {work_table}").fetchone()[0]
        order = [i for i in specs if i in results] + [i for i in results if i not in specs]
        for exp_id in order:
            res, success, raised, message = results[exp_id]
            policy, column, quarantine = info.get(exp_id, ("critical", None, None))
            severity = effective_severity(policy, quarantine, res, batch_rows, raised)
            if raised:
                success = False
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

    def record(self, con, verdict: Verdict, replace: bool = True) -> None:
        """Store the verdict's results (inside the caller's transaction), replacing any
        of its load id (`replace=False`: the caller knows there are none)."""
        if replace:
            con.execute("DELETE FROM meta.validation_results WHERE load_id = ?", [verdict.load_id])
        if verdict.rows:  # one statement, a list per column (a parameter per value
            # binds ~2× slower; executemany runs one statement per row)
            columns = list(zip(*verdict.rows, strict=True))
            unnest = ", ".join(f"unnest(${i + 1})" for i in range(len(columns)))
            con.execute(
                f"INSERT INTO meta.validation_results SELECT {unnest}", [list(c) for c in columns]
            )

    def build_docs(self) -> Path | None:
        """Render the Data Docs with every validation so far (if this run validated any).

        An index and a page per extract month from meta.validation_results
        (crosscheck/gate/data_docs.py), not GX's site builder: it keeps the history
        of every run, reads offline (no CDN assets), shows a delivery that loaded
        with a failed warning as a warning, and rewrites only the months whose
        validations changed.
        """
        if self.docs_dir is None or not self.validated:
            return None
        from crosscheck.gate import data_docs

        return data_docs.write(self.con, self.docs_dir)
