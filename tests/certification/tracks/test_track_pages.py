"""Track pages: coordinators define tracks, read the roster and its CSV; trainees
read their own progress."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from lms.accounts.models import ProgramCoordinator
from lms.audit.models import AuditLog
from lms.certification.tracks.models import Track
from lms.extensions import db
from tests.certification.tracks.factories import complete_course, log_hours, make_track
from tests.competencies.factories import make_framework, sign_off
from tests.conftest import page_text, sign_in_quickly, submit
from tests.factories import (
    enrol,
    enrol_many,
    make_cohort,
    make_coordinator,
    make_course,
    make_institution,
    make_officer,
    make_program,
    make_user,
)


@pytest.fixture
def world(database):
    program = make_program()
    body = make_institution("Comisión Nacional", kind="certifying_body")
    framework = make_framework(program, competencies=2)
    course = make_course(program, code="PRC-101", hours=40)
    other_course = make_course(program, code="PRC-102", hours=30)
    track = make_track(program, body, courses=[course], competencies=framework.competencies,
                       min_hours=60, code="PRC-TREAT-MX", title="Treatment, Mexico")
    return dict(program=program, body=body, framework=framework, course=course,
                other_course=other_course, track=track,
                coordinator=make_coordinator(program), officer=make_officer(body))


def _form(world, **changes) -> dict:
    data = {"code": "PRC-NEW", "title": "New track", "description": "", "language": "en",
            "country": "MX", "certifying_body_id": str(world["body"].id),
            "framework_id": str(world["framework"].id),
            "course_ids": [str(world["course"].id), str(world["other_course"].id)],
            "competency_ids": [str(world["framework"].competencies[0].id)],
            "min_hours": "70", "practice_hours": "20", "validity_months": "",
            "renewal_hours": "0", "published": "y", "title_es": "Nuevo itinerario"}
    data.update(changes)
    return data


def _tracks() -> int:
    return db.session.scalar(select(func.count(Track.id)))


def test_coordinator_creates_a_track(client, world):
    sign_in_quickly(client, world["coordinator"])
    url = f"/manage/tracks/new?program_id={world['program'].id}"
    response = submit(client, url, _form(world))
    assert response.status_code == 302, page_text(response)[-800:]
    track = db.session.scalar(select(Track).where(Track.code == "PRC-NEW"))
    assert [c.code for c in track.courses] == ["PRC-101", "PRC-102"]
    assert [c.code for c in track.competencies] == ["C1"]
    assert track.validity_months is None
    assert (track.min_hours, track.practice_hours) == (70, 20)
    assert track.in_locale("title", "es") == "Nuevo itinerario"
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "track.created"))
    assert "PRC-NEW" in page_text(client.get("/manage/tracks"))


@pytest.mark.parametrize("changes, message", [
    ({"min_hours": "-1"}, "Enter a whole number, 0 or more."),
    ({"validity_months": "0"}, "Enter a number of months, at least 1, or leave it blank."),
    ({"code": "PRC-TREAT-MX"}, "Another track already has this code."),
    ({"certifying_body_id": ""}, "This field is required."),
])
def test_bad_track_is_refused_and_nothing_saved(client, world, changes, message):
    sign_in_quickly(client, world["coordinator"])
    before = _tracks()
    response = submit(client, f"/manage/tracks/new?program_id={world['program'].id}",
                      _form(world, **changes))
    assert response.status_code == 422
    assert message in page_text(response)
    assert _tracks() == before


def test_competencies_must_belong_to_the_chosen_framework(world):
    from lms.certification.tracks import services
    from lms.errors import DomainError

    other = make_framework(world["program"], competencies=1)
    data = services.TrackData(code="X-1", title="X", certifying_body_id=world["body"].id,
                              framework_id=other.id,
                              competency_ids=[world["framework"].competencies[0].id])
    with pytest.raises(DomainError) as error:
        services.create_track(world["coordinator"], world["program"], data)
    assert error.value.field == "competency_ids"
    foreign = make_course(make_program())
    data = services.TrackData(code="X-2", title="X", certifying_body_id=world["body"].id,
                              course_ids=[foreign.id])
    with pytest.raises(DomainError) as error:
        services.create_track(world["coordinator"], world["program"], data)
    assert error.value.field == "course_ids"
    provider = make_institution(kind="training_provider")
    data = services.TrackData(code="X-3", title="X", certifying_body_id=provider.id)
    with pytest.raises(DomainError) as error:
        services.create_track(world["coordinator"], world["program"], data)
    assert error.value.field == "certifying_body_id"


def test_coordinator_edits_a_track(client, world):
    sign_in_quickly(client, world["coordinator"])
    url = f"/manage/tracks/{world['track'].id}"
    assert 'value="Treatment, Mexico"' in client.get(url).get_data(as_text=True)
    response = submit(client, url, _form(world, code="PRC-TREAT-MX", title="Renamed",
                                         course_ids=[str(world["other_course"].id)]))
    assert response.status_code == 302
    db.session.refresh(world["track"])
    assert world["track"].title == "Renamed"
    assert [c.code for c in world["track"].courses] == ["PRC-102"]
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "track.updated"))


def test_manage_pages_are_for_coordinators_of_the_program(client, world):
    track_url = f"/manage/tracks/{world['track'].id}"
    assert client.get("/manage/tracks").status_code == 302  # to sign in
    for user in (make_user(), make_coordinator(make_program()), world["officer"]):
        sign_in_quickly(client, user)
        assert client.get(track_url).status_code == 403
        assert client.get(f"/manage/tracks/new?program_id={world['program'].id}"
                          ).status_code in (403, 404)
    sign_in_quickly(client, make_user())
    assert client.get("/manage/tracks").status_code == 403


def test_roster_shows_progress_and_is_open_to_the_bodys_officers(client, world):
    ready, started = make_user(full_name="Ana Ready"), make_user(full_name="Bo Started")
    complete_course(ready, world["course"])
    complete_course(ready, world["other_course"])
    for competency in world["framework"].competencies:
        sign_off(ready, competency, None)
    enrol(make_cohort(world["course"]), started)
    url = f"/manage/tracks/{world['track'].id}/roster"
    for user in (world["coordinator"], world["officer"]):
        sign_in_quickly(client, user)
        response = client.get(url)
        assert response.status_code == 200
        text = page_text(response)
        assert "Ana Ready" in text and "Bo Started" in text
        assert text.index("Ana Ready") < text.index("Eligible") < text.index("Bo Started")
        assert "70 / 60" in text
    for user in (make_user(), make_officer(make_institution(kind="certifying_body")),
                 ready):
        sign_in_quickly(client, user)
        assert client.get(url).status_code == 403
        assert client.get(url + ".csv").status_code == 403


def test_roster_csv_has_every_candidate(client, world):
    ready = make_user(full_name="=Ana Ready")
    complete_course(ready, world["course"])
    complete_course(ready, world["other_course"])
    for competency in world["framework"].competencies:
        sign_off(ready, competency, None)
    enrol_many(make_cohort(world["course"]), 60)  # more than a page
    sign_in_quickly(client, world["coordinator"])
    response = client.get(f"/manage/tracks/{world['track'].id}/roster.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Name", "Email", "Country"]
    assert rows[0][-2:] == ["Status", "Certificate ID"]
    assert len(rows) == 62
    ana = next(row for row in rows if row[1] == ready.email)
    assert ana[0] == "'=Ana Ready"  # never a formula
    assert ana[3:] == ["Met", "Met", "Met", "70/60", "Eligible", ""]


def _roster_page_queries(client, count_queries, trainees: int) -> int:
    program = make_program()
    course = make_course(program)
    body = make_institution(kind="certifying_body")
    framework = make_framework(program, competencies=2)
    track = make_track(program, body, courses=[course], competencies=framework.competencies,
                       min_hours=10, practice_hours=5)
    cohort = make_cohort(course)
    enrol_many(cohort, trainees)
    coordinator = make_coordinator(program)
    sign_in_quickly(client, coordinator)
    with count_queries("track roster page", f"{trainees} trainees") as counter:
        response = client.get(f"/manage/tracks/{track.id}/roster")
    assert response.status_code == 200
    assert page_text(response).count("Bulk Trainee") == min(trainees, 50)
    return counter.count


def test_roster_page_runs_a_constant_number_of_queries(client, count_queries, database):
    assert _roster_page_queries(client, count_queries, 3) == \
        _roster_page_queries(client, count_queries, 40)


# ---------------------------------------------------------------- trainees

def test_trainee_sees_tracks_of_their_programs_and_their_own_progress(client, world):
    trainee = make_user()
    enrol(make_cohort(world["course"]), trainee)
    complete_course(trainee, world["other_course"])
    make_track(make_program(), world["body"], title="Unrelated track")
    make_track(world["program"], world["body"], title="Hidden track", published=False)
    sign_in_quickly(client, trainee)
    text = page_text(client.get("/tracks"))
    assert "Treatment, Mexico" in text
    assert "Unrelated track" not in text and "Hidden track" not in text
    assert "0 of 4" in text
    detail = page_text(client.get(f"/tracks/{world['track'].id}"))
    assert "30 of 60 hours" in detail
    assert "Complete this course in any of its cohorts." in detail


def test_track_page_is_always_about_the_signed_in_user(client, world):
    other = make_user()
    complete_course(other, world["course"])
    log_hours(other, world["track"], 3, place="Other's clinic")
    me = make_user()
    sign_in_quickly(client, me)
    text = page_text(client.get(f"/tracks/{world['track'].id}"))
    assert "Other's clinic" not in text
    assert "You have not logged any hours on this track." in text
    assert "40 of 60 hours" not in text


def test_tracks_need_signing_in(client, world):
    assert client.get("/tracks").status_code == 302
    assert client.get(f"/tracks/{world['track'].id}").status_code == 302


def test_new_track_asks_for_the_program_when_there_are_several(client, world):
    coordinator = make_coordinator(world["program"])
    second = make_program(code="PICAP")
    db.session.add(ProgramCoordinator(program_id=second.id, user_id=coordinator.id))
    sign_in_quickly(client, coordinator)
    response = client.get("/manage/tracks/new")
    assert response.status_code == 200
    assert "PICAP" in page_text(response)
    response = client.get(f"/manage/tracks/new?program_id={second.id}")
    assert "Create the track" in page_text(response)


def test_a_certified_holder_never_reads_not_yet_beside_certified(client, database):
    from tests.certification.factories import eligible_track, issue_certificate, make_eligible

    track, course = eligible_track(practice_hours=0)
    holder = make_eligible(track, course)
    certificate = issue_certificate(holder, track=track)
    # A requirement added after the certificate: today's rules are stricter.
    track.practice_hours = 40
    db.session.flush()
    sign_in_quickly(client, holder)

    text = page_text(client.get(f"/tracks/{track.id}"))

    assert f"You are certified: certificate {certificate.code}." in text
    assert "Not yet" not in text and "What to do" not in text
    assert "they do not change the certificate you hold" in text


def _certified_under_stricter_rules():
    """A holder certified on a track whose requirements grew afterwards, and a trainee
    of the same track who is on the way."""
    from tests.certification.factories import eligible_track, issue_certificate, make_eligible

    track, course = eligible_track(practice_hours=0)
    holder = make_eligible(track, course, make_user(full_name="Hana Holder"))
    certificate = issue_certificate(holder, track=track)
    learner = make_user(full_name="Leo Learner")
    enrol(make_cohort(course), learner)
    track.practice_hours = 40
    db.session.flush()
    return track, holder, certificate, learner


def test_my_tracks_names_the_certificate_instead_of_a_count_once_certified(client, database):
    track, holder, certificate, _learner = _certified_under_stricter_rules()
    sign_in_quickly(client, holder)

    response = client.get("/tracks")
    text = page_text(response)

    assert f"Certificate {certificate.code}" in text
    assert "Valid until" in text
    assert "2 of 3" not in text  # no count beside "Certified"
    assert 'href="/certificates"' in response.get_data(as_text=True)


def test_my_tracks_counts_requirements_with_plural_forms(client, database):
    track, _holder, _certificate, learner = _certified_under_stricter_rules()
    sign_in_quickly(client, learner)

    text = page_text(client.get("/tracks"))

    assert "0 of 3 requirements met." in text
    assert "Certificate " not in text


def test_the_track_roster_shows_no_not_yet_beside_a_certified_holder(client, database):
    track, holder, certificate, _learner = _certified_under_stricter_rules()
    sign_in_quickly(client, make_coordinator(track.program))

    html = client.get(f"/manage/tracks/{track.id}/roster").get_data(as_text=True)
    rows = {name: row for row in html.split("<tr>")[1:]
            for name in ("Hana Holder", "Leo Learner") if name in row}

    assert f"Certified ({certificate.code})" in rows["Hana Holder"]
    assert "Not yet" not in rows["Hana Holder"]
    assert "Not yet" in rows["Leo Learner"]  # the badge still speaks for the others


def test_the_roster_breadcrumb_leads_each_reader_to_a_page_they_may_open(client, world):
    url = f"/manage/tracks/{world['track'].id}/roster"
    for user, parent in ((world["coordinator"], "/manage/tracks"),
                         (world["officer"], f"/certify/tracks/{world['track'].id}")):
        sign_in_quickly(client, user)
        html = client.get(url).get_data(as_text=True)
        crumbs = html.split('class="breadcrumbs"', 1)[1].split("</nav>", 1)[0]
        assert f'href="{parent}"' in crumbs
        assert client.get(parent).status_code == 200
