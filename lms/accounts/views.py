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
from flask_babel import refresh as refresh_locale
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm

from lms.accounts import services
from lms.accounts.forms import (
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from lms.errors import DomainError
from lms.extensions import account_and_address, rate_limited
from lms.web.redirects import redirect_next

bp = Blueprint("accounts", __name__)

DASHBOARD = "cohorts.dashboard"


def _attempt_limit() -> str:
    return current_app.config["LMS_LOGIN_RATE_LIMIT"]


def _refused(response) -> bool:
    """Only refused attempts count towards the limit, so that a classroom behind
    one address can still sign in or register together, while guessing is slowed."""
    return response.status_code >= 400


def _show_error(form: FlaskForm, error: DomainError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")


def _status(form: FlaskForm) -> int:
    """422 for a form that was sent and refused, 200 for a first visit."""
    return 422 if form.is_submitted() else 200


def _remembered() -> bool:
    cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return cookie in request.cookies


# ---------------------------------------------------------------- sign in and out


@bp.route("/login", methods=["GET", "POST"])
@rate_limited(_attempt_limit, methods=["POST"], deduct_when=_refused,
              key_func=account_and_address)
def login():
    if current_user.is_authenticated:
        return redirect_next(DASHBOARD)
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            services.record_login(user)
            login_user(user, remember=form.remember.data)
            refresh_locale()
            return redirect_next(DASHBOARD)
        # One message whatever went wrong: nobody learns which addresses have accounts.
        error = _("The email or password is incorrect.")
    return render_template("accounts/login.html", form=form, error=error), _status(form)


@bp.post("/logout")
def logout():
    logout_user()
    refresh_locale()  # back to the browser's language
    flash(_("You have signed out."), "success")
    return redirect(url_for("web.home"))


@bp.route("/register", methods=["GET", "POST"])
@rate_limited(_attempt_limit, methods=["POST"], deduct_when=_refused)
def register():
    if not current_app.config["LMS_ALLOW_REGISTRATION"]:
        abort(404)
    if current_user.is_authenticated:
        return redirect_next(DASHBOARD)
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.register_user(
                email=form.email.data, full_name=form.full_name.data,
                password=form.password.data, locale=form.locale.data,
                country=form.country.data)
        except DomainError as error:
            _show_error(form, error)
        else:
            login_user(user)
            refresh_locale()  # the new account's language from now on
            flash(_("Welcome, %(name)s! Your account is ready.", name=user.full_name),
                  "success")
            return redirect_next(DASHBOARD)
    return render_template("accounts/register.html", form=form), _status(form)


# ---------------------------------------------------------------- password reset


@bp.route("/reset", methods=["GET", "POST"])
@rate_limited(_attempt_limit, methods=["POST"], key_func=account_and_address)
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
            _show_error(form, error)
        else:
            login_user(user)
            services.record_login(user)
            refresh_locale()
            flash(_("Your password has been changed. You are signed in."), "success")
            return redirect(url_for(DASHBOARD))
    return render_template("accounts/reset_password.html", form=form, user=user), \
        _status(form)


# ---------------------------------------------------------------- profile


def _render_profile(profile_form: ProfileForm, password_form: PasswordChangeForm,
                    status: int):
    return render_template("accounts/profile.html", form=profile_form,
                           password_form=password_form), status


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
                gender=form.gender.data)
        except DomainError as error:
            _show_error(form, error)
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
            _show_error(form, error)
        else:
            # The session id names the password: renew it here, so that only the
            # other browsers are signed out.
            login_user(user, remember=_remembered())
            flash(_("Your password has been changed. Other devices have been signed out."),
                  "success")
            return redirect(url_for("accounts.profile"))
    return _render_profile(ProfileForm(obj=user, formdata=None), form, 422)
