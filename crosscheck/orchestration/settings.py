"""Orchestration settings, read from the environment at DAG-parse time.

Defaults suit production (a nightly run in Asia/Shanghai, generous waits);
tests and the demo shorten the waits through the same variables.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import pendulum

from crosscheck import config

TIMEZONE = pendulum.timezone("Asia/Shanghai")
POOL = "crosscheck_warehouse"  # 1 slot: one writer of the warehouse at a time
OWNER = "crosscheck"
# When the DAGs' schedules begin; the first real go-live is set by the operator.
START_DATE = pendulum.datetime(2026, 1, 1, tz=TIMEZONE)


def _float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


@dataclass(frozen=True)
class Settings:
    """Every knob the DAGs read; one place to document them."""

    delivery_timeout: float  # seconds to wait for _SUCCESS before reporting late
    delivery_poke: float  # seconds between looks for _SUCCESS (reschedule mode)
    retries: int
    retry_delay: float  # seconds before the first retry; doubles each time
    max_retry_delay: float
    retention_days: int  # housekeeping: keep logs/docs/old copies this long

    @property
    def default_args(self) -> dict:
        return {
            "owner": OWNER,
            "retries": self.retries,
            "retry_delay": dt.timedelta(seconds=self.retry_delay),
            "retry_exponential_backoff": 2.0,
            "max_retry_delay": dt.timedelta(seconds=self.max_retry_delay),
        }


def load() -> Settings:
    return Settings(
        delivery_timeout=_float("CROSSCHECK_DELIVERY_TIMEOUT", 8 * 3600),
        delivery_poke=_float("CROSSCHECK_DELIVERY_POKE", 600),
        retries=int(_float("CROSSCHECK_TASK_RETRIES", 2)),
        retry_delay=_float("CROSSCHECK_RETRY_DELAY", 300),
        max_retry_delay=_float("CROSSCHECK_MAX_RETRY_DELAY", 3600),
        retention_days=int(_float("CROSSCHECK_RETENTION_DAYS", 30)),
    )


def landing():
    return config.default_landing()


def warehouse():
    return config.default_warehouse()


def ops_dir():
    """Where operators look for failures and notices: <CROSSCHECK_HOME>/ops."""
    return config.home() / "ops"
