"""The notification list, opening one, marking all read, and the count in the header."""

from __future__ import annotations

from datetime import timedelta

from lms.extensions import db
from lms.kernel import clock
from lms.notifications.models import Notification
from tests.conftest import csrf_token, page_text, sign_in_quickly, submit
from tests.factories import make_user


def add_notices(user, count: int, *, read: bool = False) -> list[Notification]:
    now = clock.now()
    notices = [Notification(user_id=user.id, kind="grade_released", link=f"/cohorts/{n}",
                            subject=f"Notice number {n}", body=f"Body of notice {n}",
                            created_at=now - timedelta(minutes=count - n),
                            read_at=now if read else None)
               for n in range(1, count + 1)]
    db.session.add_all(notices)
    db.session.flush()
    return notices


def test_the_header_shows_the_unread_count_and_the_list_is_newest_first(client, database):
    person = make_user()
    add_notices(person, 3)
    add_notices(make_user(), 2)  # someone else's
    sign_in_quickly(client, person)

    home = page_text(client.get("/"))
    assert "Notifications (3)" in home
    page = page_text(client.get("/notifications"))
    assert page.index("Notice number 3") < page.index("Notice number 2") < page.index(
        "Notice number 1")
    assert "3 unread notifications." in page


def test_anonymous_visitors_see_no_notifications_link_and_are_sent_to_sign_in(client,
                                                                               database):
    assert "Notifications" not in page_text(client.get("/"))
    response = client.get("/notifications")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_opening_one_marks_it_read_and_goes_to_its_page(client, database):
    person = make_user()
    first, second = add_notices(person, 2)
    sign_in_quickly(client, person)

    response = submit(client, f"/notifications/{first.id}/open", form_url="/notifications")

    assert response.status_code == 302 and response.headers["Location"] == "/cohorts/1"
    assert "Notifications (1)" in page_text(client.get("/notifications"))


def test_someone_elses_notification_cannot_be_opened(client, database):
    [theirs] = add_notices(make_user(), 1)
    sign_in_quickly(client, make_user())
    response = submit(client, f"/notifications/{theirs.id}/open", form_url="/notifications")
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is None


def test_opening_needs_the_csrf_token(client, database):
    person = make_user()
    [notice] = add_notices(person, 1)
    sign_in_quickly(client, person)
    assert client.post(f"/notifications/{notice.id}/open").status_code == 400


def test_mark_all_as_read(client, database):
    person = make_user()
    add_notices(person, 4)
    sign_in_quickly(client, person)

    response = submit(client, "/notifications/read", form_url="/notifications")

    assert response.status_code == 302
    page = page_text(client.get("/notifications"))
    assert "No unread notification." in page and "Notifications (" not in page


def test_the_list_is_paginated(client, database):
    person = make_user()
    add_notices(person, 25, read=True)
    sign_in_quickly(client, person)
    first = page_text(client.get("/notifications"))
    second = page_text(client.get("/notifications?page=2"))
    assert "Notice number 25" in first and "Notice number 5 " not in first + " "
    assert "Notice number 5 " in second + " " and "Page 2 of 2" in second


def test_the_list_costs_the_same_queries_for_2_or_20(client, database, count_queries):
    counts = {}
    for size in (2, 20):
        person = make_user()
        add_notices(person, size)
        sign_in_quickly(client, person)
        csrf_token(client, "/notifications")  # the session is warm, as in real use
        with count_queries("notifications", f"{size} notifications") as counter:
            assert client.get("/notifications").status_code == 200
        counts[size] = counter.count
    assert counts[2] == counts[20], counts
