"""Sign in and out, registration, password reset and the user's own profile."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import refresh as refresh_locale
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from limits import parse_many

from lms.accounts import commands, queries, services
from lms.accounts.forms import (
    EndSessionsForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
    SessionLookupForm,
)
from lms.errors import DomainError
from lms.extensions import account_and_address, client_address, rate_limited
from lms.web.pages import show_refusal
from lms.web.permissions import require
from lms.web.redirects import is_local, local_next, redirect_next

# Its commands are "lms users ...".
bp = Blueprint("accounts", __name__, cli_group="users")
bp.cli.add_command(commands.end_sessions)

# Where a signed-in person lands: their home page, one part per role they hold.
DASHBOARD = "web.home"


def _attempt_limit() -> str:
    return current_app.config["LMS_LOGIN_RATE_LIMIT"]


# The budgets above are per account (or email) and client address. Over them, one
# address has ADDRESS_CEILING times that budget whatever the emails posted: enough
# for a classroom behind one address, not for guessing passwords across every
# account or having the site mail every address one cares to type.
ADDRESS_CEILING = 10


def _address_limit() -> str:
    return ";".join(str(type(item)(item.amount * ADDRESS_CEILING, item.multiples))
                    for item in parse_many(_attempt_limit()))


def _refused(response) -> bool:
    """Only refused attempts count towards the limit, so that a classroom behind
    one address can still sign in or register together, while guessing is slowed."""
    return response.status_code >= 400


def _status(form: FlaskForm) -> int:
    """422 for a form that was sent and refused, 200 for a first visit."""
    return 422 if form.is_submitted() else 200


def _remembered() -> bool:
    cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return cookie in request.cookies


def _sign_in(user, remember: bool = False) -> None:
    """Sign ``user`` in on this browser, as a new session that can be ended."""
    services.start_session(user, user_agent=request.user_agent.string,
                           address=request.remote_addr)
    login_user(user, remember=remember)


# ---------------------------------------------------------------- sign in and out


@bp.route("/login", methods=["GET", "POST"])
@rate_limited(_attempt_limit, methods=["POST"], deduct_when=_refused,
              key_func=account_and_address)
@rate_limited(_address_limit, methods=["POST"], deduct_when=_refused,
              key_func=client_address)
def login():
    if current_user.is_authenticated:
        return redirect_next(DASHBOARD)
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            services.record_login(user)
            _sign_in(user, remember=form.remember.data)
            refresh_locale()
            return redirect_next(DASHBOARD)
        # One message whatever went wrong: nobody learns which addresses have accounts.
        error = _("The email or password is incorrect.")
    return render_template("accounts/login.html", form=form, error=error), _status(form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        # Ended on the server: copies of this browser's cookies, the remember-me
        # cookie included, no longer sign anyone in.
        services.end_session(current_user.browser_session)
    logout_user()
    refresh_locale()  # back to the browser's language
    flash(_("You have signed out."), "success")
    return redirect(url_for("web.home"))


@bp.route("/register", methods=["GET", "POST"])
# Every attempt counts, as for /reset: each one that is accepted sends a mail, and
# the budget per address and email keeps the form from mailing anyone over and over.
@rate_limited(_attempt_limit, methods=["POST"], key_func=account_and_address)
@rate_limited(_address_limit, methods=["POST"], key_func=client_address)
def register():
    if not current_app.config["LMS_ALLOW_REGISTRATION"]:
        abort(404)
    if current_user.is_authenticated:
        return redirect_next(DASHBOARD)
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            address = services.request_registration(
                email=form.email.data, full_name=form.full_name.data,
                password=form.password.data, locale=form.locale.data,
                country=form.country.data, gender=form.gender.data,
                next_path=local_next())
        except DomainError as error:
            show_refusal(form, error)
        else:
            # The same answer whether or not the address has an account: the mail
            # says which (a link to finish, or a notice to the account's holder).
            flash(_("We have sent a message to %(email)s. Open the link in it to finish "
                    "creating your account.", email=address), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/register.html", form=form), _status(form)


@bp.route("/register/<token>", methods=["GET", "POST"])
def confirm_registration(token: str):
    """The mailed link: a page with one button (a GET must not create the account,
    as mail scanners open links), which creates the account and signs it in."""
    if not current_app.config["LMS_ALLOW_REGISTRATION"]:
        abort(404)
    pending = services.pending_registration(token)
    if pending is None:
        return render_template("accounts/register_invalid.html"), 400
    if services.find_by_email(pending["email"]) is not None:
        return render_template("accounts/register_done.html", email=pending["email"]), 409
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            user = services.complete_registration(token)
        except DomainError:
            return render_template("accounts/register_done.html",
                                   email=pending["email"]), 409
        if current_user.is_authenticated:  # another account, signed in on this browser
            services.end_session(current_user.browser_session)
            logout_user()
        _sign_in(user)
        services.record_login(user)
        refresh_locale()  # the new account's language from now on
        flash(_("Welcome, %(name)s! Your account is ready.", name=user.full_name),
              "success")
        target = pending["next"]
        return redirect(target if is_local(target) else url_for(DASHBOARD))
    return render_template("accounts/register_confirm.html", pending=pending,
                           form=form), _status(form)


# ---------------------------------------------------------------- password reset


@bp.route("/reset", methods=["GET", "POST"])
@rate_limited(_attempt_limit, methods=["POST"], key_func=account_and_address)
@rate_limited(_address_limit, methods=["POST"], key_func=client_address)
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.send_reset_link(form.email.data)
        flash(_("If an account exists for that address, we have sent a link to reset "
                "its password."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_request.html", form=form), _status(form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = services.user_for_reset_token(token)
    if user is None:
        return render_template("accounts/reset_invalid.html"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(user, form.password.data)
        except DomainError as error:
            show_refusal(form, error)
        else:
            _sign_in(user)
            services.record_login(user)
            refresh_locale()
            flash(_("Your password has been changed. You are signed in."), "success")
            return redirect(url_for(DASHBOARD))
    return render_template("accounts/reset_password.html", form=form, user=user), \
        _status(form)


# ---------------------------------------------------------------- profile


def _render_profile(profile_form: ProfileForm, password_form: PasswordChangeForm,
                    status: int):
    user = current_user._get_current_object()
    return render_template("accounts/profile.html", form=profile_form,
                           password_form=password_form,
                           browsers=queries.open_sessions(user),
                           this_browser=user.browser_session), status


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)
    if form.validate_on_submit():
        try:
            services.update_profile(
                user, full_name=form.full_name.data, locale=form.locale.data,
                country=form.country.data, institution_id=form.institution_id.data,
                gender=form.gender.data, time_zone=form.time_zone.data)
        except DomainError as error:
            show_refusal(form, error)
        else:
            refresh_locale()  # the language just chosen, which the next page uses
            flash(_("Your profile has been saved."), "success")
            return redirect(url_for("accounts.profile"))
    return _render_profile(form, PasswordChangeForm(formdata=None), _status(form))


@bp.post("/profile/password")
@login_required
def change_password():
    user = current_user._get_current_object()
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(user, form.current_password.data,
                                     form.new_password.data)
        except DomainError as error:
            show_refusal(form, error)
        else:
            # The session id names the password: renew it here, so that only the
            # other browsers are signed out.
            login_user(user, remember=_remembered())
            flash(_("Your password has been changed. Other devices have been signed out."),
                  "success")
            return redirect(url_for("accounts.profile"))
    return _render_profile(ProfileForm(obj=user, formdata=None), form, 422)


@bp.post("/profile/sessions/end-others")
@login_required
def end_other_sessions():
    form = FlaskForm()  # the CSRF check
    if not form.validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    ended = services.end_sessions(user, keep=user.browser_session)
    flash(ngettext("%(num)d other browser has been signed out.",
                   "%(num)d other browsers have been signed out.", ended)
          if ended else _("No other browser was signed in."), "success")
    return redirect(url_for("accounts.profile"))


# ---------------------------------------------------------------- administration


@bp.get("/admin/sessions")
@login_required
def admin_sessions():
    require(current_user.is_admin)
    form = SessionLookupForm(request.args, meta={"csrf": False})
    user = browsers = None
    status = 200
    if request.args and not form.validate():
        status = 422  # a blank or overlong address is a mistyped form, not a missing user
    elif request.args:
        user = services.find_by_email(form.email.data)
        if user is None:
            form.email.errors = [_("There is no account with this email address.")]
            status = 404
        else:
            browsers = queries.open_sessions(user)
    return render_template("accounts/admin_sessions.html", form=form, user=user,
                           browsers=browsers, end_form=FlaskForm()), status


@bp.post("/admin/sessions/end")
@login_required
def admin_end_sessions():
    require(current_user.is_admin)
    form = EndSessionsForm()
    if not form.validate_on_submit():
        abort(400)
    user = queries.user_by_id(form.user_id.data)
    if user is None:
        abort(404)
    ended = services.end_sessions(user, actor=current_user._get_current_object())
    flash(ngettext("%(num)d session of %(email)s has been ended.",
                   "%(num)d sessions of %(email)s have been ended.", ended,
                   email=user.email), "success")
    return redirect(url_for("accounts.admin_sessions", email=user.email))
