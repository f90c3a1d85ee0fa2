"""Alerts reach the console, the log, ops/alerts.jsonl and the configured notifiers."""

from __future__ import annotations

import json
import logging

from crosscheck.orchestration import notify


class FakeSMTP:
    sent: list = []

    def __init__(self, host, port, timeout):
        self.host, self.port = host, port
        self.calls = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        self.calls.append("starttls")

    def login(self, user, password):
        self.calls.append(("login", user))

    def send_message(self, msg):
        FakeSMTP.sent.append((self.host, self.port, self.calls, msg))


def test_webhook_posts_json_without_network():
    posted = []
    n = notify.WebhookNotifier("https://hooks.example/x", post=lambda u, b: posted.append((u, b)))
    n.send({"kind": "task_failed", "dag_id": "d", "task_id": "t", "message": "boom"})
    url, body = posted[0]
    assert url == "https://hooks.example/x"
    payload = json.loads(body)
    assert payload["alert"]["message"] == "boom"
    assert payload["text"].startswith("[crosscheck] task_failed: d.t")


def test_webhook_refuses_non_http_urls():
    try:
        notify.WebhookNotifier("file:///etc/passwd")
    except ValueError as e:
        assert "http" in str(e)
    else:
        raise AssertionError("file:// URL accepted")


def test_email_uses_smtp_settings():
    FakeSMTP.sent.clear()
    n = notify.EmailNotifier(
        "smtp.example",
        2525,
        "cc@example",
        ["a@example", "b@example"],
        user="u",
        password="p",
        smtp_factory=FakeSMTP,
    )
    n.send({"kind": "delivery_late", "key": "ledger", "message": "late"})
    host, port, calls, msg = FakeSMTP.sent[0]
    assert (host, port) == ("smtp.example", 2525)
    assert calls == ["starttls", ("login", "u")]
    assert msg["To"] == "a@example, b@example"
    assert "delivery_late" in msg["Subject"] and "ledger" in msg["Subject"]


def test_notifiers_from_env():
    kinds = lambda env: [type(n).__name__ for n in notify.notifiers_from_env(env)]  # noqa: E731
    assert kinds({}) == ["LogNotifier"]
    env = {
        "CROSSCHECK_WEBHOOK_URL": "https://hooks.example/x",
        "CROSSCHECK_SMTP_HOST": "smtp.example",
        "CROSSCHECK_SMTP_TO": "ops@example",
    }
    assert kinds(env) == ["LogNotifier", "WebhookNotifier", "EmailNotifier"]


def test_alert_is_recorded_everywhere_and_survives_broken_notifiers(
    crosscheck_home, capsys, caplog
):
    class Broken:
        def send(self, alert):
            raise RuntimeError("smtp down")

    with caplog.at_level(logging.ERROR, logger="crosscheck.alerts"):
        notify.alert("task_failed", "boom", notifiers=[notify.LogNotifier(), Broken()], dag_id="d")
    assert "CROSSCHECK ALERT" in capsys.readouterr().err
    assert any("boom" in r.getMessage() for r in caplog.records)
    assert any("smtp down" in r.getMessage() for r in caplog.records)
    (rec,) = notify.read_alerts()
    assert rec["kind"] == "task_failed" and rec["dag_id"] == "d"
    assert (crosscheck_home / "ops" / "alerts.jsonl").is_file()


def test_failure_callback_names_late_deliveries(crosscheck_home):
    class AirflowSensorTimeout(Exception):
        pass

    class TI:
        dag_id, task_id, run_id, try_number = "crosscheck_ingest_ledger", "wait", "r1", 1

    notify.on_failure_callback(
        {"ti": TI(), "exception": AirflowSensorTimeout("timed out"), "params": {"source": "ledger"}}
    )
    notify.on_failure_callback({"ti": TI(), "exception": ValueError("bad\nsecond line")})
    late, failed = notify.read_alerts()
    assert late["kind"] == "delivery_late" and late["key"] == "ledger"
    assert failed["kind"] == "task_failed" and failed["message"] == "ValueError: bad"


def _conn(monkeypatch, conn_id: str, conn: dict) -> None:
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))


BRIEF = {
    "week": "2026-W44",
    "html": "/reports/weekly_2026-W44.html",
    "headline": ["暂停支付：3 笔 / 900.00 元（…）"],
}


def test_the_brief_goes_to_an_apprise_service_configured_as_a_connection(monkeypatch):
    """Apprise (DingTalk, WeCom, Feishu… here its generic JSON webhook on localhost)."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.delenv("AIRFLOW_CONN_CROSSCHECK_REPORT_SMTP", raising=False)
        _conn(
            monkeypatch,
            notify.REPORT_APPRISE_CONN,
            {
                "conn_type": "apprise",
                "extra": {"config": [{"path": f"json://127.0.0.1:{server.server_port}/"}]},
            },
        )
        assert notify.distribute_report(dict(BRIEF)) == {"apprise": "sent"}
    finally:
        server.shutdown()
    [message] = received
    assert message["title"] == "一卡通补贴资金监管周报 2026-W44"
    assert "暂停支付：3 笔" in message["message"] and BRIEF["html"] in message["message"]


def test_a_refused_send_fails_in_one_line_and_none_configured_sends_nothing(monkeypatch):
    import socket

    import pytest

    from crosscheck.errors import CrosscheckError

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there
    monkeypatch.delenv("AIRFLOW_CONN_CROSSCHECK_REPORT_APPRISE", raising=False)
    _conn(
        monkeypatch,
        notify.REPORT_SMTP_CONN,
        {
            "conn_type": "smtp",
            "host": "127.0.0.1",
            "port": port,
            "extra": {"disable_tls": True, "disable_ssl": True, "retry_limit": 0, "to": "a@x"},
        },
    )
    with pytest.raises(CrosscheckError, match="crosscheck_report_smtp: ConnectionRefusedError"):
        notify.distribute_report(dict(BRIEF))
    monkeypatch.delenv("AIRFLOW_CONN_CROSSCHECK_REPORT_SMTP")
    assert notify.distribute_report(dict(BRIEF)) == {}
