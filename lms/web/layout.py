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

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
