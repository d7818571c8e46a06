"""The administration screens (``/admin``): administrators only, every one of them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from lms.accounts import services as accounts
from lms.accounts.models import INSTITUTION_KIND_TITLES, Institution, InstitutionKind, User
from lms.admin import queries, services
from lms.admin.forms import (
    ROLE_TITLES,
    ActiveForm,
    AuditFilterForm,
    EmailForm,
    InstitutionFilterForm,
    InstitutionForm,
    MergeForm,
    RoleGrantForm,
    RoleRemoveForm,
    UserFilterForm,
)
from lms.catalog.models import Program
from lms.errors import DomainError
from lms.extensions import db
from lms.i18n import country_name
from lms.web.pages import UNPROCESSABLE, page_number, show_refusal
from lms.web.permissions import require

# Every POST here is checked for its CSRF token by CSRFProtect (lms.extensions), so
# the buttons that only act (remove, end sessions) need no form class of their own.
bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _administrators_only() -> None:
    # One check for every screen here: none of them concerns an object someone
    # else may manage, so the permission is the administrator flag itself.
    require(current_user.is_authenticated and current_user.is_admin)


def _get(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def _actor() -> User:
    return current_user._get_current_object()


def _status(form) -> int:
    return UNPROCESSABLE if form.is_submitted() else 200


def _filters(form) -> dict:
    """The filters of a GET form that validated, for the pagination links."""
    return {name: value for name, value in request.args.items()
            if name != "page" and name in form and value}


@bp.get("")
def index():
    return render_template("admin/index.html")


# ---------------------------------------------------------------- users


@bp.get("/users")
def users():
    institutions = queries.institutions()
    form = UserFilterForm(request.args, institutions=institutions)
    status = 200
    if request.args and not form.validate():
        status = UNPROCESSABLE
        page = None
    else:
        page = queries.users_page(search=form.q.data, role=form.role.data,
                                  country=form.country.data,
                                  institution_id=form.institution.data, page=page_number())
    roles = queries.roles_of([user.id for user in page.items]) if page else {}
    return render_template("admin/users.html", form=form, page=page, roles=roles,
                           filters=_filters(form), role_titles=ROLE_TITLES), status


def _render_user(user: User, grant_form: RoleGrantForm | None = None, status: int = 200):
    programs = queries.programs()
    bodies = queries.certifying_bodies()
    if grant_form is None:
        grant_form = RoleGrantForm(formdata=None, programs=programs, bodies=bodies)
    return render_template("admin/user.html", detail=queries.user_detail(user),
                           grant_form=grant_form, role_titles=ROLE_TITLES), status


@bp.get("/users/<int:user_id>")
def user(user_id: int):
    return _render_user(_get(User, user_id))


@bp.post("/users/<int:user_id>/roles")
def grant_role(user_id: int):
    user = _get(User, user_id)
    form = RoleGrantForm(programs=queries.programs(), bodies=queries.certifying_bodies())
    if not form.validate():
        return _render_user(user, form, UNPROCESSABLE)
    try:
        changed = _grant(user, form)
    except DomainError as error:
        show_refusal(form, error)
        return _render_user(user, form, UNPROCESSABLE)
    if changed:
        flash(_("%(name)s is now %(role)s.", name=user.full_name,
                role=_role_label(form.role.data, form)), "success")
    else:
        flash(_("%(name)s already had this role.", name=user.full_name), "info")
    return redirect(url_for(".user", user_id=user.id))


# The roles given on a program, and those given on a certifying body.
PROGRAM_ROLES = ("coordinator", "observer", "focal_point")


def _role_label(role: str, form: RoleGrantForm) -> str:
    choices = dict(form.program_id.choices if role in PROGRAM_ROLES
                   else form.body_id.choices if role == "officer" else [])
    target = choices.get(form.program_id.data if role in PROGRAM_ROLES
                         else form.body_id.data)
    title = str(ROLE_TITLES[role])
    if role == "focal_point" and target:
        target = f"{target}, {country_name(form.country.data)}"
    return f"{title} ({target})" if target else title


def _grant(user: User, form: RoleGrantForm) -> bool:
    role = form.role.data
    if role == "coordinator":
        if form.program_id.data is None:
            raise services.AdminError(_("Choose the program to coordinate."),
                                      field="program_id")
        return services.grant_coordinator(_actor(), user, _get(Program, form.program_id.data))
    if role == "observer":
        if form.program_id.data is None:
            raise services.AdminError(_("Choose the program to observe."),
                                      field="program_id")
        return services.grant_observer(_actor(), user, _get(Program, form.program_id.data))
    if role == "focal_point":
        if form.program_id.data is None:
            raise services.AdminError(_("Choose the program to nominate for."),
                                      field="program_id")
        if not form.country.data:
            raise services.AdminError(_("Choose the country the focal point nominates for."),
                                      field="country")
        return services.grant_focal_point(_actor(), user, _get(Program, form.program_id.data),
                                          form.country.data)
    if role == "officer":
        if form.body_id.data is None:
            raise services.AdminError(_("Choose the certifying body."), field="body_id")
        return services.grant_officer(_actor(), user, _get(Institution, form.body_id.data))
    return services.set_admin(_actor(), user, True)


@bp.post("/users/<int:user_id>/roles/remove")
def remove_role(user_id: int):
    user = _get(User, user_id)
    form = RoleRemoveForm()
    if not form.validate() or form.role.data not in {"coordinator", "observer", "officer",
                                                     "focal_point", "admin"}:
        abort(400)
    try:
        if form.role.data == "coordinator":
            changed = services.remove_coordinator(
                _actor(), user, _get(Program, form.object_id.data or 0))
        elif form.role.data == "observer":
            changed = services.remove_observer(
                _actor(), user, _get(Program, form.object_id.data or 0))
        elif form.role.data == "focal_point":
            changed = services.remove_focal_point(
                _actor(), user, _get(Program, form.object_id.data or 0),
                (form.country.data or "").upper())
        elif form.role.data == "officer":
            changed = services.remove_officer(
                _actor(), user, _get(Institution, form.object_id.data or 0))
        else:
            changed = services.set_admin(_actor(), user, False)
    except DomainError as error:
        flash(error.message, "error")
        return _render_user(user, status=UNPROCESSABLE)
    if changed:
        flash(_("The role was removed from %(name)s.", name=user.full_name), "success")
    return redirect(url_for(".user", user_id=user.id))


@bp.post("/users/<int:user_id>/active")
def set_active(user_id: int):
    user = _get(User, user_id)
    form = ActiveForm()
    if not form.validate() or form.active.data not in {"0", "1"}:
        abort(400)
    active = form.active.data == "1"
    try:
        changed = services.set_active(_actor(), user, active)
    except DomainError as error:
        flash(error.message, "error")
        return _render_user(user, status=UNPROCESSABLE)
    if changed:
        flash(_("%(name)s can sign in again.", name=user.full_name) if active
              else _("%(name)s can no longer sign in; their records are kept.",
                     name=user.full_name), "success")
    return redirect(url_for(".user", user_id=user.id))


@bp.post("/users/<int:user_id>/end-sessions")
def end_sessions(user_id: int):
    user = _get(User, user_id)
    ended = services.end_sessions(_actor(), user)
    flash(ngettext("%(num)d session of %(email)s has been ended.",
                   "%(num)d sessions of %(email)s have been ended.", ended,
                   email=user.email), "success")
    return redirect(url_for(".user", user_id=user.id))


# ---------------------------------------------------------------- institutions


@bp.get("/institutions")
def institutions():
    form = InstitutionFilterForm(request.args)
    status = 200
    page = None
    if request.args and not form.validate():
        status = UNPROCESSABLE
    else:
        page = queries.institutions_page(kind=form.kind.data, country=form.country.data,
                                         page=page_number())
    members = queries.members_counts([i.id for i in page.items]) if page else {}
    return render_template("admin/institutions.html", form=form, page=page,
                           members=members, filters=_filters(form),
                           kind_titles=_kind_titles()), status


def _kind_titles() -> dict[str, str]:
    return {kind.value: str(title) for kind, title in INSTITUTION_KIND_TITLES.items()}


@bp.route("/institutions/new", methods=["GET", "POST"])
def new_institution():
    form = InstitutionForm()
    if form.validate_on_submit():
        try:
            institution = services.create_institution(
                _actor(), name=form.name.data, kind=form.kind.data, country=form.country.data)
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("Institution %(name)s created.", name=institution.name), "success")
            return redirect(url_for(".institution", institution_id=institution.id))
    return render_template("admin/institution_form.html", form=form,
                           institution=None), _status(form)


def _render_institution(institution: Institution, officer_form: EmailForm | None = None,
                        status: int = 200):
    is_body = institution.kind == InstitutionKind.CERTIFYING_BODY
    return render_template(
        "admin/institution.html", institution=institution,
        counts=services.merge_counts(institution),
        officers=queries.officers(institution) if is_body else None,
        officer_form=officer_form or EmailForm(formdata=None), is_body=is_body,
        kind_titles=_kind_titles(),
        audit=queries.audit_rows_about("institutions", institution.id,
                                       queries.RECENT_AUDIT_ROWS)), status


@bp.get("/institutions/<int:institution_id>")
def institution(institution_id: int):
    return _render_institution(_get(Institution, institution_id))


@bp.route("/institutions/<int:institution_id>/edit", methods=["GET", "POST"])
def edit_institution(institution_id: int):
    institution = _get(Institution, institution_id)
    form = InstitutionForm(obj=institution)
    if form.validate_on_submit():
        try:
            services.update_institution(_actor(), institution, name=form.name.data,
                                        kind=form.kind.data, country=form.country.data)
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(_("Institution saved."), "success")
            return redirect(url_for(".institution", institution_id=institution.id))
    return render_template("admin/institution_form.html", form=form,
                           institution=institution), _status(form)


@bp.route("/institutions/<int:institution_id>/merge", methods=["GET", "POST"])
def merge_institution(institution_id: int):
    """Choose the institution to keep, see what moves, confirm: three steps, two posts."""
    duplicate = _get(Institution, institution_id)
    others = [i for i in queries.institutions() if i.id != duplicate.id]
    form = MergeForm(institutions=others)
    if form.validate_on_submit():
        target = _get(Institution, form.target_id.data)
        try:
            if form.confirm.data == "yes":
                name = duplicate.name
                services.merge_institutions(_actor(), duplicate, target)
                flash(_("%(duplicate)s was merged into %(target)s.",
                        duplicate=name, target=target.name), "success")
                return redirect(url_for(".institution", institution_id=target.id))
            counts = services.check_merge(duplicate, target)
        except DomainError as error:
            show_refusal(form, error)
        else:
            form.confirm.data = "yes"
            # Asking to confirm is not a refusal: the page answers 200.
            return render_template("admin/institution_merge.html", form=form,
                                   duplicate=duplicate, target=target, counts=counts)
    return render_template("admin/institution_merge.html", form=form, duplicate=duplicate,
                           target=None, counts=None), _status(form)


@bp.post("/institutions/<int:institution_id>/officers")
def add_officer(institution_id: int):
    body = _get(Institution, institution_id)
    form = EmailForm()
    if form.validate():
        try:
            user = _user_by_email(form.email.data)
            changed = services.grant_officer(_actor(), user, body)
        except DomainError as error:
            show_refusal(form, error)
        else:
            if changed:
                flash(_("%(name)s is now an officer of %(body)s.", name=user.full_name,
                        body=body.name), "success")
            else:
                flash(_("%(name)s already is an officer of %(body)s.", name=user.full_name,
                        body=body.name), "info")
            return redirect(url_for(".institution", institution_id=body.id))
    return _render_institution(body, form, UNPROCESSABLE)


@bp.post("/institutions/<int:institution_id>/officers/<int:user_id>/remove")
def remove_officer(institution_id: int, user_id: int):
    body = _get(Institution, institution_id)
    user = _get(User, user_id)
    if services.remove_officer(_actor(), user, body):
        flash(_("%(name)s is no longer an officer of %(body)s.", name=user.full_name,
                body=body.name), "success")
    return redirect(url_for(".institution", institution_id=body.id))


def _user_by_email(email: str) -> User:
    try:
        address = accounts.normalise_email(email)
    except DomainError as error:
        raise services.AdminError(error.message, field="email") from error
    user = accounts.find_by_email(address)
    if user is None:
        raise services.AdminError(_("There is no account with this email address."),
                                  field="email")
    return user


# ---------------------------------------------------------------- programs


def _render_programs(forms: dict[int, EmailForm] | None = None, status: int = 200,
                     observer_forms: dict[int, EmailForm] | None = None):
    programs = queries.programs()
    forms = forms or {}
    observer_forms = observer_forms or {}
    return render_template(
        "admin/programs.html", programs=programs,
        coordinators=queries.coordinators_by_program(),
        observers=queries.observers_by_program(),
        forms={p.id: forms.get(p.id) or EmailForm(formdata=None, prefix=f"p{p.id}")
               for p in programs},
        observer_forms={p.id: observer_forms.get(p.id)
                        or EmailForm(formdata=None, prefix=f"o{p.id}") for p in programs}
    ), status


@bp.get("/programs")
def programs():
    return _render_programs()


def _add_program_role(program_id: int, prefix: str, grant, granted, already, forms_key: str):
    """The add-by-email form of a per-program role (coordinators, observers)."""
    program = _get(Program, program_id)
    form = EmailForm(prefix=f"{prefix}{program.id}")
    if form.validate():
        try:
            user = _user_by_email(form.email.data)
            changed = grant(_actor(), user, program)
        except DomainError as error:
            show_refusal(form, error)
        else:
            message = granted if changed else already
            flash(message(user.full_name, program.code), "success" if changed else "info")
            return redirect(url_for(".programs"))
    return _render_programs(status=UNPROCESSABLE, **{forms_key: {program.id: form}})


@bp.post("/programs/<int:program_id>/coordinators")
def add_coordinator(program_id: int):
    return _add_program_role(
        program_id, "p", services.grant_coordinator,
        lambda name, code: _("%(name)s now coordinates %(program)s.", name=name, program=code),
        lambda name, code: _("%(name)s already coordinates %(program)s.", name=name,
                             program=code),
        "forms")


@bp.post("/programs/<int:program_id>/coordinators/<int:user_id>/remove")
def remove_coordinator(program_id: int, user_id: int):
    program = _get(Program, program_id)
    user = _get(User, user_id)
    if services.remove_coordinator(_actor(), user, program):
        flash(_("%(name)s no longer coordinates %(program)s.", name=user.full_name,
                program=program.code), "success")
    return redirect(url_for(".programs"))


@bp.post("/programs/<int:program_id>/observers")
def add_observer(program_id: int):
    return _add_program_role(
        program_id, "o", services.grant_observer,
        lambda name, code: _("%(name)s now observes %(program)s.", name=name, program=code),
        lambda name, code: _("%(name)s already observes %(program)s.", name=name,
                             program=code),
        "observer_forms")


@bp.post("/programs/<int:program_id>/observers/<int:user_id>/remove")
def remove_observer(program_id: int, user_id: int):
    program = _get(Program, program_id)
    user = _get(User, user_id)
    if services.remove_observer(_actor(), user, program):
        flash(_("%(name)s no longer observes %(program)s.", name=user.full_name,
                program=program.code), "success")
    return redirect(url_for(".programs"))


# ---------------------------------------------------------------- audit log


@bp.get("/audit")
def audit():
    object_types, actions = queries.audit_filter_choices()
    form = AuditFilterForm(request.args, object_types=object_types, actions=actions)
    status = 200
    page = rows = None
    if request.args and not form.validate():
        status = UNPROCESSABLE
    else:
        page, rows = queries.audit_page(actor_email=form.actor.data,
                                  object_type=form.object_type.data,
                                  object_id=form.object_id.data, action=form.action.data,
                                  page=page_number())
    return render_template("admin/audit.html", form=form, page=page, rows=rows,
                           filters=_filters(form)), status
