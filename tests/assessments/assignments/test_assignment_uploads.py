"""The upload rules on their own: displayed names, content sniffing, stored names, archives."""

from __future__ import annotations

import functools
import io
import random
import struct
import zipfile

import pytest

from lms.assessments.assignments import uploads
from lms.assessments.assignments.models import Submission
from lms.errors import DomainError
from tests.assessments.assignments.helpers import (
    EXE,
    PDF,
    docx_bytes,
    odt_bytes,
    send,
    setting,
    submission_of,
    upload_files,
)
from tests.conftest import new_browser, page_text
from tests.conftest import sign_in_quickly as login

BIDI_NAME = "invoice\u202egnp.pdf"  # shown as "invoicefdp.png" by a bidi-aware display


def office_file(extra: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A minimal .docx with extra entries, such as a "picture" of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
        for name, data in extra.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@functools.cache
def zip_bomb() -> bytes:
    """60 MiB of zeros in a .docx: about 60 KiB sent, over the 50 MiB unpacked limit."""
    return office_file({"word/media/image1.bmp": bytes(60 * 1024 * 1024)})


def declare_size(data: bytes, entry: str, size: int) -> bytes:
    """``data`` with ``entry``'s uncompressed size in the central directory set to ``size``."""
    start = data.index(b"PK\x01\x02")
    while True:
        name_length = struct.unpack_from("<H", data, start + 28)[0]
        if data[start + 46:start + 46 + name_length] == entry.encode():
            return data[:start + 24] + struct.pack("<I", size) + data[start + 28:]
        start = data.index(b"PK\x01\x02", start + 4)


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


@pytest.mark.parametrize(("given", "shown"), [
    (BIDI_NAME, "invoicegnp.pdf"),
    ("a\u2066b\u2069c\u202a\u202b\u202c\u202d.txt", "abc.txt"),
    ("zero\u200bwidth\u200c\u200d\u200e\u200f.png", "zerowidth.png"),
    ("\ufeffbom\u00adsoft\u2028line\u2029\u0085.pdf", "bomsoftline.pdf"),
])
def test_bidi_format_and_control_characters_are_dropped_from_names(given, shown):
    assert uploads.display_name(given) == shown


def test_a_bidi_override_is_neither_stored_nor_shown_nor_downloaded(app, client, database):
    s = setting()
    login(client, s.trainee)

    assert send(client, s, file=(PDF, BIDI_NAME)).status_code == 302

    submission = submission_of(s)
    assert submission.file_name == "invoicegnp.pdf"
    assert "\u202e" not in page_text(client.get(s.page_url))
    url = f"/cohorts/{s.cohort.id}/submissions/{submission.id}/file"
    assert "invoicegnp.pdf" in client.get(url).headers["Content-Disposition"]
    # A name stored before the rule is cleaned when it is downloaded.
    database.session.execute(database.update(Submission).where(
        Submission.id == submission.id).values(file_name=BIDI_NAME))
    database.session.commit()
    disposition = client.get(url).headers["Content-Disposition"]
    assert "%E2%80%AE" not in disposition and "invoicegnp.pdf" in disposition


def test_a_text_download_has_exactly_one_charset(app, client, database):
    s = setting()
    login(client, s.trainee)
    assert send(client, s, file=("Texte accentué".encode(), "notes.txt")).status_code == 302
    submission = submission_of(s)
    url = f"/cohorts/{s.cohort.id}/submissions/{submission.id}/file"

    assert client.get(url).headers["Content-Type"] == "text/plain; charset=utf-8"
    # Rows stored with the charset in their type are served the same way.
    database.session.execute(database.update(Submission).where(
        Submission.id == submission.id).values(content_type="text/plain; charset=utf-8"))
    database.session.commit()
    assert client.get(url).headers["Content-Type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize(("content", "message"), [
    (zip_bomb, "This DOCX file unpacks to more than 50 MB."),
    # The directory says 10 bytes; the stream still inflates to 60 MiB.
    (lambda: declare_size(zip_bomb(), "word/media/image1.bmp", 10),
     "This DOCX file unpacks to more than 50 MB."),
    (lambda: office_file({"word/media/image1.bmp": bytes(2 * 1024 * 1024)}),
     "This DOCX file unpacks to more than 100 times its own size"),
    (lambda: office_file({f"word/part{n}.xml": b"" for n in range(1001)}),
     "This DOCX file holds more than 1000 parts."),
    (lambda: declare_size(office_file({"word/styles.xml": b"<styles/>" * 10}),
                          "word/styles.xml", 11),
     "This DOCX file is damaged and cannot be opened."),
], ids=["bomb", "bomb-declared-small", "ratio", "entries", "size-mismatch"])
def test_an_office_file_that_unpacks_too_far_is_refused_and_nothing_is_stored(
        app, client, database, content, message):
    s = setting()
    login(client, s.trainee)
    before = upload_files(app)

    response = send(client, s, text="With a file", file=(content(), "report.docx"))

    assert response.status_code == 422
    assert message in page_text(response)
    assert submission_of(s) is None and upload_files(app) == before


def test_a_damaged_or_unusual_archive_is_refused_as_damaged(app):
    plain = office_file({"word/styles.xml": b"<styles/>" * 10}, compression=zipfile.ZIP_STORED)
    flipped = plain.replace(b"<styles/><styles/>", b"<styles/><st_les/>", 1)
    bzip2 = office_file({"word/styles.xml": b"<styles/>" * 10}, compression=zipfile.ZIP_BZIP2)
    truncated = zip_bomb()[:-200] + zip_bomb()[-200:].replace(b"PK", b"pk")
    with app.test_request_context():
        for data in (flipped, bzip2, truncated):
            with pytest.raises(DomainError) as refused:
                uploads.check_archive(data, "docx")
            assert refused.value.field == "file"
            assert "damaged and cannot be opened" in refused.value.message
        uploads.check_archive(plain, "docx")  # the same file intact passes
        photo = random.Random(9).randbytes(1536 * 1024)  # incompressible, like a JPEG
        uploads.check_archive(office_file({"word/media/photo.jpg": photo}), "docx")


def test_a_bomb_stored_before_the_check_is_not_handed_to_graders(app, client, database):
    s = setting()
    login(client, s.trainee)
    document = docx_bytes()
    assert send(client, s, file=(document, "report.docx")).status_code == 302
    submission = submission_of(s)
    url = f"/cohorts/{s.cohort.id}/submissions/{submission.id}/file"
    grader = new_browser(app)
    login(grader, s.instructor)
    assert grader.get(url).data == document  # an ordinary document is served
    with app.app_context():
        uploads.path_of(submission.stored_name).write_bytes(zip_bomb())

    response = grader.get(url)

    assert response.status_code == 303 and response.headers["Location"].endswith(s.page_url)
    assert ("This file is not offered for download: it is damaged, or it unpacks to far "
            "more than a document does. Ask the trainee to send it again."
            ) in page_text(grader.get(s.page_url))
