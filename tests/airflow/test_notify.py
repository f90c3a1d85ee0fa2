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
