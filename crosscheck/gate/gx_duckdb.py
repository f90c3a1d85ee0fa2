"""Make Great Expectations' SQL datasource work on DuckDB (GX 1.24, duckdb-engine).

Two gaps, both fixed here and nowhere else, and one cost:

1. GX fetches metric results after closing the connection unless the dialect
   is in its list of dialects that keep one persisted connection
   (`_PERSISTED_CONNECTION_DIALECTS`); with DuckDB that loses the results.
   We add "duckdb" to that list.
2. GX has no regex expression for the duckdb dialect (regex expectations
   raise). We wrap `get_dialect_regex_expression` so DuckDB gets
   `regexp_matches(column, pattern)` (partial match, like the other engines).

3. Cost: GX reflects a batch's table (its columns and primary key, through
   duckdb_engine's PostgreSQL-catalog queries, ~30-50 ms) in every validation,
   and a catch-up validates the same work table, re-created with the same
   columns, a thousand times. On DuckDB the reflection is kept per table and
   column signature (names and types, read from `duckdb_columns()` in one
   cheap query each time): a table whose columns changed is reflected anew.

`engine_kwargs(con)` lets GX reuse an open DuckDB connection's database
(a cursor of it) instead of opening the file a second time, which DuckDB
refuses while a writer holds it with a different configuration.
`apply()` is idempotent; tests/expectations/test_gx_duckdb.py pins all three.

`import_gx()` imports GX without two optional packages it (through
jsonschema and its own Spark compatibility layer) would load but the gate
never uses: PySpark (installed for the Spark target) and rfc3987_syntax
(jsonschema's IRI format checker, a large grammar built at import). Both
imports are guarded by `except ImportError` in those packages; hiding them
shortens every ingest process's start (issue 11: docs/DECISIONS.md).
"""

from __future__ import annotations

import copy
from typing import Any

# sqlalchemy (~0.3 s to import) is imported where GX is used: a night whose
# deliveries are all judged by the gate's counts never needs either.

DIALECT = "duckdb"
_APPLIED = False
_COLUMN_METADATA: dict[tuple, object] = {}  # (schema, table, column signature) -> reflection

_REGEX_MODULES = (
    "great_expectations.expectations.metrics.column_map_metrics.column_values_match_regex",
    "great_expectations.expectations.metrics.column_map_metrics.column_values_not_match_regex",
    "great_expectations.expectations.metrics.column_map_metrics.column_values_match_regex_list",
    "great_expectations.expectations.metrics.column_map_metrics.column_values_not_match_regex_list",
    "great_expectations.expectations.metrics.util",
)


class _DialectName(str):
    """A plain dialect name that also answers `.value`, like GX's GXSqlDialect members."""

    @property
    def value(self) -> str:
        return str(self)


_COLUMN_TYPES_MODULE = "great_expectations.expectations.metrics.table_metrics.table_column_types"


def is_duckdb_dialect(dialect: Any) -> bool:
    for candidate in (dialect, getattr(dialect, "dialect", None)):
        if candidate is None:
            continue
        if getattr(candidate, "name", None) == DIALECT:
            return True
        if "duckdb" in getattr(candidate, "__module__", "") or "duckdb" in getattr(
            candidate, "__name__", ""
        ):
            return True
    return False


REGEX_FUNCTION = "regexp_matches"  # partial match; the gate's counts use the same (gate.py)


def duckdb_regex_expression(column, regex: str, positive: bool = True):
    import sqlalchemy as sa

    expr = getattr(sa.func, REGEX_FUNCTION)(column, sa.literal(regex))
    return expr if positive else sa.not_(expr)


_SIGNATURE_SQL = """SELECT list(column_name || ' ' || data_type ORDER BY column_index)
       FROM duckdb_columns()
       WHERE database_name = current_database() AND schema_name = :schema
         AND table_name = :table"""


def cached_column_metadata(original):
    """Wrap GX's table reflection: on DuckDB, reflect a table once per column signature."""

    def get_sqlalchemy_column_metadata(execution_engine, table_selectable, schema_name=None):
        if (
            not is_duckdb_dialect(getattr(execution_engine, "dialect", None))
            or not isinstance(table_selectable, str)  # a table name (quoted_name), not a query
            or not schema_name
        ):
            return original(execution_engine, table_selectable, schema_name)
        import sqlalchemy as sa

        signature = execution_engine.execute_query(
            sa.text(_SIGNATURE_SQL).bindparams(schema=schema_name, table=str(table_selectable))
        ).scalar()
        if not signature:
            return original(execution_engine, table_selectable, schema_name)
        key = (schema_name, str(table_selectable), tuple(signature))
        if key not in _COLUMN_METADATA:
            _COLUMN_METADATA[key] = original(execution_engine, table_selectable, schema_name)
        return copy.deepcopy(_COLUMN_METADATA[key])

    get_sqlalchemy_column_metadata.__wrapped__ = original
    return get_sqlalchemy_column_metadata


# Optional packages GX would import and the gate never uses (see above).
_HIDDEN_AT_IMPORT = ("pyspark", "rfc3987_syntax")


def import_gx():
    """`great_expectations`, imported without PySpark and rfc3987_syntax when
    this process has not loaded them yet (they stay importable afterwards)."""
    import sys

    if "great_expectations" in sys.modules:
        return sys.modules["great_expectations"]
    hidden = [m for m in _HIDDEN_AT_IMPORT if m not in sys.modules]
    for m in hidden:
        sys.modules[m] = None  # import raises ImportError
    try:
        import great_expectations
    finally:
        for m in hidden:
            if sys.modules.get(m, 0) is None:
                del sys.modules[m]
    return great_expectations


def apply() -> None:
    """Patch GX once per process (idempotent)."""
    global _APPLIED
    if _APPLIED:
        return
    import importlib

    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine_mod
    from great_expectations.expectations.metrics import util as util_mod

    if DIALECT not in engine_mod._PERSISTED_CONNECTION_DIALECTS:
        engine_mod._PERSISTED_CONNECTION_DIALECTS = (
            *engine_mod._PERSISTED_CONNECTION_DIALECTS,
            _DialectName(DIALECT),
        )

    original = util_mod.get_dialect_regex_expression

    def get_dialect_regex_expression(column, regex, dialect, positive=True):
        if is_duckdb_dialect(dialect):
            return duckdb_regex_expression(column, regex, positive)
        return original(column, regex, dialect, positive)

    get_dialect_regex_expression.__wrapped__ = original  # type: ignore[attr-defined]
    for name in _REGEX_MODULES:
        mod = importlib.import_module(name)
        if hasattr(mod, "get_dialect_regex_expression"):
            mod.get_dialect_regex_expression = get_dialect_regex_expression  # type: ignore[attr-defined]

    reflect = cached_column_metadata(util_mod.get_sqlalchemy_column_metadata)
    for name in (_COLUMN_TYPES_MODULE, util_mod.__name__):
        mod = importlib.import_module(name)
        mod.get_sqlalchemy_column_metadata = reflect  # type: ignore[attr-defined]
    _APPLIED = True


def engine_kwargs(con) -> dict[str, Any]:
    """SQLAlchemy create_engine kwargs that hand GX cursors of an open connection
    (on the same catalog: a cursor starts on the instance's default one)."""
    from duckdb_engine import ConnectionWrapper

    from crosscheck.warehouse import cursor

    return {"creator": lambda: ConnectionWrapper(cursor(con))}
