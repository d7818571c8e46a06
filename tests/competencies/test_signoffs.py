"""Assessors see which competencies trainees met, sign them off and withdraw sign-offs."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.assessments.grades import set_grade
from lms.assessments.observations.models import Observation, ObservationItem, ObservationResult
from lms.audit.models import AuditLog
from lms.certification.tracks.models import Track
from lms.competencies.models import Signoff
from lms.competencies.queries import met_competencies
from lms.extensions import db
from lms.kernel import clock
from tests.assessments.factories import make_assessment
from tests.competencies.factories import add_evidence, make_framework, sign_off
from tests.conftest import page_text, submit
from tests.conftest import sign_in_quickly as login
from tests.factories import (
    enrol,
    enrol_many,
    make_cohort,
    make_coordinator,
    make_course,
    make_institution,
    make_program,
    make_user,
)


@pytest.fixture
def world(database):
    program = make_program()
    course = make_course(program)
    instructor = make_user(full_name="Iris Instructor")
    cohort = make_cohort(course, instructors=[instructor])
    framework = make_framework(program, code="FW-S", competencies=4)
    c1, c2, c3, c4 = framework.competencies
    quiz = make_assessment(course, "quiz", title="Knowledge test")
    observation = make_assessment(course, "observation", title="Skills")
    item = ObservationItem(assessment=observation, position=1, text="Greets the client",
                           competency_id=c2.id)
    db.session.add(item)
    add_evidence(quiz, c1, 70)
    # C3 is required by a track that requires the course; C4 is unrelated.
    track = Track(program_id=program.id, code="TRK-1", title="Track",
                  certifying_body=make_institution(kind="certifying_body"))
    track.courses.append(course)
    track.competencies.append(c3)
    db.session.add(track)
    ana = enrol(cohort, make_user(full_name="Ana Núñez"))
    bruno = enrol(cohort, make_user(full_name="Bruno Lima"))
    db.session.flush()
    return {"program": program, "course": course, "cohort": cohort, "instructor": instructor,
            "c1": c1, "c2": c2, "c3": c3, "c4": c4, "quiz": quiz, "item": item,
            "ana": ana, "bruno": bruno}


def _cohort_url(world):
    return f"/cohorts/{world['cohort'].id}/competencies"


def _trainee_url(world, enrolment):
    return f"{_cohort_url(world)}/{enrolment.id}"


def test_permissions(client, world):
    ana, bruno = world["ana"], world["bruno"]
    urls = [_cohort_url(world), _trainee_url(world, ana), _trainee_url(world, bruno)]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location
    other_instructor = make_user()
    make_cohort(world["course"], instructors=[other_instructor])
    for user in (ana.user, other_instructor, make_coordinator(make_program())):
        login(client, user)
        for url in urls:
            assert client.get(url).status_code == 403, (user, url)
        response = submit(client, _trainee_url(world, bruno) + "/signoff",
                          {"competency_id": world["c1"].id}, form_url="/courses")
        assert response.status_code == 403
    assert db.session.scalars(select(Signoff)).all() == []
    for user in (world["instructor"], make_coordinator(world["program"]),
                 make_user(admin=True)):
        login(client, user)
        assert client.get(_trainee_url(world, bruno)).status_code == 200


def test_an_enrolment_of_another_cohort_is_not_found(client, world):
    elsewhere = enrol(make_cohort(world["course"]))
    login(client, world["instructor"])
    assert client.get(_trainee_url(world, elsewhere)).status_code == 404


def test_the_cohort_page_shows_relevant_competencies_and_reasons(client, world):
    set_grade(world["quiz"], world["ana"], 80, actor=None)
    sign_off(world["bruno"].user, world["c3"], world["instructor"])
    login(client, world["instructor"])
    response = client.get(_cohort_url(world))
    assert response.status_code == 200
    text = page_text(response)
    assert "C1" in text and "C2" in text and "C3" in text and "C4" not in text
    ana_row = text[text.index("Ana Núñez"):text.index("Bruno Lima")]
    bruno_row = text[text.index("Bruno Lima"):]
    assert ana_row.split()[2:] == ["Met", "(by", "evidence)", "Not", "yet", "Not", "yet"]
    assert "Met (signed off)" in bruno_row and "by evidence" not in bruno_row


def test_the_cohort_page_uses_a_constant_number_of_queries(client, world, count_queries):
    login(client, world["instructor"])
    url = _cohort_url(world)
    client.get(url)

    def measure(size):
        with count_queries("cohort competencies", f"{size} trainees") as counter:
            response = client.get(url)
        assert response.status_code == 200
        return counter.count

    enrol(world["cohort"])  # ana, bruno and one more
    small = measure(3)
    enrol_many(world["cohort"], 37)
    db.session.commit()
    assert measure(40) == small


def test_the_trainee_page_shows_evidence_and_history(client, world):
    ana = world["ana"]
    set_grade(world["quiz"], ana, 65, actor=None)
    db.session.add(Observation(item_id=world["item"].id, enrolment_id=ana.id,
                               result=ObservationResult.MET, observed_on=clock.today(clock.UTC)))
    login(client, world["instructor"])
    text = page_text(client.get(_trainee_url(world, ana)))
    assert "Knowledge test" in text and "At least 70%" in text and "65% · Not reached" in text
    assert "Greets the client" in text
    assert "only a sign-off meets it" in text  # C3 has no evidence


def test_sign_off_and_withdraw(client, world):
    ana, c1 = world["ana"], world["c1"]
    url = _trainee_url(world, ana)
    login(client, world["instructor"])
    response = submit(client, url + "/signoff", {"competency_id": c1.id,
                                                 "note": "Seen in role play"}, form_url=url)
    assert response.status_code == 302
    signoff = db.session.scalar(select(Signoff).where(Signoff.user_id == ana.user_id))
    assert (signoff.competency_id, signoff.assessor_id, signoff.note) == (
        c1.id, world["instructor"].id, "Seen in role play")
    assert met_competencies([ana.user_id], [c1.id])[ana.user_id] == {c1.id}
    assert db.session.scalar(select(AuditLog).where(
        AuditLog.action == "competency.signed_off", AuditLog.object_id == signoff.id))
    text = page_text(client.get(url))
    assert "Signed off by Iris Instructor" in text and "Met (signed off)" in text

    # A second active sign-off of the same competency is refused.
    response = submit(client, url + "/signoff", {"competency_id": c1.id}, form_url=url)
    assert response.status_code == 422

    # Withdrawing needs a reason.
    withdraw = f"{url}/withdraw/{signoff.id}"
    response = submit(client, withdraw, {"note": "  "}, form_url=url)
    assert response.status_code == 422
    assert "Say why the sign-off is withdrawn." in page_text(response)
    db.session.expire_all()
    assert db.session.get(Signoff, signoff.id).withdrawn_at is None

    response = submit(client, withdraw, {"note": "Recorded for the wrong trainee"},
                      form_url=url)
    assert response.status_code == 302
    db.session.expire_all()
    signoff = db.session.get(Signoff, signoff.id)
    assert signoff.withdrawn_at is not None and signoff.withdrawn_by_id == world["instructor"].id
    assert met_competencies([ana.user_id], [c1.id])[ana.user_id] == set()
    assert db.session.scalar(select(AuditLog).where(
        AuditLog.action == "competency.signoff_withdrawn", AuditLog.object_id == signoff.id))
    text = page_text(client.get(url))
    assert "Withdrawn by Iris Instructor" in text and "Recorded for the wrong trainee" in text
    # Withdrawn twice: refused.
    assert submit(client, withdraw, {"note": "Again"}, form_url=url).status_code == 422


def test_an_unrelated_competency_cannot_be_signed_off(client, world):
    url = _trainee_url(world, world["ana"])
    login(client, world["instructor"])
    response = submit(client, url + "/signoff", {"competency_id": world["c4"].id},
                      form_url=url)
    assert response.status_code == 422
    assert db.session.scalars(select(Signoff)).all() == []


def test_a_sign_off_of_another_trainee_cannot_be_withdrawn_here(client, world):
    signoff = sign_off(world["bruno"].user, world["c1"], world["instructor"])
    url = _trainee_url(world, world["ana"])
    login(client, world["instructor"])
    response = submit(client, f"{url}/withdraw/{signoff.id}", {"note": "x"}, form_url=url)
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Signoff, signoff.id).withdrawn_at is None


def test_sign_off_tells_certification(client, world, monkeypatch):
    from lms.certification import issuance

    calls = []
    monkeypatch.setattr(issuance, "progress_changed",
                        lambda user_id, actor: calls.append((user_id, actor.id)),
                        raising=False)
    url = _trainee_url(world, world["ana"])
    login(client, world["instructor"])
    submit(client, url + "/signoff", {"competency_id": world["c1"].id}, form_url=url)
    assert calls == [(world["ana"].user_id, world["instructor"].id)]
