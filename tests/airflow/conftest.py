"""A real local Airflow for these tests: one migrated SQLite DB per session.

The environment is set when this file is imported, before anything imports
airflow; the waits are shortened (sensor timeout 3 s, retry after 1 s) so
failure paths run in seconds.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from airflow_support import DAY1, DAY2, crosscheck_env

from crosscheck.orchestration import local, notify

_ROOT = Path(tempfile.mkdtemp(prefix="cc-airflow-"))
AIRFLOW_HOME = local.configure(
    _ROOT / "airflow",
    CROSSCHECK_DELIVERY_TIMEOUT="3",
    CROSSCHECK_DELIVERY_POKE="1",
    CROSSCHECK_TASK_RETRIES="1",
    CROSSCHECK_RETRY_DELAY="1",
)


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """The migrated metadata DB with the writer pool (once per session)."""
    local.migrate()
    yield AIRFLOW_HOME
    shutil.rmtree(_ROOT, ignore_errors=True)


@pytest.fixture
def crosscheck_home(tmp_path, monkeypatch) -> Path:
    """An empty CROSSCHECK_HOME (landing, warehouse, ops) for one test."""
    home = tmp_path / "home"
    monkeypatch.setenv("CROSSCHECK_HOME", str(home))
    monkeypatch.delenv("CROSSCHECK_LANDING", raising=False)
    monkeypatch.delenv("CROSSCHECK_WAREHOUSE", raising=False)
    return home


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_ROOT, ignore_errors=True)
    os.environ.pop("AIRFLOW_HOME", None)


@pytest.fixture(scope="session")
def county() -> Path:
    """One small generated county (landing + truth.json), shared by the session."""
    from counties import SMALL, generated

    assert (SMALL["start"], SMALL["end"]) == (DAY1, DAY2)
    return generated(**SMALL) / "landing"


class MailCatcher:
    """A local SMTP server (aiosmtpd) keeping every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy

        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 OK"


@pytest.fixture(scope="session")
def mail_catcher():
    """An SMTP catcher on 127.0.0.1 and the Airflow connection that points at it."""
    import json
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    catcher = MailCatcher()
    controller = Controller(catcher, hostname="127.0.0.1", port=port)
    controller.start()
    conn = {
        "conn_type": "smtp",
        "host": "127.0.0.1",
        "port": port,
        "extra": {
            "disable_tls": True,
            "disable_ssl": True,
            "retry_limit": 0,
            "from_email": "crosscheck@county.example",
            "to": "leader@county.example, office@county.example",
        },
    }
    env = {"AIRFLOW_CONN_CROSSCHECK_REPORT_SMTP": json.dumps(conn)}
    try:
        yield catcher, env
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def nights(airflow_db, county, tmp_path_factory, mail_catcher):
    home = tmp_path_factory.mktemp("e2e")
    shutil.copytree(county, home / "landing")
    shutil.copy(county.parent / "truth.json", home / "truth.json")
    states = {}
    catcher, mail_env = mail_catcher
    with crosscheck_env(home), pytest.MonkeyPatch.context() as mp:
        for key, value in mail_env.items():
            mp.setenv(key, value)
        states[DAY1] = local.drive_night(DAY1)
        shutil.copy(home / "warehouse.duckdb", home / "after_day1.duckdb")
        states[DAY2] = local.drive_night(DAY2)
        alerts = notify.read_alerts()
    return {"home": home, "states": states, "alerts": alerts, "mail": list(catcher.messages)}
