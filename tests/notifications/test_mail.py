"""What reaches the mail server: multipart/alternative (text and HTML) and the headers."""

from __future__ import annotations

from lms.extensions import db
from lms.kernel import mail
from tests.factories import make_user


class Server:
    def __init__(self) -> None:
        self.received = []

    def __call__(self, host, port, timeout=None):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *_exc) -> None:
        return None

    def starttls(self) -> None:
        pass

    def login(self, *_args) -> None:
        pass

    def send_message(self, message) -> None:
        self.received.append(message)


def test_a_message_with_html_goes_as_text_and_html_alternatives(app, database, monkeypatch):
    server = Server()
    monkeypatch.setitem(app.config, "LMS_SMTP_HOST", "smtp.example.org")
    monkeypatch.setattr(mail.smtplib, "SMTP", server)
    person = make_user(email="ana@example.org")

    mail.send(person.email, "Señal", "Hola Ana.\n", html="<p>Hola <b>Ana</b>.</p>",
              headers={"List-Unsubscribe": "<https://lms.example.org/u/x>",
                       "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                       "From": "spoofed@example.org"})
    db.session.commit()

    [message] = server.received
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert text.get_content_type() == "text/plain" and "Hola Ana." in text.get_content()
    assert html.get_content_type() == "text/html" and "<b>Ana</b>" in html.get_content()
    assert message["List-Unsubscribe"] == "<https://lms.example.org/u/x>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["From"] == app.config["LMS_MAIL_FROM"]  # not the caller's


def test_a_plain_message_stays_plain_text(app, database, monkeypatch):
    server = Server()
    monkeypatch.setitem(app.config, "LMS_SMTP_HOST", "smtp.example.org")
    monkeypatch.setattr(mail.smtplib, "SMTP", server)

    mail.send("bea@example.org", "Subject", "Only text.\n")
    db.session.commit()

    [message] = server.received
    assert message.get_content_type() == "text/plain"
    assert message["List-Unsubscribe"] is None
