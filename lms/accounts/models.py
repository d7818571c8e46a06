"""People, the institutions they belong to, and their roles."""

from __future__ import annotations

import enum
import hmac
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, String, Table, func
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from lms.extensions import db
from lms.kernel import clock


class InstitutionKind(enum.StrEnum):
    TRAINING_PROVIDER = "training_provider"
    POLICE = "police"
    UNIVERSITY = "university"
    CERTIFYING_BODY = "certifying_body"
    GOVERNMENT = "government"
    MINISTRY = "ministry"
    NGO = "ngo"

    @property
    def title(self) -> str:
        return str(INSTITUTION_KIND_TITLES[self])


INSTITUTION_KIND_TITLES = {
    InstitutionKind.TRAINING_PROVIDER: _l("Training provider"),
    InstitutionKind.POLICE: _l("Police institution"),
    InstitutionKind.UNIVERSITY: _l("University"),
    InstitutionKind.CERTIFYING_BODY: _l("Certifying body"),
    InstitutionKind.GOVERNMENT: _l("Government agency"),
    InstitutionKind.MINISTRY: _l("Ministry"),
    InstitutionKind.NGO: _l("Non-governmental organization"),
}


class Gender(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


GENDER_TITLES = {
    Gender.FEMALE: _l("Female"),
    Gender.MALE: _l("Male"),
    Gender.OTHER: _l("Another gender"),
}


class Role(enum.StrEnum):
    """Roles that ``lms create-user --role`` can grant."""

    TRAINEE = "trainee"
    INSTRUCTOR = "instructor"
    COORDINATOR = "coordinator"
    OFFICER = "officer"
    OBSERVER = "observer"
    FOCAL_POINT = "focal_point"
    ADMIN = "admin"


class Institution(db.Model):
    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30), default=InstitutionKind.TRAINING_PROVIDER)
    country: Mapped[str] = mapped_column(String(2))

    def __repr__(self) -> str:
        return f"<Institution {self.name}>"


class ProgramCoordinator(db.Model):
    """A user who runs a program: catalog, cohorts, enrolment, reports."""

    __tablename__ = "program_coordinators"

    program_id: Mapped[int] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)


class ProgramObserver(db.Model):
    """A user who follows a program's figures (OAS monitoring staff, a donor): the
    reports, aggregated and never with a name; nothing else of the program."""

    __tablename__ = "program_observers"

    program_id: Mapped[int] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)


class FocalPoint(db.Model):
    """A national focal point: nominates the officers of their country's institutions
    to a program's cohorts by nomination (lms.cohorts.nominations)."""

    __tablename__ = "focal_points"

    program_id: Mapped[int] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)


class BodyOfficer(db.Model):
    """A user who decides certification for a certifying body."""

    __tablename__ = "body_officers"

    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)


# The instructors of a cohort: a role assignment like the two above, kept on this
# floor so that User can read its roles without importing cohorts.
cohort_instructors = Table(
    "cohort_instructors",
    db.metadata,
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        # Emails are stored lower-cased; the unique index makes that the rule.
        Index("uq_users_email", "email", unique=True),
        # The countries people are in, each found without reading every person (the
        # report's filter of certificate holders' countries).
        Index("ix_users_country", "country", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    locale: Mapped[str] = mapped_column(String(5), default="en")
    country: Mapped[str | None] = mapped_column(String(2))
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institutions.id", ondelete="SET NULL"), index=True)
    gender: Mapped[str | None] = mapped_column(String(10))
    # IANA name the person reads times in (lms.kernel.zones); None: their country's.
    time_zone: Mapped[str | None] = mapped_column(String(64))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.now, server_default=func.now())
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    institution: Mapped[Institution | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<User {self.email}>"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session and the remember cookie.

        "<user id>:<password fingerprint>:<browser session token>". It names the
        password, so that changing or resetting the password signs the account out
        of every other browser, and the signed-in browser (a ``UserSession``), so
        that signing out, or an administrator, can end that browser's session and
        its remember-me cookie on the server (see accounts.auth).
        """
        token = self.__dict__.get("_session_token")
        if token is None:
            raise RuntimeError("Start a browser session (accounts.services.start_session) "
                               "before signing the user in.")
        return f"{self.id}:{self.password_fingerprint()}:{token}"

    @property
    def browser_session(self) -> UserSession | None:
        """The signed-in browser this request came from, if it came from one."""
        return self.__dict__.get("_browser_session")

    def attach_browser_session(self, session: UserSession, token: str) -> None:
        # Plain attributes, not mapped: they belong to this request only.
        self.__dict__["_browser_session"] = session
        self.__dict__["_session_token"] = token

    def password_fingerprint(self) -> str:
        """A short keyed digest of the password hash: changes whenever the password does."""
        key = str(current_app.config["SECRET_KEY"]).encode()
        return hmac.new(key, (self.password_hash or "").encode(), "sha256").hexdigest()[:20]

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    # Roles. All five kinds are read together and cached on the instance: one
    # query per request at most, whichever the page asks about. A focal point's role
    # names a country as well as a program; the other kinds leave that column empty.
    def _roles(self) -> dict[str, frozenset]:
        cached = self.__dict__.get("_role_ids")
        if cached is None:
            no_country = db.literal("", String(2))
            rows = db.session.execute(db.union_all(
                db.select(db.literal("program"), ProgramCoordinator.program_id, no_country)
                .where(ProgramCoordinator.user_id == self.id),
                db.select(db.literal("cohort"), cohort_instructors.c.cohort_id, no_country)
                .where(cohort_instructors.c.user_id == self.id),
                db.select(db.literal("body"), BodyOfficer.institution_id, no_country)
                .where(BodyOfficer.user_id == self.id),
                db.select(db.literal("observer"), ProgramObserver.program_id, no_country)
                .where(ProgramObserver.user_id == self.id),
                db.select(db.literal("focal"), FocalPoint.program_id, FocalPoint.country)
                .where(FocalPoint.user_id == self.id))).all()
            found: dict[str, set] = {"program": set(), "cohort": set(), "body": set(),
                                     "observer": set(), "focal": set()}
            for kind, object_id, country in rows:
                found[kind].add((object_id, country) if kind == "focal" else object_id)
            cached = {kind: frozenset(ids) for kind, ids in found.items()}
            self.__dict__["_role_ids"] = cached
        return cached

    @property
    def coordinated_program_ids(self) -> frozenset[int]:
        return self._roles()["program"]

    @property
    def taught_cohort_ids(self) -> frozenset[int]:
        return self._roles()["cohort"]

    @property
    def body_ids(self) -> frozenset[int]:
        """The certifying bodies this user is an officer of."""
        return self._roles()["body"]

    @property
    def observed_program_ids(self) -> frozenset[int]:
        """The programs whose aggregated figures this user may see as an observer."""
        return self._roles()["observer"]

    @property
    def focal_point_countries(self) -> frozenset[tuple[int, str]]:
        """(program id, country) of each program this user nominates for, as focal point."""
        return self._roles()["focal"]

    @property
    def is_focal_point(self) -> bool:
        return bool(self.focal_point_countries)

    def focal_point_for(self, program_id: int) -> list[str]:
        """The countries this user nominates for in ``program_id``, sorted."""
        return sorted(country for program, country in self.focal_point_countries
                      if program == program_id)

    @property
    def is_observer(self) -> bool:
        # Not true of administrators: they see everything, but as themselves.
        return bool(self.observed_program_ids)

    @property
    def is_officer(self) -> bool:
        return self.is_admin or bool(self.body_ids)

    @property
    def is_coordinator(self) -> bool:
        return self.is_admin or bool(self.coordinated_program_ids)

    @property
    def is_instructor(self) -> bool:
        return bool(self.taught_cohort_ids)

    def coordinates(self, program_id: int) -> bool:
        return self.is_admin or program_id in self.coordinated_program_ids


class UserSession(db.Model):
    """A browser someone signed in with. Its cookies name it by a random token,
    stored here only as a hash; once ended, those cookies sign nobody in."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.now, server_default=func.now())
    last_seen_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.now, server_default=func.now())
    # "Firefox, Linux": enough to recognise one's own browsers, no fingerprint.
    user_agent: Mapped[str] = mapped_column(String(80), default="")
    address: Mapped[str | None] = mapped_column(String(45))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<UserSession {self.id} of user {self.user_id}>"
