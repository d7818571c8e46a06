"""Cohorts by nomination: focal points nominate, the host's coordinators decide, seats
per country hold (also under simultaneous decisions), substitutions keep the seat."""

from __future__ import annotations

import pytest

from lms.accounts.models import FocalPoint, User
from lms.audit.models import AuditLog
from lms.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from lms.cohorts.nominations import Nomination, NominationStatus
from lms.extensions import db
from lms.kernel.mail import read_outbox
from tests.cohorts.conftest import counts, days, delete_race_world, race_two
from tests.conftest import page_text, submit
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


def make_focal_point(program, country: str = "CO", **fields) -> User:
    user = make_user(country=country, **fields)
    db.session.add(FocalPoint(program_id=program.id, country=country, user_id=user.id))
    db.session.flush()
    return user


def nomination_cohort(course=None, *, seats: int = 2, capacity: int | None = None,
                      opens: int = -5, closes: int = 5, starts: int = 10) -> Cohort:
    cohort = make_cohort(course, capacity=capacity, self_enrolment=False, starts=days(starts))
    cohort.by_nomination = True
    cohort.seats_per_country = seats
    cohort.nominations_open_on = days(opens)
    cohort.nominations_close_on = days(closes)
    db.session.flush()
    return cohort


def nominate(cohort, nominee: User, country: str = "CO",
             status: str = NominationStatus.PENDING, by: User | None = None) -> Nomination:
    nomination = Nomination(cohort_id=cohort.id, user_id=nominee.id, country=country,
                            status=status, nominated_by_id=by.id if by else None)
    db.session.add(nomination)
    db.session.flush()
    return nomination


def all_counts(database) -> dict[str, int]:
    found = counts(database)
    found["Nomination"] = database.session.scalar(
        database.select(database.func.count()).select_from(Nomination))
    return found


def fresh(database, nomination) -> Nomination:
    database.session.expire_all()
    return database.session.get(Nomination, nomination.id)


def enrolment_status(database, cohort, user) -> str | None:
    database.session.expire_all()
    return database.session.scalar(database.select(Enrolment.status).filter_by(
        cohort_id=cohort.id, user_id=user.id))


def decide(client, nomination, decision: str, reason: str = ""):
    prefix = f"n{nomination.id}"
    return submit(client, f"/manage/nominations/{nomination.id}/decision",
                  {f"{prefix}-decision": decision, f"{prefix}-reason": reason},
                  form_url=f"/manage/cohorts/{nomination.cohort_id}/nominations")


# ---------------------------------------------------------------- nominating

def test_a_focal_point_nominates_an_officer_of_their_country_while_nominations_are_open(
        client, database):
    course = make_course()
    cohort = nomination_cohort(course)
    focal = make_focal_point(course.program, "CO")
    officer = make_user(country="CO", full_name="Camila Rojas")
    login(client, focal)

    listing = page_text(client.get("/nominations"))
    assert cohort.code in listing and "0 of 2 seats taken" in listing
    response = submit(client, f"/nominations/cohorts/{cohort.id}",
                      {"country": "CO", "email": officer.email.upper()},
                      follow_redirects=True)

    page = page_text(response)
    assert "Camila Rojas is nominated; the program&#39;s coordinators will decide." in page
    nomination = database.session.scalar(database.select(Nomination))
    assert (nomination.user_id, nomination.country, nomination.status,
            nomination.nominated_by_id) == (officer.id, "CO", "pending", focal.id)
    assert "Awaiting decision" in page
    # No seat until a coordinator accepts.
    assert enrolment_status(database, cohort, officer) is None
    assert "nomination.created" in database.session.scalars(
        database.select(AuditLog.action)).all()
    # Nominating the same person again is refused.
    again = submit(client, f"/nominations/cohorts/{cohort.id}",
                   {"country": "CO", "email": officer.email})
    assert again.status_code == 422
    assert "Camila Rojas is already nominated to this cohort." in page_text(again)


@pytest.mark.parametrize(("opens", "closes", "message"), [
    (3, 9, "Nominations open on"),
    (-9, -1, "Nominations for this cohort are closed."),
])
def test_nominations_are_refused_outside_their_window(client, database, opens, closes,
                                                      message):
    course = make_course()
    cohort = nomination_cohort(course, opens=opens, closes=closes)
    focal = make_focal_point(course.program, "CO")
    officer = make_user(country="CO")
    login(client, focal)
    page = page_text(client.get(f"/nominations/cohorts/{cohort.id}"))
    assert "Nominations are closed." in page and "Nominate someone" not in page
    before = all_counts(database)

    response = submit(client, f"/nominations/cohorts/{cohort.id}",
                      {"country": "CO", "email": officer.email}, form_url="/nominations")

    assert response.status_code == 422
    assert message in page_text(response)
    assert all_counts(database) == before


def test_a_focal_point_nominates_only_for_their_own_country(client, database):
    course = make_course()
    cohort = nomination_cohort(course)
    focal = make_focal_point(course.program, "CO")
    peruvian = make_user(country="PE")
    login(client, focal)
    before = all_counts(database)

    foreign = submit(client, f"/nominations/cohorts/{cohort.id}",
                     {"country": "CO", "email": peruvian.email})
    forged = submit(client, f"/nominations/cohorts/{cohort.id}",
                    {"country": "PE", "email": peruvian.email})

    assert foreign.status_code == 422
    assert "is the account of someone of another country" in page_text(foreign)
    assert forged.status_code == 422  # not one of the form's countries
    assert all_counts(database) == before


def test_a_new_nominee_is_created_by_the_import_rules_and_welcomed_once_accepted(
        client, other_client, database):
    course = make_course()
    cohort = nomination_cohort(course)
    focal = make_focal_point(course.program, "CO")
    police = make_institution("Policía Nacional de Colombia", kind="police", country="CO")
    coordinator = make_coordinator(course.program)
    login(client, focal)
    before = all_counts(database)

    missing = submit(client, f"/nominations/cohorts/{cohort.id}",
                     {"country": "CO", "email": "andres.gomez@example.org"})
    bad = submit(client, f"/nominations/cohorts/{cohort.id}",
                 {"country": "CO", "email": "andres.gomez@example.org", "first_name": "Andrés",
                  "last_name": "Gómez", "gender": "x"})
    assert missing.status_code == bad.status_code == 422
    assert "give the first and last name to create one" in page_text(missing)
    assert all_counts(database) == before

    response = submit(client, f"/nominations/cohorts/{cohort.id}",
                      {"country": "CO", "email": "Andres.Gomez@example.org",
                       "first_name": "Andrés", "last_name": "Gómez", "language": "es",
                       "gender": "male", "institution_id": str(police.id)})

    assert response.status_code == 302
    user = database.session.scalar(database.select(User).filter_by(
        email="andres.gomez@example.org"))
    assert (user.full_name, user.country, user.locale, user.gender, user.institution_id,
            user.password_hash) == ("Andrés Gómez", "CO", "es", "male", police.id, "")
    assert read_outbox() == []  # not enrolled yet: nothing to tell

    login(other_client, coordinator)
    nomination = database.session.scalar(database.select(Nomination))
    decide(other_client, nomination, "accepted")

    assert enrolment_status(database, cohort, user) == EnrolmentStatus.ACTIVE
    welcome = [mail for mail in read_outbox() if mail["to"] == "andres.gomez@example.org"]
    assert welcome and cohort.code in welcome[0]["body"]


# ---------------------------------------------------------------- deciding

def test_a_coordinator_accepts_wait_lists_and_declines_with_a_reason(client, database,
                                                                     decisions):
    course = make_course()
    cohort = nomination_cohort(course)
    coordinator = make_coordinator(course.program)
    accepted, waiting, declined = (nominate(cohort, make_user(country="CO"))
                                   for _ in range(3))
    login(client, coordinator)
    page = page_text(client.get(f"/manage/cohorts/{cohort.id}/nominations"))
    assert "Seats by country" in page and "Colombia" in page

    decide(client, accepted, "accepted")
    decide(client, waiting, "waitlisted", "  Second in line  for the seat. ")
    decide(client, declined, "declined", "Does not meet the rank requirement.")

    assert fresh(database, accepted).status == "accepted"
    assert enrolment_status(database, cohort, accepted.nominee) == EnrolmentStatus.ACTIVE
    assert (fresh(database, waiting).status, fresh(database, waiting).reason) == (
        "waitlisted", "Second in line for the seat.")
    assert fresh(database, declined).decided_by_id == coordinator.id
    assert enrolment_status(database, cohort, declined.nominee) is None
    assert decisions == [(accepted.id, "accepted", coordinator.id),
                         (waiting.id, "waitlisted", coordinator.id),
                         (declined.id, "declined", coordinator.id)]
    # The seat table counts them.
    table = page_text(client.get(f"/manage/cohorts/{cohort.id}/nominations"))
    assert "Colombia 2 1 0 1 1" in table
    # A decided nomination is not decided again.
    again = decide(client, declined, "accepted")
    assert again.status_code == 422
    assert "This nomination was decided already: Declined." in page_text(again)


@pytest.mark.parametrize("decision", ["declined", "waitlisted"])
def test_declining_or_wait_listing_needs_a_reason_and_bad_input_changes_nothing(
        client, database, decisions, decision):
    course = make_course()
    cohort = nomination_cohort(course)
    nomination = nominate(cohort, make_user(country="CO"))
    login(client, make_coordinator(course.program))
    before = all_counts(database)

    blank = decide(client, nomination, decision, "   ")
    unknown = decide(client, nomination, "withdrawn", "because")
    too_long = decide(client, nomination, decision, "x" * 501)

    assert blank.status_code == unknown.status_code == too_long.status_code == 422
    assert "Give the reason: the focal point and the nominee will read it." in page_text(blank)
    assert fresh(database, nomination).status == "pending"
    assert all_counts(database) == before
    assert decisions == []


def test_seats_per_country_are_enforced(client, database):
    course = make_course()
    cohort = nomination_cohort(course, seats=2)
    colombians = [nominate(cohort, make_user(country="CO")) for _ in range(3)]
    peruvian = nominate(cohort, make_user(country="PE"), country="PE")
    login(client, make_coordinator(course.program))

    for nomination in colombians[:2]:
        assert decide(client, nomination, "accepted").status_code == 302
    third = decide(client, colombians[2], "accepted")
    other_country = decide(client, peruvian, "accepted")

    assert third.status_code == 422
    assert "No seat of Colombia is left." in page_text(third)
    assert fresh(database, colombians[2]).status == "pending"
    assert enrolment_status(database, cohort, colombians[2].nominee) is None
    assert other_country.status_code == 302
    assert fresh(database, peruvian).status == "accepted"


def test_the_cohort_capacity_holds_too(client, database):
    course = make_course()
    cohort = nomination_cohort(course, seats=2, capacity=1)
    first, second = (nominate(cohort, make_user(country=c), country=c) for c in ("CO", "PE"))
    login(client, make_coordinator(course.program))

    decide(client, first, "accepted")
    refused = decide(client, second, "accepted")

    assert refused.status_code == 422
    assert "This cohort is full." in page_text(refused)
    assert fresh(database, second).status == "pending"


def test_another_programs_coordinator_and_focal_point_are_refused(client, database):
    course = make_course()
    cohort = nomination_cohort(course)
    nomination = nominate(cohort, make_user(country="CO"))
    other = make_program()
    other_focal = make_focal_point(other, "CO")
    login(client, make_coordinator(other))
    before = all_counts(database)

    assert client.get(f"/manage/cohorts/{cohort.id}/nominations").status_code == 403
    response = submit(client, f"/manage/nominations/{nomination.id}/decision",
                      {f"n{nomination.id}-decision": "accepted"}, form_url="/dashboard")
    assert response.status_code == 403
    login(client, other_focal)
    assert client.get(f"/nominations/cohorts/{cohort.id}").status_code == 403
    assert client.get(f"/nominations/{nomination.id}/substitute").status_code == 403
    substituted = submit(client, f"/nominations/{nomination.id}/substitute",
                         {"country": "CO", "email": "someone@example.org"},
                         form_url="/dashboard")
    assert substituted.status_code == 403
    assert fresh(database, nomination).status == "pending"
    assert all_counts(database) == before


# ---------------------------------------------------------------- substitution

def test_a_substitution_keeps_the_countrys_seat(client, other_client, database, decisions):
    course = make_course()
    cohort = nomination_cohort(course, seats=1)
    focal = make_focal_point(course.program, "CO")
    ill = make_user(country="CO", full_name="Diego Enfermo")
    substitute = make_user(country="CO", full_name="Lucía Suplente")
    waiting = nominate(cohort, make_user(country="CO"))
    replaced = nominate(cohort, ill)
    coordinator = make_coordinator(course.program)
    login(other_client, coordinator)
    decide(other_client, replaced, "accepted")
    assert enrolment_status(database, cohort, ill) == EnrolmentStatus.ACTIVE
    decisions.clear()
    login(client, focal)

    response = submit(client, f"/nominations/{replaced.id}/substitute",
                      {"country": "CO", "email": substitute.email}, follow_redirects=True)

    assert "Lucía Suplente replaces Diego Enfermo." in page_text(response)
    assert fresh(database, replaced).status == "withdrawn"
    assert enrolment_status(database, cohort, ill) == EnrolmentStatus.WITHDRAWN
    new = database.session.scalar(database.select(Nomination).filter_by(
        user_id=substitute.id))
    assert (new.status, new.replaces_id, new.country) == ("accepted", replaced.id, "CO")
    assert enrolment_status(database, cohort, substitute) == EnrolmentStatus.ACTIVE
    assert decisions == [(replaced.id, "withdrawn", focal.id), (new.id, "accepted", focal.id)]
    # Still one seat for Colombia, taken: the one waiting cannot be accepted.
    refused = decide(other_client, waiting, "accepted")
    assert refused.status_code == 422
    assert "Colombia 1 1 1 0 0" in page_text(
        other_client.get(f"/manage/cohorts/{cohort.id}/nominations"))


def test_a_pending_nominee_is_replaced_by_a_pending_one(client, database):
    course = make_course()
    cohort = nomination_cohort(course)
    focal = make_focal_point(course.program, "CO")
    replaced = nominate(cohort, make_user(country="CO"))
    login(client, focal)

    submit(client, f"/nominations/{replaced.id}/substitute",
           {"country": "CO", "email": "nuevo@example.org", "first_name": "Nuevo",
            "last_name": "Nominado"})

    new = database.session.scalar(database.select(Nomination).where(
        Nomination.replaces_id == replaced.id))
    assert new.status == "pending" and new.nominee.full_name == "Nuevo Nominado"
    assert fresh(database, replaced).status == "withdrawn"


# ---------------------------------------------------------------- the cohort itself

def test_a_cohort_by_nomination_takes_no_self_enrolment(client, database):
    course = make_course()
    cohort = nomination_cohort(course)
    cohort.self_enrolment = True  # even if left on by mistake
    trainee = make_user(country="CO")
    login(client, trainee)

    response = submit(client, f"/cohorts/{cohort.id}/enrol", form_url="/dashboard",
                      follow_redirects=True)

    assert "This cohort does not take enrolments online." in page_text(response)
    assert enrolment_status(database, cohort, trainee) is None


def test_the_cohort_form_sets_a_cohort_by_nomination(client, database):
    course = make_course()
    login(client, make_coordinator(course.program))
    form = {"code": "PICAP-BOG-2027", "language": "es", "host_institution_id": "",
            "country": "CO", "starts_on": days(30).isoformat(), "ends_on": days(58).isoformat(),
            "self_enrolment": "y", "by_nomination": "y",
            "nominations_open_on": days(1).isoformat(),
            "nominations_close_on": days(20).isoformat(), "instructors": ""}
    url = f"/manage/courses/{course.id}/cohorts/new"

    refused = submit(client, url, form)
    assert refused.status_code == 422
    assert "A cohort by nomination needs at least 1 seat per country." in page_text(refused)
    assert submit(client, url, {**form, "seats_per_country": "2"}).status_code == 302

    cohort = database.session.scalar(database.select(Cohort).filter_by(code="PICAP-BOG-2027"))
    assert (cohort.by_nomination, cohort.seats_per_country, cohort.self_enrolment,
            cohort.nominations_close_on) == (True, 2, False, days(20))
    page = page_text(client.get(f"/manage/cohorts/{cohort.id}"))
    assert "Nominations and seats by country" in page


# ---------------------------------------------------------------- the role

def test_create_user_makes_a_focal_point_for_a_program_and_country(app, database):
    program = make_program(code="PICAP")

    result = app.test_cli_runner().invoke(args=[
        "create-user", "--email", "focal@example.org", "--name", "Rosa Focal",
        "--password", "a good long password", "--role", "focal_point", "--program", "PICAP",
        "--country", "co"])

    assert result.exit_code == 0, result.output
    user = database.session.scalar(database.select(User).filter_by(email="focal@example.org"))
    assert user.focal_point_countries == frozenset({(program.id, "CO")})
    assert user.is_focal_point and not user.is_coordinator
    missing = app.test_cli_runner().invoke(args=[
        "create-user", "--email", "focal2@example.org", "--name", "Rosa Focal",
        "--password", "a good long password", "--role", "focal_point", "--country", "CO"])
    assert "A national focal point needs a program code." in missing.output


def test_an_administrator_gives_and_removes_the_focal_point_role(client, database):
    program = make_program(code="PICAP")
    user = make_user(full_name="Rosa Focal")
    login(client, make_user(admin=True))
    url = f"/admin/users/{user.id}"

    no_country = submit(client, f"{url}/roles", {"role": "focal_point",
                                                 "program_id": str(program.id)}, form_url=url)
    assert no_country.status_code == 422
    assert "Choose the country the focal point nominates for." in page_text(no_country)
    granted = submit(client, f"{url}/roles", {"role": "focal_point",
                                              "program_id": str(program.id), "country": "CO"},
                     form_url=url, follow_redirects=True)
    assert "National focal point of Colombia for PICAP" in page_text(granted)
    assert database.session.get(FocalPoint, (program.id, "CO", user.id)) is not None

    removed = submit(client, f"{url}/roles/remove", {"role": "focal_point",
                                                     "object_id": str(program.id),
                                                     "country": "CO"},
                     form_url=url, follow_redirects=True)
    assert "The role was removed from Rosa Focal." in page_text(removed)
    database.session.expire_all()
    assert database.session.get(FocalPoint, (program.id, "CO", user.id)) is None


def test_the_home_page_shows_a_focal_point_their_cohorts(client, database):
    course = make_course(title="Derechos humanos")
    cohort = nomination_cohort(course)
    enrol(make_cohort())  # someone else's business
    login(client, make_focal_point(course.program, "CO"))

    page = page_text(client.get("/"))

    assert "Derechos humanos" in page and cohort.code in page
    assert "0 of 2 seats taken" in page


def test_the_nomination_pages_take_the_same_queries_for_2_and_30_nominations(
        client, other_client, database, count_queries):
    course = make_course()
    cohort = nomination_cohort(course, seats=30)
    focal = make_focal_point(course.program, "CO")
    police = make_institution(country="CO")
    login(client, make_coordinator(course.program))
    login(other_client, focal)

    def add(number: int) -> None:
        for _ in range(number):
            nominate(cohort, make_user(country="CO", institution_id=police.id), by=focal)
        database.session.commit()

    add(2)
    with count_queries("nominations to decide", "2 nominations") as few_review:
        assert client.get(f"/manage/cohorts/{cohort.id}/nominations").status_code == 200
    with count_queries("focal point's cohort", "2 nominations") as few_focal:
        assert other_client.get(f"/nominations/cohorts/{cohort.id}").status_code == 200
    add(28)
    with count_queries("nominations to decide", "30 nominations") as many_review:
        page = client.get(f"/manage/cohorts/{cohort.id}/nominations")
    with count_queries("focal point's cohort", "30 nominations") as many_focal:
        assert other_client.get(f"/nominations/cohorts/{cohort.id}").status_code == 200
    assert "Colombia 30 0 30 0 0" in page_text(page)
    assert many_review.count == few_review.count
    assert many_focal.count == few_focal.count


# ---------------------------------------------------------------- the race

def test_two_coordinators_accepting_the_last_seat_at_once_seat_exactly_one(app, backend):
    """Two requests, two connections, real commits: both accept the last seat of
    Colombia. The first holds its transaction open after accepting; the second waits
    for the cohort's row lock (SQLite: for the write lock), then counts the accepted
    nominations again and is refused. Without the lock both would see a free seat."""

    from lms.cohorts import nomination_services
    from lms.errors import DomainError

    with app.app_context():
        course = make_course()
        cohort = nomination_cohort(course, seats=1)
        coordinators = [make_coordinator(course.program) for _ in range(2)]
        nominations = [nominate(cohort, make_user(country="CO")) for _ in range(2)]
        db.session.commit()
        ids = {"cohort": cohort.id, "course": course.id, "program": course.program_id,
               "coordinators": [u.id for u in coordinators],
               "nominations": [n.id for n in nominations],
               "users": [u.id for u in coordinators] + [n.user_id for n in nominations]}

    def accept(name: str, index: int):
        nomination_id = ids["nominations"][index]

        def work() -> str:
            nomination = db.session.get(Nomination, nomination_id)
            actor = db.session.get(User, ids["coordinators"][index])
            nomination_services.decide(actor, nomination, "accepted")
            return "accepted"
        return name, f"/manage/nominations/{nomination_id}/decision", work

    try:
        outcomes = race_two(app, accept("first", 0), accept("second", 1))

        assert outcomes["first"] == "accepted"
        assert isinstance(outcomes["second"], DomainError)
        assert "No seat of Colombia is left." in outcomes["second"].message
        with app.app_context():
            statuses = [db.session.get(Nomination, i).status for i in ids["nominations"]]
            assert statuses == [NominationStatus.ACCEPTED, NominationStatus.PENDING]
            assert db.session.scalar(db.select(db.func.count()).where(
                Enrolment.cohort_id == ids["cohort"],
                Enrolment.status == EnrolmentStatus.ACTIVE)) == 1
    finally:
        delete_race_world(app, ids)
