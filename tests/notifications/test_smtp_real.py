"""Mail through a real SMTP server (aiosmtpd on the loopback), read as it arrived.

Real flows through the test client (a password reset, a coordinator's enrolment, a
mailed announcement, certificates issued and revoked), for readers of each
language; the outbox delivers as in the app (after the response, through the job
queue, immediate in the tests). What arrives is checked as a mail reader would see
it: sender and recipient, the subject in the reader's language, text and HTML
alternatives, the unsubscribe headers on optional kinds only, Message-ID and Date,
and accents intact.
"""

from __future__ import annotations

from datetime import timedelta
from email.utils import parseaddr, parsedate_to_datetime

import pytest
from sqlalchemy import select

from lms.certification.models import Certificate
from lms.extensions import db
from lms.kernel import clock, mail
from lms.kernel.mail import OutboxMessage
from tests.certification.factories import eligible_track, make_body, make_eligible
from tests.conftest import new_browser, sign_in_quickly, submit
from tests.factories import (
    enrol,
    make_cohort,
    make_coordinator,
    make_course,
    make_officer,
    make_program,
    make_user,
)

# One reader per language, with names a mail must not mangle.
READERS = {
    "en": ("olivia.brown@example.org", "Olivia Brown"),
    "es": ("jose.pena@example.org", "José Peña Muñoz"),
    "fr": ("helene.leveque@example.org", "Hélène Lévêque"),
    "pt": ("joao.conceicao@example.org", "João Conceição"),
}
COURSE = {"en": "Criminal investigation", "es": "Investigación criminal",
          "fr": "Enquête criminelle", "pt": "Investigação criminal"}


def _readers() -> dict[str, object]:
    return {locale: make_user(email=address, full_name=name, locale=locale)
            for locale, (address, name) in READERS.items()}


def _one_to(server, address: str):
    [received] = server.to(address)
    return received


def _assert_well_formed(received, address: str, app) -> None:
    """What every mail carries, whatever its kind."""
    assert parseaddr(received["From"])[1] == app.config["LMS_MAIL_FROM"]
    assert parseaddr(received["To"])[1] == address
    assert received.rcpt_tos == [address]
    assert received.eight_bit_declared
    assert received["Message-ID"] and "@" in received["Message-ID"]
    sent = parsedate_to_datetime(received["Date"])
    assert sent.tzinfo is not None and abs(sent - clock.now()) < timedelta(minutes=5)


def _parts(received) -> tuple[str, str]:
    message = received.message
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert text.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    return text.get_content(), html.get_content()


def _assert_unsubscribe(received, *, offered: bool) -> None:
    if offered:
        assert received["List-Unsubscribe"].startswith("<http")
        assert "/notifications/unsubscribe/" in received["List-Unsubscribe"]
        assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    else:
        assert received["List-Unsubscribe"] is None
        assert received["List-Unsubscribe-Post"] is None


def test_a_password_reset_arrives_in_the_readers_language(client, app, smtp_server):
    readers = _readers()
    expected = {"en": "Reset your password", "es": "Restablecer su contraseña",
                "fr": "Réinitialiser votre mot de passe", "pt": "Redefina sua senha"}

    for user in readers.values():
        assert submit(client, "/reset", {"email": user.email}).status_code == 302

    assert len(smtp_server.received) == 4
    for locale, user in readers.items():
        received = _one_to(smtp_server, user.email)
        _assert_well_formed(received, user.email, app)
        assert received["Subject"] == expected[locale]
        # A plain-text notice that must always be sent: no unsubscribe.
        assert received.message.get_content_type() == "text/plain"
        _assert_unsubscribe(received, offered=False)
        body = received.message.get_content()
        assert user.full_name in body and "/reset/" in body


def test_an_enrolment_by_the_coordinator_arrives_in_each_language(client, app, smtp_server):
    program = make_program()
    coordinator = make_coordinator(program)
    course = make_course(program, title=COURSE["en"], translations={
        locale: (title, "…") for locale, title in COURSE.items() if locale != "en"})
    cohort = make_cohort(course)
    readers = _readers()
    sign_in_quickly(client, coordinator)
    page = f"/manage/cohorts/{cohort.id}"
    expected = {"en": "You are enrolled in Criminal investigation",
                "es": "Está inscrito en Investigación criminal",
                "fr": "Vous êtes inscrit à Enquête criminelle",
                "pt": "Você está inscrito em Investigação criminal"}

    for user in readers.values():
        response = submit(client, f"{page}/enrolments", {"enrol-email": user.email},
                          form_url=page)
        assert response.status_code == 302

    assert len(smtp_server.received) == 4
    for locale, user in readers.items():
        received = _one_to(smtp_server, user.email)
        _assert_well_formed(received, user.email, app)
        assert received["Subject"] == expected[locale]
        assert received["X-LMS-Notification"] == "enrolment_accepted"
        _assert_unsubscribe(received, offered=True)
        text, html = _parts(received)
        assert user.full_name in text and COURSE[locale] in text
        assert COURSE[locale] in html and f'lang="{locale}"' in html


def test_a_mailed_announcement_reaches_each_member_in_their_language(client, app,
                                                                     smtp_server):
    program = make_program()
    coordinator = make_coordinator(program)
    cohort = make_cohort(make_course(program))
    readers = _readers()
    for user in readers.values():
        enrol(cohort, user)
    sign_in_quickly(client, coordinator)
    titles = {"en": "Room change", "es": "Cambio de aula", "fr": "Changement de salle",
              "pt": "Mudança de sala"}
    bodies = {"en": "# Next session\n\nThe Wednesday session is in room **4**.",
              "es": "# Próxima sesión\n\nLa sesión del miércoles será en el aula **4**.",
              "fr": "# Prochaine séance\n\nLa séance de mercredi aura lieu en salle **4**.",
              "pt": "# Próxima sessão\n\nA sessão de quarta-feira será na sala **4**."}
    form = {"language": "es", "title": titles["es"], "body": bodies["es"], "mail": "y"}
    for locale in ("en", "fr", "pt"):
        form |= {f"title_{locale}": titles[locale], f"body_{locale}": bodies[locale]}
    expected = {"en": "Announcement: Room change", "es": "Anuncio: Cambio de aula",
                "fr": "Annonce\u00a0: Changement de salle", "pt": "Aviso: Mudança de sala"}

    response = submit(client, f"/cohorts/{cohort.id}/announcements/new", form)
    assert response.status_code == 302

    assert len(smtp_server.received) == 4  # the members, not the author
    for locale, user in readers.items():
        received = _one_to(smtp_server, user.email)
        _assert_well_formed(received, user.email, app)
        assert received["Subject"] == expected[locale]
        _assert_unsubscribe(received, offered=True)
        text, html = _parts(received)
        heading, _blank, sentence = bodies[locale].splitlines()
        assert heading in text and sentence in text  # the Markdown as written
        # The HTML shows it rendered (not "**4**"), under the mail's only h1.
        assert "<strong>4</strong>" in html and "**" not in html
        assert sentence.removesuffix(" **4**.") in html
        assert html.count("<h1") == 1 and f"<h2>{heading[2:]}</h2>" in html


def test_certificates_issued_and_one_revoked_arrive_with_the_right_headers(app, database,
                                                                           smtp_server):
    body = make_body()
    track, course = eligible_track(body=body)
    readers = _readers()
    for user in readers.values():
        make_eligible(track, course, user)
    officer = new_browser(app)
    sign_in_quickly(officer, make_officer(body))
    url = f"/certify/tracks/{track.id}"
    issued = {"en": "Your certificate {} was issued", "es": "Se emitió su certificado {}",
              "fr": "Votre certificat {} a été délivré", "pt": "Seu certificado {} foi emitido"}

    response = submit(officer, f"{url}/issue-all", {"confirm": "yes"}, form_url=url)
    assert response.status_code == 302

    codes = dict(db.session.execute(select(Certificate.user_id, Certificate.code)
                                    .where(Certificate.track_id == track.id)).all())
    assert len(smtp_server.received) == 4
    for locale, user in readers.items():
        received = _one_to(smtp_server, user.email)
        _assert_well_formed(received, user.email, app)
        assert received["Subject"] == issued[locale].format(codes[user.id])
        assert received["X-LMS-Notification"] == "certificate_issued"
        _assert_unsubscribe(received, offered=True)
        _parts(received)

    # A revocation must reach the holder: no unsubscribe on it.
    joao = readers["pt"]
    page = f"/certify/certificates/{codes[joao.id]}"
    response = submit(officer, f"{page}/revoke",
                      {"reason": "other", "note": "Identidade não confirmada.",
                       "confirm": "yes"}, form_url=page)
    assert response.status_code == 302
    revoked = smtp_server.to(joao.email)[-1]
    _assert_well_formed(revoked, joao.email, app)
    assert revoked["Subject"] == f"Seu certificado {codes[joao.id]} foi revogado"
    assert revoked["X-LMS-Notification"] == "certificate_revoked"
    _assert_unsubscribe(revoked, offered=False)
    text, html = _parts(revoked)
    assert "Identidade não confirmada." in text and "Identidade não confirmada." in html


def test_a_short_accented_message_arrives_intact(app, database, smtp_server):
    # Short lines: the text part may travel as 8-bit bytes, which must be declared.
    mail.send("ines@example.org", "Señal recibida", "Hola Inés: ¿todo bien?\n",
              html="<p>Hola <b>Inés</b>: ¿todo bien?</p>")
    db.session.commit()

    [received] = smtp_server.received
    _assert_well_formed(received, "ines@example.org", app)
    assert received["Subject"] == "Señal recibida"
    text, html = _parts(received)
    assert text.splitlines() == ["Hola Inés: ¿todo bien?"] and "<b>Inés</b>: ¿todo bien?" in html


@pytest.mark.parametrize("reply", ["451 4.3.0 Mailbox busy, try again later",
                                   "550 5.1.1 No such user here"])
def test_a_refusal_keeps_the_message_for_a_retry_that_sends_it_once(client, app, smtp_server,
                                                                      frozen_clock, reply):
    user = make_user(email="rosa@example.org", full_name="Rosa Quispe Ñahui", locale="es")
    smtp_server.refuse(reply)

    assert submit(client, "/reset", {"email": user.email}).status_code == 302

    assert smtp_server.received == [] and smtp_server.handler.refusals == 1
    db.session.expire_all()
    [row] = db.session.scalars(select(OutboxMessage)).all()
    assert row.sent_at is None and row.failed_at is None and row.attempts == 1
    assert reply.split()[0] in row.last_error
    # Not before its wait is over.
    assert mail.retry_due()["sent"] == 0 and smtp_server.handler.refusals == 1

    smtp_server.accept()
    frozen_clock.advance(minutes=2)
    assert mail.retry_due()["sent"] == 1
    assert mail.retry_due()["sent"] == 0  # a second run finds nothing to send
    frozen_clock.advance(hours=13)
    assert mail.retry_due()["sent"] == 0

    [received] = smtp_server.received
    assert received["Subject"] == "Restablecer su contraseña"
    assert "Rosa Quispe Ñahui" in received.message.get_content()
    db.session.expire_all()
    row = db.session.get(OutboxMessage, row.id)
    assert row.sent_at is not None and row.next_attempt_at is None and row.attempts == 2
