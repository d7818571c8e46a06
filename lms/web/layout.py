"""What every page needs: template helpers, security headers, the language switcher."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import format_date, format_datetime

from lms.i18n import LANGUAGES, country_name, current_locale, language_name
from lms.web import permissions

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
# Sent with every response that does not set its own.
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)


def init_app(app: Flask) -> None:
    permissions.init_app(app)

    @app.context_processor
    def _helpers() -> dict:
        return {
            "LANGUAGES": LANGUAGES,
            "current_locale": current_locale,
            "country_name": country_name,
            "language_name": language_name,
            "format_date": format_date,
            "format_datetime": format_datetime,
            "allow_registration": app.config["LMS_ALLOW_REGISTRATION"],
        }

    @app.template_global()
    def here() -> str:
        """The current path with its query, for ``next`` parameters."""
        return request.full_path.rstrip("?")

    security_headers = list(SECURITY_HEADERS)
    if app.config["SESSION_COOKIE_SECURE"]:
        security_headers.append(("Strict-Transport-Security", "max-age=31536000"))

    @app.after_request
    def _security_headers(response):
        # One pass over the headers instead of a setdefault() each: werkzeug answers a
        # missing header with an exception, and every response misses all of these.
        headers = response.headers
        present = {name.lower() for name, _value in headers}
        for name, value in security_headers:
            if name.lower() not in present:
                headers.add(name, value)
        return response
