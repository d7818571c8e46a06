"""Fixtures of the notification tests: a real SMTP server (tests/notifications/smtp.py)."""

from tests.notifications.smtp import smtp_server  # noqa: F401 - a fixture, used by name
