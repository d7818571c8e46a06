"""Every change to accounts: validate, write, audit, flush (never commit).

Rules raise ``AccountError`` (a ``DomainError``) with a translated message
before anything is written, naming the form field at fault.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import unicodedata
from datetime import timedelta
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.security import check_password_hash, generate_password_hash

from lms.accounts.models import Gender, Institution, User, UserSession
from lms.accounts.queries import token_hash
from lms.audit.services import record
from lms.errors import DomainError, has_markup_or_hidden
from lms.extensions import db
from lms.i18n import LANGUAGES, country_codes
from lms.kernel import clock, glyphs, mail
from lms.kernel.zones import MAX_ZONE_LENGTH, is_known_zone
from lms.web.urls import absolute_url

PASSWORD_MIN = 10
PASSWORD_MAX = 128
NAME_MIN = 2
NAME_MAX = 120
RESET_SALT = "password-reset"
# How long a mailed link to finish registering works.
REGISTRATION_MAX_AGE = 2 * 24 * 3600


class AccountError(DomainError):
    """An account rule refused the change; nothing was written."""


# ---------------------------------------------------------------- rules


def normalise_email(email: str | None) -> str:
    """The address as we store it: trimmed, lower-cased, syntactically valid."""
    raw = (email or "").strip()
    if not raw:
        raise AccountError(_("Enter your email address."), field="email")
    try:
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as exc:
        raise AccountError(_("Enter a valid email address, like name@example.org."),
                           field="email") from exc
    return result.normalized.lower()


def validate_full_name(name: str | None) -> str:
    """The name as it will be printed on certificates, cleaned, or AccountError.

    This is the one place that decides which names we accept; a rule about what
    the certificate fonts can print belongs here too.
    """
    clean = unicodedata.normalize("NFC", " ".join((name or "").split()))
    if len(clean) < NAME_MIN:
        raise AccountError(_("Enter your full name."), field="full_name")
    if len(clean) > NAME_MAX:
        raise AccountError(_("Your name can have at most %(max)s characters.", max=NAME_MAX),
                           field="full_name")
    if has_markup_or_hidden(clean):  # the characters lms.errors.clean_name refuses too
        raise AccountError(_("Your name cannot contain the characters < > { } or "
                             "invisible control characters."), field="full_name")
    if not any(ch.isalpha() for ch in clean):
        raise AccountError(_("Your name must contain letters."), field="full_name")
    unprintable = glyphs.unprintable_characters(clean)
    if unprintable:
        raise AccountError(_("Certificates cannot print these characters in a name: "
                             "%(chars)s. Write your name in Latin, Greek or Cyrillic "
                             "letters.", chars=" ".join(unprintable)), field="full_name")
    return clean


def check_password_rules(password: str | None, email: str | None = None,
                         field: str = "password") -> str:
    """Refuse passwords that are too short, too long, or the account's email."""
    password = password or ""
    if len(password) < PASSWORD_MIN:
        raise AccountError(_("Choose a password of at least %(min)s characters.",
                             min=PASSWORD_MIN), field=field)
    if len(password) > PASSWORD_MAX:
        raise AccountError(_("Choose a password of at most %(max)s characters.",
                             max=PASSWORD_MAX), field=field)
    if email and password.strip().lower() == email.strip().lower():
        raise AccountError(_("Choose a password that is not your email address."), field=field)
    return password


def check_locale(locale: str | None) -> str:
    """``locale`` if the site offers that language, else AccountError."""
    if locale not in LANGUAGES:
        raise AccountError(_("Choose one of the languages offered."), field="locale")
    return locale


def check_country(country: str | None, required: bool = True) -> str | None:
    """The ISO 3166 alpha-2 code, upper-cased; None only when not ``required``."""
    code = (country or "").strip().upper()
    if not code:
        if required:
            raise AccountError(_("Choose your country."), field="country")
        return None
    if code not in country_codes():
        raise AccountError(_("Choose a country from the list."), field="country")
    return code


def check_time_zone(zone: str | None) -> str | None:
    """An IANA zone name the site knows ("America/Bogota"), or None for "my country's"."""
    name = (zone or "").strip()
    if not name:
        return None
    if len(name) > MAX_ZONE_LENGTH or not is_known_zone(name):
        raise AccountError(_("Unknown time zone %(zone)s: choose one from the list, such as "
                             "America/Bogota.", zone=name[:MAX_ZONE_LENGTH]),
                           field="time_zone")
    return name


def _check_gender(gender: str | None) -> str | None:
    if not gender:
        return None
    if gender not in {g.value for g in Gender}:
        raise AccountError(_("Choose one of the options offered."), field="gender")
    return gender


def find_by_email(email: str) -> User | None:
    """The account with this address; emails are stored lower-cased."""
    return db.session.scalar(db.select(User).where(User.email == email.strip().lower()))


def _profile(user: User) -> dict:
    return {"full_name": user.full_name, "locale": user.locale, "country": user.country,
            "institution_id": user.institution_id, "gender": user.gender,
            "time_zone": user.time_zone}


# A keyword left out of update_profile: keep what is stored.
_UNCHANGED = object()


def _changes(before: dict, after: dict) -> tuple[dict, dict]:
    keys = [key for key in after if before.get(key) != after[key]]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


def add_user(user: User) -> None:
    """Insert ``user``; a concurrent insert of the same email becomes an AccountError."""
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError as exc:
        raise AccountError(_("An account with this email already exists."),
                           field="email") from exc


# ---------------------------------------------------------------- registration and sign in


def request_registration(*, email: str, full_name: str, password: str, locale: str,
                         country: str | None, gender: str | None = None,
                         next_path: str | None = None) -> str:
    """Check a self-registration and mail the address; write nothing. The address.

    A new address gets a link that creates the account; an address that has an
    account already gets a notice (sign in, or reset the password) instead. The
    visitor sees the same answer, after the same work (the password is hashed
    either way), so the form tells nobody which addresses have accounts.
    """
    email = normalise_email(email)
    full_name = validate_full_name(full_name)
    check_password_rules(password, email)
    locale = check_locale(locale)
    country = check_country(country)
    gender = _check_gender(gender)
    password_hash = generate_password_hash(password)
    holder = find_by_email(email)
    if holder is not None:
        _mail_registration_notice(holder)
        return email
    token = _registration_box().encrypt(json.dumps({
        "email": email, "full_name": full_name, "locale": locale, "country": country,
        "gender": gender, "password_hash": password_hash, "next": next_path}).encode())
    link = absolute_url("accounts.confirm_registration", token=token.decode())
    with force_locale(locale):
        subject = _("Finish creating your account")
        days = max(1, REGISTRATION_MAX_AGE // 86400)
        validity = ngettext("The link works for %(num)d day.",
                            "The link works for %(num)d days.", days)
        body = _("Hello %(name)s,\n\n"
                 "Open this link to finish creating your account on the OAS training and "
                 "certification site:\n\n%(link)s\n\n"
                 "%(validity)s If you did not ask for an account, "
                 "you can ignore this message: nothing is created without it.",
                 name=full_name, link=link, validity=validity)
    mail.send(email, subject, body)
    return email


def _mail_registration_notice(holder: User) -> None:
    sign_in = absolute_url("accounts.login")
    reset = absolute_url("accounts.reset_request")
    with force_locale(holder.locale if holder.locale in LANGUAGES else "en"):
        subject = _("Someone tried to register with your address")
        body = _("Hello %(name)s,\n\n"
                 "Someone, perhaps you, tried to create an account on the OAS training "
                 "and certification site with this address. You already have an account, "
                 "so nothing was created.\n\n"
                 "If it was you, sign in here:\n%(sign_in)s\n\n"
                 "or, if you have forgotten your password, choose a new one here:\n"
                 "%(reset)s\n\n"
                 "If it was not you, you can ignore this message.",
                 name=holder.full_name, sign_in=sign_in, reset=reset)
    mail.send(holder.email, subject, body)


def _registration_box() -> Fernet:
    """Encrypts registration links: they carry the password's hash, which nobody
    who sees the link (a mail log, a proxy) should be able to attack offline."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"lms registration link").derive(
        str(current_app.config["SECRET_KEY"]).encode())
    return Fernet(base64.urlsafe_b64encode(key))


def pending_registration(token: str) -> dict | None:
    """What a registration link asks for, if it is ours and not expired; else None."""
    try:
        data = json.loads(_registration_box().decrypt(token.encode(),
                                                      ttl=REGISTRATION_MAX_AGE))
    except (InvalidToken, ValueError):
        return None
    keys = {"email", "full_name", "locale", "country", "password_hash", "next"}
    # "gender" is optional: links mailed before it was asked carry no such key.
    if not isinstance(data, dict) or not keys <= set(data) <= keys | {"gender"}:
        return None
    return data


def complete_registration(token: str) -> User:
    """Create the trainee account a registration link asks for (it proves the address)."""
    data = pending_registration(token)
    if data is None:
        raise AccountError(_("This link no longer works"))
    if find_by_email(data["email"]) is not None:
        raise AccountError(_("An account with this email already exists."), field="email")
    # The link is ours, but the choices may have changed since it was mailed: an answer
    # no longer offered becomes no answer, which the profile can change.
    gender = data.get("gender") if data.get("gender") in {g.value for g in Gender} else None
    user = User(email=data["email"], full_name=data["full_name"], locale=data["locale"],
                country=data["country"], gender=gender,
                password_hash=data["password_hash"], is_admin=False, active=True)
    add_user(user)
    record(user, "user.register", user, None,
           {"email": user.email, "full_name": user.full_name, "locale": user.locale,
            "country": user.country, "gender": user.gender})
    db.session.flush()
    return user


@cache
def _dummy_hash() -> str:
    # Same method and cost as real hashes, so unknown emails take as long as known ones.
    return generate_password_hash("not-a-password-of-anyone")


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, else None (whatever the reason)."""
    try:
        address = normalise_email(email)
    except AccountError:
        address = (email or "").strip().lower()
    user = find_by_email(address) if address else None
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(), password or "")
        return None
    if not user.check_password(password or ""):
        return None
    return user if user.active else None


def record_login(user: User) -> None:
    """Remember when the user last signed in (not audited: it changes no data of theirs)."""
    user.last_login_at = clock.now()
    db.session.flush()


# ---------------------------------------------------------------- signed-in browsers

# How stale "last seen" may get: it is written at most this often per browser.
SESSION_TOUCH_INTERVAL = timedelta(minutes=5)

# (pattern, name): the first match wins, so more specific names come first.
_BROWSERS = [(r"Edg(e|A|iOS)?/", "Edge"), (r"OPR/|Opera", "Opera"),
             (r"Firefox/|FxiOS/", "Firefox"), (r"Chrome/|CriOS/|Chromium/", "Chrome"),
             (r"Safari/", "Safari")]
_SYSTEMS = [(r"Windows", "Windows"), (r"Android", "Android"),
            (r"iPhone|iPad|iPod", "iOS"), (r"Mac OS X|Macintosh", "macOS"),
            (r"CrOS", "ChromeOS"), (r"Linux", "Linux")]


def summarise_user_agent(user_agent: str | None) -> str:
    """"Firefox, Linux": enough for people to recognise their browsers, no more."""
    text = user_agent or ""
    browser = next((name for pattern, name in _BROWSERS if re.search(pattern, text)), "")
    system = next((name for pattern, name in _SYSTEMS if re.search(pattern, text)), "")
    return ", ".join(part for part in (browser, system) if part)


def start_session(user: User, *, user_agent: str | None, address: str | None) -> UserSession:
    """Record a browser signing in as ``user``; its cookies will name the new session.

    The token is kept only on the user object for this request (``get_id``) and,
    hashed, in the table.
    """
    token = secrets.token_urlsafe(32)
    browser = UserSession(user_id=user.id, token_hash=token_hash(token),
                          user_agent=summarise_user_agent(user_agent),
                          address=(address or None) and address[:45])
    db.session.add(browser)
    db.session.flush()
    user.attach_browser_session(browser, token)
    return browser


def touch_session(browser: UserSession) -> None:
    """Note that the browser was seen, at most every SESSION_TOUCH_INTERVAL."""
    now = clock.now()
    if now - clock.as_utc(browser.last_seen_at) < SESSION_TOUCH_INTERVAL:
        return
    try:
        with db.session.begin_nested():
            browser.last_seen_at = now
    except OperationalError:
        # The database is busy with writers (SQLite's one lock): this bookkeeping
        # is not worth a refused page, and a later page view writes it.
        return


def end_session(browser: UserSession | None) -> None:
    """Sign this browser out: its session and remember-me cookies stop working."""
    if browser is None or browser.ended_at is not None:
        return
    browser.ended_at = clock.now()
    db.session.flush()


def end_sessions(user: User, *, keep: UserSession | None = None,
                 actor: User | None = None) -> int:
    """End every open session of ``user`` but ``keep``; how many were ended."""
    ended = _end_open_sessions(user, keep)
    if ended:
        record(actor or user, "user.end_sessions", user, None,
               {"sessions": ended, "kept_current": keep is not None})
    db.session.flush()
    return ended


def _end_open_sessions(user: User, keep: UserSession | None) -> int:
    conditions = [UserSession.user_id == user.id, UserSession.ended_at.is_(None)]
    if keep is not None:
        conditions.append(UserSession.id != keep.id)
    return db.session.execute(
        db.update(UserSession).where(*conditions).values(ended_at=clock.now())
        .execution_options(synchronize_session="fetch")).rowcount


# ---------------------------------------------------------------- profile


def update_profile(user: User, *, full_name: str, locale: str, country: str | None,
                   institution_id: int | None, gender: str | None,
                   time_zone: str | None | object = _UNCHANGED,
                   actor: User | None = None) -> User:
    """Change what the user may change about themselves (not the email).

    ``time_zone``: an IANA name, or None/"" for the zone of their country.
    """
    full_name = validate_full_name(full_name)
    locale = check_locale(locale)
    country = check_country(country)
    gender = _check_gender(gender)
    time_zone = user.time_zone if time_zone is _UNCHANGED else check_time_zone(time_zone)
    if institution_id is not None and db.session.get(Institution, institution_id) is None:
        raise AccountError(_("Choose an institution from the list."), field="institution_id")
    before = _profile(user)
    after = {"full_name": full_name, "locale": locale, "country": country,
             "institution_id": institution_id, "gender": gender, "time_zone": time_zone}
    old, new = _changes(before, after)
    if not new:
        return user
    for key, value in new.items():
        setattr(user, key, value)
    record(actor or user, "user.update_profile", user, old, new)
    db.session.flush()
    return user


def set_locale(user: User, locale: str) -> None:
    """Remember the interface language the user chose (the language switcher)."""
    locale = check_locale(locale)
    if user.locale == locale:
        return
    record(user, "user.set_locale", user, {"locale": user.locale}, {"locale": locale})
    user.locale = locale
    db.session.flush()


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current or ""):
        raise AccountError(_("Your current password is not correct."),
                           field="current_password")
    check_password_rules(new, user.email, field="new_password")
    user.set_password(new)
    # The new password's fingerprint already refuses the other browsers' cookies;
    # ending their sessions too keeps the list of signed-in browsers true.
    _end_open_sessions(user, keep=user.browser_session)
    # The log names the event only: hashes have no place in it.
    record(user, "user.change_password", user)
    db.session.flush()


# ---------------------------------------------------------------- password reset


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def make_reset_token(user: User) -> str:
    """A signed, timed token naming the user and their current password.

    Once the password changes (the token was used, or the user remembered it)
    the fingerprint no longer matches and the token stops working.
    """
    return _serializer().dumps({"id": user.id, "pw": user.password_fingerprint()})


def user_for_reset_token(token: str) -> User | None:
    """The active user a valid, unexpired, unused token names, else None."""
    try:
        payload = _serializer().loads(
            token, max_age=current_app.config["LMS_PASSWORD_RESET_MAX_AGE"])
    except BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("id"), int):
        return None
    user = db.session.get(User, payload["id"])
    if user is None or not user.active or payload.get("pw") != user.password_fingerprint():
        return None
    return user


def send_reset_link(email: str) -> None:
    """Mail a reset link if an active account has this address; otherwise do nothing.

    The caller shows the same message either way, so nobody learns which
    addresses have accounts.
    """
    try:
        address = normalise_email(email)
    except AccountError:
        return
    user = find_by_email(address)
    if user is None or not user.active:
        return
    link = absolute_url("accounts.reset_password", token=make_reset_token(user))
    minutes = max(1, int(current_app.config["LMS_PASSWORD_RESET_MAX_AGE"]) // 60)
    with force_locale(user.locale if user.locale in LANGUAGES else "en"):
        subject = _("Reset your password")
        validity = ngettext("The link works for %(num)d minute and only once.",
                            "The link works for %(num)d minutes and only once.", minutes)
        body = _("Hello %(name)s,\n\n"
                 "Someone, we hope you, asked to reset the password of your account on "
                 "the OAS training and certification site. Open this link to choose a "
                 "new password:\n\n%(link)s\n\n%(validity)s\n\n"
                 "If you did not ask for this, you can ignore this message: your "
                 "password stays as it is.",
                 name=user.full_name, link=link, validity=validity)
    mail.send(user.email, subject, body)


def reset_password(user: User, new: str) -> None:
    check_password_rules(new, user.email)
    user.set_password(new)
    _end_open_sessions(user, keep=None)  # whoever knew the old password is signed out
    record(user, "user.reset_password", user)
    db.session.flush()
