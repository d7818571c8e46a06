"""The trainee reads the rubric (criteria, levels and their points) before submitting."""

from __future__ import annotations

import re

from tests.assessments.assignments.helpers import add_rubric, send, setting, submission_of
from tests.conftest import page_text
from tests.conftest import sign_in_quickly as login


def rubric_rows(html: str) -> list[list[str]]:
    """The rubric table's rows as the cells a reader sees, criterion cell included."""
    table = re.search(r'<table id="rubric">(.*?)</table>', html, re.S)
    assert table is not None, "no rubric on the page"
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)[1:]  # past the headings
    return [[re.sub(r"<[^>]+>", "", cell).strip()
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)] for row in rows]


def test_a_trainee_sees_the_rubric_before_submitting(client, database):
    s = setting()
    add_rubric(s.assignment, [("Content", [("Weak", 0), ("Good", 2), ("Excellent", 4)]),
                              ("Form", [("Unclear", 0), ("Clear", 1)])])
    login(client, s.trainee)

    response = client.get(s.page_url)

    assert response.status_code == 200
    text = page_text(response)
    assert "You have not submitted this assignment yet." in text
    assert "Rubric" in text
    assert rubric_rows(response.get_data(as_text=True)) == [
        ["Content", "Weak", "0"], ["Good", "2"], ["Excellent", "4"],
        ["Form", "Unclear", "0"], ["Clear", "1"]]
    # The rubric comes before the form, so it is read before the work is sent.
    assert text.index("Excellent") < text.index("Submit your work")


def test_the_rubric_stays_after_submitting_and_is_translated(client, database):
    s = setting()
    add_rubric(s.assignment, [("Contenido", [("Débil", 0), ("Sólido", 2.5)])])
    s.trainee.locale = "es"
    login(client, s.trainee)
    assert send(client, s, text="Mi trabajo").status_code == 302
    assert submission_of(s) is not None

    response = client.get(s.page_url)

    assert rubric_rows(response.get_data(as_text=True)) == [
        ["Contenido", "Débil", "0"], ["Sólido", "2,5"]]  # the reader's decimal comma


def test_an_assignment_without_a_rubric_shows_none(client, database):
    s = setting()
    login(client, s.trainee)

    html = client.get(s.page_url).get_data(as_text=True)

    assert 'id="rubric"' not in html


def test_the_rubric_costs_no_query_per_criterion(app, client, database, count_queries):
    s = setting()
    login(client, s.trainee)
    counts = []
    for criteria in (1, 4):
        add_rubric(s.assignment, [(f"Criterion {n}", [("Low", 0), ("High", 3)])
                                  for n in range(criteria)])
        client.get(s.page_url)
        with count_queries() as counter:
            response = client.get(s.page_url)
        assert len(rubric_rows(response.get_data(as_text=True))) == 2 * len(
            s.assignment.criteria)
        counts.append(counter.count)
    assert counts[0] == counts[1]
