"""How often certificates are verified: counted by channel and day, nobody's identity kept."""

from __future__ import annotations

import io
import os
import threading
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from lms.certification import ids, issuance, queries, verify_views
from lms.certification.verification_counts import VerificationCount
from lms.extensions import db
from tests.certification.factories import issue_certificate
from tests.conftest import (
    app_with_tables,
    csrf_token,
    new_browser,
    page_text,
    scratch_database_url,
    sign_in_quickly,
    submit,
)
from tests.factories import make_user

SITE_PAGE = {"Referer": "http://localhost/verify"}  # the test client's host
A_MAIL = {"Referer": "https://mail.example.com/inbox"}


def _counts() -> dict[tuple[int, date, str], int]:
    table = VerificationCount.__table__.c
    rows = db.session.execute(sa.select(table.certificate_id, table.day, table.channel,
                                        table.count))
    return {(row.certificate_id, row.day, row.channel): row.count for row in rows}


def _upload(client, data: bytes):
    token = csrf_token(client, "/verify")
    return client.post("/verify", data={"csrf_token": token, "code": "",
                                        "pdf": (io.BytesIO(data), "certificate.pdf")},
                       content_type="multipart/form-data")


# ---------------------------------------------------------------- what counts, where


def test_the_table_holds_counts_and_nothing_about_who_verified(app):
    columns = {column.name for column in VerificationCount.__table__.columns}
    assert columns == {"certificate_id", "day", "channel", "count"}
    assert {column.name for column in VerificationCount.__table__.primary_key} == {
        "certificate_id", "day", "channel"}


def test_each_channel_counts_once_per_lookup_on_the_day_it_happened(client, frozen_clock):
    frozen_clock.set(datetime(2026, 6, 1, 23, 30))
    certificate = issue_certificate()
    code, first_day = certificate.code, date(2026, 6, 1)

    assert client.get(f"/verify/{code}").status_code == 200  # a QR scan: no Referer
    assert client.get(f"/verify/{code}", headers=A_MAIL).status_code == 200  # a mail's link
    assert client.get(f"/verify/{code}", headers=SITE_PAGE).status_code == 200
    assert client.get(f"/api/v1/certificates/{code}").status_code == 200
    # The bulk check counts the certificate once, however often its ID is listed.
    assert client.post("/api/v1/certificates/verify",
                       json={"ids": [code, code.lower()]}).status_code == 200
    assert _upload(client, issuance.pdf_for(certificate, "en")).status_code == 200

    assert _counts() == {(certificate.id, first_day, "qr"): 2,
                         (certificate.id, first_day, "page"): 1,
                         (certificate.id, first_day, "api"): 2,
                         (certificate.id, first_day, "upload"): 1}

    frozen_clock.advance(hours=1)  # past midnight UTC: the next day's rows
    client.get(f"/verify/{code}")
    client.get(f"/verify/{code}")
    client.get(f"/api/v1/certificates/{code}")

    counts = _counts()
    assert counts[(certificate.id, date(2026, 6, 2), "qr")] == 2
    assert counts[(certificate.id, date(2026, 6, 2), "api")] == 1
    assert counts[(certificate.id, first_day, "qr")] == 2


def test_an_id_typed_into_the_form_counts_once_as_the_page(client):
    certificate = issue_certificate()

    response = submit(client, "/verify", {"code": certificate.code.lower()})
    assert response.status_code == 303
    assert _counts() == {}  # the form only sends the browser on...
    # ...to the record page, which it opens with the form as its Referer.
    assert client.get(response.headers["Location"], headers=SITE_PAGE).status_code == 200

    assert list(_counts().items()) == [((certificate.id, certificate.issued_on, "page"), 1)]


def test_a_mistyped_address_counts_once_after_its_redirect(client):
    certificate = issue_certificate()

    response = client.get(f"/verify/{certificate.code.lower()}")
    assert response.status_code == 301
    assert client.get(response.headers["Location"]).status_code == 200

    assert sum(_counts().values()) == 1


def test_lookups_that_find_nothing_count_nothing(client):
    certificate = issue_certificate()
    unknown = ids.new_code("ZZZ")

    assert client.get(f"/verify/{unknown}").status_code == 404
    assert client.get("/verify/not-an-id").status_code == 404
    assert client.get(f"/api/v1/certificates/{unknown}").status_code == 404
    assert client.post("/api/v1/certificates/verify",
                       json={"ids": [unknown, "hello"]}).status_code == 200
    assert submit(client, "/verify", {"code": unknown}).status_code == 422
    assert client.head(f"/verify/{certificate.code}").status_code == 200  # a link checker

    assert _counts() == {}


def test_the_command_line_pdf_check_counts_nothing(app, database, tmp_path):
    certificate = issue_certificate()
    path = tmp_path / "certificate.pdf"
    path.write_bytes(issuance.pdf_for(certificate, "en"))

    result = app.test_cli_runner().invoke(args=["verify-pdf", str(path)])

    assert result.exit_code == 0, result.output
    assert _counts() == {}


# ---------------------------------------------------------------- the holder's page


@pytest.mark.parametrize(("locale", "twice", "once", "never"), [
    ("en", "Checked 2 times", "Checked 1 time", "Not checked yet"),
    ("es", "Verificado 2 veces", "Verificado 1 vez", "Aún no verificado"),
])
def test_the_holder_sees_how_often_each_certificate_was_checked(client, locale, twice, once,
                                                               never):
    holder = make_user(locale=locale)
    checked_twice, checked_once, unchecked = (issue_certificate(holder) for _ in range(3))
    client.get(f"/verify/{checked_twice.code}")
    client.get(f"/api/v1/certificates/{checked_twice.code}")
    client.get(f"/verify/{checked_once.code}", headers=SITE_PAGE)

    sign_in_quickly(client, holder)
    text = page_text(client.get("/certificates"))

    def said_after(code: str) -> str:
        return text[text.index(code) + len(code):][:40]

    assert said_after(checked_twice.code).strip().startswith(twice)
    assert said_after(checked_once.code).strip().startswith(once)
    assert said_after(unchecked.code).strip().startswith(never)


# ---------------------------------------------------------------- reads for the reports


def test_counts_by_period_body_and_program(client, frozen_clock):
    frozen_clock.set(datetime(2026, 3, 10, 12))
    first, second = issue_certificate(), issue_certificate()
    client.get(f"/verify/{first.code}")
    frozen_clock.advance(days=1)
    client.get(f"/verify/{first.code}")
    client.get(f"/api/v1/certificates/{second.code}")

    rows = queries.verification_counts_by(date(2026, 3, 11), date(2026, 3, 11))
    assert {(row.certificate_id, row.channel, row.day, row.count) for row in rows} == {
        (first.id, "qr", date(2026, 3, 11), 1), (second.id, "api", date(2026, 3, 11), 1)}
    [row] = [row for row in rows if row.certificate_id == first.id]
    assert (row.code, row.track_id, row.body_id, row.program_id) == (
        first.code, first.track_id, first.issuer_id, first.program_id)

    by_body = queries.verification_counts_by(body_ids={second.issuer_id})
    assert {row.certificate_id for row in by_body} == {second.id}
    by_either = queries.verification_counts_by(body_ids={second.issuer_id},
                                               program_ids={first.program_id})
    assert sum(row.count for row in by_either) == 3
    assert queries.verification_counts_by(body_ids=set()) == []
    assert queries.verification_totals([first.id, second.id, -1]) == {first.id: 2, second.id: 1}


# ---------------------------------------------------------------- cost


def test_counting_adds_one_query_to_the_verify_page(client, count_queries, monkeypatch):
    certificate = issue_certificate()
    url = f"/verify/{certificate.code}"
    client.get(url)  # warm up (keys, templates)

    with monkeypatch.context() as patched:
        patched.setattr(verify_views, "count_lookup", lambda *args: None)
        with count_queries() as without:
            assert client.get(url).status_code == 200
    with count_queries("verify page", "1 certificate") as counted:
        assert client.get(url).status_code == 200

    assert counted.count == without.count + 1
    assert sum(_counts().values()) == 2  # the warm-up and the counted request


# ---------------------------------------------------------------- at the same moment


@pytest.fixture
def fresh_app(backend, tmp_path):
    """Real commits on a database of its own: the rolled-back fixture cannot race."""
    with scratch_database_url(backend, tmp_path, f"lms_test_{os.getpid()}_verify") as url, \
            app_with_tables(url, str(tmp_path / "instance")) as application:
        yield application


def test_twenty_simultaneous_verifications_count_twenty(fresh_app):
    with fresh_app.app_context():
        certificate = issue_certificate()
        db.session.commit()
        certificate_id, code = certificate.id, certificate.code
        db.session.remove()

    start = threading.Barrier(20)
    statuses: list[int] = []

    def verify() -> None:
        browser = new_browser(fresh_app)
        start.wait(10)
        statuses.append(browser.get(f"/verify/{code}").status_code)

    threads = [threading.Thread(target=verify) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert statuses == [200] * 20
    with fresh_app.app_context():
        assert queries.verification_totals([certificate_id]) == {certificate_id: 20}
        [row] = queries.verification_counts_by()
        assert (row.channel, row.count) == ("qr", 20)
        db.session.remove()
