"""The report's downloads from the page: the donor pack, the tables as XLSX and CSV, and
every enrolment as rows, each with the page's filters and within the viewer's scope."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from pypdf import PdfReader

from lms.accounts.models import ProgramObserver
from lms.extensions import db
from tests.conftest import sign_in_quickly
from tests.factories import make_user
from tests.reports.reach_world import NOW, build_world


@pytest.fixture
def world(database, frozen_clock):
    frozen_clock.set(NOW)
    return build_world()


def _observer(program):
    user = make_user(full_name="Donor Person")
    db.session.add(ProgramObserver(program_id=program.id, user_id=user.id))
    db.session.flush()
    return user


def _workbook(response) -> openpyxl.Workbook:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    return openpyxl.load_workbook(io.BytesIO(response.get_data()))


def test_the_page_links_every_download_with_its_filters(client, world):
    sign_in_quickly(client, world.coordinator)
    html = client.get(f"/reports?year=2026&program={world.p.id}").get_data(as_text=True)
    for path in ("/reports/pack.pdf", "/reports/tables.xlsx", "/reports/tables.csv",
                 "/reports/enrolments.xlsx"):
        assert (f'href="{path}?year=2026&amp;program={world.p.id}"' in html
                or f'href="{path}?program={world.p.id}&amp;year=2026"' in html), path


def test_the_xlsx_has_the_filters_first_then_a_sheet_per_table(client, world):
    sign_in_quickly(client, world.coordinator)
    book = _workbook(client.get(f"/reports/tables.xlsx?year=2026&program={world.p.id}"))
    first = book.worksheets[0]
    lines = {row[0]: row[1] for row in first.iter_rows(values_only=True) if row and row[0]}
    assert lines["Program"].startswith(world.p.code)
    assert lines["Period"] == "Jan 1, 2026 – Dec 31, 2026"
    assert len(book.worksheets) > 10
    # Reach by sex, in program P for 2026: f1 and f2 enrolled (test_reach works it out).
    sheet = next(s for s in book.worksheets if s.title.startswith("Reach by sex"))
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[next(i for i, r in enumerate(rows) if r and r[0] == "Sex")]
    female = next(r for r in rows if r and r[0] == "Female")
    assert female[header.index("People enrolled")] == 2


def test_the_csv_is_every_table_in_one_file(client, world):
    sign_in_quickly(client, world.coordinator)
    response = client.get(f"/reports/tables.csv?year=2026&program={world.p.id}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert ["Program", f"{world.p.code}: {world.p.name}"] in rows or any(
        r[:1] == ["Program"] for r in rows)
    assert any(r[:1] == ["Reach by country"] for r in rows)


def test_the_donor_pack_is_a_pdf_in_the_viewers_language(client, world):
    world.coordinator.locale = "es"
    db.session.flush()
    sign_in_quickly(client, world.coordinator)
    response = client.get(f"/reports/pack.pdf?year=2026&program={world.p.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Informe del programa" in text and "Alcance" in text


def test_every_enrolment_as_rows_with_names_for_staff(client, world):
    sign_in_quickly(client, world.coordinator)
    book = _workbook(client.get(f"/reports/enrolments.xlsx?year=2026&program={world.p.id}"))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    # Program P in 2026: a_mx (5 enrolments) and a_co (2); b_mx started in 2025.
    assert len(rows) == 1 + 7
    assert rows[0][:3] == ("Program", "Course", "Cohort")
    statuses = sorted(row[rows[0].index("Status")] for row in rows[1:])
    assert statuses == ["Active", "Active", "Completed", "Completed", "Failed", "Invited",
                        "Withdrawn"]
    hours = sum(row[rows[0].index("Hours")] for row in rows[1:])
    assert hours == 40  # two completions of course A (20 h)


def test_observers_get_no_rows_and_hidden_small_counts(client, world):
    sign_in_quickly(client, _observer(world.p))
    assert client.get(f"/reports/enrolments.xlsx?program={world.p.id}").status_code == 403
    page = client.get(f"/reports?year=2026&program={world.p.id}")
    assert "/reports/enrolments.xlsx" not in page.get_data(as_text=True)
    book = _workbook(client.get(f"/reports/tables.xlsx?year=2026&program={world.p.id}"))
    sheet = next(s for s in book.worksheets if s.title.startswith("Reach by sex"))
    values = [v for row in sheet.iter_rows(values_only=True) for v in row]
    assert "< 5" in values and 2 not in values


def test_a_shared_export_hides_small_counts_for_anyone(client, world):
    sign_in_quickly(client, world.coordinator)
    csv_text = client.get(f"/reports/tables.csv?year=2026&program={world.p.id}&shared=1"
                          ).get_data().decode("utf-8-sig")
    assert "< 5" in csv_text and "Shared outside the program" in csv_text


def test_a_bad_filter_makes_no_file(client, world):
    sign_in_quickly(client, world.coordinator)
    response = client.get("/reports/tables.xlsx?year=1200")
    assert response.status_code == 422
    assert "The year must be between" in response.get_data(as_text=True)


def test_trainees_get_no_download(client, world):
    sign_in_quickly(client, world.people["f1"])
    for path in ("/reports/tables.csv", "/reports/tables.xlsx", "/reports/pack.pdf",
                 "/reports/enrolments.xlsx"):
        assert client.get(path).status_code == 403, path
