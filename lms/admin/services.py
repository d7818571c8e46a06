"""What an administrator changes: roles, accounts' status, institutions and merges.

Every rule is checked before anything is written; a refusal raises ``AdminError``
(a ``DomainError``) with a translated message naming the form field at fault.
Every change is audited; nothing here commits (the request's one commit does).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from lms.accounts import services as accounts
from lms.accounts.models import (
    BodyOfficer,
    FocalPoint,
    Institution,
    InstitutionKind,
    ProgramCoordinator,
    ProgramObserver,
    User,
)
from lms.audit.services import record
from lms.catalog.models import Program
from lms.certification.models import Certificate
from lms.certification.tracks.models import Track
from lms.cohorts.models import Cohort
from lms.errors import DomainError, clean_name
from lms.extensions import db
from lms.i18n import country_codes

INSTITUTION_NAME_MAX = 200


class AdminError(DomainError):
    """An administration rule refused the change; nothing was written."""


def _forget_roles(user: User) -> None:
    # The roles cached on the instance (User._roles) would now be stale.
    user.__dict__.pop("_role_ids", None)


# ---------------------------------------------------------------- roles


def _grant_program_role(actor: User, user: User, program: Program, model, role: str) -> bool:
    """Give ``user`` a per-program role (a row of ``model``); False when they had it."""
    if db.session.get(model, (program.id, user.id)) is not None:
        return False
    db.session.add(model(program_id=program.id, user_id=user.id))
    record(actor, "user.grant_role", user, None, {"role": role, "program": program.code})
    _forget_roles(user)
    db.session.flush()
    return True


def _remove_program_role(actor: User, user: User, program: Program, model, role: str) -> bool:
    """Take a per-program role away; False when ``user`` did not have it."""
    row = db.session.get(model, (program.id, user.id))
    if row is None:
        return False
    db.session.delete(row)
    record(actor, "user.remove_role", user, {"role": role, "program": program.code})
    _forget_roles(user)
    db.session.flush()
    return True


def grant_coordinator(actor: User, user: User, program: Program) -> bool:
    """Make ``user`` a coordinator of ``program``; False when they already were."""
    return _grant_program_role(actor, user, program, ProgramCoordinator, "coordinator")


def remove_coordinator(actor: User, user: User, program: Program) -> bool:
    """``user`` no longer coordinates ``program``; False when they did not."""
    return _remove_program_role(actor, user, program, ProgramCoordinator, "coordinator")


def grant_observer(actor: User, user: User, program: Program) -> bool:
    """Let ``user`` see ``program``'s aggregated figures; False when they already could."""
    return _grant_program_role(actor, user, program, ProgramObserver, "observer")


def remove_observer(actor: User, user: User, program: Program) -> bool:
    """``user`` no longer observes ``program``; False when they did not."""
    return _remove_program_role(actor, user, program, ProgramObserver, "observer")


def grant_focal_point(actor: User, user: User, program: Program, country: str) -> bool:
    """Make ``user`` a national focal point of ``country`` for ``program``: they nominate
    its officers to the program's cohorts by nomination; False when they already were."""
    if country not in country_codes():
        raise AdminError(_("Choose a country from the list."), field="country")
    if db.session.get(FocalPoint, (program.id, country, user.id)) is not None:
        return False
    db.session.add(FocalPoint(program_id=program.id, country=country, user_id=user.id))
    record(actor, "user.grant_role", user, None,
           {"role": "focal_point", "program": program.code, "country": country})
    _forget_roles(user)
    db.session.flush()
    return True


def remove_focal_point(actor: User, user: User, program: Program, country: str) -> bool:
    """``user`` no longer nominates for ``country`` in ``program``; False when they did not."""
    row = db.session.get(FocalPoint, (program.id, country, user.id))
    if row is None:
        return False
    db.session.delete(row)
    record(actor, "user.remove_role", user,
           {"role": "focal_point", "program": program.code, "country": country})
    _forget_roles(user)
    db.session.flush()
    return True


def grant_officer(actor: User, user: User, body: Institution) -> bool:
    """Make ``user`` an officer of the certifying body; False when they already were."""
    if body.kind != InstitutionKind.CERTIFYING_BODY:
        raise AdminError(_("%(name)s is not a certifying body.", name=body.name),
                         field="body_id")
    if db.session.get(BodyOfficer, (body.id, user.id)) is not None:
        return False
    db.session.add(BodyOfficer(institution_id=body.id, user_id=user.id))
    record(actor, "user.grant_role", user, None, {"role": "officer", "body": body.name})
    _forget_roles(user)
    db.session.flush()
    return True


def remove_officer(actor: User, user: User, body: Institution) -> bool:
    """``user`` is no longer an officer of ``body``; False when they were not."""
    row = db.session.get(BodyOfficer, (body.id, user.id))
    if row is None:
        return False
    db.session.delete(row)
    record(actor, "user.remove_role", user, {"role": "officer", "body": body.name})
    _forget_roles(user)
    db.session.flush()
    return True


def set_admin(actor: User, user: User, is_admin: bool) -> bool:
    """Grant or take away the administrator flag; False when nothing changes.

    Nobody takes it from themself: the site would keep no administrator who can
    give it back (another administrator must).
    """
    if user.is_admin == is_admin:
        return False
    if not is_admin and user.id == actor.id:
        raise AdminError(_("You cannot remove your own administrator role: ask another "
                           "administrator."))
    user.is_admin = is_admin
    if is_admin:
        record(actor, "user.grant_role", user, None, {"role": "admin"})
    else:
        record(actor, "user.remove_role", user, {"role": "admin"})
    db.session.flush()
    return True


# ---------------------------------------------------------------- accounts


def set_active(actor: User, user: User, active: bool) -> bool:
    """Deactivate or reactivate an account; False when nothing changes.

    A person with records is never deleted: deactivating keeps every record and
    only stops the sign-in (and ends the browsers signed in now).
    """
    if user.active == active:
        return False
    if not active and user.id == actor.id:
        raise AdminError(_("You cannot deactivate your own account."))
    user.active = active
    record(actor, "user.reactivate" if active else "user.deactivate", user,
           {"active": not active}, {"active": active})
    if not active:
        accounts.end_sessions(user, actor=actor)
    db.session.flush()
    return True


def end_sessions(actor: User, user: User) -> int:
    """Sign ``user`` out of every browser: the service ``lms users end-sessions`` uses."""
    return accounts.end_sessions(user, actor=actor)


# ---------------------------------------------------------------- institutions


def _check_kind(kind: str | None) -> str:
    if kind not in {k.value for k in InstitutionKind}:
        raise AdminError(_("Choose one of the kinds offered."), field="kind")
    return str(kind)


def _check_country(country: str | None) -> str:
    code = (country or "").strip().upper()
    if code not in country_codes():
        raise AdminError(_("Choose a country from the list."), field="country")
    return code


def _check_name_free(name: str, institution: Institution | None = None) -> None:
    # Names are unique; compared without case, so "Policía" and "POLICÍA" are one.
    query = select(Institution.id).where(func.lower(Institution.name) == name.lower())
    if institution is not None:
        query = query.where(Institution.id != institution.id)
    if db.session.scalar(query.limit(1)) is not None:
        raise AdminError(_("An institution with this name already exists."), field="name")


def _institution_state(institution: Institution) -> dict:
    return {"name": institution.name, "kind": institution.kind,
            "country": institution.country}


def _add_institution(institution: Institution) -> None:
    try:
        with db.session.begin_nested():
            db.session.add(institution)
    except IntegrityError as exc:  # the same name, saved by someone else meanwhile
        raise AdminError(_("An institution with this name already exists."),
                         field="name") from exc


def create_institution(actor: User, *, name: str | None, kind: str | None,
                       country: str | None) -> Institution:
    name = clean_name(name, "name", INSTITUTION_NAME_MAX)
    kind = _check_kind(kind)
    country = _check_country(country)
    _check_name_free(name)
    institution = Institution(name=name, kind=kind, country=country)
    _add_institution(institution)
    record(actor, "institution.create", institution, None, _institution_state(institution))
    db.session.flush()
    return institution


def update_institution(actor: User, institution: Institution, *, name: str | None,
                       kind: str | None, country: str | None) -> bool:
    """Change the name, kind or country; False when nothing changes.

    A certifying body with tracks, officers or certificates stays one: its tracks
    and certificates need a body behind them.
    """
    name = clean_name(name, "name", INSTITUTION_NAME_MAX)
    kind = _check_kind(kind)
    country = _check_country(country)
    _check_name_free(name, institution)
    if (institution.kind == InstitutionKind.CERTIFYING_BODY
            and kind != InstitutionKind.CERTIFYING_BODY):
        counts = merge_counts(institution)
        if counts.tracks or counts.officers or counts.certificates:
            raise AdminError(_("This certifying body has tracks, officers or certificates: "
                               "it must stay a certifying body."), field="kind")
    before = _institution_state(institution)
    after = {"name": name, "kind": kind, "country": country}
    changed = [key for key in after if before[key] != after[key]]
    if not changed:
        return False
    for key in changed:
        setattr(institution, key, after[key])
    record(actor, "institution.update", institution, {key: before[key] for key in changed},
           {key: after[key] for key in changed})
    db.session.flush()
    return True


@dataclass(frozen=True)
class MergeCounts:
    """How many rows name an institution: what a merge moves."""

    users: int
    cohorts: int
    tracks: int
    officers: int
    certificates: int

    @property
    def total(self) -> int:
        return self.users + self.cohorts + self.tracks + self.officers + self.certificates


def merge_counts(institution: Institution) -> MergeCounts:
    """The rows that refer to ``institution``, counted in one statement."""
    def count(column):
        return select(func.count()).where(column == institution.id).scalar_subquery()

    row = db.session.execute(select(
        count(User.institution_id), count(Cohort.host_institution_id),
        count(Track.certifying_body_id), count(BodyOfficer.institution_id),
        count(Certificate.issuer_id))).one()
    return MergeCounts(*row)


def check_merge(duplicate: Institution, target: Institution) -> MergeCounts:
    """What merging ``duplicate`` into ``target`` would move, or AdminError."""
    if duplicate.id == target.id:
        raise AdminError(_("Choose another institution to merge into."), field="target_id")
    counts = merge_counts(duplicate)
    if counts.certificates:
        # Signed certificates name their issuer by its address (/api/v1/issuers/<id>)
        # and point to its revocation list there: deleting it would leave every
        # credential it signed with an issuer and revocation list nobody can check.
        raise AdminError(_("%(name)s has issued certificates, which name it: merge the "
                           "other institution into it instead.", name=duplicate.name),
                         field="target_id")
    if (target.kind != InstitutionKind.CERTIFYING_BODY
            and (counts.tracks or counts.officers)):
        raise AdminError(_("%(name)s has tracks or officers of a certifying body: merge it "
                           "into a certifying body.", name=duplicate.name),
                         field="target_id")
    return counts


def merge_institutions(actor: User, duplicate: Institution,
                       target: Institution) -> MergeCounts:
    """Move every reference from ``duplicate`` to ``target`` and delete ``duplicate``.

    One transaction (the request's): either all of it is done or nothing.
    """
    counts = check_merge(duplicate, target)
    old, new = duplicate.id, target.id
    db.session.execute(update(User).where(User.institution_id == old)
                       .values(institution_id=new).execution_options(synchronize_session=False))
    db.session.execute(update(Cohort).where(Cohort.host_institution_id == old)
                       .values(host_institution_id=new)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(Track).where(Track.certifying_body_id == old)
                       .values(certifying_body_id=new)
                       .execution_options(synchronize_session=False))
    # An officer of both keeps the one row the key allows.
    both = select(BodyOfficer.user_id).where(BodyOfficer.institution_id == new)
    db.session.execute(delete(BodyOfficer).where(BodyOfficer.institution_id == old,
                                                 BodyOfficer.user_id.in_(both))
                       .execution_options(synchronize_session=False))
    db.session.execute(update(BodyOfficer).where(BodyOfficer.institution_id == old)
                       .values(institution_id=new)
                       .execution_options(synchronize_session=False))
    record(actor, "institution.merge", target,
           {"merged": {"id": old, **_institution_state(duplicate)}},
           {"users": counts.users, "cohorts": counts.cohorts, "tracks": counts.tracks,
            "officers": counts.officers})
    db.session.delete(duplicate)
    db.session.flush()
    # Objects already loaded still hold the old ids.
    db.session.expire_all()
    return counts
