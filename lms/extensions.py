"""Extension objects, created unbound and initialised in ``create_app``."""

import hashlib

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def client_address() -> str:
    """The visitor's address: the socket's peer, or the address the LMS_TRUSTED_PROXIES
    proxies forwarded (ProxyFix has put it in REMOTE_ADDR by then)."""
    return get_remote_address() or "unknown"


def account_and_address() -> str:
    """A budget per account (the email posted, as looked up) and client address.

    Keyed on the address alone, one classroom behind a school's single address would
    be locked out together by a few mistyped passwords. The email is hashed so that
    a long posted value cannot make a long storage key.
    """
    email = request.form.get("email", "").strip().lower()
    digest = hashlib.sha256(email.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"{client_address()}|{digest}"

# The views that carry a Flask-Limiter limit (see rate_limited). There are no
# default or application-wide limits, so every other request skips Flask-Limiter's
# evaluation, which resolves each limit anew and would cost a page or an answer
# save more than its own queries. (The verification pages and API count their
# shared budget themselves: lms.certification.verification.check_rate.)
_limited_views: set = set()


def rate_limited(*args, **kwargs):
    """``limiter.limit(...)``, and Flask-Limiter evaluates this view's requests."""
    apply = limiter.limit(*args, **kwargs)

    def decorate(view):
        limited = apply(view)
        _limited_views.add(limited)
        return limited

    return decorate


@limiter.request_filter
def _not_limited() -> bool:
    return current_app.view_functions.get(request.endpoint or "") not in _limited_views
