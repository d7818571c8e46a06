"""Small factory functions: each builds one thing with sensible defaults and flushes."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from lms.accounts.models import BodyOfficer, Institution, ProgramCoordinator, User
from lms.catalog.models import Course, CourseTranslation, Lesson, Module, Program
from lms.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.kernel import clock

PASSWORD = "correct horse battery staple"
# Hashing once keeps factories fast; login still checks a real scrypt hash.
PASSWORD_HASH = generate_password_hash(PASSWORD)
_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def make_institution(name: str | None = None, kind: str = "training_provider",
                     country: str = "MX") -> Institution:
    institution = Institution(name=name or f"Institution {_n()}", kind=kind, country=country)
    db.session.add(institution)
    db.session.flush()
    return institution


def make_user(email: str | None = None, full_name: str | None = None, *, admin: bool = False,
              locale: str = "en", country: str | None = "MX", **fields) -> User:
    n = _n()
    user = User(email=(email or f"user{n}@example.org").lower(),
                full_name=full_name or f"Trainee Number {n}", password_hash=PASSWORD_HASH,
                is_admin=admin, locale=locale, country=country, **fields)
    db.session.add(user)
    db.session.flush()
    return user


def make_program(code: str | None = None, name: str | None = None) -> Program:
    n = _n()
    program = Program(code=code or f"PRG{n}", certificate_prefix=(code or f"P{n}")[:6],
                      name=name or f"Program {n}", language="en")
    db.session.add(program)
    db.session.flush()
    return program


def make_coordinator(program: Program, **fields) -> User:
    user = make_user(**fields)
    db.session.add(ProgramCoordinator(program_id=program.id, user_id=user.id))
    db.session.flush()
    return user


def make_officer(body: Institution, **fields) -> User:
    user = make_user(**fields)
    db.session.add(BodyOfficer(institution_id=body.id, user_id=user.id))
    db.session.flush()
    return user


def make_course(program: Program | None = None, *, code: str | None = None,
                title: str | None = None, published: bool = True, language: str = "en",
                lessons: int = 2, translations: dict[str, tuple[str, str]] | None = None,
                hours: int = 20, modality: str = "online") -> Course:
    program = program or make_program()
    n = _n()
    course = Course(program=program, code=code or f"C-{n}", title=title or f"Course {n}",
                    summary=f"Summary of course {n}", hours=hours, modality=modality,
                    language=language, published=published)
    for locale, (t_title, t_summary) in (translations or {}).items():
        course.translations.append(
            CourseTranslation(locale=locale, title=t_title, summary=t_summary))
    if lessons:
        module = Module(title=f"Module {n}", position=1)
        for i in range(1, lessons + 1):
            module.lessons.append(Lesson(title=f"Lesson {i}", position=i,
                                         body=f"# Lesson {i}\n\nText of lesson **{i}**."))
        course.modules.append(module)
    db.session.add(course)
    db.session.flush()
    return course


def make_cohort(course: Course | None = None, *, code: str | None = None,
                instructors: list[User] = (), capacity: int | None = None,
                opens: date | None = None, closes: date | None = None,
                starts: date | None = None, language: str = "en", country: str = "MX",
                self_enrolment: bool = True, host: Institution | None = None) -> Cohort:
    course = course or make_course()
    today = clock.today(clock.UTC)
    cohort = Cohort(course=course, code=code or f"COH-{_n()}", language=language,
                    country=country, starts_on=starts or today + timedelta(days=7),
                    ends_on=(starts or today + timedelta(days=7)) + timedelta(days=60),
                    enrol_opens_on=opens if opens is not None else today - timedelta(days=7),
                    enrol_closes_on=closes if closes is not None else today + timedelta(days=30),
                    capacity=capacity, self_enrolment=self_enrolment, host_institution=host)
    cohort.instructors.extend(instructors)
    db.session.add(cohort)
    db.session.flush()
    return cohort


def enrol(cohort: Cohort, user: User | None = None,
          status: str = EnrolmentStatus.ACTIVE) -> Enrolment:
    enrolment = Enrolment(cohort=cohort, user=user or make_user(), status=status)
    db.session.add(enrolment)
    db.session.flush()
    return enrolment


def enrol_many(cohort: Cohort, count: int) -> None:
    """``count`` new trainees enrolled in ``cohort``, inserted in bulk."""
    start = _n() * 10_000
    rows = [{"email": f"bulk{start + i}@example.org", "full_name": f"Bulk Trainee {start + i}",
             "password_hash": PASSWORD_HASH, "locale": "en", "country": "MX",
             "is_admin": False, "active": True} for i in range(count)]
    db.session.execute(db.insert(User), rows)
    ids = db.session.scalars(db.select(User.id).where(
        User.email.in_([row["email"] for row in rows]))).all()
    db.session.execute(db.insert(Enrolment), [
        {"cohort_id": cohort.id, "user_id": user_id, "status": EnrolmentStatus.ACTIVE}
        for user_id in ids])
    db.session.flush()


def insert_old_user(email: str, full_name: str) -> int:
    """A user row through Core, for migration tests at an old revision: the model has
    columns added by later revisions (0020 added users.time_zone)."""
    users = sa.table("users", *(sa.column(name) for name in (
        "email", "full_name", "password_hash", "locale", "is_admin", "active")))
    db.session.execute(users.insert().values(
        email=email, full_name=full_name, password_hash="", locale="en", is_admin=False,
        active=True))
    return db.session.scalar(sa.select(sa.column("id")).select_from(sa.table("users"))
                             .where(sa.column("email") == email))
