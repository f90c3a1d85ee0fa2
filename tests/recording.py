"""A DuckDB connection that notes the SQL sent through it: the tests that prove a
run's statements do not grow with the history, or that a step is not taken."""

from __future__ import annotations


class Recording:
    """`con`, with every `execute`'s SQL appended to `sent` first."""

    def __init__(self, con, sent: list[str]):
        self._con, self._sent = con, sent

    def execute(self, sql, *args):
        self._sent.append(sql)
        return self._con.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._con, name)
