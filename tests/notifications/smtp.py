"""A real SMTP server on the loopback, for tests that read what the app actually sent.

``smtp_server`` starts aiosmtpd's threaded ``Controller`` on 127.0.0.1 at a free port
and points the app at it (no STARTTLS, no login). Every accepted message is parsed
with the modern ``email`` policy and kept with its envelope; ``refuse(code)`` makes
the server answer DATA with an error until ``accept()`` (a server that is busy,
451, or refuses the recipient, 550).
"""

from __future__ import annotations

import email
import socket
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as modern_policy

import pytest
from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    """One message as the server took it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    # 8-bit bytes only where the client declared them (RFC 6152): a strict server
    # refuses an undeclared 8-bit message, or mangles its accents.
    eight_bit_declared: bool

    def __getitem__(self, name: str):
        return self.message[name]


class Handler:
    """aiosmtpd's handler: keeps what arrives, or refuses with the code it is given."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.refusals = 0
        self._refusal: str | None = None
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        with self._lock:
            if self._refusal is not None:
                self.refusals += 1
                return self._refusal
            raw = envelope.original_content or envelope.content
            message = email.message_from_bytes(raw, policy=modern_policy)
            self.received.append(Received(
                envelope.mail_from, list(envelope.rcpt_tos), message,
                raw.isascii() or "BODY=8BITMIME" in envelope.mail_options))
        return "250 Message accepted for delivery"

    def refuse(self, reply: str) -> None:
        with self._lock:
            self._refusal = reply

    def accept(self) -> None:
        with self._lock:
            self._refusal = None


def _free_port() -> int:
    # The Controller checks its port by connecting to it, so port 0 cannot be given.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    def __init__(self, handler: Handler, port: int) -> None:
        self.handler = handler
        self.port = port

    @property
    def received(self) -> list[Received]:
        return list(self.handler.received)

    def to(self, address: str) -> list[Received]:
        return [r for r in self.handler.received if address in r.rcpt_tos]

    def refuse(self, reply: str) -> None:
        self.handler.refuse(reply)

    def accept(self) -> None:
        self.handler.accept()


@pytest.fixture
def smtp_server(app, monkeypatch):
    handler = Handler()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    monkeypatch.setitem(app.config, "LMS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "LMS_SMTP_PORT", port)
    monkeypatch.setitem(app.config, "LMS_SMTP_STARTTLS", False)
    monkeypatch.setitem(app.config, "LMS_SMTP_USER", None)
    try:
        yield SmtpServer(handler, port)
    finally:
        controller.stop()
