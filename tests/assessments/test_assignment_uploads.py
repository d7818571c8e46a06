"""The upload rules on their own: displayed names, content sniffing, stored names."""

from __future__ import annotations

import pytest

from lms.assessments import uploads
from lms.assessments.models import Submission
from lms.errors import DomainError
from tests.assessments.assignment_helpers import (
    EXE,
    PDF,
    docx_bytes,
    odt_bytes,
    send,
    setting,
    submission_of,
)
from tests.conftest import sign_in_quickly as login


@pytest.mark.parametrize(("given", "shown"), [
    ("Evaluación final.pdf", "Evaluación final.pdf"),
    ("../../etc/passwd.txt", "passwd.txt"),
    ("C:\\Users\\ana\\Relatório.docx", "Relatório.docx"),
    ("..hidden.txt", "hidden.txt"),
    ('a<b>:"c"|?*\x00\x1f.png', "abc.png"),
    ("  many   spaces .odt ", "many spaces .odt"),
])
def test_display_names_keep_accents_and_lose_paths_and_reserved_characters(given, shown):
    assert uploads.display_name(given) == shown


def test_a_long_name_is_shortened_but_keeps_its_extension():
    name = uploads.display_name("x" * 300 + ".pdf")
    assert len(name) <= 200 and name.endswith(".pdf")


@pytest.mark.parametrize(("extension", "data", "accepted"), [
    ("pdf", PDF, True), ("pdf", EXE, False), ("docx", docx_bytes(), True),
    ("docx", odt_bytes(), False), ("odt", odt_bytes(), True), ("odt", docx_bytes(), False),
    ("txt", "ça va".encode(), True), ("txt", "ça va".encode("latin-1"), False),
    ("txt", b"nul\x00inside", False), ("exe", EXE, False),
])
def test_content_must_match_the_extension(extension, data, accepted):
    assert uploads.content_matches(extension, data) is accepted


def test_the_size_limit_is_checked_before_anything_else(app):
    with app.test_request_context():
        with pytest.raises(DomainError) as refused:
            uploads.check_upload("big.exe", b"x" * 11, max_bytes=10)
    assert refused.value.field == "file" and "too large" in refused.value.message


@pytest.mark.parametrize("name", ["../secret_key", "ABCDEF0123456789ABCDEF0123456789",
                                  "0" * 31, "0" * 32 + ".pdf", ""])
def test_only_32_hex_digits_name_a_stored_file(app, name):
    with app.app_context(), pytest.raises(ValueError):
        uploads.path_of(name)


def test_a_tampered_stored_name_is_never_served(app, client, database):
    s = setting()
    login(client, s.trainee)
    assert send(client, s, file=(PDF, "report.pdf")).status_code == 302
    submission = submission_of(s)
    database.session.execute(database.update(Submission).where(
        Submission.id == submission.id).values(stored_name="../secret_key"))
    login(client, s.trainee)

    response = client.get(f"/cohorts/{s.cohort.id}/submissions/{submission.id}/file")

    assert response.status_code == 404


def test_files_follow_the_outer_transaction_not_savepoints(app, database):
    with app.test_request_context():
        checked = uploads.check_upload("report.pdf", PDF, max_bytes=1000)
        new = uploads.store(checked)
        with database.session.begin_nested():
            pass  # a savepoint released: nothing decided yet
        assert uploads.path_of(new).exists()
        database.session.rollback()
        assert not uploads.path_of(new).exists()

        kept = uploads.store(checked)
        database.session.commit()
        replacement = uploads.store(checked)
        uploads.remove_after_commit(kept)
        with database.session.begin_nested():
            pass
        assert uploads.path_of(kept).exists()
        database.session.commit()
        assert not uploads.path_of(kept).exists() and uploads.path_of(replacement).exists()
