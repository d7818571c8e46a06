"""The permission matrix: every role against every route, with the status each must get.

Roles: anonymous, a trainee of cohort A, a trainee of cohort B (another trainee),
cohort A's instructor, cohort B's instructor (another cohort's instructor), the
program's coordinator, a coordinator of another program, and an admin. A test
also checks that every route of the application appears here, so a new route
cannot ship without its row.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_token, login
from tests.web.conftest import ROLES, World

# Shorthands for rows: who gets 200; the signed-in rest get 403; anonymous is sent to login.
EVERYONE = set(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
TEACHERS_OF_A = {"instructor", "coordinator", "admin"}
IN_COHORT_A = TEACHERS_OF_A | {"trainee"}
MANAGERS = {"coordinator", "admin"}
ANY_COORDINATOR = MANAGERS | {"other_coordinator"}
TEACHING = {"instructor", "other_instructor", "coordinator", "other_coordinator", "admin"}
# Officers of the track's certifying body (the world's "officer"), and admins.
CERTIFIERS = {"officer", "admin"}
ANY_OFFICER = CERTIFIERS | {"other_officer"}


# (url template, roles that get 200; the others get 403, or a redirect to login)
GET_MATRIX: list[tuple[str, set[str]]] = [
    ("/courses", EVERYONE),
    ("/courses/{code}", EVERYONE),
    ("/healthz", EVERYONE),
    ("/reset", EVERYONE),
    ("/profile", SIGNED_IN),
    ("/notifications", SIGNED_IN),
    ("/notifications/preferences", SIGNED_IN),
    ("/", EVERYONE),  # the public welcome, or each role's home page
    ("/dashboard", SIGNED_IN),
    ("/admin/sessions", {"admin"}),
    ("/admin", {"admin"}),
    ("/admin/audit", {"admin"}),
    ("/admin/users", {"admin"}),
    ("/admin/users/{user}", {"admin"}),
    ("/admin/institutions", {"admin"}),
    ("/admin/institutions/new", {"admin"}),
    ("/admin/institutions/{institution}", {"admin"}),
    ("/admin/institutions/{institution}/edit", {"admin"}),
    ("/admin/institutions/{institution}/merge", {"admin"}),
    ("/admin/programs", {"admin"}),
    ("/teaching", TEACHING),
    ("/people", TEACHING),
    ("/cohorts/{cohort}", IN_COHORT_A),
    ("/cohorts/{cohort}/lessons/{lesson}", IN_COHORT_A),
    ("/cohorts/{cohort}/roster", TEACHERS_OF_A),
    ("/manage/courses", ANY_COORDINATOR),
    ("/manage/programs", ANY_COORDINATOR),
    ("/manage/programs/new", {"admin"}),
    ("/manage/programs/{program}", MANAGERS),
    ("/manage/courses/new", ANY_COORDINATOR),
    ("/manage/courses/{course}", MANAGERS),
    ("/manage/courses/{course}/modules/new", MANAGERS),
    ("/manage/modules/{module}", MANAGERS),
    ("/manage/modules/{module}/lessons/new", MANAGERS),
    ("/manage/lessons/{lesson}", MANAGERS),
    ("/manage/lessons/{lesson}/preview", MANAGERS),
    ("/manage/courses/{course}/cohorts/new", MANAGERS),
    ("/manage/cohorts/{cohort}", MANAGERS),
    ("/manage/import", ANY_COORDINATOR),
    ("/manage/import/template.csv", ANY_COORDINATOR),
    # Quizzes
    ("/cohorts/{cohort}/quizzes/{quiz}", IN_COHORT_A),
    ("/cohorts/{cohort}/attempts/{attempt}", {"trainee"}),
    ("/cohorts/{cohort}/attempts/{attempt}/finish", {"trainee"}),
    ("/cohorts/{cohort}/attempts/{done}/review", IN_COHORT_A),
    ("/manage/courses/{course}/questions", MANAGERS),
    ("/manage/courses/{course}/questions/new", MANAGERS),
    ("/manage/courses/{course}/questions/import", MANAGERS),
    ("/manage/questions/{question}", MANAGERS),
    ("/manage/assessments/{quiz}/questions", MANAGERS),
    # Assignments
    ("/cohorts/{cohort}/assignments/{assignment}", IN_COHORT_A),
    ("/cohorts/{cohort}/submissions/{submission}/file", IN_COHORT_A),
    ("/cohorts/{cohort}/submissions/{submission}/grade", TEACHERS_OF_A),
    ("/manage/assessments/{assignment}/rubric", MANAGERS),
    # Observations and attendance
    ("/manage/assessments/{observation}/items", MANAGERS),
    ("/cohorts/{cohort}/observations/{observation}", TEACHERS_OF_A),
    ("/cohorts/{cohort}/observations/{observation}/trainees/{enrolment}", TEACHERS_OF_A),
    ("/cohorts/{cohort}/observations/{observation}/mine", {"trainee"}),
    ("/cohorts/{cohort}/attendance", TEACHERS_OF_A),
    ("/cohorts/{cohort}/attendance/{session}", TEACHERS_OF_A),
    ("/cohorts/{cohort}/attendance/mine", {"trainee"}),
    # Gradebook, grading queue, the trainee's assessments, assessment settings
    ("/cohorts/{cohort}/gradebook", TEACHERS_OF_A),
    ("/cohorts/{cohort}/gradebook.csv", TEACHERS_OF_A),
    ("/cohorts/{cohort}/gradebook/{enrolment}", TEACHERS_OF_A),
    ("/cohorts/{cohort}/grades/{enrolment}/{quiz}", TEACHERS_OF_A),
    ("/grading", TEACHING),
    ("/cohorts/{cohort}/assessments", {"trainee"}),
    ("/manage/courses/{course}/assessments", MANAGERS),
    ("/manage/courses/{course}/assessments/new", MANAGERS),
    ("/manage/assessments/{quiz}", MANAGERS),
    ("/manage/assessments/{quiz}/cohorts/{cohort}", MANAGERS),
    # Competency frameworks, evidence and sign-offs
    ("/manage/frameworks", ANY_COORDINATOR),
    ("/manage/frameworks/new", ANY_COORDINATOR),
    ("/manage/frameworks/{framework}", MANAGERS),
    ("/manage/competencies/{competency}", MANAGERS),
    ("/manage/assessments/{observation}/competencies", MANAGERS),
    ("/cohorts/{cohort}/competencies", TEACHERS_OF_A),
    ("/cohorts/{cohort}/competencies/{enrolment}", TEACHERS_OF_A),
    # Tracks, progress, hours and supervision
    ("/manage/tracks", ANY_COORDINATOR),
    ("/manage/tracks/new", ANY_COORDINATOR),
    ("/manage/tracks/{track}", MANAGERS),
    ("/manage/tracks/{track}/roster", MANAGERS | {"officer"}),
    ("/manage/tracks/{track}/roster.csv", MANAGERS | {"officer"}),
    ("/tracks", SIGNED_IN),
    ("/tracks/{track}", SIGNED_IN),
    ("/supervision", TEACHING),
    # Certificates: the holder's, the officers', and the public verification
    ("/certificates", SIGNED_IN),
    ("/certificates/{certificate}/pdf", {"trainee"} | CERTIFIERS),
    # The holder's page (share, LinkedIn, QR) and downloads: whoever may have the PDF.
    ("/certificates/{certificate}", {"trainee"} | CERTIFIERS),
    ("/certificates/{certificate}/credential.json", {"trainee"} | CERTIFIERS),
    ("/certificates/{certificate}/credential.jwt", {"trainee"} | CERTIFIERS),
    ("/manage/tracks/{track}/endorsements", MANAGERS),
    ("/certify", ANY_OFFICER),
    ("/certify/tracks/{track}", CERTIFIERS),
    ("/certify/certificates", ANY_OFFICER | ANY_COORDINATOR),
    ("/certify/certificates/{certificate}", CERTIFIERS),
    ("/verify", EVERYONE),
    ("/verify/{certificate}", EVERYONE),
    ("/.well-known/jwks.json", EVERYONE),
    ("/.well-known/lms-ca.pem", EVERYONE),
    ("/api/v1/certificates/{certificate}", EVERYONE),
    ("/api/v1/issuers/{body}", EVERYONE),
    ("/api/v1/issuers/{body}/revocations", EVERYONE),
    ("/api/v1/achievements/{achievement}", EVERYONE),
    ("/api/v1/openapi.json", EVERYONE),
    # Reports: anyone who teaches, coordinates or certifies, within their own scope.
    ("/reports", TEACHING | ANY_OFFICER),
    ("/reports/tables.csv", TEACHING | ANY_OFFICER),
    ("/reports/tables.xlsx", TEACHING | ANY_OFFICER),
    ("/reports/enrolments.xlsx", TEACHING | ANY_OFFICER),
    ("/reports/targets", ANY_COORDINATOR),
    # Schedules, agenda, announcements
    ("/cohorts/{cohort}/schedule", TEACHERS_OF_A),
    ("/cohorts/{cohort}/agenda", IN_COHORT_A),
    ("/cohorts/{cohort}/announcements", IN_COHORT_A),
    ("/cohorts/{cohort}/announcements/new", TEACHERS_OF_A),
    ("/announcements", SIGNED_IN),
]

# Pages for visitors only: signed-in users are sent on, anonymous visitors see them.
VISITOR_PAGES = ["/login", "/register"]

# (url template, roles allowed to POST; others get 403, anonymous is sent to login).
# Allowed roles may still be refused for their (empty) input, but never with 403.
POST_MATRIX: list[tuple[str, set[str]]] = [
    ("/cohorts/{cohort}/lessons/{lesson}/complete", {"trainee"}),
    ("/manage/courses/{course}/publish", MANAGERS),
    ("/manage/modules/{module}/delete", MANAGERS),
    ("/manage/lessons/{lesson}/delete", MANAGERS),
    ("/manage/cohorts/{cohort}/enrolments", MANAGERS),
    ("/manage/enrolments/{enrolment}/status", MANAGERS),
    ("/profile/password", SIGNED_IN),
    ("/profile/sessions/end-others", SIGNED_IN),
    ("/notifications/read", SIGNED_IN),
    ("/admin/sessions/end", {"admin"}),
    ("/admin/institutions/{institution}/officers", {"admin"}),
    ("/admin/institutions/{institution}/officers/{user}/remove", {"admin"}),
    ("/admin/programs/{program}/coordinators", {"admin"}),
    ("/admin/programs/{program}/coordinators/{user}/remove", {"admin"}),
    ("/admin/users/{user}/roles", {"admin"}),
    ("/admin/users/{user}/roles/remove", {"admin"}),
    ("/admin/users/{user}/end-sessions", {"admin"}),
    ("/admin/users/{user}/active", {"admin"}),
    # Quizzes
    ("/cohorts/{cohort}/quizzes/{quiz}/start", {"trainee"}),
    ("/cohorts/{cohort}/attempts/{attempt}/answers", {"trainee"}),
    ("/manage/courses/{course}/questions/new", MANAGERS),
    ("/manage/courses/{course}/questions/import", MANAGERS),
    ("/manage/questions/{question}", MANAGERS),
    ("/manage/assessments/{quiz}/questions", MANAGERS),
    # Assignments
    ("/cohorts/{cohort}/assignments/{assignment}/submit", {"trainee"}),
    ("/cohorts/{cohort}/submissions/{submission}/grade", TEACHERS_OF_A),
    ("/cohorts/{cohort}/submissions/{submission}/return", TEACHERS_OF_A),
    ("/manage/assessments/{assignment}/rubric", MANAGERS),
    # Observations and attendance
    ("/manage/assessments/{observation}/items", MANAGERS),
    ("/cohorts/{cohort}/observations/{observation}/trainees/{enrolment}", TEACHERS_OF_A),
    ("/cohorts/{cohort}/attendance", TEACHERS_OF_A),
    ("/cohorts/{cohort}/attendance/{session}", TEACHERS_OF_A),
    # Gradebook and assessment settings
    ("/cohorts/{cohort}/grades/{enrolment}/{quiz}", TEACHERS_OF_A),
    ("/manage/courses/{course}/assessments/new", MANAGERS),
    ("/manage/assessments/{quiz}", MANAGERS),
    ("/manage/assessments/{quiz}/cohorts/{cohort}", MANAGERS),
    # Competencies, tracks, hours
    ("/manage/frameworks/new", ANY_COORDINATOR),
    ("/manage/frameworks/{framework}", MANAGERS),
    ("/manage/frameworks/{framework}/adapt", MANAGERS),
    ("/manage/competencies/{competency}", MANAGERS),
    ("/manage/assessments/{observation}/competencies", MANAGERS),
    ("/cohorts/{cohort}/competencies/{enrolment}/signoff", TEACHERS_OF_A),
    ("/cohorts/{cohort}/competencies/{enrolment}/withdraw/{signoff}", TEACHERS_OF_A),
    ("/manage/tracks/new", ANY_COORDINATOR),
    ("/manage/tracks/{track}", MANAGERS),
    ("/tracks/{track}/hours", SIGNED_IN),
    ("/supervision/{log}", {"instructor", "coordinator", "admin"}),
    # Certification
    ("/certify/tracks/{track}/issue", CERTIFIERS),
    ("/certify/tracks/{track}/issue-all", CERTIFIERS),
    ("/certify/certificates/{certificate}/revoke", CERTIFIERS),
    ("/certify/certificates/{certificate}/correct", CERTIFIERS),
    ("/certify/certificates/{certificate}/renew", CERTIFIERS),
    # Last: these submit, delete or withdraw what the rows above use.
    ("/cohorts/{cohort}/attempts/{attempt}/submit", {"trainee"}),
    ("/cohorts/{cohort}/attendance/{session}/delete", TEACHERS_OF_A),
    ("/manage/questions/{question}/delete", MANAGERS),
    ("/manage/competencies/{competency}/delete", MANAGERS),
    ("/cohorts/{cohort}/withdraw", {"trainee"}),
]

# Routes whose access is not a role question, tested in their own domains.
OPEN_POSTS = {"/logout", "/language", "/cohorts/<int:cohort_id>/enrol",
              "/reset/<token>", "/register/<token>",
              # One's own notification, and the signed unsubscribe link: tests/notifications.
              "/notifications/<int:notification_id>/open", "/notifications/unsubscribe/<token>"}
# Routes that need a world of their own (a cohort by nomination, a focal point, a posted
# announcement, a planned session, a finished enrolment, a job, a target, an observer),
# each refused to the wrong roles in the tests named.
OWN_WORLD = {
    "/nominations": "tests/cohorts/test_nominations.py",
    "/nominations/cohorts/<int:cohort_id>": "tests/cohorts/test_nominations.py",
    "/nominations/<int:nomination_id>/substitute": "tests/cohorts/test_nominations.py",
    "/manage/cohorts/<int:cohort_id>/nominations": "tests/cohorts/test_nominations.py",
    "/manage/nominations/<int:nomination_id>/decision": "tests/cohorts/test_nominations.py",
    # A body's DID document and status lists exist once it has issued a certificate.
    "/issuers/<int:issuer_id>/did.json": "tests/certification/test_did_web.py",
    "/issuers/<int:issuer_id>/status/<purpose>": "tests/certification/test_status_list.py",
    "/manage/tracks/<int:track_id>/endorsements/<int:endorsement_id>/withdraw":
        "tests/certification/test_endorsement.py",
    "/manage/nominations/<int:nomination_id>/release":
        "tests/cohorts/test_nomination_withdrawals.py",
    "/announcements/<int:announcement_id>/edit": "tests/announcements/test_posting.py",
    "/announcements/<int:announcement_id>/delete": "tests/announcements/test_posting.py",
    "/programs/<code>/announcements": "tests/announcements/test_reading.py",
    "/programs/<code>/announcements/new": "tests/announcements/test_posting.py",
    "/cohorts/<int:cohort_id>/schedule/<int:session_id>": "tests/cohorts/test_schedule.py",
    "/cohorts/<int:cohort_id>/schedule/<int:session_id>/delete":
        "tests/cohorts/test_schedule.py",
    "/cohorts/<int:cohort_id>/attendance/planned/<int:scheduled_id>":
        "tests/cohorts/test_schedule.py",
    "/cohorts/<int:cohort_id>/agenda/feed": "tests/cohorts/test_calendar_feeds.py",
    "/calendar/<token>.ics": "tests/cohorts/test_calendar_feeds.py",
    "/cohorts/<int:cohort_id>/evaluation": "tests/evaluations/test_answering.py",
    "/evaluations/followup/<token>": "tests/evaluations/test_followup.py",
    "/manage/programs/<int:program_id>/evaluations/<any(end, followup):kind>":
        "tests/evaluations/test_templates.py",
    "/jobs/<int:job_id>": "tests/certification/test_issue_all_job.py",
    "/reports/pack.pdf": "tests/reports/test_report_downloads.py",
    "/reports/targets/<int:target_id>/delete": "tests/reports/test_targets.py",
    "/admin/programs/<int:program_id>/observers": "tests/admin/test_observers.py",
    "/admin/programs/<int:program_id>/observers/<int:user_id>/remove":
        "tests/admin/test_observers.py",
}
# Public JSON (no session, no CSRF): anyone may ask, tested in tests/certificates.
PUBLIC_API_POSTS = {"/api/v1/certificates/verify", "/api/v1/credentials/verify"}


def _signed_in_client(client, world: World, role: str):
    if role != "anonymous":
        login(client, world.users[role])
    return client


@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_each_role_as_expected(client, world, role):
    _signed_in_client(client, world, role)
    wrong = []
    for template, allowed in GET_MATRIX:
        url = template.format(**world.ids)
        status = client.get(url).status_code
        if role in allowed:
            expected = 200
        else:
            expected = 302 if role == "anonymous" else 403
        if status != expected:
            wrong.append(f"GET {url}: {status}, expected {expected}")
    for url in VISITOR_PAGES:
        status = client.get(url).status_code
        expected = 200 if role == "anonymous" else 302
        if status != expected:
            wrong.append(f"GET {url}: {status}, expected {expected}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_every_action_refuses_the_roles_it_should(client, world, role):
    _signed_in_client(client, world, role)
    token = csrf_token(client, "/courses")
    wrong = []
    for template, allowed in POST_MATRIX:
        url = template.format(**world.ids)
        response = client.post(url, data={"csrf_token": token})
        status = response.status_code
        to_login = status == 302 and "/login" in response.headers.get("Location", "")
        if role == "anonymous":
            ok = to_login
        elif role in allowed:
            ok = status != 403 and not to_login
        else:
            ok = status == 403
        if not ok:
            wrong.append(f"POST {url}: {status} for {role}")
    assert not wrong, "\n".join(wrong)


def test_the_matrix_names_every_route(app):
    """A route added without a row in the matrix fails here."""
    covered = {rule for rule, _ in GET_MATRIX} | {rule for rule, _ in POST_MATRIX} \
        | set(VISITOR_PAGES)
    names = {
        "{code}": "<code>", "{cohort}": "<int:cohort_id>", "{lesson}": "<int:lesson_id>",
        "{course}": "<int:course_id>", "{module}": "<int:module_id>",
        "{program}": "<int:program_id>", "{enrolment}": "<int:enrolment_id>",
        "{quiz}": "<int:assessment_id>", "{assignment}": "<int:assessment_id>",
        "{observation}": "<int:assessment_id>", "{assessment}": "<int:assessment_id>",
        "{question}": "<int:question_id>", "{attempt}": "<int:attempt_id>",
        "{done}": "<int:attempt_id>", "{submission}": "<int:submission_id>",
        "{session}": "<int:session_id>", "{framework}": "<int:framework_id>",
        "{competency}": "<int:competency_id>", "{track}": "<int:track_id>",
        "{log}": "<int:log_id>", "{certificate}": "<code>", "{body}": "<int:issuer_id>",
        "{signoff}": "<int:signoff_id>", "{achievement}": "<achievement>",
        "{institution}": "<int:institution_id>", "{user}": "<int:user_id>",
    }
    def bare(rule: str) -> str:
        # Which converter parses a part is the route's business, not the matrix's.
        return re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", rule)

    normalised = set()
    for template in covered:
        for short, rule in names.items():
            template = template.replace(short, rule)
        normalised.add(bare(template))
    missing = sorted(
        rule.rule for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and bare(rule.rule) not in normalised
        and rule.rule not in OPEN_POSTS | PUBLIC_API_POSTS | set(OWN_WORLD))
    assert not missing, f"routes without a row in the permission matrix: {missing}"
