"""Helpers for the accounts tests."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lms.accounts.models import User
from lms.audit.models import AuditLog
from lms.kernel.mail import read_outbox

NEW_PASSWORD = "a brand new passphrase"


def count_rows(database, model=User) -> int:
    return database.session.scalar(database.select(database.func.count()).select_from(model))


def rows_written(database) -> tuple[int, int]:
    """Users and audit entries: both stay put when a form is refused."""
    return count_rows(database, User), count_rows(database, AuditLog)


def user_by_email(database, email: str) -> User | None:
    database.session.expire_all()
    return database.session.scalar(database.select(User).where(User.email == email))


def mailed_link_path() -> str:
    """The path of the single link in the single message of the outbox."""
    messages = read_outbox()
    assert len(messages) == 1, messages
    links = re.findall(r"https?://\S+", messages[0]["body"])
    assert len(links) == 1, messages[0]["body"]
    return urlsplit(links[0]).path
