"""Settings read from ``LMS_*`` environment variables.

Only known keys are accepted: a misspelt variable is an error at start-up rather
than a setting silently ignored. Production refuses to start without a secret key
of at least 32 bytes and without an ``https://`` public URL; development keeps one
generated key in the instance folder so that every process (the dev server, a
gunicorn worker, the CLI) signs sessions with the same key.

Every absolute URL the app prints (certificates, credentials, mail, the API's
documents) comes from ``LMS_PUBLIC_URL``, never from the request's Host header,
and requests for any other host are refused (Flask's ``TRUSTED_HOSTS``).
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent

DEV_PUBLIC_URL = "http://127.0.0.1:5000"
# Names under which a developer's browser, the test client ("localhost") and the
# benchmarks reach a server on this machine. (IPv6 "[::1]" is left out: werkzeug's
# trusted-host check cannot match a bracketed address.)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
MIN_SECRET_KEY_BYTES = 32
# A host name as werkzeug's trusted-host check sees it: IDNA-encoded, lower case.
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?")
_VISIBLE_ASCII = re.compile(r"[!-~]+")


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


def _hops(value: str) -> int:
    try:
        hops = int(value)
    except ValueError:
        hops = -1
    if not 0 <= hops <= 10:
        raise ConfigError(f"LMS_TRUSTED_PROXIES must be a number of proxies from 0 to 10, "
                          f"not {value!r}")
    return hops


# name -> (parser, default, description); the README's table is written from this.
SETTINGS: dict[str, tuple] = {
    "LMS_ENV": (str, "development", "development, production or testing; "
                "wsgi.py (gunicorn) defaults to production"),
    "LMS_INSTANCE_PATH": (str, str(ROOT / "instance"),
                          "folder for the SQLite file, keys, outbox, uploads"),
    "LMS_DATABASE_URL": (str, None,
                         "SQLAlchemy URL; default: SQLite file in the instance folder"),
    "LMS_SECRET_KEY": (str, None, "signs sessions and tokens; required in production, "
                       "at least 32 bytes"),
    "LMS_ALLOW_REGISTRATION": (_bool, True, "let anyone create a trainee account"),
    "LMS_SESSION_COOKIE_SECURE": (_bool, None,
                                  "send the session cookie over HTTPS only; on in production"),
    "LMS_RATELIMIT_STORAGE_URI": (str, "memory://", "Flask-Limiter storage, e.g. redis://127.0.0.1:6379"),
    "LMS_LOGIN_RATE_LIMIT": (str, "10 per minute",
                             "refused sign-ins per account and client address; also "
                             "reset requests and registrations per address and email; "
                             "each address has 10 times this over all accounts"),
    "LMS_PASSWORD_RESET_MAX_AGE": (_int, 3600, "seconds a password reset link stays valid"),
    "LMS_MAIL_FROM": (str, "no-reply@lms.invalid", "sender of outgoing mail"),
    "LMS_SMTP_HOST": (str, None, "SMTP server; without it mail goes to instance/outbox.log"),
    "LMS_SMTP_PORT": (_int, 587, "SMTP port"),
    "LMS_SMTP_USER": (str, None, "SMTP user name"),
    "LMS_SMTP_PASSWORD": (str, None, "SMTP password"),
    "LMS_SMTP_STARTTLS": (_bool, True, "use STARTTLS"),
    "LMS_PUBLIC_URL": (str, None,
                       "the site's address, scheme and host only, e.g. https://lms.example.org; "
                       "every printed, mailed or API URL uses it and other hosts are refused; "
                       "required (https) in production, default " + DEV_PUBLIC_URL),
    "LMS_TRUSTED_PROXIES": (_hops, 0,
                            "reverse proxies in front of the app whose X-Forwarded-For and "
                            "X-Forwarded-Proto are believed (0: none)"),
    "LMS_MAX_UPLOAD_BYTES": (_int, 2 * 1024 * 1024, "largest accepted upload"),
    "LMS_SIGNING_KEYS_PATH": (str, None,
                              "folder of the certificate signing keys; default: instance/keys"),
    "LMS_TSA_URL": (str, None, "RFC 3161 timestamp authority for certificate PDF signatures "
                    "(PAdES B-T); signed PDFs are then stored when first made"),
    "LMS_VERIFY_RATE_LIMIT": (str, "60 per minute", "requests per client address to the "
                              "public verification pages and API"),
    # Observers and exports shared outside a program see "< 5" instead of smaller
    # counts of people (lms.reports.privacy); raise it if a donor asks for more.
    "LMS_REPORT_MIN_CELL": (_int, 5, "smallest count of people shown in reports shared "
                            "outside a program and to observers; smaller counts show as < N"),
    "LMS_REPORT_CACHE_SECONDS": (_int, 600, "seconds a computed report is kept (Redis when "
                                 "LMS_RATELIMIT_STORAGE_URI or LMS_JOBS_URL names one, else "
                                 "in the process); changes announced as events end it "
                                 "sooner; 0 turns the cache off (off in testing unless set)"),
    # The sections of a report read different tables and wait on the database, so two
    # threads halve a viewer's wait on two cores; each thread has its own connection.
    # PostgreSQL works in processes of its own: a third thread keeps it busy while the
    # others count in Python (measured: p95 5 % lower), where SQLite's work shares this
    # process and a third thread only waits for the others (slower).
    "LMS_REPORT_WORKERS": (_int, None, "threads that compute a report's sections at once, "
                           "each with its own database connection; 1 computes them one "
                           "after another; default 3 with PostgreSQL, 2 with SQLite (1 in "
                           "testing unless set)"),
    "LMS_JOBS_URL": (str, None, "the job queue (lms.kernel.jobs): sqlite:///path (relative: "
                     "in the instance folder), redis://host:6379/0 for production, or memory://; "
                     "default sqlite:///jobs.sqlite3 (memory:// in testing)"),
    "LMS_JOBS_IMMEDIATE": (_bool, None, "run each job inline where it is started, with no "
                           "queue; default: on in testing only"),
    "LMS_JOBS_EMBEDDED": (_bool, True, "in development, the web process consumes the queue in "
                          "a background thread; production always runs `lms worker`"),
    "LMS_JOBS_INLINE_LIMIT": (_int, 200, "issue-all and CSV imports of up to this many trainees "
                              "run in the request; larger ones run as a job with a progress page"),
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


def _secret_key(configured: object, env: str, instance: Path) -> str:
    if env == "production":
        if not configured:
            raise ConfigError("LMS_SECRET_KEY must be set in production")
        if len(str(configured).encode()) < MIN_SECRET_KEY_BYTES:
            raise ConfigError(
                f"LMS_SECRET_KEY must be at least {MIN_SECRET_KEY_BYTES} bytes in production; "
                "generate one with: python3 -c 'import secrets; print(secrets.token_hex(32))'")
        return str(configured)
    if configured:
        return str(configured)
    return "testing-only-secret" if env == "testing" else _dev_secret_key(instance)


def public_url_setting(configured: object, env: str) -> str:
    """LMS_PUBLIC_URL checked and normalised to ``scheme://host[:port]``.

    A path prefix is refused rather than supported: the certificates print
    ``<public URL>/verify/<code>`` and the routes have no prefix, so a prefix would
    only print addresses that do not answer.
    """
    if not configured:
        if env == "production":
            raise ConfigError("LMS_PUBLIC_URL must be set in production, "
                              "e.g. LMS_PUBLIC_URL=https://lms.example.org")
        return DEV_PUBLIC_URL
    value = str(configured)
    problem = ("LMS_PUBLIC_URL must be scheme://host[:port] only, like "
               f"https://lms.example.org, not {value!r}")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(problem) from exc
    host = parts.hostname or ""
    if (parts.scheme not in {"http", "https"} or not _HOST.fullmatch(host)
            or parts.username is not None or parts.password is not None
            or parts.path not in {"", "/"} or "?" in value or "#" in value
            or port == 0 or not _VISIBLE_ASCII.fullmatch(value)):
        raise ConfigError(problem)
    if env == "production" and parts.scheme != "https":
        raise ConfigError(f"LMS_PUBLIC_URL must start with https:// in production, not {value!r}")
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def trusted_hosts(public_url: str, env: str) -> list[str]:
    """The Host header values the app answers; Flask refuses others with 400."""
    host = urlsplit(public_url).hostname or ""
    if env == "production":
        return [host]
    return [host, *(name for name in LOOPBACK_HOSTS if name != host)]


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
    secret = _secret_key(values["LMS_SECRET_KEY"], env, instance)
    public_url = public_url_setting(values["LMS_PUBLIC_URL"], env)
    secure = values["LMS_SESSION_COOKIE_SECURE"]
    if secure is None:
        secure = env == "production"
    database_url = values["LMS_DATABASE_URL"] or f"sqlite:///{instance / 'lms.db'}"
    jobs_url = str(values["LMS_JOBS_URL"]
                   or ("memory://" if env == "testing" else "sqlite:///jobs.sqlite3"))
    if urlsplit(jobs_url).scheme not in ("sqlite", "redis", "rediss", "unix", "memory"):
        raise ConfigError("LMS_JOBS_URL must be sqlite:///path, redis://host:port/db or "
                          f"memory://, not {jobs_url!r}")
    # Tests build their data without events, so a cached report would outlive it.
    if env == "testing" and "LMS_REPORT_CACHE_SECONDS" not in environ \
            and "LMS_REPORT_CACHE_SECONDS" not in overrides:
        values["LMS_REPORT_CACHE_SECONDS"] = 0
    # A test's requests share one connection inside its rolled-back transaction: a
    # second thread may not use it at the same time, nor see its data on another.
    if env == "testing" and "LMS_REPORT_WORKERS" not in environ \
            and "LMS_REPORT_WORKERS" not in overrides:
        values["LMS_REPORT_WORKERS"] = 1
    if values["LMS_REPORT_WORKERS"] is None:
        values["LMS_REPORT_WORKERS"] = 3 if urlsplit(database_url).scheme.startswith(
            "postgresql") else 2
    jobs_immediate = values["LMS_JOBS_IMMEDIATE"]
    if jobs_immediate is None:
        jobs_immediate = env == "testing"

    config: dict[str, object] = {
        "ENV_NAME": env,
        "TESTING": env == "testing",
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": secret,
        "TRUSTED_HOSTS": trusted_hosts(public_url, env),
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
    config["LMS_PUBLIC_URL"] = public_url
    config["LMS_JOBS_URL"] = jobs_url
    config["LMS_JOBS_IMMEDIATE"] = jobs_immediate
    config.update({k: v for k, v in overrides.items() if k not in SETTINGS})
    return config
