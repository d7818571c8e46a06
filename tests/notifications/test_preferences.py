"""Each person chooses per kind: mail and in-app, in-app only, or off; the program's
mandatory notices stay on; a mail's one-click unsubscribe link works without signing in."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from lms.cohorts import services as cohorts
from lms.extensions import db
from lms.notifications.models import NotificationKind, NotificationPreference
from lms.notifications.services import preferences_of
from tests.conftest import new_browser, page_text, sign_in_quickly, submit
from tests.factories import make_cohort, make_coordinator, make_course, make_user
from tests.notifications.helpers import choose, mails, notifications_of

OPTIONAL = [k for k in NotificationKind if not k.mandatory]


def _enrol_by_coordinator(trainee):
    course = make_course()
    cohort = make_cohort(course)
    cohorts.enrol_user(make_coordinator(course.program), cohort, trainee.email)


def test_off_means_no_notification_and_no_mail(database):
    trainee = make_user()
    choose(trainee, "enrolment_accepted", "off")
    _enrol_by_coordinator(trainee)
    assert notifications_of(trainee) == [] and mails(trainee.email) == []


def test_app_only_means_a_notification_and_no_mail(database):
    trainee = make_user()
    choose(trainee, "enrolment_accepted", "app")
    _enrol_by_coordinator(trainee)
    assert len(notifications_of(trainee)) == 1 and mails(trainee.email) == []


def test_mail_is_html_with_text_and_a_one_click_unsubscribe(database):
    trainee = make_user(full_name="Rosa Díaz")
    _enrol_by_coordinator(trainee)

    [message] = mails(trainee.email)

    assert "Rosa Díaz" in message["body"] and "<" not in message["body"].split("-- ")[0]
    assert message["html"].startswith("<!doctype html>") and "Rosa Díaz" in message["html"]
    assert '<html lang="en">' in message["html"]
    headers = message["headers"]
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<(https?://[^>]+)>", headers["List-Unsubscribe"]).group(1)
    assert "/notifications/unsubscribe/" in url
    assert url in message["body"] and url in message["html"]


def test_the_settings_page_saves_each_choice(client, database):
    person = make_user()
    sign_in_quickly(client, person)
    form = {kind.value: "mail" for kind in OPTIONAL}
    form.update(grade_released="app", announcement="off")

    response = submit(client, "/notifications/preferences", form)

    assert response.status_code == 302
    chosen = preferences_of(person)
    assert chosen[NotificationKind.GRADE_RELEASED] == "app"
    assert chosen[NotificationKind.ANNOUNCEMENT] == "off"
    assert chosen[NotificationKind.WORK_RETURNED] == "mail"
    page = page_text(client.get("/notifications/preferences"))
    assert "Always by mail and in the app" in page  # the revocation notice, shown as on


@pytest.mark.parametrize("bad", [{"certificate_revoked": "off"}, {"grade_released": "loud"}])
def test_a_bad_value_is_refused_and_nothing_changes(client, database, bad):
    person = make_user()
    sign_in_quickly(client, person)
    form = {kind.value: "app" for kind in OPTIONAL}
    form.update(bad)

    response = submit(client, "/notifications/preferences", form)

    assert response.status_code == 422
    text = page_text(response)
    assert ("cannot be turned off" in text) or ("Not a valid choice" in text)
    assert db.session.scalars(select(NotificationPreference).where(
        NotificationPreference.user_id == person.id)).all() == []


def _unsubscribe_path(person) -> str:
    _enrol_by_coordinator(person)
    [message] = mails(person.email)
    url = message["headers"]["List-Unsubscribe"].strip("<>")
    return urlsplit(url).path


def test_the_unsubscribe_link_works_without_signing_in(app, database):
    person = make_user()
    path = _unsubscribe_path(person)
    browser = new_browser(app)

    page = browser.get(path)
    assert page.status_code == 200 and "Stop receiving mails about" in page_text(page)
    assert preferences_of(person)[NotificationKind.ENROLMENT_ACCEPTED] == "mail"
    # What a mail reader sends (RFC 8058): no cookie, no CSRF token.
    response = browser.post(path, data={"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    db.session.expire_all()
    assert preferences_of(person)[NotificationKind.ENROLMENT_ACCEPTED] == "app"
    assert preferences_of(person)[NotificationKind.GRADE_RELEASED] == "mail"


def test_a_tampered_unsubscribe_link_is_refused(app, database):
    person = make_user()
    path = _unsubscribe_path(person)
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    browser = new_browser(app)

    assert browser.get(tampered).status_code == 400
    response = browser.post(tampered, data={"List-Unsubscribe": "One-Click"})

    assert response.status_code == 400
    assert "This unsubscribe link is not valid" in page_text(response)
    db.session.expire_all()
    assert preferences_of(person)[NotificationKind.ENROLMENT_ACCEPTED] == "mail"
