"""A large CSV import writes in batches: its statements do not grow with its lines, and
every trainee still gets the enrolment notice in their own language."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.accounts.models import User
from lms.audit.models import AuditLog
from lms.cohorts import services
from lms.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.kernel.mail import read_outbox
from lms.notifications.models import Notification
from lms.web.urls import addresses_context
from tests.factories import (
    enrol,
    make_cohort,
    make_coordinator,
    make_course,
    make_program,
    make_user,
)

LANGS = ("en", "es", "fr", "pt")
TITLES = {"en": "Crime scene", "es": "Escena del crimen", "fr": "Scène de crime",
          "pt": "Cena do crime"}
SUBJECTS = {"en": "You are enrolled in Crime scene",
            "es": "Está inscrito en Escena del crimen",
            "fr": "Vous êtes inscrit à Scène de crime",
            "pt": "Você está inscrito em Cena do crime"}


def _world(code: str):
    program = make_program()
    course = make_course(program, title=TITLES["en"], lessons=0, translations={
        locale: (title, "") for locale, title in TITLES.items() if locale != "en"})
    make_cohort(course, code=code, language="es")
    return make_coordinator(program)


def _file(code: str, lines: int, prefix: str) -> bytes:
    rows = ["email,firstname,lastname,country,lang,cohort1"]
    rows += [f"{prefix}{n}@example.org,Ana,Núñez {n},MX,{LANGS[n % 4]},{code}"
             for n in range(lines)]
    return ("\n".join(rows) + "\n").encode()


def _import(coordinator, data: bytes):
    with addresses_context():  # as the request or the job provides
        result = services.import_users(coordinator, data, "people.csv", None, 10_000_000)
        db.session.flush()
    return result


def _existing(prefix: str, lines: int) -> None:
    """Every other line already has an account (in the language of its line)."""
    for n in range(0, lines, 2):
        make_user(email=f"{prefix}{n}@example.org", locale=LANGS[n % 4])


def test_the_statements_of_an_import_do_not_grow_with_its_lines(database, count_queries):
    counts = []
    for lines, code in ((20, "SMALL-1"), (200, "LARGE-1")):
        coordinator = _world(code)
        prefix = code.lower().replace("-", "")
        _existing(prefix, lines)
        data = _file(code, lines, prefix)
        with count_queries("CSV import, in bulk", f"{lines} lines, half new") as counter:
            result = _import(coordinator, data)
        assert (result.created, result.enrolled) == (lines // 2, lines)
        counts.append(counter.count)
    # The same statements (multi-row INSERTs, IN lists of up to 500) for 20 and 200.
    assert counts[0] == counts[1], counts


def test_every_trainee_is_told_in_their_language_and_new_ones_welcomed_once(database):
    coordinator = _world("BIG-1")
    _existing("big", 40)
    cohort = db.session.scalars(select(Cohort).where(Cohort.code == "BIG-1")).one()
    enrol(cohort, make_user(email="back@example.org", locale="fr"), EnrolmentStatus.WITHDRAWN)
    data = _file("BIG-1", 40, "big") + b"back@example.org,Bea,Back,MX,fr,BIG-1\n"

    result = _import(coordinator, data)

    assert (result.created, result.enrolled, result.already) == (20, 41, 0)
    db.session.commit()
    notices = dict(db.session.execute(
        select(User.email, Notification.subject).join(User, Notification.user_id == User.id)
        .where(Notification.kind == "enrolment_accepted")).all())
    assert len(notices) == 41
    for n in range(40):
        assert notices[f"big{n}@example.org"] == SUBJECTS[LANGS[n % 4]]
    assert notices["back@example.org"] == SUBJECTS["fr"]
    # Mail: the welcome of each new account, once (the notices stay in the app).
    welcomed = sorted(m["to"] for m in read_outbox())
    assert welcomed == sorted(f"big{n}@example.org" for n in range(1, 40, 2))
    # The audit log names every account created and every seat, as one by one did.
    actions = dict(db.session.execute(
        select(AuditLog.action, func.count()).group_by(AuditLog.action)).all())
    assert actions["user.imported"] == 20 and actions["enrolment.imported"] == 41
    assert db.session.scalar(select(func.count(Enrolment.id)).where(
        Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.ACTIVE)) == 41


def test_a_file_listing_someone_already_seated_counts_them_and_tells_nobody_twice(database):
    coordinator = _world("TWICE-1")
    first = _import(coordinator, _file("TWICE-1", 8, "twice"))
    again = _import(coordinator, _file("TWICE-1", 8, "twice"))

    assert (first.created, first.enrolled, first.already) == (8, 8, 0)
    assert (again.created, again.enrolled, again.already) == (0, 0, 8)
    assert db.session.scalar(select(func.count(Notification.id))) == 8
