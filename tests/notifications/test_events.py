"""Each domain event makes one notification for the person it concerns, in their language,
and one mail at most."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask_babel import force_locale, format_date

from lms.assessments.assignments import services as assignments
from lms.assessments.models import AssessmentKind
from lms.certification import issuance
from lms.certification.reminders import send_reminders
from lms.certification.tracks import services as tracks
from lms.certification.tracks.models import HoursStatus
from lms.cohorts import services as cohorts
from lms.cohorts.models import EnrolmentStatus
from lms.kernel import clock
from tests.assessments.factories import make_assessment
from tests.certification.factories import issue_certificate
from tests.certification.tracks.factories import log_hours, make_track
from tests.factories import (
    enrol,
    make_cohort,
    make_coordinator,
    make_course,
    make_institution,
    make_program,
    make_user,
)
from tests.notifications.helpers import mails, notifications_of


def test_a_coordinator_enrolling_someone_tells_them_in_their_language(database):
    course = make_course(translations={"es": ("Derechos humanos y uso de la fuerza", "")})
    cohort = make_cohort(course)
    coordinator = make_coordinator(course.program)
    trainee = make_user(locale="es")

    cohorts.enrol_user(coordinator, cohort, trainee.email)

    [notice] = notifications_of(trainee)
    assert notice.kind == "enrolment_accepted"
    assert "Derechos humanos y uso de la fuerza" in notice.subject
    with force_locale("es"):
        assert format_date(cohort.starts_on) in notice.body
    assert notice.link == f"/cohorts/{cohort.id}"
    [message] = mails(trainee.email)
    assert "Derechos humanos y uso de la fuerza" in message["subject"]
    assert notifications_of(coordinator) == []


def test_enrolling_oneself_tells_nobody(database):
    cohort = make_cohort()
    trainee = make_user()

    cohorts.self_enrol(trainee, cohort, clock.today(clock.UTC))

    assert notifications_of(trainee) == [] and mails() == []


def test_a_waiting_list_promotion_is_one_notice_and_one_mail_in_french(database):
    course = make_course(translations={"fr": ("Droits humains et usage de la force", "")})
    cohort = make_cohort(course, capacity=1)
    holder = enrol(cohort).user
    waiting = enrol(cohort, make_user(email="premiere@example.org", locale="fr"),
                    status=EnrolmentStatus.WAITLISTED)
    waiting.waitlisted_at = clock.now() - timedelta(hours=1)

    cohorts.withdraw(holder, cohort_enrolment(holder, cohort))

    [notice] = notifications_of(waiting.user)
    assert notice.kind == "waitlist_promoted"
    assert "Droits humains et usage de la force" in notice.subject
    with force_locale("fr"):
        assert format_date(cohort.starts_on) in notice.body
    [message] = mails("premiere@example.org")
    assert message["subject"] == notice.subject
    assert f"/cohorts/{cohort.id}" in message["body"]


def cohort_enrolment(user, cohort):
    from lms.cohorts.queries import enrolment_of

    return enrolment_of(user, cohort.id)


def test_an_imported_existing_account_is_told_in_the_app_only(database):
    course = make_course()
    make_cohort(course, code="IMPORT-1")
    coordinator = make_coordinator(course.program)
    existing = make_user(email="kept@example.org")
    data = b"email,firstname,lastname,cohort1\nkept@example.org,Kept,Person,IMPORT-1\n"

    cohorts.import_users(coordinator, data, "people.csv", None, 100_000)

    assert [n.kind for n in notifications_of(existing)] == ["enrolment_accepted"]
    assert mails("kept@example.org") == []


def _assignment_world():
    course = make_course()
    instructor = make_user()
    cohort = make_cohort(course, instructors=[instructor])
    trainee = make_user(locale="es")
    enrolment = enrol(cohort, trainee)
    assessment = make_assessment(course, AssessmentKind.ASSIGNMENT, title="Case study")
    submission = assignments.submit(trainee, assessment, enrolment, text="My answer",
                                    upload=None, max_bytes=1000)
    return instructor, trainee, enrolment, submission


def test_a_grade_given_by_an_instructor_is_released_to_the_trainee(database):
    instructor, trainee, enrolment, submission = _assignment_world()

    assignments.grade(instructor, submission, choices=None, percent=Decimal(85),
                      feedback="Good", reason="")

    [notice] = notifications_of(trainee)
    assert notice.kind == "grade_released" and "Case study" in notice.subject
    assert notice.link == f"/cohorts/{enrolment.cohort_id}/assessments"
    assert len(mails(trainee.email, "grade_released")) == 1


def test_a_quiz_the_trainee_submits_themselves_is_no_news(database):
    from lms.assessments.grades import set_grade

    course = make_course()
    trainee = make_user()
    enrolment = enrol(make_cohort(course), trainee)
    quiz = make_assessment(course, AssessmentKind.QUIZ)

    set_grade(quiz, enrolment, 90, actor=trainee)

    assert notifications_of(trainee) == []


def test_returned_work_tells_the_trainee_what_to_change(database):
    instructor, trainee, enrolment, submission = _assignment_world()

    assignments.return_submission(instructor, submission, "Add your sources.")

    [notice] = notifications_of(trainee)
    assert notice.kind == "work_returned" and "Add your sources." in notice.body
    assert notice.link == (f"/cohorts/{enrolment.cohort_id}/assignments/"
                           f"{submission.assessment_id}")
    assert len(mails(trainee.email, "work_returned")) == 1


def test_hours_decided_are_one_mail_in_the_trainees_language(database):
    program = make_program()
    course = make_course(program)
    supervisor = make_user()
    make_cohort(course, instructors=[supervisor])
    trainee = make_user(locale="fr")
    track = make_track(program, make_institution(kind="certifying_body"), courses=[course])
    log = log_hours(trainee, track, 4, supervisor=supervisor, status=HoursStatus.PENDING)

    tracks.decide(supervisor, log, approve=True)

    [notice] = notifications_of(trainee)
    assert notice.kind == "hours_decided"
    assert notice.subject == "Vos heures ont été approuvées"
    [message] = mails(trainee.email)  # the direct mail of before is gone: one, not two
    assert message["subject"] == "Vos heures ont été approuvées"
    assert f"/tracks/{track.id}" in message["body"]


def test_issuing_tells_each_holder_and_not_the_officer(database):
    officer = make_user(admin=True)
    holder = make_user(locale="es")

    certificate = issue_certificate(holder, actor=officer)

    [notice] = notifications_of(holder)
    assert notice.kind == "certificate_issued" and certificate.code in notice.subject
    assert notice.link == "/certificates"
    assert notifications_of(officer) == []
    assert len(mails(holder.email, "certificate_issued")) == 1


def test_a_revocation_is_told_even_to_someone_who_turned_everything_off(database):
    from tests.notifications.helpers import choose

    holder = make_user()
    certificate = issue_certificate(holder)
    # Not possible through the settings page; a row written by hand changes nothing either.
    choose(holder, "certificate_revoked", "off")

    issuance.revoke(certificate, make_user(admin=True), "misconduct", "Copied the exam.")

    [notice] = notifications_of(holder, "certificate_revoked")
    assert "Copied the exam." in notice.body
    [message] = mails(holder.email, "certificate_revoked")
    assert "List-Unsubscribe" not in message["headers"]


EXPIRY = date(2030, 6, 30)


def test_the_expiry_reminder_run_twice_is_one_notice_and_one_mail(database):
    holder = make_user(locale="es")
    certificate = issue_certificate(holder, expires_on=EXPIRY, today=date(2027, 6, 30))
    day = EXPIRY - timedelta(days=30)

    assert send_reminders(day) == 1
    assert send_reminders(day) == 0

    [notice] = notifications_of(holder, "certificate_expiring")
    assert "junio" in notice.subject  # the date, in the holder's language
    [message] = mails(holder.email, "certificate_expiring")
    assert certificate.code in message["subject"]


def test_what_an_instructor_wrote_is_escaped_in_the_html_mail(database):
    instructor, trainee, _enrolment, submission = _assignment_world()

    assignments.return_submission(instructor, submission, "Cite <script>x()</script> properly")

    [message] = mails(trainee.email, "work_returned")
    assert "<script>" not in message["html"]
    assert "&lt;script&gt;x()&lt;/script&gt;" in message["html"]
    assert "Cite <script>x()</script> properly" in message["body"]  # the text part, as written
    # The addresses in the text are links in the HTML part.
    assert f'href="http://127.0.0.1:5000/cohorts/{_enrolment.cohort_id}/assignments/' \
           f'{submission.assessment_id}"' in message["html"]
