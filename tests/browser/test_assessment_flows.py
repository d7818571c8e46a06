"""Assignment, observation and attendance flows in a real Chromium, in each language.

A trainee submits work, the instructor grades it on the rubric, records the
skills observation and takes the attendance register, and the trainee reads the
results; the interface is in the language both of them chose, and every page is
checked with axe-core.
"""

from __future__ import annotations

import pytest

from lms.assessments.assignments.models import RubricCriterion, RubricLevel, Submission
from lms.assessments.attendance.models import AttendanceSession
from lms.assessments.models import AssessmentKind
from lms.assessments.observations.models import ObservationItem
from lms.extensions import db
from lms.kernel import clock
from tests.assessments.factories import make_assessment
from tests.browser.conftest import assert_accessible, sign_in, translated
from tests.factories import PASSWORD, enrol, make_cohort, make_course, make_program, make_user

pytestmark = pytest.mark.browser
LOCALES = ["en", "es", "fr", "pt"]


@pytest.fixture(scope="module")
def flows(live_app):
    """One course per language, each with an assignment, a checklist and a session."""
    worlds = {}
    with live_app.app_context():
        program = make_program(code="FLOWS", name="PROCCER flows")
        for locale in LOCALES:
            course = make_course(program, code=f"FLOW-{locale}", language=locale)
            instructor = make_user(email=f"instructor.{locale}@example.org", locale=locale,
                                   full_name=f"Instructor {locale.upper()}")
            cohort = make_cohort(course, code=f"FLOW-{locale}-1", language=locale,
                                 instructors=[instructor])
            trainee = make_user(email=f"trainee.{locale}@example.org", locale=locale,
                                full_name=f"Trainee {locale.upper()}")
            enrolment = enrol(cohort, trainee)
            assignment = make_assessment(course, AssessmentKind.ASSIGNMENT,
                                         title=f"Case study {locale}", accepts_file=False)
            criterion = RubricCriterion(title="Analysis", position=1)
            criterion.levels.extend([RubricLevel(title="Weak", position=1, points=0),
                                     RubricLevel(title="Strong", position=2, points=2)])
            assignment.criteria.append(criterion)
            observation = make_assessment(course, AssessmentKind.OBSERVATION,
                                          title=f"Counselling skills {locale}")
            observation.observation_items.extend([
                ObservationItem(position=1, text="Builds rapport"),
                ObservationItem(position=2, text="Uses open questions")])
            make_assessment(course, AssessmentKind.ATTENDANCE, title=f"Attendance {locale}",
                            pass_mark=80)
            session = AttendanceSession(cohort=cohort, starts_at=clock.now(), title="Day 1")
            db.session.add(session)
            db.session.flush()
            worlds[locale] = {"cohort": cohort.id, "enrolment": enrolment.id,
                              "assignment": assignment.id, "observation": observation.id,
                              "session": session.id, "trainee": trainee.email,
                              "instructor": instructor.email}
        db.session.commit()
    return worlds


@pytest.mark.parametrize("locale", LOCALES)
def test_assignment_observation_and_attendance_flows(browser, live_app, live_server, flows,
                                                     locale):
    world = flows[locale]
    base = f"{live_server}/cohorts/{world['cohort']}"

    def t(message: str) -> str:
        return translated(locale, message)

    trainee = sign_in(browser, live_server, world["trainee"], PASSWORD)
    trainee.goto(f"{base}/assignments/{world['assignment']}")
    assert trainee.locator("html").get_attribute("lang") == locale
    assert_accessible(trainee)
    trainee.locator("main [name=text]").fill("Community plan: schools, families, sport.")
    with trainee.expect_navigation():
        trainee.get_by_role("button", name=t("Submit")).click()
    assert "Community plan: schools, families, sport." in trainee.inner_text("main")
    assert_accessible(trainee)

    with live_app.app_context():
        submission = db.session.scalar(db.select(Submission.id).where(
            Submission.enrolment_id == world["enrolment"]))
    instructor = sign_in(browser, live_server, world["instructor"], PASSWORD)
    instructor.goto(f"{base}/submissions/{submission}/grade")
    assert_accessible(instructor)
    instructor.get_by_label("Strong", exact=False).check()
    instructor.locator("main [name=feedback]").fill("Clear and well argued.")
    with instructor.expect_navigation():
        instructor.get_by_role("button", name=t("Save the grade")).click()
    assert instructor.locator("html").get_attribute("lang") == locale

    instructor.goto(f"{base}/observations/{world['observation']}/trainees/{world['enrolment']}")
    assert_accessible(instructor)
    for radio in instructor.locator("main input[type=radio][value=met]").all():
        radio.check()
    with instructor.expect_navigation():
        instructor.get_by_role("button", name=t("Save the observations")).click()

    instructor.goto(f"{base}/attendance/{world['session']}")
    assert_accessible(instructor)
    with instructor.expect_navigation():
        instructor.get_by_role("button", name=t("Save the register")).click()

    trainee.goto(f"{base}/assessments")
    assert_accessible(trainee)
    text = trainee.inner_text("main")
    assert text.count("100") >= 3, text  # assignment, observation and attendance at 100 %
    assert t("Passed") in text
    trainee.context.close()
    instructor.context.close()
