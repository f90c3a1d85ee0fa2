"""Telling operators: a small notifier interface and the failure callback.

Every alert is written three ways, so it is seen whatever the deployment:
one line on the console, the log, and a JSON line in
<CROSSCHECK_HOME>/ops/alerts.jsonl. Configured notifiers (webhook, e-mail)
are told as well; a notifier that fails is logged and never breaks a task.

Environment:
  CROSSCHECK_WEBHOOK_URL            POST the alert as JSON to this URL
  CROSSCHECK_SMTP_HOST, _PORT (587), _USER, _PASSWORD, _FROM, _TO (comma list),
  CROSSCHECK_SMTP_STARTTLS (1)      send the alert by e-mail

The weekly brief is distributed (`distribute_report`, the weekly DAG's
`distribute` task) through Airflow's own notifiers, configured as Airflow
connections, so operators manage recipients and secrets where they manage
every other credential (UI, `airflow connections`, a secrets backend or
`AIRFLOW_CONN_<ID>` variables):

  crosscheck_report_smtp     an `smtp` connection (host, port, login, password;
                             extra: from_email, to = "a@x, b@y", disable_tls,
                             disable_ssl): the PDF attached, by SmtpNotifier
  crosscheck_report_apprise  an `apprise` connection (extra.config: a list of
                             {"path": "dingtalk://…" | "wecombot://…" |
                             "feishu://…" | "mailtos://…"}): DingTalk, WeCom,
                             Feishu, mail, by AppriseNotifier; chat services get
                             the text, mail services the PDF too
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import smtplib
import sys
import urllib.request
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from html import escape as html_escape
from pathlib import Path
from typing import Protocol

from crosscheck.orchestration import settings

log = logging.getLogger("crosscheck.alerts")


ALERTS_FILE = "alerts.jsonl"


class Notifier(Protocol):
    """Anything that can pass an alert on to people."""

    def send(self, alert: dict) -> None: ...


def subject(alert: dict) -> str:
    where = ".".join(p for p in (alert.get("dag_id"), alert.get("task_id")) if p)
    return f"[crosscheck] {alert['kind']}: {where} {alert.get('key', '')}".strip()


class LogNotifier:
    """Writes the alert to the log (always on)."""

    def send(self, alert: dict) -> None:
        log.error("%s — %s", subject(alert), alert.get("message", ""))


class WebhookNotifier:
    """POSTs the alert as JSON (chat or incident tool webhooks)."""

    def __init__(self, url: str, post: Callable[[str, bytes], None] | None = None):
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"webhook URL must be http(s): {url!r}")
        self.url = url
        self._post = post or self._urllib_post

    @staticmethod
    def _urllib_post(url: str, body: bytes) -> None:
        req = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        with urllib.request.urlopen(req, timeout=10):  # noqa: S310 - scheme checked
            pass

    def send(self, alert: dict) -> None:
        body = json.dumps({"text": subject(alert), "alert": alert}, ensure_ascii=False)
        self._post(self.url, body.encode("utf-8"))


class EmailNotifier:
    """Sends the alert by SMTP."""

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        recipients: list[str],
        user: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        smtp_factory: Callable[..., smtplib.SMTP] = smtplib.SMTP,
    ):
        self.host, self.port, self.sender, self.recipients = host, port, sender, recipients
        self.user, self.password, self.starttls = user, password, starttls
        self._smtp = smtp_factory

    def message(self, alert: dict) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = subject(alert)
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients)
        msg.set_content(json.dumps(alert, ensure_ascii=False, indent=2))
        return msg

    def send(self, alert: dict) -> None:
        with self._smtp(self.host, self.port, timeout=10) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(self.message(alert))


def notifiers_from_env(env: Mapping[str, str] | None = None) -> list[Notifier]:
    """The log notifier, plus webhook/e-mail where their settings are present."""
    env = os.environ if env is None else env
    out: list[Notifier] = [LogNotifier()]
    if env.get("CROSSCHECK_WEBHOOK_URL"):
        out.append(WebhookNotifier(env["CROSSCHECK_WEBHOOK_URL"]))
    if env.get("CROSSCHECK_SMTP_HOST") and env.get("CROSSCHECK_SMTP_TO"):
        out.append(
            EmailNotifier(
                host=env["CROSSCHECK_SMTP_HOST"],
                port=int(env.get("CROSSCHECK_SMTP_PORT", "587")),
                sender=env.get("CROSSCHECK_SMTP_FROM", "crosscheck@localhost"),
                recipients=[r.strip() for r in env["CROSSCHECK_SMTP_TO"].split(",") if r.strip()],
                user=env.get("CROSSCHECK_SMTP_USER"),
                password=env.get("CROSSCHECK_SMTP_PASSWORD"),
                starttls=env.get("CROSSCHECK_SMTP_STARTTLS", "1") not in ("0", "false", "no"),
            )
        )
    return out


def alerts_path() -> Path:
    return settings.ops_dir() / ALERTS_FILE


def alert(kind: str, message: str, notifiers: list[Notifier] | None = None, **fields) -> dict:
    """Record one alert everywhere operators look; never raises."""
    record = {
        "kind": kind,
        "message": message,
        "recorded_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        **{k: v for k, v in fields.items() if v is not None},
    }
    print(f"CROSSCHECK ALERT {subject(record)}: {message}", file=sys.stderr, flush=True)
    try:
        path = alerts_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
    except OSError as e:
        log.error("could not append to %s: %s", alerts_path(), e)
    for notifier in notifiers_from_env() if notifiers is None else notifiers:
        try:
            notifier.send(record)
        except Exception as e:  # a broken notifier must not hide the alert
            log.error("notifier %s failed: %s", type(notifier).__name__, e)
    return record


def read_alerts() -> list[dict]:
    path = alerts_path()
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _one_line(exc: BaseException | None) -> str:
    if exc is None:
        return "failed (no exception recorded)"
    text = f"{type(exc).__name__}: {exc}".strip()
    return text.splitlines()[0] if text else type(exc).__name__


def on_failure_callback(context) -> None:
    """Airflow task failure callback: one alert per failed task instance."""
    ti = context.get("ti") or context.get("task_instance")
    exc = context.get("exception")
    logical = context.get("logical_date")
    late = type(exc).__name__ == "AirflowSensorTimeout"
    alert(
        "delivery_late" if late else "task_failed",
        _one_line(exc),
        dag_id=getattr(ti, "dag_id", None),
        task_id=getattr(ti, "task_id", None),
        run_id=getattr(ti, "run_id", None),
        try_number=getattr(ti, "try_number", None),
        logical_date=logical.isoformat() if logical else None,
        key=context.get("params", {}).get("source") if late else None,
    )


# ------------------------------------------------------------------ the weekly brief

REPORT_SMTP_CONN = "crosscheck_report_smtp"
REPORT_APPRISE_CONN = "crosscheck_report_apprise"


def _connection(conn_id: str):
    """The Airflow connection, or None when it is not configured."""
    from airflow.sdk import BaseHook

    try:
        return BaseHook.get_connection(conn_id)
    except Exception:  # AirflowNotFoundException (its module moved between versions)
        return None


def _recipients(value) -> list[str]:
    if isinstance(value, str):
        value = value.replace(";", ",").split(",")
    return [v.strip() for v in value or [] if v and v.strip()]


def report_message(files: dict) -> tuple[str, str]:
    """(subject, text) of the brief's distribution: its headline figures and where it is."""
    subject = f"一卡通补贴资金监管周报 {files['week']}"
    lines = [subject, ""]
    lines += list(files.get("headline") or [])
    lines += [
        "",
        "周报 PDF 见附件（1 页）；网页版与各数字背后的清单：",
        f"{files.get('html', '')}",
        "疑点是数据比对发现的线索，不是违规结论。",
    ]
    return subject, "\n".join(lines)


def distribute_report(files: dict, context: dict | None = None) -> dict:
    """Send the weekly brief through every configured report connection.

    SMTP (`crosscheck_report_smtp`) gets the PDF attached; Apprise
    (`crosscheck_report_apprise`) the text, and the PDF where the service
    takes files. None configured: nothing is sent and the log says how to
    configure it. A notifier that fails fails the task after the others
    were tried (the brief itself is written; clear the task to resend).
    """
    context = context or {}
    subject, text = report_message(files)
    pdf = files.get("pdf")
    sent: dict[str, str] = {}
    failed: list[str] = []
    smtp = _connection(REPORT_SMTP_CONN)
    if smtp is not None:
        extra = smtp.extra_dejson
        to = _recipients(extra.get("to"))
        try:
            if not to:
                raise ValueError(f"connection {REPORT_SMTP_CONN} has no extra 'to'")
            from airflow.providers.smtp.notifications.smtp import SmtpNotifier

            html_body = "<br>".join(html_escape(line) for line in text.splitlines())
            SmtpNotifier(
                to=to,
                from_email=extra.get("from_email") or "crosscheck@localhost",
                subject=subject,
                html_content=f"<div>{html_body}</div>",
                files=[pdf] if pdf else None,
                smtp_conn_id=REPORT_SMTP_CONN,
            ).notify(context)
            sent["smtp"] = ", ".join(to)
        except Exception as e:
            failed.append(f"{REPORT_SMTP_CONN}: {_one_line(e)}")
    apprise = _connection(REPORT_APPRISE_CONN)
    if apprise is not None:
        try:
            from airflow.providers.apprise.notifications.apprise import AppriseNotifier

            AppriseNotifier(
                body=text,
                title=subject,
                attach=pdf,
                apprise_conn_id=REPORT_APPRISE_CONN,
            ).notify(context)
            sent["apprise"] = "sent"
        except Exception as e:
            failed.append(f"{REPORT_APPRISE_CONN}: {_one_line(e)}")
    if smtp is None and apprise is None:
        log.warning(
            "weekly brief %s not distributed: configure the Airflow connection %s or %s",
            files.get("week"),
            REPORT_SMTP_CONN,
            REPORT_APPRISE_CONN,
        )
    if failed:
        from crosscheck.errors import CrosscheckError

        raise CrosscheckError("could not send the weekly brief: " + "; ".join(failed))
    for channel, sent_to in sent.items():
        log.info("weekly brief %s sent by %s to %s", files.get("week"), channel, sent_to)
    return sent
