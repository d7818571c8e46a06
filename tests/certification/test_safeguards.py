"""Officers' safeguards: issuing and revoking say what will happen and ask to confirm; the
track page shows the evidence behind each eligible trainee's requirements."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from lms.assessments.models import AssessmentKind, Grade
from lms.assessments.observations.models import Observation, ObservationItem
from lms.certification.models import Certificate, CertificateStatus
from lms.extensions import db
from lms.kernel import clock
from tests.assessments.factories import make_assessment
from tests.certification.factories import (
    eligible_track,
    issue_certificate,
    make_body,
    make_eligible,
    make_program_with_prefix,
)
from tests.certification.tracks.factories import complete_course, log_hours, make_track
from tests.competencies.factories import make_framework, sign_off
from tests.conftest import page_text, sign_in_quickly, submit
from tests.factories import make_course, make_officer, make_user

CONFIRMED = {"confirm": "yes"}


def _count(track) -> int:
    return db.session.scalar(select(func.count(Certificate.id))
                             .where(Certificate.track_id == track.id))


def _words(response) -> str:
    return " ".join(page_text(response).split())


def test_issuing_one_asks_first_naming_the_trainee_track_and_validity(client, database,
                                                                      frozen_clock):
    frozen_clock.set(datetime(2026, 3, 10, 12, 0))
    body = make_body()
    track, course = eligible_track(body=body, title="Custody track", validity_months=24)
    ana = make_eligible(track, course, make_user(full_name="Ana Eligible"))
    sign_in_quickly(client, make_officer(body))
    url = f"/certify/tracks/{track.id}"
    response = submit(client, f"{url}/issue", {"user_id": ana.id}, form_url=url)
    assert response.status_code == 200
    text = _words(response)
    assert "1 certificate will be issued for the track Custody track." in text
    assert "Ana Eligible" in text
    assert "From March 10, 2026 to March 10, 2028" in text
    assert _count(track) == 0  # nothing happened yet
    response = submit(client, f"{url}/issue", {"user_id": ana.id, **CONFIRMED},
                      form_url=url)
    assert response.status_code == 302
    assert _count(track) == 1


def test_the_confirm_step_refuses_someone_not_eligible(client, database):
    body = make_body()
    track, course = eligible_track(body=body)
    make_eligible(track, course)
    stranger = make_user(full_name="Not Yet Ready")
    sign_in_quickly(client, make_officer(body))
    url = f"/certify/tracks/{track.id}"
    response = submit(client, f"{url}/issue", {"user_id": stranger.id}, form_url=url)
    assert response.status_code == 422
    assert "does not meet every requirement" in page_text(response)
    assert _count(track) == 0


def test_issuing_to_all_lists_everyone_first(client, database):
    body = make_body()
    track, course = eligible_track(body=body, validity_months=None)
    for name in ("Ana Eligible", "Beto Eligible"):
        make_eligible(track, course, make_user(full_name=name))
    sign_in_quickly(client, make_officer(body))
    url = f"/certify/tracks/{track.id}"
    response = submit(client, f"{url}/issue-all", form_url=url)
    assert response.status_code == 200
    text = _words(response)
    assert "2 certificates will be issued" in text
    assert "Ana Eligible" in text and "Beto Eligible" in text
    assert "does not expire" in text
    assert _count(track) == 0
    response = submit(client, f"{url}/issue-all", CONFIRMED, form_url=url)
    assert response.status_code == 302
    assert _count(track) == 2
    assert "2 certificates issued." in page_text(client.get(url))


def test_revoking_asks_first_and_says_it_cannot_be_undone(client, database):
    certificate = issue_certificate(make_user(full_name="Rita Holder"))
    sign_in_quickly(client, make_officer(certificate.issuer))
    url = f"/certify/certificates/{certificate.code}"
    response = submit(client, f"{url}/revoke",
                      {"reason": "holder_request", "note": "Asked by letter."}, form_url=url)
    assert response.status_code == 200
    text = _words(response)
    assert "This cannot be undone." in text
    assert "Revoked, with this reason" in text
    assert "Rita Holder" in text and "At the holder" in text and "Asked by letter." in text
    html = response.get_data(as_text=True)
    assert 'class="danger"' in html
    db.session.expire_all()
    assert certificate.revoked_at is None
    response = submit(client, f"{url}/revoke",
                      {"reason": "holder_request", "note": "Asked by letter.", **CONFIRMED},
                      form_url=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert certificate.status == CertificateStatus.REVOKED


def test_a_bad_revocation_is_refused_before_the_confirm_step(client, database):
    certificate = issue_certificate()
    sign_in_quickly(client, make_officer(certificate.issuer))
    url = f"/certify/certificates/{certificate.code}"
    response = submit(client, f"{url}/revoke", {"reason": "other", "note": " "}, form_url=url)
    assert response.status_code == 422
    assert "Explain the reason" in page_text(response)
    assert "This cannot be undone." not in page_text(response)


def _evidence_world():
    """A track needing a course (quiz and observed checklist), a competency and hours."""
    program = make_program_with_prefix()
    body = make_body()
    course = make_course(program, hours=20, lessons=0, title="Custody course")
    framework = make_framework(program, competencies=1)
    competency = framework.competencies[0]
    track = make_track(program, body, courses=[course], competencies=[competency],
                       min_hours=20, practice_hours=10)
    quiz = make_assessment(course, title="Final test")
    checklist = make_assessment(course, AssessmentKind.OBSERVATION, title="Role play")
    item = ObservationItem(assessment_id=checklist.id, position=1, text="Greets the detainee")
    db.session.add(item)
    db.session.flush()
    return track, course, competency, quiz, item, body


def _make_ready(track, course, competency, quiz, item, assessor, name: str):
    user = make_user(full_name=name)
    enrolment = complete_course(user, course)
    db.session.add(Grade(assessment_id=quiz.id, enrolment_id=enrolment.id,
                         percent=Decimal("85.5"), passed=True))
    db.session.add(Observation(item_id=item.id, enrolment_id=enrolment.id, result="met",
                               observed_on=date(2026, 2, 3), assessor_id=assessor.id))
    sign_off(user, competency, assessor)
    log = log_hours(user, track, 12, place="Central prison", worked_on=date(2026, 1, 15))
    log.decided_by_id = assessor.id
    db.session.flush()
    return user


def test_the_track_page_shows_the_evidence_behind_each_requirement(client, database):
    track, course, competency, quiz, item, body = _evidence_world()
    assessor = make_user(full_name="Irene Assessor")
    ana = _make_ready(track, course, competency, quiz, item, assessor, "Ana Eligible")
    sign_in_quickly(client, make_officer(body))
    response = client.get(f"/certify/tracks/{track.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'href="#evidence-{ana.id}"' in html  # the row links to the evidence
    text = _words(response)
    evidence = text[text.index("Evidence behind each requirement"):]
    assert "Custody course" in evidence and "Final test: 85.5%" in evidence
    assert "Greets the detainee: Met · February 3, 2026 · Irene Assessor" in evidence
    today = clock.today(clock.UTC)
    assert f"Signed off by Irene Assessor on {today:%B} {today.day}, {today.year}" in evidence
    assert "12 of 10 approved hours" in evidence
    assert "Central prison" in evidence and "approved by Irene Assessor" in evidence


def test_the_track_page_queries_do_not_grow_with_the_trainees(client, database,
                                                              count_queries):
    track, course, competency, quiz, item, body = _evidence_world()
    assessor = make_user()
    sign_in_quickly(client, make_officer(body))
    counts = []
    for extra in (1, 6):
        for n in range(extra):
            _make_ready(track, course, competency, quiz, item, assessor, f"Trainee {n}")
        db.session.commit()
        with count_queries("officer's track page", f"{extra} more trainees") as counter:
            response = client.get(f"/certify/tracks/{track.id}")
            assert response.status_code == 200
        counts.append(counter.count)
    assert "Trainee 5" in page_text(response)
    assert counts[0] == counts[1]
