"""The CSV import's "Check only" button and its downloadable template."""

from __future__ import annotations

import csv
import io
import re

from lms.accounts.models import Institution
from lms.kernel.mail import read_outbox
from tests.cohorts.conftest import count, counts, upload
from tests.cohorts.test_csv_import import MOODLE_FILE, cohorts, coordinator, problems, program
from tests.conftest import csrf_token, page_text
from tests.conftest import sign_in_quickly as login
from tests.factories import enrol, make_coordinator, make_program, make_user

__all__ = ["cohorts", "coordinator", "program"]  # fixtures, shared with the import tests

BAD_FILE = ("username;email;firstname;lastname;country;lang;cohort1\n"
            "a;good@example.org;Good;Person;MX;es;PICAP-HR-1\n"
            "b;not-an-email;Bad;Email;MX;es;PICAP-HR-1\n"
            "c;c@example.org;Unknown;Cohort;MX;es;NOPE-1\n"
            "f;f@example.org;Over;Capacity;MX;en;PICAP-DOC-1\n"
            "i;i@example.org;No;Country;;;PICAP-HR-1\n")


def check(client, text: str | bytes, *, filename: str = "users.csv"):
    """Press "Check only" with the file chosen, as a browser would."""
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    form = {"csrf_token": csrf_token(client, "/manage/import"), "check": "1",
            "file": (io.BytesIO(data), filename, "text/csv")}
    return client.post("/manage/import", data=form, content_type="multipart/form-data")


def plan_rows(response) -> list[list[str]]:
    """The rows of the "would be imported" table, cell texts as the coordinator reads them."""
    html = response.get_data(as_text=True)
    block = re.search(r'id="import-plan">(.*?)</section>', html, re.S)
    assert block, page_text(response)[:1500]
    body = re.search(r"<tbody>(.*?)</tbody>", block.group(1), re.S).group(1)
    return [[re.sub(r"\s+", " ", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row,
                                                                       re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_check_only_lists_what_would_happen_and_writes_nothing(client, database, cohorts,
                                                               coordinator):
    make_user(email="existing@example.org", full_name="Kept Name")
    enrol(cohorts["hr"], make_user(email="seated@example.org", full_name="Already Here"))
    database.session.flush()
    text = MOODLE_FILE + "s,,Some,One,seated@example.org,,,,,,PICAP-HR-1,\n"
    before = counts(database), count(database, Institution)

    response = check(client, text)

    assert response.status_code == 200, page_text(response)[:2000]
    text_seen = page_text(response)
    assert "The file can be imported" in text_seen
    assert "2 new accounts" in text_seen
    assert "4 enrolments to add" in text_seen
    assert "1 already enrolled" in text_seen
    assert plan_rows(response) == [
        ["2", "María José García López", "mgarcia@example.org", "New account", "PICAP-HR-1", ""],
        ["3", "João Silva", "joao.silva@example.org", "New account", "PICAP-HR-1, PICAP-DOC-1", ""],
        ["4", "Kept Name", "existing@example.org", "Existing account", "PICAP-HR-1", ""],
        ["5", "Already Here", "seated@example.org", "Existing account", "", "PICAP-HR-1"],
    ]
    assert (counts(database), count(database, Institution)) == before
    assert read_outbox() == []


def test_check_only_lists_the_same_problems_as_the_import(client, database, cohorts,
                                                          coordinator):
    cohorts["doc"].capacity = 1
    enrol(cohorts["doc"])
    database.session.flush()
    before = counts(database)

    checked = check(client, BAD_FILE)
    imported = upload(client, BAD_FILE)

    assert checked.status_code == imported.status_code == 422
    assert "The check found problems" in page_text(checked)
    assert problems(checked) == problems(imported) == [
        "Line 3: 'not-an-email' is not a valid email address.",
        "Line 4: there is no cohort with the code 'NOPE-1'.",
        "Line 5: the cohort 'PICAP-DOC-1' would be over capacity (capacity: 1, taken: 1, "
        "added by this file: 1).",
        "Line 6: the country is required for a new account.",
    ]
    assert counts(database) == before


def test_check_only_refuses_an_unreadable_file_like_the_import(client, database, cohorts,
                                                               coordinator):
    before = counts(database)
    response = check(client, "email,firstname,lastname\n", filename="users.csv")
    assert response.status_code == 422
    assert problems(response) == ["The file has a header line but nobody under it."]
    response = check(client, MOODLE_FILE, filename="users.xlsx")
    assert problems(response) == ["Choose a .csv file (in your spreadsheet: Save as, CSV UTF-8)."]
    assert counts(database) == before


def test_after_an_import_the_check_says_everyone_is_enrolled(client, database, cohorts,
                                                             coordinator):
    make_user(email="existing@example.org")
    assert upload(client, MOODLE_FILE).status_code == 302
    before = counts(database)

    response = check(client, MOODLE_FILE)

    assert response.status_code == 200
    assert "0 new accounts" in page_text(response)
    assert "4 already enrolled" in page_text(response)
    assert counts(database) == before


def test_the_check_only_button_is_on_the_import_page(client, cohorts, coordinator):
    html = client.get("/manage/import").get_data(as_text=True)
    assert re.search(r'<button type="submit" name="check" value="1"[^>]*>Check only</button>',
                     html)
    assert 'href="/manage/import/template.csv"' in html


# ---------------------------------------------------------------- the template

def _template(client) -> tuple[bytes, list[list[str]]]:
    response = client.get("/manage/import/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    return body, list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_template_has_the_columns_and_an_example_in_utf8_with_bom(client, cohorts,
                                                                      coordinator):
    body, rows = _template(client)

    assert body.startswith(b"\xef\xbb\xbf")  # spreadsheet programs then read UTF-8
    assert rows[0] == ["username", "email", "firstname", "lastname", "country", "lang",
                       "institution", "gender", "cohort1"]
    assert len(rows) == 2
    example = dict(zip(rows[0], rows[1], strict=True))
    assert example["lastname"] == "García"  # accents survive
    # A cohort the coordinator may enrol in, so the example works as it is.
    assert example["cohort1"] in {"PICAP-HR-1", "PICAP-DOC-1"}


def test_the_template_passes_the_check_as_it_is(client, database, cohorts, coordinator):
    body, _rows = _template(client)
    before = counts(database)

    response = check(client, body, filename="import-trainees-template.csv")

    assert response.status_code == 200, page_text(response)[:1500]
    assert "1 new account" in page_text(response)
    assert counts(database) == before


def test_the_template_is_for_coordinators(client, database):
    login(client, make_user())
    assert client.get("/manage/import/template.csv").status_code == 403
    # A coordinator with no running cohort still gets a template, with a placeholder code.
    login(client, make_coordinator(make_program()))
    _body, rows = _template(client)
    assert rows[1][-1] == "COHORT-CODE"
