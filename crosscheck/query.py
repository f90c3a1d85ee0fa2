"""Reading one value, one row or a few rows as dicts back from DuckDB, typed.

`fetchone()` is Optional (None when the query returns no row); the queries
read through here are aggregates or lookups that always return a row, so a
missing one is a bug, said in one line rather than as `None[0]`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb


def one(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> tuple:
    """The single row of `sql` (an aggregate: always one)."""
    row = con.execute(sql, list(params or [])).fetchone()
    if row is None:
        raise LookupError(f"no row from: {' '.join(sql.split())[:120]}")
    return row


def records(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None
) -> list[dict]:
    """Every row of `sql` as a dict by column name (small results: findings, runs)."""
    cur = con.execute(sql, list(params or []))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> Any:
    """The first value of the single row of `sql` (count(*), max(…), …)."""
    return one(con, sql, params)[0]
