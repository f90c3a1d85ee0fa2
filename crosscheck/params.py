"""Click parameter types shared by the sub-commands."""

from __future__ import annotations

import datetime as dt
import re

import click


class DateParam(click.ParamType):
    """A calendar date, YYYY-MM-DD or YYYYMMDD."""

    name = "DATE"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        text = str(value).strip()
        for fmt in ("%Y-%m-%d", "%Y%m%d"):
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                pass
        self.fail(f"{value!r} is not a date (expected YYYY-MM-DD)", param, ctx)


class IsoWeekParam(click.ParamType):
    """An ISO week, YYYY-Www, returned as its Monday."""

    name = "YYYY-Www"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        m = re.fullmatch(r"(\d{4})-?W(\d{2})", str(value).strip())
        if m:
            try:
                return dt.date.fromisocalendar(int(m[1]), int(m[2]), 1)
            except ValueError:
                pass
        self.fail(f"{value!r} is not an ISO week (expected e.g. 2026-W47)", param, ctx)


DATE = DateParam()
ISO_WEEK = IsoWeekParam()
