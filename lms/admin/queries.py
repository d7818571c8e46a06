"""Reads for the administration screens: each page in a constant number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import String, exists, func, literal, or_, select, union_all

from lms.accounts.models import (
    BodyOfficer,
    FocalPoint,
    Institution,
    InstitutionKind,
    ProgramCoordinator,
    ProgramObserver,
    User,
    cohort_instructors,
)
from lms.accounts.queries import open_sessions
from lms.audit.models import AuditLog
from lms.catalog.models import Program
from lms.cohorts.models import Cohort
from lms.extensions import db

USERS_PER_PAGE = 25
INSTITUTIONS_PER_PAGE = 25
AUDIT_PER_PAGE = 50
RECENT_AUDIT_ROWS = 10

# An audit entry and the email of who made the change (None: the system).
AuditRow = tuple[AuditLog, str | None]

# The roles the users list filters by.
ROLE_FILTERS = ("admin", "coordinator", "officer", "instructor", "observer", "focal_point",
                "none")


@dataclass
class Roles:
    """What one user holds: (id, code or name) of the programs they coordinate, the
    certifying bodies they are an officer of, the cohorts they teach and the
    programs they observe."""

    programs: list[tuple[int, str]] = field(default_factory=list)
    bodies: list[tuple[int, str]] = field(default_factory=list)
    cohorts: list[tuple[int, str]] = field(default_factory=list)
    observed: list[tuple[int, str]] = field(default_factory=list)
    # (program id, program code, country) of each focal point role.
    focal: list[tuple[int, str, str]] = field(default_factory=list)


def _role_condition(role: str | None):
    coordinator = exists().where(ProgramCoordinator.user_id == User.id)
    officer = exists().where(BodyOfficer.user_id == User.id)
    instructor = exists().where(cohort_instructors.c.user_id == User.id)
    observer = exists().where(ProgramObserver.user_id == User.id)
    focal_point = exists().where(FocalPoint.user_id == User.id)
    return {
        "admin": User.is_admin.is_(True),
        "coordinator": coordinator,
        "officer": officer,
        "instructor": instructor,
        "observer": observer,
        "focal_point": focal_point,
        "none": ~or_(User.is_admin.is_(True), coordinator, officer, instructor, observer,
                     focal_point),
    }.get(role or "")


_ROLE_LISTS = {"program": "programs", "body": "bodies", "cohort": "cohorts",
               "observer": "observed"}


def users_page(*, search: str | None, role: str | None, country: str | None,
               institution_id: int | None, page: int,
               per_page: int = USERS_PER_PAGE) -> Pagination:
    """Users by name, filtered; two queries (count and page), the institution joined."""
    query = select(User).order_by(func.lower(User.full_name), User.id)
    term = (search or "").strip().lower()
    if term:
        query = query.where(or_(func.lower(User.full_name).contains(term, autoescape=True),
                                User.email.contains(term, autoescape=True)))
    condition = _role_condition(role)
    if condition is not None:
        query = query.where(condition)
    if country:
        query = query.where(User.country == country)
    if institution_id:
        query = query.where(User.institution_id == institution_id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def roles_of(user_ids: list[int]) -> dict[int, Roles]:
    """The roles of these users, in one query."""
    found: dict[int, Roles] = defaultdict(Roles)
    if not user_ids:
        return found
    # Only a focal point's role names a country: the others leave that column empty.
    none = literal("", String(2))
    rows = db.session.execute(union_all(
        select(literal("program"), ProgramCoordinator.user_id, Program.id, Program.code, none)
        .join(Program, Program.id == ProgramCoordinator.program_id)
        .where(ProgramCoordinator.user_id.in_(user_ids)),
        select(literal("body"), BodyOfficer.user_id, Institution.id, Institution.name, none)
        .join(Institution, Institution.id == BodyOfficer.institution_id)
        .where(BodyOfficer.user_id.in_(user_ids)),
        select(literal("cohort"), cohort_instructors.c.user_id, Cohort.id, Cohort.code, none)
        .join(Cohort, Cohort.id == cohort_instructors.c.cohort_id)
        .where(cohort_instructors.c.user_id.in_(user_ids)),
        select(literal("observer"), ProgramObserver.user_id, Program.id, Program.code, none)
        .join(Program, Program.id == ProgramObserver.program_id)
        .where(ProgramObserver.user_id.in_(user_ids)),
        select(literal("focal"), FocalPoint.user_id, Program.id, Program.code,
               FocalPoint.country)
        .join(Program, Program.id == FocalPoint.program_id)
        .where(FocalPoint.user_id.in_(user_ids)))).all()
    for kind, user_id, object_id, name, country in sorted(
            rows, key=lambda row: (str(row[3]), str(row[4]))):
        if kind == "focal":
            found[user_id].focal.append((object_id, name, country))
        else:
            getattr(found[user_id], _ROLE_LISTS[kind]).append((object_id, name))
    return found


@dataclass
class UserDetail:
    user: User
    roles: Roles
    sessions: int
    audit: list[AuditRow]


def user_detail(user: User) -> UserDetail:
    """A user's page: roles, open sessions and the latest audit rows about them."""
    return UserDetail(user=user, roles=roles_of([user.id])[user.id],
                      sessions=len(open_sessions(user)),
                      audit=audit_rows_about("users", user.id, RECENT_AUDIT_ROWS))


def audit_rows_about(object_type: str, object_id: int, limit: int) -> list[AuditRow]:
    """The latest entries about one object, with their actors' emails: two queries."""
    return with_actors(list(db.session.scalars(
        select(AuditLog)
        .where(AuditLog.object_type == object_type, AuditLog.object_id == object_id)
        .order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit))))


def institutions() -> list[Institution]:
    """Every institution by name (for the filters and the choices of forms)."""
    return list(db.session.scalars(select(Institution).order_by(Institution.name)))


def certifying_bodies() -> list[Institution]:
    return list(db.session.scalars(
        select(Institution).where(Institution.kind == InstitutionKind.CERTIFYING_BODY)
        .order_by(Institution.name)))


def programs() -> list[Program]:
    """Every program by code, their translations loaded (selectin: one more query)."""
    return list(db.session.scalars(select(Program).order_by(Program.code)))


def institutions_page(*, kind: str | None, country: str | None, page: int,
                      per_page: int = INSTITUTIONS_PER_PAGE) -> Pagination:
    """Institutions by name, filtered by kind and country: two queries."""
    query = select(Institution).order_by(func.lower(Institution.name), Institution.id)
    if kind:
        query = query.where(Institution.kind == kind)
    if country:
        query = query.where(Institution.country == country)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def members_counts(institution_ids: list[int]) -> dict[int, int]:
    """How many users belong to each institution, in one query."""
    if not institution_ids:
        return {}
    return dict(db.session.execute(
        select(User.institution_id, func.count()).where(User.institution_id.in_(
            institution_ids)).group_by(User.institution_id)).all())


def officers(body: Institution) -> list[User]:
    return list(db.session.scalars(
        select(User).join(BodyOfficer, BodyOfficer.user_id == User.id)
        .where(BodyOfficer.institution_id == body.id).order_by(func.lower(User.full_name))))


def coordinators_by_program() -> dict[int, list[User]]:
    """The coordinators of every program, in one query."""
    found: dict[int, list[User]] = defaultdict(list)
    for program_id, user in db.session.execute(
            select(ProgramCoordinator.program_id, User)
            .join(User, User.id == ProgramCoordinator.user_id)
            .order_by(func.lower(User.full_name))):
        found[program_id].append(user)
    return found


def observers_by_program() -> dict[int, list[User]]:
    """The observers of every program, in one query."""
    found: dict[int, list[User]] = defaultdict(list)
    for program_id, user in db.session.execute(
            select(ProgramObserver.program_id, User)
            .join(User, User.id == ProgramObserver.user_id)
            .order_by(func.lower(User.full_name))):
        found[program_id].append(user)
    return found


def audit_filter_choices() -> tuple[list[str], list[str]]:
    """The object types and actions the log holds (one query), for the filters."""
    rows = db.session.execute(select(AuditLog.object_type, AuditLog.action).distinct()).all()
    return sorted({row[0] for row in rows}), sorted({row[1] for row in rows})


def audit_page(*, actor_email: str | None, object_type: str | None, object_id: int | None,
               action: str | None, page: int,
               per_page: int = AUDIT_PER_PAGE) -> tuple[Pagination, list[AuditRow]]:
    """The audit log, newest first, and its page as (entry, actor's email) rows.

    Three queries, whatever the page: the count, the page, the actors' emails.
    """
    query = select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc())
    if actor_email:
        query = query.join(User, User.id == AuditLog.actor_id).where(
            User.email == actor_email.strip().lower())
    if object_type:
        query = query.where(AuditLog.object_type == object_type)
    if object_id is not None:
        query = query.where(AuditLog.object_id == object_id)
    if action:
        query = query.where(AuditLog.action == action)
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    return pagination, with_actors(list(pagination.items))


def with_actors(entries: list[AuditLog]) -> list[AuditRow]:
    """Each entry with its actor's email (None: the system), in one query."""
    ids = {entry.actor_id for entry in entries if entry.actor_id is not None}
    emails = dict(db.session.execute(
        select(User.id, User.email).where(User.id.in_(ids))).all()) if ids else {}
    return [(entry, emails.get(entry.actor_id)) for entry in entries]
