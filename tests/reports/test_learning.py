"""The learning figures on a small world whose every count is worked out by hand below.

Program P: course A (online) with cohorts A1 (Mexico, Spanish, February 2026) and A2
(Colombia, English, August 2026); course B (in person) with cohort B1 (Mexico, March 2026).
Program Q: course Z with cohort Z1 (Mexico, September 2026), outside a P coordinator's view.

Trainees: u1 (female, institution X) in A1 and B1; u2 (male) withdrew from A1 and enrolled
again in A2; u3 (not stated), u4 (female) in A1; u5 (male, institution X), u6 (female),
u7 (not stated) in A2; u8 (male) in B1; u9 in Z1.

Grades (percent), with the pass mark of each assessment:
  A Pre (quiz, pre-test, 70):  u1 40, u2@A1 30, u3 60, u2@A2 50, u5 50, u6 75
  A Post (quiz, post-test, 70): u1 80, u3 90, u4 65, u2@A2 80, u5 70, u7 100
  A Essay (assignment, 60):    u1 9.99, u3 10, u6 60
  A Practice (observation, 80): u1 100, u4 50, u5 85
  A Attendance (70):           u1 100 (not a test of learning: never counted)
  B Final (quiz, 50):          u1 50, u8 49.5
  Z Quiz (quiz, 70):           u9 90

Per person, best grade: Pre has 5 people (u2 counts once, with 50), 1 passed (u6 75);
Post 6 people, 5 passed (u4's 65 fails); Essay 3, 1 passed (u6 60; 9.99 is in 0–9 and 10 in
10–19); Practice 3, 2 passed; Final 2, 1 passed (50 is the mark, 49.5 is not); Z Quiz 1, 1.

Pre/post pairs are the two grades of one enrolment: u1@A1 40→80, u3 60→90, u2@A2 50→80,
u5 50→70: n = 4, mean pre 50, mean post 80, mean gain 30; pre-test only: u2@A1, u6 (2);
post-test only: u4, u7 (2).

Checklist of Practice ("not observed" says nothing and is left out):
  I1 Checks the scene: u1 met, u4 not yet, u5 not yet, u3 not observed -> 2 of 3 (67 %)
  I2 Reports:          u1 met, u4 met, u5 not yet, u6 not yet        -> 2 of 4 (50 %)
  I3 Secures:          u1 met, u4 not yet, u5 met, u6 met            -> 1 of 4 (25 %)
  I4 Always met:       u1 met                                        -> never "not yet": left out
  I5 Records:          u1 not yet, u4 met                            -> 1 of 2 (50 %): after I2,
                                                                        fewer "not yet"
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale

from lms.assessments.models import Assessment, AssessmentTranslation, Grade
from lms.assessments.observations.models import Observation, ObservationItem
from lms.cohorts.models import EnrolmentStatus
from lms.extensions import db
from lms.reports.filters import UNSTATED, ReportFilter, Scope
from lms.reports.learning import learning
from lms.reports.tables import ChartKind
from tests.certification.tracks.factories import make_track
from tests.factories import (
    enrol,
    make_cohort,
    make_course,
    make_institution,
    make_program,
    make_user,
)

EVERYTHING = Scope(everything=True)
NO_FILTER = ReportFilter()


def grade(assessment: Assessment, enrolment, percent) -> None:
    percent = Decimal(str(percent))
    db.session.add(Grade(assessment_id=assessment.id, enrolment_id=enrolment.id,
                         percent=percent, passed=percent >= assessment.pass_mark))


def assessment(course, kind: str, title: str, pass_mark: int, position: int,
               test_role: str | None = None) -> Assessment:
    made = Assessment(course=course, kind=kind, title=title, pass_mark=Decimal(pass_mark),
                      position=position, test_role=test_role)
    db.session.add(made)
    db.session.flush()
    return made


@pytest.fixture
def world(database):
    p, q = make_program(code="P"), make_program(code="Q")
    course_a = make_course(p, code="A", modality="online")
    course_b = make_course(p, code="B", modality="in_person")
    course_z = make_course(q, code="Z")
    a1 = make_cohort(course_a, code="A1", country="MX", language="es",
                     starts=date(2026, 2, 1))
    a2 = make_cohort(course_a, code="A2", country="CO", language="en",
                     starts=date(2026, 8, 1))
    b1 = make_cohort(course_b, code="B1", country="MX", starts=date(2026, 3, 1))
    z1 = make_cohort(course_z, code="Z1", country="MX", starts=date(2026, 9, 1))
    x = make_institution("Institution X")
    u1 = make_user(gender="female", institution_id=x.id)
    u2, u3, u4 = make_user(gender="male"), make_user(gender=None), make_user(gender="female")
    u5 = make_user(gender="male", institution_id=x.id)
    u6, u7, u8 = make_user(gender="female"), make_user(gender=None), make_user(gender="male")
    e = {"u1": enrol(a1, u1, EnrolmentStatus.COMPLETED),
         "u2@A1": enrol(a1, u2, EnrolmentStatus.WITHDRAWN), "u3": enrol(a1, u3),
         "u4": enrol(a1, u4, EnrolmentStatus.FAILED), "u2@A2": enrol(a2, u2),
         "u5": enrol(a2, u5), "u6": enrol(a2, u6), "u7": enrol(a2, u7),
         "u1@B1": enrol(b1, u1), "u8": enrol(b1, u8), "u9": enrol(z1)}

    pre = assessment(course_a, "quiz", "Pre", 70, 1, "pre")
    post = assessment(course_a, "quiz", "Post", 70, 2, "post")
    essay = assessment(course_a, "assignment", "Essay", 60, 3)
    practice = assessment(course_a, "observation", "Practice", 80, 4)
    attendance = assessment(course_a, "attendance", "Attendance", 70, 5)
    final = assessment(course_b, "quiz", "Final", 50, 1)
    z_quiz = assessment(course_z, "quiz", "Z Quiz", 70, 1)
    for name, percent in [("u1", 40), ("u2@A1", 30), ("u3", 60), ("u2@A2", 50), ("u5", 50),
                          ("u6", 75)]:
        grade(pre, e[name], percent)
    for name, percent in [("u1", 80), ("u3", 90), ("u4", 65), ("u2@A2", 80), ("u5", 70),
                          ("u7", 100)]:
        grade(post, e[name], percent)
    for name, percent in [("u1", "9.99"), ("u3", 10), ("u6", 60)]:
        grade(essay, e[name], percent)
    for name, percent in [("u1", 100), ("u4", 50), ("u5", 85)]:
        grade(practice, e[name], percent)
    grade(attendance, e["u1"], 100)
    grade(final, e["u1@B1"], 50)
    grade(final, e["u8"], "49.5")
    grade(z_quiz, e["u9"], 90)

    items = {}
    checklist = {
        "Checks the scene": [("u1", "met"), ("u4", "not_yet"), ("u5", "not_yet"),
                             ("u3", "not_observed")],
        "Reports": [("u1", "met"), ("u4", "met"), ("u5", "not_yet"), ("u6", "not_yet")],
        "Secures": [("u1", "met"), ("u4", "not_yet"), ("u5", "met"), ("u6", "met")],
        "Always met": [("u1", "met")],
        "Records": [("u1", "not_yet"), ("u4", "met")],
    }
    for position, (text, results) in enumerate(checklist.items(), start=1):
        item = ObservationItem(assessment=practice, text=text, position=position)
        db.session.add(item)
        db.session.flush()
        items[text] = item
        for name, result in results:
            db.session.add(Observation(item_id=item.id, enrolment_id=e[name].id,
                                       result=result))
    db.session.flush()
    return {"P": p, "Q": q, "A": course_a, "B": course_b, "A1": a1, "A2": a2, "B1": b1,
            "Z1": z1, "X": x, "enrolments": e, "pre": pre, "post": post, "items": items}


def table(section, key):
    return next(t for t in section.all_tables() if t.key == key)


def pass_rates(section) -> dict[str, tuple]:
    """{assessment: (people graded, people who passed, rate)}."""
    return {row[1]: row[3:] for row in table(section, "learning_pass_rates").rows}


def distribution(section) -> dict[str, tuple]:
    return {row[1]: row[2:] for row in table(section, "learning_score_distribution").rows}


def gains(section) -> dict[str, tuple]:
    """{course: (paired, mean pre, mean post, mean gain, pre only, post only)}."""
    return {row[0]: row[2:] for row in table(section, "learning_pre_post").rows}


def skills(section) -> list[tuple]:
    """(rank, skill, observed, not yet, share), weakest first."""
    return [(row[0], row[1], row[4], row[5], row[6])
            for row in table(section, "learning_weakest_skills").rows]


def test_every_figure_unfiltered(world):
    section = learning(NO_FILTER, EVERYTHING)
    assert pass_rates(section) == {
        "Pre": (5, 1, 1 / 5), "Post": (6, 5, 5 / 6), "Essay": (3, 1, 1 / 3),
        "Practice": (3, 2, 2 / 3), "Final": (2, 1, 1 / 2), "Z Quiz": (1, 1, 1.0)}
    # In the order of the courses and of the assessments within them.
    assert table(section, "learning_pass_rates").values("course") == [
        "A", "A", "A", "A", "B", "Z"]
    assert distribution(section) == {
        "Pre": (5, 0, 0, 0, 0, 1, 2, 1, 1, 0, 0),
        "Post": (6, 0, 0, 0, 0, 0, 0, 1, 1, 2, 2),
        "Essay": (3, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0),
        "Practice": (3, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1),
        "Final": (2, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0),
        "Z Quiz": (1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)}
    assert gains(section) == {"A": (4, 50.0, 80.0, 30.0, 2, 2)}
    assert skills(section) == [(1, "Checks the scene", 3, 2, 2 / 3), (2, "Reports", 4, 2, 0.5),
                               (3, "Records", 2, 1, 0.5), (4, "Secures", 4, 1, 0.25)]
    figures = {figure.key: figure.value for figure in section.figures}
    # 11 of 20 people-assessments passed; the gain of every pair is 30 points.
    assert figures == {"learning_pass_rate": 11 / 20, "learning_gain": 30.0}


def test_charts_draw_the_pass_rates_and_each_assessments_scores(world):
    section = learning(NO_FILTER, EVERYTHING)
    rates, *histograms = section.charts
    assert rates.kind == ChartKind.BAR
    assert rates.categories == ["A: Pre", "A: Post", "A: Essay", "A: Practice", "B: Final",
                                "Z: Z Quiz"]
    assert rates.series[0][1] == [1 / 5, 5 / 6, 1 / 3, 2 / 3, 1 / 2, 1.0]
    # Every assessment is drawn: the chart's table is the pass-rate table itself.
    assert rates.table is table(section, "learning_pass_rates")
    assert [chart.title for chart in histograms][:2] == ["Scores in A: Pre", "Scores in A: Post"]
    post = histograms[1]
    assert post.categories[0] == "0–9" and post.categories[-1] == "90–100"
    assert post.series[0][1] == [0, 0, 0, 0, 0, 0, 1, 1, 2, 2]
    assert post.table.n == 6 and post.table.values("people") == [0] * 6 + [1, 1, 2, 2]
    assert "6 people graded in A: Post" in str(post.description)


def test_charts_are_limited_to_the_ten_most_graded(world):
    course = world["B"]
    extra = [assessment(course, "quiz", f"Extra {n}", 50, 10 + n) for n in range(10)]
    enrolment = world["enrolments"]["u8"]
    for quiz in extra:
        grade(quiz, enrolment, 70)
    db.session.flush()
    section = learning(NO_FILTER, EVERYTHING)
    assert len(table(section, "learning_pass_rates").rows) == 16
    rates, *histograms = section.charts
    assert len(rates.categories) == 10 and len(histograms) == 10
    # The six assessments with 2 or more people graded come first; then ties, in table order.
    assert rates.categories[:6] == ["A: Pre", "A: Post", "A: Essay", "A: Practice",
                                    "B: Final", "B: Extra 0"]
    assert len(rates.table.rows) == 10


def test_a_coordinator_counts_only_their_programs(world):
    section = learning(NO_FILTER, Scope(program_ids=frozenset({world["P"].id})))
    assert "Z Quiz" not in pass_rates(section)
    assert set(pass_rates(section)) == {"Pre", "Post", "Essay", "Practice", "Final"}


def test_an_instructor_counts_only_their_cohorts(world):
    section = learning(NO_FILTER, Scope(cohort_ids=frozenset({world["A2"].id})))
    # A2: Pre u2 50, u5 50, u6 75; Post u2 80, u5 70, u7 100; Essay u6 60; Practice u5 85.
    assert pass_rates(section) == {"Pre": (3, 1, 1 / 3), "Post": (3, 3, 1.0),
                                   "Essay": (1, 1, 1.0), "Practice": (1, 1, 1.0)}
    # Pairs u2 50→80, u5 50→70; u6 pre only; u7 post only.
    assert gains(section) == {"A": (2, 50.0, 75.0, 25.0, 1, 1)}
    # I1: u5 not yet (1 of 1); I2: u5, u6 not yet (2 of 2); I3: met by both.
    assert skills(section) == [(1, "Reports", 2, 2, 1.0), (2, "Checks the scene", 1, 1, 1.0)]


def test_an_officer_counts_the_courses_their_bodys_tracks_require(world):
    body = make_institution("Certifying body", kind="certifying_body")
    make_track(world["P"], body, courses=[world["B"]])
    section = learning(NO_FILTER, Scope(body_ids=frozenset({body.id})))
    assert pass_rates(section) == {"Final": (2, 1, 0.5)}
    assert gains(section) == {} and skills(section) == []


def test_nobody_counts_nothing(world):
    section = learning(NO_FILTER, Scope())
    assert all(not t.rows for t in section.all_tables())
    assert section.charts == []
    assert [figure.value for figure in section.figures] == [None, None]


@pytest.mark.parametrize(("name", "expected_rates", "expected_gains"), [
    # u1, u4, u6: Pre u1 40, u6 75; Post u1 80, u4 65; Essay u1, u6; Practice u1 100,
    # u4 50; Final u1 50. Pair u1 40→80; u6 pre only; u4 post only.
    ("female", {"Pre": (2, 1, 0.5), "Post": (2, 1, 0.5), "Essay": (2, 1, 0.5),
                "Practice": (2, 1, 0.5), "Final": (1, 1, 1.0)},
     {"A": (1, 40.0, 80.0, 40.0, 1, 1)}),
    # u3, u7 (and u9, not stated either): Pre u3 60; Post u3 90, u7 100; Essay u3 10.
    ("unstated", {"Pre": (1, 0, 0.0), "Post": (2, 2, 1.0), "Essay": (1, 0, 0.0),
                  "Z Quiz": (1, 1, 1.0)},
     {"A": (1, 60.0, 90.0, 30.0, 0, 1)}),
])
def test_the_gender_filter(world, name, expected_rates, expected_gains):
    section = learning(ReportFilter(gender=name if name != "unstated" else UNSTATED),
                       EVERYTHING)
    assert pass_rates(section) == expected_rates
    assert gains(section) == expected_gains


def test_filters_by_cohort_place_course_and_person(world):
    def rates(**fields):
        return pass_rates(learning(ReportFilter(**fields), EVERYTHING))

    # Cohorts starting from June 2026: A2 and Z1.
    assert rates(start=date(2026, 6, 1)) == {"Pre": (3, 1, 1 / 3), "Post": (3, 3, 1.0),
                                             "Essay": (1, 1, 1.0), "Practice": (1, 1, 1.0),
                                             "Z Quiz": (1, 1, 1.0)}
    # Up to March 2026: A1 and B1 (u2 counts with A1's 30 only).
    assert rates(end=date(2026, 3, 31))["Pre"] == (3, 0, 0.0)
    assert set(rates(end=date(2026, 3, 31))) == {"Pre", "Post", "Essay", "Practice", "Final"}
    assert rates(country="CO") == rates(cohort_id=world["A2"].id)
    assert rates(language="es")["Post"] == (3, 2, 2 / 3)  # A1: u1 80, u3 90, u4 65
    assert rates(modality="in_person") == {"Final": (2, 1, 0.5)}
    assert rates(course_id=world["B"].id) == {"Final": (2, 1, 0.5)}
    assert set(rates(program_id=world["Q"].id)) == {"Z Quiz"}
    # Institution X: u1 and u5.
    assert rates(institution_id=world["X"].id) == {
        "Pre": (2, 0, 0.0), "Post": (2, 2, 1.0), "Essay": (1, 0, 0.0),
        "Practice": (2, 2, 1.0), "Final": (1, 1, 1.0)}
    assert rates(country="AR") == {}


def test_pre_post_needs_both_tests_marked(world):
    world["post"].test_role = None
    db.session.flush()
    section = learning(NO_FILTER, EVERYTHING)
    assert gains(section) == {}
    assert [f.value for f in section.figures if f.key == "learning_gain"] == [None]


def test_names_follow_the_viewers_language(world):
    db.session.add(AssessmentTranslation(assessment_id=world["pre"].id, locale="fr",
                                         title="Test initial"))
    db.session.flush()
    with force_locale("fr"):
        section = learning(NO_FILTER, EVERYTHING)
        assert "Test initial" in pass_rates(section)
        # French puts a no-break space before the colon.
        assert section.charts[0].categories[0] == "A\u00a0: Test initial"
    assert "Pre" in pass_rates(learning(NO_FILTER, EVERYTHING))


def test_the_number_of_queries_does_not_grow_with_the_people(world, count_queries):
    learning(NO_FILTER, EVERYTHING)  # the people sets built
    # More trainees in A1, each graded in every assessment and observed on every item.
    a1 = world["A1"]
    course_a_assessments = [world["pre"], world["post"]]

    def graded_trainees(numbers: range) -> None:
        for n in numbers:
            enrolment = enrol(a1, make_user(gender="female" if n % 2 else None))
            for quiz in course_a_assessments:
                grade(quiz, enrolment, 3 * n)
            for item in world["items"].values():
                db.session.add(Observation(item_id=item.id, enrolment_id=enrolment.id,
                                           result="not_yet" if n % 3 else "met"))
        db.session.flush()

    # Each measurement first takes in the new grades (lms.reports.people).
    graded_trainees(range(1))
    with count_queries("learning", "12 enrolments") as small:
        learning(NO_FILTER, EVERYTHING)
    graded_trainees(range(1, 30))
    with count_queries("learning", "41 enrolments") as large:
        section = learning(NO_FILTER, EVERYTHING)
    assert pass_rates(section)["Pre"][0] == 35
    assert large.count == small.count
