"""``lms report``: a program's year as CSV, XLSX or PDF, the same figures as
build_report gives, with small counts hidden when the file is --shared."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from flask_babel import force_locale
from pypdf import PdfReader

from lms.reports import exports, figures
from lms.reports.filters import ReportFilter, Scope
from lms.reports.privacy import suppress_sections
from lms.reports.tables import Column, Kind, Section, Table
from tests.reports.reach_world import NOW, build_world

YEAR_2026 = dict(start=date(2026, 1, 1), end=date(2026, 12, 31))


@pytest.fixture
def world(database, frozen_clock):
    frozen_clock.set(NOW)
    return build_world()


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=["report", *args])


def expected_csv(program, shared: bool) -> str:
    sections = figures.build_report(ReportFilter(program_id=program.id, **YEAR_2026),
                                    Scope(everything=True, aggregated_only=shared))
    if shared:
        sections = suppress_sections(sections, 5)
    return exports.to_csv(sections, [("Program", program.name), ("Year", "2026")]
                          + ([("Shared outside the program", "Yes")] if shared else []))


@pytest.mark.parametrize("shared", [False, True])
def test_csv_is_the_program_years_report(app, world, tmp_path, shared):
    output = tmp_path / "report.csv"
    result = run(app, "--program", world.p.code, "--year", "2026", "--format", "csv",
                 "--lang", "en", "-o", str(output), *(["--shared"] if shared else []))
    assert result.exit_code == 0, result.output
    written = output.read_bytes()
    assert written.startswith("\ufeff".encode())  # Excel reads the accents as UTF-8
    with force_locale("en"):
        assert written.decode("utf-8-sig") == expected_csv(world.p, shared)
    text = written.decode("utf-8-sig")
    assert text.startswith(f"Program,{world.p.name}\r\nYear,2026\r\n")
    # The world's counts are all small: shared, some are hidden; not shared, none.
    assert ("< 5" in text) is shared


def test_shared_hides_small_counts_of_people(app, database, tmp_path, monkeypatch):
    from tests.factories import make_program

    program = make_program(code="PROCCER", name="Proccer")
    table = Table("country", "By country", [Column("country", "Country"),
                                            Column("people", "People", Kind.PEOPLE)],
                  [("Perú", 3), ("Chile", 40), ("Brasil", 50)])
    calls = []

    def build_report(filters, scope):
        calls.append((filters, scope))
        return [Section("reach", "Reach", tables=[table])]

    monkeypatch.setattr(figures, "build_report", build_report)
    plain, shared = tmp_path / "plain.csv", tmp_path / "shared.csv"
    assert run(app, "--program", "PROCCER", "--year", "2025", "--format", "csv",
               "-o", str(plain)).exit_code == 0
    assert run(app, "--program", "PROCCER", "--year", "2025", "--format", "csv",
               "-o", str(shared), "--shared").exit_code == 0
    assert calls == [
        (ReportFilter(program_id=program.id, start=date(2025, 1, 1), end=date(2025, 12, 31)),
         Scope(everything=True)),
        (ReportFilter(program_id=program.id, start=date(2025, 1, 1), end=date(2025, 12, 31)),
         Scope(everything=True, aggregated_only=True)),
    ]
    assert "Perú,3\nChile,40\n" in plain.read_text(encoding="utf-8-sig")
    # Perú's 3 is hidden, and Chile's 40 with it (else 3 = total - the others).
    assert "Perú,< 5\nChile,< 5\nBrasil,50\n" in shared.read_text(encoding="utf-8-sig")


def test_xlsx_and_pdf(app, world, tmp_path):
    book_path, pdf_path = tmp_path / "report.xlsx", tmp_path / "report.pdf"
    result = run(app, "--program", world.p.code, "--year", "2026", "--format", "xlsx",
                 "-o", str(book_path))
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(book_path)
    assert book.sheetnames[0] == "Filters"
    assert book["Filters"]["B2"].value == world.p.name
    assert book["Filters"]["B4"].value.date() == NOW.date()  # the date of the data
    assert len(book.sheetnames) > 1

    result = run(app, "--program", world.p.code, "--year", "2026", "--format", "pdf",
                 "--lang", "es", "-o", str(pdf_path))
    assert result.exit_code == 0, result.output
    reader = PdfReader(io.BytesIO(pdf_path.read_bytes()))
    assert world.p.name in reader.pages[0].extract_text()
    assert reader.metadata.creation_date.date() == NOW.date()


def test_an_unknown_program_is_refused(app, database, tmp_path):
    output = tmp_path / "none.csv"
    result = run(app, "--program", "NOPE", "--year", "2026", "--format", "csv",
                 "-o", str(output))
    assert result.exit_code != 0
    assert "no program with code 'NOPE'" in result.output
    assert not output.exists()
