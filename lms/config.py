"""Settings read from ``LMS_*`` environment variables.

Only known keys are accepted: a misspelt variable is an error at start-up rather
than a setting silently ignored. Production refuses to start without a secret key;
development keeps one generated key in the instance folder so that every process
(the dev server, a gunicorn worker, the CLI) signs sessions with the same key.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The environment does not describe a runnable configuration."""


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"expected a boolean, got {value!r}")


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"expected an integer, got {value!r}") from exc


# name -> (parser, default, description); the README's table is written from this.
SETTINGS: dict[str, tuple] = {
    "LMS_ENV": (str, "development", "development, production or testing"),
    "LMS_INSTANCE_PATH": (str, str(ROOT / "instance"),
                          "folder for the SQLite file, keys, outbox, uploads"),
    "LMS_DATABASE_URL": (str, None,
                         "SQLAlchemy URL; default: SQLite file in the instance folder"),
    "LMS_SECRET_KEY": (str, None, "signs sessions and tokens; required in production"),
    "LMS_ALLOW_REGISTRATION": (_bool, True, "let anyone create a trainee account"),
    "LMS_SESSION_COOKIE_SECURE": (_bool, None,
                                  "send the session cookie over HTTPS only; on in production"),
    "LMS_RATELIMIT_STORAGE_URI": (str, "memory://", "Flask-Limiter storage, e.g. redis://127.0.0.1:6379"),
    "LMS_LOGIN_RATE_LIMIT": (str, "10 per minute",
                             "attempts per client address on login and reset"),
    "LMS_PASSWORD_RESET_MAX_AGE": (_int, 3600, "seconds a password reset link stays valid"),
    "LMS_MAIL_FROM": (str, "no-reply@lms.invalid", "sender of outgoing mail"),
    "LMS_SMTP_HOST": (str, None, "SMTP server; without it mail goes to instance/outbox.log"),
    "LMS_SMTP_PORT": (_int, 587, "SMTP port"),
    "LMS_SMTP_USER": (str, None, "SMTP user name"),
    "LMS_SMTP_PASSWORD": (str, None, "SMTP password"),
    "LMS_SMTP_STARTTLS": (_bool, True, "use STARTTLS"),
    "LMS_PUBLIC_URL": (str, None, "external base URL used in mailed links, e.g. https://lms.example.org"),
    "LMS_MAX_UPLOAD_BYTES": (_int, 2 * 1024 * 1024, "largest accepted upload"),
    "LMS_SIGNING_KEYS_PATH": (str, None,
                              "folder of the certificate signing keys; default: instance/keys"),
    "LMS_VERIFY_RATE_LIMIT": (str, "60 per minute", "requests per client address to the "
                              "public verification pages and API"),
}


def _dev_secret_key(instance: Path) -> str:
    """Read the development key, creating it once, atomically, if missing."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=instance)
        try:
            os.write(fd, secrets.token_hex(32).encode())
            os.close(fd)
            os.chmod(tmp, 0o600)
            # link() fails if another process won the race; then we read its key.
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


def load(environ: dict[str, str] | None = None, **overrides: object) -> dict[str, object]:
    """Build the Flask config mapping from the environment (and test overrides)."""
    environ = dict(os.environ if environ is None else environ)
    unknown = sorted(k for k in environ if k.startswith("LMS_") and k not in SETTINGS
                     and not k.startswith("LMS_TEST_"))
    if unknown:
        raise ConfigError(f"unknown settings: {', '.join(unknown)}")
    values: dict[str, object] = {}
    for name, (parse, default, _doc) in SETTINGS.items():
        raw = environ.get(name)
        values[name] = default if raw is None else parse(raw)
    values.update({k: v for k, v in overrides.items() if k in SETTINGS})

    env = values["LMS_ENV"]
    if env not in {"development", "production", "testing"}:
        raise ConfigError(f"LMS_ENV must be development, production or testing, not {env!r}")
    instance = Path(str(values["LMS_INSTANCE_PATH"]))
    secret = values["LMS_SECRET_KEY"]
    if not secret:
        if env == "production":
            raise ConfigError("LMS_SECRET_KEY must be set in production")
        secret = "testing-only-secret" if env == "testing" else _dev_secret_key(instance)
    secure = values["LMS_SESSION_COOKIE_SECURE"]
    if secure is None:
        secure = env == "production"
    database_url = values["LMS_DATABASE_URL"] or f"sqlite:///{instance / 'lms.db'}"

    config: dict[str, object] = {
        "ENV_NAME": env,
        "TESTING": env == "testing",
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}
        if not str(database_url).startswith("sqlite") else {},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        # The request may carry the largest accepted file plus the form around it;
        # the file itself is checked against LMS_MAX_UPLOAD_BYTES with a clear message.
        "MAX_CONTENT_LENGTH": int(values["LMS_MAX_UPLOAD_BYTES"]) + 64 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_STORAGE_URI": values["LMS_RATELIMIT_STORAGE_URI"],
        "RATELIMIT_HEADERS_ENABLED": True,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
    }
    config.update({name: value for name, value in values.items()})
    config["LMS_DATABASE_URL"] = database_url
    config.update({k: v for k, v in overrides.items() if k not in SETTINGS})
    return config
