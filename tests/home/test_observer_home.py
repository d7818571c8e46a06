"""An observer's home page: a "Monitoring" part naming the programs they follow, with the
way to the reports, and no other part; nobody else sees it."""

from __future__ import annotations

import re

import pytest

from lms.accounts.models import ProgramCoordinator, ProgramObserver
from lms.extensions import db
from tests.conftest import page_text
from tests.conftest import sign_in_quickly as login
from tests.factories import make_coordinator, make_program, make_user


def observer_of(*programs, **fields):
    user = make_user(**fields)
    for program in programs:
        db.session.add(ProgramObserver(program_id=program.id, user_id=user.id))
    db.session.flush()
    return user


def home(client) -> tuple[str, str]:
    response = client.get("/")
    assert response.status_code == 200
    return page_text(response), response.get_data(as_text=True)


def parts(html: str) -> list[str]:
    return re.findall(r'<h2 id="home-(\w+)"', html)


def reports_link(app) -> str:
    with app.test_request_context():
        from flask import url_for

        if "reports.index" in app.view_functions:
            return url_for("reports.index")
    return "/reports"


def test_an_observer_sees_monitoring_with_their_programs_and_the_reports(client, app,
                                                                         database):
    proccer = make_program(code="PROCCER", name="Prevention and treatment of addictions")
    picap = make_program(code="PICAP", name="Inter-American Police Training")
    make_program(code="OTHER", name="A program not observed")
    login(client, observer_of(proccer, picap))

    text, html = home(client)

    assert parts(html) == ["observer"]
    assert "Monitoring" in text
    assert "You follow the figures of 2 programs" in text
    assert "PICAP: Inter-American Police Training" in text
    assert "PROCCER: Prevention and treatment of addictions" in text
    assert text.index("PICAP:") < text.index("PROCCER:")
    assert "A program not observed" not in text
    assert f'href="{reports_link(app)}"' in html
    assert "Start learning" not in text  # an observer is not invited to enrol


def test_one_program_is_counted_in_the_singular(client, database):
    login(client, observer_of(make_program(code="PICAP")))
    text, _html = home(client)
    assert "You follow the figures of 1 program:" in text


@pytest.mark.parametrize("who", ["trainee", "coordinator", "admin"])
def test_nobody_else_sees_the_monitoring_part(client, database, who):
    program = make_program()
    user = {"trainee": make_user, "admin": lambda: make_user(admin=True),
            "coordinator": lambda: make_coordinator(program)}[who]()
    login(client, user)
    _text, html = home(client)
    assert "observer" not in parts(html)


def test_an_observer_who_coordinates_too_sees_both_parts(client, database):
    observed, coordinated = make_program(), make_program()
    user = observer_of(observed)
    db.session.add(ProgramCoordinator(program_id=coordinated.id, user_id=user.id))
    login(client, user)

    _text, html = home(client)

    assert parts(html)[-2:] == ["coordinator", "observer"]


def test_the_monitoring_part_costs_the_same_queries_for_1_or_8_programs(
        client, app, database, count_queries):
    from tests.conftest import new_browser

    login(client, observer_of(make_program()))
    other = new_browser(app)
    login(other, observer_of(*[make_program() for _ in range(8)]))
    counts = []
    for browser, size in ((client, "1 program"), (other, "8 programs")):
        browser.get("/")
        with count_queries("home, observer", size) as counter:
            assert browser.get("/").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_the_reports_link_opens_for_the_observer_and_names_nobody(client, app, database):
    from tests.factories import enrol, make_cohort, make_course

    program = make_program(code="PICAP")
    enrol(make_cohort(make_course(program)), make_user(full_name="Rosa Quispe Mamani"))
    login(client, observer_of(program))
    _text, html = home(client)
    link = reports_link(app)
    assert f'href="{link}"' in html

    response = client.get(link)

    assert response.status_code == 200
    assert "Rosa Quispe Mamani" not in response.get_data(as_text=True)
