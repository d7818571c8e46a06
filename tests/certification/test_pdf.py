"""The certificate PDF: layout facts, text per language, attachment, determinism, size."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
import segno
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from lms.certification.pdf import digest, extract_credential, pdf_language, render_pdf
from tests.certification.snapshots import sample_snapshot

LANGUAGES = ("en", "es", "fr", "pt")
JWT = ("eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3Qta2lkIiwidHlwIjoidmMrand0In0."
       + "eyJpc3MiOiJodHRwczovL2xtcy5leGFtcGxlLm9yZyJ9" * 30 + "." + "c2lnbmF0dXJl" * 28)
LONG_NAME = "María Guadalupe Fernández-Villaseñor de la Concepción Ruiz-Ávila y Nuñez"
SKILLS = ["Screening and brief intervention with motivational interviewing",
          "Treatment planning with the family", "Relapse prevention and recovery management",
          "Case management and referral to community services"]


def _with_competencies(snapshot: dict, count: int) -> dict:
    for language, text in snapshot["text"].items():
        text["competencies"] = [f"T{n} {SKILLS[n % len(SKILLS)]} ({language})"
                                for n in range(1, count + 1)]
    snapshot["competencies"] = [{"code": f"T{n}"} for n in range(1, count + 1)]
    return snapshot


def _text(pdf: bytes) -> str:
    """The page's text with whitespace collapsed (wrapped lines join up again)."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    return " ".join(page.extract_text().split())


def _page_stream(pdf: bytes) -> str:
    return PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data().decode("latin-1")


@pytest.fixture(scope="module")
def snapshot() -> dict:
    return sample_snapshot()


@pytest.fixture(scope="module")
def english(snapshot) -> bytes:
    return render_pdf(snapshot, JWT, "en")


def test_one_page_of_a4_landscape(english):
    reader = PdfReader(io.BytesIO(english))

    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_printed_field_comes_from_the_snapshot_in_that_language(snapshot, language):
    text = _text(render_pdf(snapshot, JWT, language))

    fields = snapshot["text"][language]
    for key in ("heading", "certifies", "achievement", "title", "program", "description",
                "competencies_heading", "hours", "issued", "validity", "issuer", "id_label",
                "verify_label"):
        assert fields[key] in text, key
    for competency in fields["competencies"]:
        assert competency in text
    assert snapshot["holder_name"] in text
    assert snapshot["code"] in text
    assert snapshot["verify_url"] in text
    others = {other: snapshot["text"][other]["title"] for other in LANGUAGES if other != language}
    assert not [title for title in others.values() if title in text]


@pytest.mark.parametrize("count", [12, 40])
def test_every_competency_is_printed_however_many(count):
    snapshot = _with_competencies(sample_snapshot(holder_name=LONG_NAME), count)

    text = _text(render_pdf(snapshot, JWT, "fr"))

    assert LONG_NAME in text
    for competency in snapshot["text"]["fr"]["competencies"]:
        assert competency in text
    assert "more" not in text


def test_the_language_can_be_read_back(snapshot):
    for language in LANGUAGES:
        assert pdf_language(render_pdf(snapshot, JWT, language)) == language
    assert pdf_language(b"garbage") is None


def test_the_signed_credential_is_attached_and_round_trips(english):
    assert extract_credential(english) == JWT

    reader = PdfReader(io.BytesIO(english))
    assert list(reader.attachments) == ["credential.jwt"]
    names = reader.trailer["/Root"]["/Names"]["/EmbeddedFiles"]["/Names"]
    spec = names[1].get_object()
    assert spec["/AFRelationship"] == "/Source"
    embedded = spec["/EF"]["/F"].get_object()
    assert embedded["/Subtype"] == "/application/vc+jwt"
    assert embedded["/Params"]["/Size"] == len(JWT)
    assert reader.trailer["/Root"]["/AF"][0].get_object() == spec


def test_a_pdf_without_the_attachment_has_no_credential():
    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    canvas.drawString(72, 72, "Not a certificate")
    canvas.save()

    assert extract_credential(buffer.getvalue()) is None


@pytest.mark.parametrize("garbage", [b"garbage", b"", b"%PDF-1.4\n%%EOF",
                                     b"%PDF-" + bytes(range(256)), "not bytes"])
def test_garbage_has_no_credential(garbage):
    assert extract_credential(garbage) is None
    assert pdf_language(garbage) is None


def test_a_damaged_pdf_never_crashes_the_reader(english):
    start = english.index(b"stream\n", english.index(b"/Type /Page\n")) + len(b"stream\n")
    positions = [*range(start, start + 400, 7), *range(0, len(english), 997), len(english) - 30]
    for position in positions:
        damaged = bytearray(english)
        damaged[position] ^= 0x5A
        assert extract_credential(bytes(damaged)) in (JWT, None)
        pdf_language(bytes(damaged))
    assert extract_credential(english[: len(english) // 2]) in (JWT, None)


def test_rendering_is_deterministic_within_and_across_processes(snapshot, english):
    again = render_pdf(snapshot, JWT, "en")
    script = ("import sys\n"
              "from lms.certification.pdf import render_pdf\n"
              "from tests.certification.snapshots import sample_snapshot\n"
              f"sys.stdout.buffer.write(render_pdf(sample_snapshot(), {JWT!r}, 'en'))\n")
    root = Path(__file__).resolve().parents[2]
    fresh = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True,
                           check=True, timeout=60).stdout

    assert again == english
    assert fresh == english
    assert digest(fresh) == digest(english) == hashlib.sha256(english).hexdigest()


def test_renders_in_many_threads_at_once_are_the_same_bytes():
    """A threaded gunicorn worker renders several downloads at once: the shared fonts
    and subset caches must not mix one document into another."""
    from concurrent.futures import ThreadPoolExecutor

    holders = [sample_snapshot(holder_name=f"Titular Número {i} Ñandú") for i in range(8)]
    jobs = [(holder, language) for holder in holders for language in LANGUAGES]
    alone = [render_pdf(holder, JWT, language) for holder, language in jobs]
    # Switch threads as often as possible, so that renders interleave.
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            together = list(pool.map(lambda job: render_pdf(job[0], JWT, job[1]), jobs))
    finally:
        sys.setswitchinterval(previous)

    assert together == alone


def test_another_language_holder_or_credential_gives_other_bytes(snapshot, english):
    other_holder = sample_snapshot(holder_name="Ana Sofía Ruiz")
    variants = [render_pdf(snapshot, JWT, "es"), render_pdf(other_holder, JWT, "en"),
                render_pdf(snapshot, JWT + "x", "en")]

    assert len({english, *variants}) == 4
    assert "Ana Sofía Ruiz" in _text(variants[1])


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_full_certificate_stays_small(language):
    snapshot = _with_competencies(sample_snapshot(holder_name=LONG_NAME), 12)

    pdf = render_pdf(snapshot, JWT, language)

    assert len(pdf) <= 60 * 1024
    assert LONG_NAME in _text(pdf)


def test_fonts_are_embedded_and_nothing_is_an_image(english):
    reader = PdfReader(io.BytesIO(english))
    fonts = reader.pages[0]["/Resources"]["/Font"]

    assert fonts
    for font in fonts.values():
        font = font.get_object()
        assert "DejaVu" in font["/BaseFont"]
        assert "/FontFile2" in font["/FontDescriptor"]
    assert "/XObject" not in reader.pages[0]["/Resources"]
    assert b"/Subtype /Image" not in english


def test_the_qr_code_is_drawn_in_vector_and_encodes_the_verify_url(snapshot, english):
    expected = segno.make(snapshot["verify_url"], error="m").matrix
    size = len(expected)
    drawn = [[0] * size for _ in range(size)]
    for x, y, width in re.findall(r"^(\d+) (\d+) (\d+) 1 re$", _page_stream(english), re.M):
        for column in range(int(x), int(x) + int(width)):
            drawn[size - 1 - int(y)][column] = 1

    assert drawn == [list(row) for row in expected]


def test_the_page_stream_is_compressed_once(english):
    reader = PdfReader(io.BytesIO(english))
    contents = reader.pages[0]["/Contents"].get_object()

    assert contents["/Filter"] in ("/FlateDecode", ["/FlateDecode"])
    assert zlib.decompress(contents._data)
