"""Outgoing mail: SMTP when configured, otherwise a line-per-message outbox log."""

from __future__ import annotations

import json
import logging
import smtplib
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from flask import Flask, current_app, g, has_request_context

log = logging.getLogger(__name__)


def send(to: str, subject: str, body: str) -> None:
    """Send a message: after the request's commit and response, or at once outside requests.

    Inside a request the message waits on ``g`` until the request has committed
    (``release``); a request that rolls back sends nothing (``discard``). The
    visitor's response never waits for SMTP, and a mail failure is logged, not
    raised, so it changes nothing the visitor sees (nor how long they wait, which
    would tell them whether the address has an account).
    """
    message = {"to": to, "subject": subject, "body": body}
    if has_request_context():
        g.setdefault("lms_mail_queue", []).append(message)
        return
    _deliver(current_app._get_current_object(), [message])


def release(response) -> None:
    """Send the request's queued messages once the response has gone (after the commit)."""
    queued = g.pop("lms_mail_queue", None)
    if not queued:
        return
    app = current_app._get_current_object()
    response.call_on_close(_later(app, queued))


def discard() -> None:
    """Forget the request's queued messages: what they announce was rolled back."""
    g.pop("lms_mail_queue", None)


def _later(app: Flask, messages: list[dict]) -> Callable[[], None]:
    def deliver() -> None:
        _deliver(app, messages)

    return deliver


def _deliver(app: Flask, messages: list[dict]) -> None:
    with app.app_context():
        for message in messages:
            try:
                _send_now(**message)
            except Exception:
                log.exception("Mail to %s (%s) could not be sent", message["to"],
                              message["subject"])


def _send_now(to: str, subject: str, body: str) -> None:
    config = current_app.config
    if config.get("LMS_SMTP_HOST"):
        message = EmailMessage()
        message["From"] = config["LMS_MAIL_FROM"]
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        with smtplib.SMTP(config["LMS_SMTP_HOST"], config["LMS_SMTP_PORT"], timeout=20) as smtp:
            if config["LMS_SMTP_STARTTLS"]:
                smtp.starttls()
            if config.get("LMS_SMTP_USER"):
                smtp.login(config["LMS_SMTP_USER"], config["LMS_SMTP_PASSWORD"] or "")
            smtp.send_message(message)
        return
    path = outbox_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"at": datetime.now(UTC).isoformat(), "to": to, "subject": subject, "body": body}
    with path.open("a", encoding="utf-8") as outbox:
        outbox.write(json.dumps(record, ensure_ascii=False) + "\n")


def outbox_path() -> Path:
    return Path(current_app.config["INSTANCE_PATH"]) / "outbox.log"


def read_outbox() -> list[dict]:
    path = outbox_path()
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def external_url(endpoint: str, **values: object) -> str:
    """An absolute link for mail, always on LMS_PUBLIC_URL (never the request's host)."""
    from lms.web.urls import absolute_url

    return absolute_url(endpoint, **values)
