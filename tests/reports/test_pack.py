"""The donor pack: an A4 PDF that pypdf reads (title, tables, notes) in each language,
byte for byte the same in two separate processes."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import tempfile
from datetime import date

import pytest
from flask_babel import force_locale
from pypdf import PdfReader

from lms import create_app
from lms.config import ROOT
from lms.reports.pack import donor_pack
from lms.reports.privacy import suppress_sections
from lms.reports.tables import Chart, ChartKind, Column, Figure, Kind, Section, Table

DATA_DATE = date(2026, 12, 4)
WORDS = {
    "es": {"title": "PROCCER: informe 2026", "country": "País", "enrolled": "Inscritas",
           "reach": "Alcance", "note": "Cada persona se cuenta una vez por país."},
    "fr": {"title": "PROCCER : rapport 2026", "country": "Pays", "enrolled": "Inscrites",
           "reach": "Portée", "note": "Chaque personne est comptée une fois par pays."},
}


def sections(locale: str) -> list[Section]:
    words = WORDS[locale]
    table = Table("by-country", words["country"], [
        Column("country", words["country"]), Column("enrolled", words["enrolled"], Kind.PEOPLE),
        Column("rate", "%", Kind.PERCENT)],
        [("Perú", 1234, 0.625), ("Côte d'Ivoire", 3, 0.5), ("Brasil", 40, 0.25)])
    chart = Chart("reach-country", ChartKind.BAR, words["enrolled"], words["enrolled"],
                  ["Perú", "Côte d'Ivoire", "Brasil"], [(words["enrolled"], [1234, 3, 40])],
                  table)
    trend = Chart("reach-trend", ChartKind.LINE, "2026", "2026", ["T1", "T2", "T3", "T4"],
                  [(words["enrolled"], [10, 40, None, 80])],
                  Table("trend", "2026", [Column("q", "T"),
                                          Column("n", words["enrolled"], Kind.PEOPLE)],
                        [("T1", 10), ("T2", 40), ("T3", None), ("T4", 80)]))
    return [Section("reach", words["reach"],
                    figures=[Figure("enrolled", words["enrolled"], 1277)],
                    charts=[chart, trend], notes=[words["note"]])]


def render(locale: str, shared: bool = True) -> bytes:
    """The pack for the test's sections (run in this process or a fresh one)."""
    app = create_app(LMS_ENV="testing", LMS_DATABASE_URL="sqlite://",
                     LMS_INSTANCE_PATH=os.path.join(tempfile.gettempdir(), "lms-pack-test"))
    with app.app_context(), force_locale(locale):
        report = sections(locale)
        if shared:
            report = suppress_sections(report, 5)
        return donor_pack(report, title=WORDS[locale]["title"],
                          filters_description=[("PROCCER", "2026")], data_date=DATA_DATE,
                          locale=locale)


@pytest.fixture
def plain_context(tmp_path):
    app = create_app(LMS_ENV="testing", LMS_DATABASE_URL="sqlite://",
                     LMS_INSTANCE_PATH=str(tmp_path))
    with app.app_context(), force_locale("en"):
        yield


def in_a_new_process(locale: str) -> bytes:
    code = ("import sys; from tests.reports.test_pack import render; "
            "sys.stdout.buffer.write(render(sys.argv[1]))")
    env = {**os.environ, "PYTHONHASHSEED": "random"}
    env.pop("LMS_TEST_POSTGRES_URL", None)
    return subprocess.run([sys.executable, "-c", code, locale], cwd=ROOT, env=env,
                          capture_output=True, check=True, timeout=120).stdout


@pytest.mark.parametrize("locale", ["es", "fr"])
def test_the_pack_is_the_same_bytes_in_two_processes(locale):
    first = in_a_new_process(locale)
    assert first.startswith(b"%PDF-")
    assert first == in_a_new_process(locale)


@pytest.mark.parametrize("locale", ["es", "fr"])
def test_pypdf_reads_the_title_tables_and_notes(locale):
    words = WORDS[locale]
    reader = PdfReader(io.BytesIO(render(locale)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert words["title"] in text
    assert words["country"] in text and words["enrolled"] in text
    assert words["note"] in text
    assert "Côte d'Ivoire" in text
    # The shared pack hides Côte d'Ivoire's 3 and Brasil's 40 (the column's other).
    assert "< 5" in text
    assert reader.metadata.title == words["title"]
    assert reader.metadata.creation_date.date() == DATA_DATE
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4


def test_numbers_are_written_in_the_packs_language():
    text = "\n".join(page.extract_text()
                     for page in PdfReader(io.BytesIO(render("fr", shared=False))).pages)
    # French groups with a narrow no-break space; a percentage keeps its decimal comma
    # (pypdf reads the no-break space before "%" back as a plain space).
    assert "1\u202f234" in text and "1\u202f277" in text
    assert re.search(r"62,5[ \xa0\u202f]%", text)
    assert "< 5" not in text


def test_a_chart_of_sixty_countries_fits_the_pack(plain_context):
    countries = [f"Country {i}" for i in range(60)]
    table = Table("c", "Countries", [Column("country", "Country"),
                                     Column("n", "People", Kind.PEOPLE)],
                  [(name, 10 + i) for i, name in enumerate(countries)])
    chart = Chart("c", ChartKind.STACKED_BAR, "Countries", "Sixty countries", countries,
                  [("People", [10 + i for i in range(60)]), ("More", [5] * 60)], table)
    pdf = donor_pack([Section("reach", "Reach", charts=[chart])], title="Sixty",
                     filters_description=[], data_date=DATA_DATE, locale="en")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Country 59" in text and "69" in text


def _both_orders(order: str) -> tuple[bytes, bytes]:
    """(the pack, a certificate) drawn in a fresh process, in ``order``."""
    code = ("import sys\n"
            "from lms.certification.pdf import render_pdf\n"
            "from tests.certification.snapshots import sample_snapshot\n"
            "from tests.reports.test_pack import render\n"
            "def certificate():\n"
            "    return render_pdf(sample_snapshot(), 'header.payload.signature', 'en')\n"
            "if sys.argv[1] == 'pack first':\n"
            "    pack = render('es'); drawn = certificate()\n"
            "else:\n"
            "    drawn = certificate(); pack = render('es')\n"
            "sys.stdout.buffer.write(len(pack).to_bytes(8, 'big') + pack + drawn)\n")
    env = {**os.environ}
    env.pop("LMS_TEST_POSTGRES_URL", None)
    out = subprocess.run([sys.executable, "-c", code, order], cwd=ROOT, env=env,
                         capture_output=True, check=True, timeout=120).stdout
    size = int.from_bytes(out[:8], "big")
    return out[8:8 + size], out[8 + size:]


def test_a_pack_and_a_certificate_are_the_same_bytes_whichever_is_drawn_first():
    # reportlab keeps one font object per typeface for the whole process: a PDF drawn
    # after another one must not draw with fonts set up the other one's way.
    pack_first = _both_orders("pack first")
    certificate_first = _both_orders("certificate first")
    assert pack_first[0].startswith(b"%PDF-") and pack_first[1].startswith(b"%PDF-")
    assert pack_first[0] == certificate_first[0]
    assert pack_first[1] == certificate_first[1]
