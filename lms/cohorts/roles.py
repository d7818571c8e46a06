"""Granting roles, as ``lms create-user`` does: some roles name a program or a cohort.

It lives on the cohorts floor because it looks up programs and cohorts; the
account rules it applies are those of lms.accounts.services.
"""

from __future__ import annotations

from flask_babel import gettext as _

from lms.accounts import services as accounts
from lms.accounts.models import (
    BodyOfficer,
    FocalPoint,
    Institution,
    InstitutionKind,
    ProgramCoordinator,
    ProgramObserver,
    Role,
    User,
)
from lms.accounts.services import AccountError
from lms.audit.services import record
from lms.catalog.models import Program
from lms.cohorts.models import Cohort
from lms.extensions import db


def create_user_with_role(*, email: str, full_name: str, password: str, role: str,
                          program_code: str | None = None, cohort_code: str | None = None,
                          body_name: str | None = None, locale: str = "en",
                          country: str | None = None, actor: User | None = None) -> User:
    """Create a user with ``role``, or grant the role to the user who has this email.

    An existing user keeps their name, password and settings: only the role is added.
    Everything is checked before anything is written.
    """
    try:
        role = Role(role)
    except ValueError as exc:
        raise AccountError(_("Unknown role: %(role)s.", role=role), field="role") from exc
    email = accounts.normalise_email(email)
    country = accounts.check_country(country, required=False)
    user = accounts.find_by_email(email)
    if user is None:
        full_name = accounts.validate_full_name(full_name)
        accounts.check_password_rules(password, email)
        locale = accounts.check_locale(locale)

    program = cohort = body = None
    body_country: str | None = None
    focal_country: str | None = None
    if role is Role.FOCAL_POINT:
        # The country nominated for: the one given, else the user's own.
        focal_country = country or (user.country if user is not None else None)
        if not focal_country:
            raise AccountError(_("A national focal point needs a country."), field="country")
    if role in (Role.COORDINATOR, Role.OBSERVER, Role.FOCAL_POINT):
        if not program_code:
            raise AccountError(_("A coordinator needs a program code.")
                               if role is Role.COORDINATOR
                               else _("An observer needs a program code.")
                               if role is Role.OBSERVER
                               else _("A national focal point needs a program code."),
                               field="program_code")
        program = db.session.scalar(db.select(Program).where(Program.code == program_code))
        if program is None:
            raise AccountError(_("There is no program with the code %(code)s.",
                                 code=program_code), field="program_code")
    elif role is Role.INSTRUCTOR:
        if not cohort_code:
            raise AccountError(_("An instructor needs a cohort code."), field="cohort_code")
        cohort = db.session.scalar(db.select(Cohort).where(Cohort.code == cohort_code))
        if cohort is None:
            raise AccountError(_("There is no cohort with the code %(code)s.",
                                 code=cohort_code), field="cohort_code")
    elif role is Role.OFFICER:
        body_name = " ".join((body_name or "").split())
        if not body_name:
            raise AccountError(_("An officer needs the name of a certifying body."),
                               field="body_name")
        body = db.session.scalar(db.select(Institution).where(Institution.name == body_name))
        if body is not None and body.kind != InstitutionKind.CERTIFYING_BODY:
            raise AccountError(_("%(name)s is not a certifying body.", name=body_name),
                               field="body_name")
        body_country = (user.country if user is not None else None) or country
        if body is None and not body_country:
            raise AccountError(_("A new certifying body needs a country: give the user's "
                                 "country."), field="country")

    if user is None:
        user = User(email=email, full_name=full_name, locale=locale, country=country,
                    is_admin=False, active=True)
        user.set_password(password)
        accounts.add_user(user)
        record(actor, "user.create", user, None,
               {"email": email, "full_name": full_name, "locale": locale, "country": country})

    granted: dict[str, object] = {"role": role.value}
    if program is not None and role is Role.FOCAL_POINT:
        granted.update(program=program.code, country=focal_country)
        if db.session.get(FocalPoint, (program.id, focal_country, user.id)) is None:
            db.session.add(FocalPoint(program_id=program.id, country=focal_country,
                                      user_id=user.id))
    elif program is not None and role is Role.OBSERVER:
        granted["program"] = program.code
        if program.id not in user.observed_program_ids:
            db.session.add(ProgramObserver(program_id=program.id, user_id=user.id))
    elif program is not None:
        granted["program"] = program.code
        if program.id not in user.coordinated_program_ids:
            db.session.add(ProgramCoordinator(program_id=program.id, user_id=user.id))
    elif cohort is not None:
        granted["cohort"] = cohort.code
        if user not in cohort.instructors:
            cohort.instructors.append(user)
    elif role is Role.OFFICER:
        if body is None:
            body = Institution(name=body_name, kind=InstitutionKind.CERTIFYING_BODY,
                               country=body_country)
            db.session.add(body)
            db.session.flush()
            record(actor, "institution.create", body, None,
                   {"name": body.name, "kind": body.kind, "country": body.country})
        granted["body"] = body.name
        officer = db.session.get(BodyOfficer, (body.id, user.id))
        if officer is None:
            db.session.add(BodyOfficer(institution_id=body.id, user_id=user.id))
    elif role is Role.ADMIN:
        user.is_admin = True
    if role is not Role.TRAINEE:
        record(actor, "user.grant_role", user, None, granted)
    # Role caches on the instance would now be stale.
    user.__dict__.pop("_role_ids", None)
    db.session.flush()
    return user
