"""Helpers of the outcome tests: a short-lived connection and the Wilson
interval written out by hand (the tests' independent calculation)."""

from __future__ import annotations

import math

import duckdb

Z95 = 1.959964  # two-sided 95 %


def q(path, sql, params=None):
    """Run one statement on a warehouse file and close it (dbt may hold the file)."""
    con = duckdb.connect(str(path))
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def wilson(x: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of x successes out of n."""
    p = x / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)
