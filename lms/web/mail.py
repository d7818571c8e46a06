"""Outgoing mail: SMTP when configured, otherwise a line-per-message outbox log."""

from __future__ import annotations

import json
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from flask import current_app, url_for


def send(to: str, subject: str, body: str) -> None:
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
    """An absolute link for mail, using LMS_PUBLIC_URL when it is set."""
    base = current_app.config.get("LMS_PUBLIC_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)
