"""Reaction and behaviour figures on a small world whose every count is worked out by hand.

Program P, courses C1 (online) and C2 (face to face); cohorts K1 (C1, Mexico, 2026),
K2 (C1, Brazil, 2026, taught in Portuguese), K3 (C2, Mexico, 2027). Another program's
cohort KQ must never count for P's coordinator.

    enrolment cohort gender   inst. status     end of course                 follow-up
    e1        K1     female   I1    completed  5 4 "More cases" (anon)       mailed, 4 (anon)
    e2        K1     male     I2    completed  4 2 (anon)                    -
    e3        K1     unstated I1    failed     -                             -
    e4        K1     female   I2    active     (cannot answer)               -
    e5        K1     male     I1    withdrawn  (cannot answer)               -
    e6        K2     female   I1    completed  3 5 "Shorter videos" (named)  mailed, 2 (anon)
    e7        K2     male     I2    failed     2 (named)                     -
    e8        K2     unstated -     completed  -                             -
    e9        K3     female   I2    completed  4 4 (named)                   mailed, no answer
    e10       K3     male     I1    completed  -                             -
    e11       KQ     female   I1    completed  1 (anon, program Q)           -

(The numbers are the answers to statements s1 and s2.)

End of course, everything in P: could answer e1 e2 e3 e6 e7 e8 e9 e10 = 8; answered
e1 e2 e6 e7 e9 = 5. s1: 5,4,3,2,4 (n 5, mean 3.6); s2: 4,2,5,4 (n 4, mean 3.75).
Follow-up: mailed e1 e6 e9 = 3; answered 2; s1: 4,2 (mean 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from lms.cohorts.models import EnrolmentStatus
from lms.evaluations import services
from lms.evaluations.models import EvaluationFollowupMail, EvaluationKind
from lms.extensions import db
from lms.reports.filters import UNSTATED, ReportFilter, Scope
from lms.reports.reaction import reaction
from lms.reports.tables import ChartKind
from tests.conftest import page_text
from tests.conftest import sign_in_quickly as login
from tests.factories import (
    enrol,
    make_cohort,
    make_coordinator,
    make_course,
    make_institution,
    make_program,
    make_user,
)

COMPLETED, FAILED = EnrolmentStatus.COMPLETED, EnrolmentStatus.FAILED


@dataclass
class World:
    program: object
    other_program: object
    c1: object
    c2: object
    k1: object
    k2: object
    k3: object
    i1: object
    i2: object
    extra: object  # a cohort of P with nobody yet (for the query count)


def _answer(enrolment, template, *values, text: str | None = None, anonymous: bool = True):
    template.anonymous = anonymous
    items = template.current_items
    likert = [item for item in items if item.kind == "likert"]
    answers = {item.id: value for item, value in zip(likert, values, strict=False)}
    if text:
        answers[next(item.id for item in items if item.kind == "text")] = text
    services.submit(enrolment, template, answers)


def build_world() -> World:
    program, other = make_program(code="PRCX"), make_program(code="QQQ")
    c1 = make_course(program, modality="online", lessons=0)
    c2 = make_course(program, modality="face_to_face", lessons=0)
    k1 = make_cohort(c1, country="MX", starts=date(2026, 2, 1))
    k2 = make_cohort(c1, country="BR", starts=date(2026, 5, 1), language="pt")
    k3 = make_cohort(c2, country="MX", starts=date(2027, 1, 10))
    kq = make_cohort(make_course(other, lessons=0), country="MX", starts=date(2026, 3, 1))
    i1, i2 = make_institution("Institution One"), make_institution("Institution Two")

    def person(gender, institution):
        return make_user(gender=gender, institution_id=institution.id if institution else None)

    end = services.template_for(program, EvaluationKind.END)
    followup = services.template_for(program, EvaluationKind.FOLLOWUP)
    other_end = services.template_for(other, EvaluationKind.END)

    e1 = enrol(k1, person("female", i1), COMPLETED)
    e2 = enrol(k1, person("male", i2), COMPLETED)
    enrol(k1, person(None, i1), FAILED)
    enrol(k1, person("female", i2), EnrolmentStatus.ACTIVE)
    enrol(k1, person("male", i1), EnrolmentStatus.WITHDRAWN)
    e6 = enrol(k2, person("female", i1), COMPLETED)
    e7 = enrol(k2, person("male", i2), FAILED)
    enrol(k2, person(None, None), COMPLETED)
    e9 = enrol(k3, person("female", i2), COMPLETED)
    enrol(k3, person("male", i1), COMPLETED)
    e11 = enrol(kq, person("female", i1), COMPLETED)

    _answer(e1, end, 5, 4, text="More cases")
    _answer(e2, end, 4, 2)
    _answer(e6, end, 3, 5, text="Shorter videos", anonymous=False)
    _answer(e7, end, 2, anonymous=False)
    _answer(e9, end, 4, 4, anonymous=False)
    _answer(e11, other_end, 1)
    for enrolment in (e1, e6, e9):
        db.session.add(EvaluationFollowupMail(enrolment_id=enrolment.id))
    _answer(e1, followup, 4)
    _answer(e6, followup, 2)
    db.session.flush()
    return World(program=program, other_program=other, c1=c1, c2=c2, k1=k1, k2=k2, k3=k3,
                 i1=i1, i2=i2, extra=make_cohort(c2, country="MX", starts=date(2027, 2, 1)))


@pytest.fixture
def world(database) -> World:
    return build_world()


def _coordinator(world: World) -> Scope:
    return Scope(program_ids=frozenset({world.program.id}))


def _figures(section) -> dict[str, tuple]:
    return {figure.key: (figure.value, figure.detail) for figure in section.figures}


def _table(section, key: str):
    return next(table for table in section.all_tables() if table.key == key)


def _first_statement(table) -> tuple:
    """(n, mean, answers 1..5) of the first statement, "The course met its objectives"."""
    row = table.rows[0]
    return row[1], row[2], row[3:]


def test_everything_in_the_program(app, world):
    with app.test_request_context():
        section = reaction(ReportFilter(), _coordinator(world))
    figures = _figures(section)
    assert figures["reaction_end_rate"][0] == pytest.approx(5 / 8)
    assert figures["reaction_end_rate"][1].startswith("n = 5 of 8, ")
    assert figures["reaction_followup_rate"][0] == pytest.approx(2 / 3)
    end = _table(section, "reaction_end")
    assert end.n == 5 and end.note.startswith("n = 5 of 8, ")
    assert end.values("statement")[:2] == ["The course met its stated objectives.",
                                           "The content is relevant to my work."]
    assert end.values("n") == [5, 4]  # the three statements nobody answered are not listed
    assert end.values("mean") == [pytest.approx(3.6), pytest.approx(3.75)]
    assert _first_statement(end)[2] == (0, 1, 1, 2, 1)
    assert end.rows[1][3:] == (0, 1, 0, 2, 1)
    followup = _table(section, "reaction_followup")
    assert followup.values("n") == [2] and followup.values("mean") == [pytest.approx(3.0)]
    assert followup.rows[0][3:] == (0, 1, 0, 1, 0)
    assert followup.note.startswith("n = 2 of 3, ")
    chart = section.charts[0]
    assert chart.kind == ChartKind.STACKED_BAR and chart.table is end
    assert [name for name, _values in chart.series] == [
        "Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
        "Strongly agree"]
    assert chart.series[3][1] == [2, 2]  # "Agree" per statement
    texts = _table(section, "reaction_text")
    assert sorted(texts.values("answer")) == ["More cases", "Shorter videos"]
    assert set(texts.values("question")) == {"What should we improve?"}


def test_filters_by_cohort(app, world):
    with app.test_request_context():
        mexico = reaction(ReportFilter(country="MX"), _coordinator(world))
        later = reaction(ReportFilter(start=date(2027, 1, 1)), _coordinator(world))
        c2 = reaction(ReportFilter(course_id=world.c2.id), _coordinator(world))
        face = reaction(ReportFilter(modality="face_to_face"), _coordinator(world))
        portuguese = reaction(ReportFilter(language="pt"), _coordinator(world))
        k2 = reaction(ReportFilter(cohort_id=world.k2.id), _coordinator(world))
    # Mexico: K1 and K3. Could answer e1 e2 e3 e9 e10; answered e1 e2 e9; s1 5,4,4.
    assert _figures(mexico)["reaction_end_rate"][0] == pytest.approx(3 / 5)
    assert _first_statement(_table(mexico, "reaction_end"))[:2] == (3, pytest.approx(13 / 3))
    assert _figures(mexico)["reaction_followup_rate"][0] == pytest.approx(1 / 2)
    # From 2027 (K3), course C2 and face to face: the same two people, one answer.
    for section in (later, c2, face):
        assert _figures(section)["reaction_end_rate"][0] == pytest.approx(1 / 2)
        assert _first_statement(_table(section, "reaction_end"))[:2] == (1, 4.0)
    # Taught in Portuguese, and cohort K2: e6 e7 e8, of whom e6 and e7 answered.
    for section in (portuguese, k2):
        assert _figures(section)["reaction_end_rate"][0] == pytest.approx(2 / 3)
        assert _table(section, "reaction_end").values("n") == [2, 1]


def test_person_filters_leave_anonymous_answers_out_and_say_so(app, world):
    with app.test_request_context():
        women = reaction(ReportFilter(gender="female"), _coordinator(world))
        unstated = reaction(ReportFilter(gender=UNSTATED), _coordinator(world))
        one = reaction(ReportFilter(institution_id=world.i1.id), _coordinator(world))
        everyone = reaction(ReportFilter(), _coordinator(world))
    # Women who could answer: e1 (answered anonymously: left out), e6, e9; both answered.
    assert _figures(women)["reaction_end_rate"][0] == pytest.approx(1.0)
    assert _first_statement(_table(women, "reaction_end"))[:2] == (2, pytest.approx(3.5))
    # Follow-up: e1 and e6 answered anonymously (left out); e9 was mailed, did not answer.
    assert _figures(women)["reaction_followup_rate"][:1] == (0.0,)
    assert "Anonymous answers cannot be placed" in _table(women, "reaction_end").note
    assert "Anonymous answers cannot be placed" not in _table(everyone, "reaction_end").note
    # Gender not stated: e3 and e8 could answer, neither did.
    assert _figures(unstated)["reaction_end_rate"][0] == 0.0
    assert _table(unstated, "reaction_end").rows == []
    # Institution One: e1 (anonymous, left out), e3, e6, e10; only e6 answered (named).
    assert _figures(one)["reaction_end_rate"][0] == pytest.approx(1 / 3)
    assert _first_statement(_table(one, "reaction_end"))[:2] == (1, 3.0)
    texts = _table(one, "reaction_text")
    assert texts.values("answer") == ["Shorter videos"]


def test_scopes(app, world):
    instructor = Scope(cohort_ids=frozenset({world.k2.id}))
    observer = Scope(program_ids=frozenset({world.program.id}), aggregated_only=True)
    with app.test_request_context():
        taught = reaction(ReportFilter(), instructor)
        observed = reaction(ReportFilter(), observer)
        admin = reaction(ReportFilter(), Scope(everything=True))
        nobody = reaction(ReportFilter(), Scope())
        officer = reaction(ReportFilter(), Scope(body_ids=frozenset({world.i1.id})))
    assert _figures(taught)["reaction_end_rate"][0] == pytest.approx(2 / 3)
    # Observers see the figures, never the free-text answers.
    assert _figures(observed)["reaction_end_rate"][0] == pytest.approx(5 / 8)
    assert "reaction_text" not in {table.key for table in observed.all_tables()}
    # Administrators: program Q's e11 too, and statements named with their program.
    assert _figures(admin)["reaction_end_rate"][0] == pytest.approx(6 / 9)
    statements = _table(admin, "reaction_end").values("statement")
    assert "QQQ · The course met its stated objectives." in statements
    assert "PRCX · The course met its stated objectives." in statements
    assert nobody.figures == [] and nobody.all_tables() == []
    # An officer whose body requires no course of P counts nothing here.
    assert _figures(officer)["reaction_end_rate"][0] is None


def test_the_query_count_does_not_grow_with_the_answers(app, world, count_queries):
    scope = _coordinator(world)
    end = services.template_for(world.program, EvaluationKind.END)

    def answered(numbers: range) -> None:
        for index in numbers:
            enrolment = enrol(world.extra, make_user(gender="male"), COMPLETED)
            _answer(enrolment, end, 1 + index % 5, 3, text=f"Answer {index}")
        db.session.flush()
        db.session.expire_all()

    with app.test_request_context():
        reaction(ReportFilter(), scope)  # the people sets and counts built
        # Each measurement first takes in the new answers (lms.reports.people).
        answered(range(1))
        with count_queries() as small:
            reaction(ReportFilter(), scope)
        answered(range(1, 12))
        with count_queries() as large:
            section = reaction(ReportFilter(), scope)
    assert _figures(section)["reaction_end_rate"][0] == pytest.approx(17 / 20)
    assert large.count == small.count


def test_labels_follow_the_viewers_language(app, world):
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        section = reaction(ReportFilter(), _coordinator(world))
    assert _table(section, "reaction_end").values("statement")[0] == (
        "Le cours a atteint les objectifs annoncés.")


def test_the_report_page_shows_the_section(client, world):
    login(client, make_coordinator(world.program))
    response = client.get(f"/reports?program={world.program.id}")
    assert response.status_code == 200
    text = page_text(response)
    assert "Reaction and behaviour" in text
    assert "The content is relevant to my work." in text
    assert "n = 5 of 8" in text
    assert "Shorter videos" in text  # a coordinator reads the free text
