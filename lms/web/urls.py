"""Absolute URLs, always on the configured public address.

Every address the app prints, mails, signs or publishes (certificates, their QR
codes and credentials, reset links, the OpenAPI document, issuer profiles) starts
with ``LMS_PUBLIC_URL`` (checked in ``lms.config``), never with the Host header of
the request that happened to cause it: a certificate issued in a request for a
look-alike host would otherwise carry that host for as long as it is valid.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, has_request_context, request, url_for
from werkzeug.exceptions import SecurityError
from werkzeug.wsgi import get_host


def public_url() -> str:
    """The site's public address, ``scheme://host[:port]`` without a trailing slash."""
    return str(current_app.config["LMS_PUBLIC_URL"])


def addresses_context() -> AbstractContextManager:
    """A context for building URLs outside a request (a command, a job, a reaction run by
    one): a request for the public address, the only host production trusts. Flask's
    default (``localhost``) is refused there, and url_for would then fail. Inside a
    request nothing is pushed."""
    if has_request_context():
        return nullcontext()
    return current_app.test_request_context(base_url=public_url() + "/")


def absolute_url(endpoint: str, **values: object) -> str:
    """``url_for(endpoint, **values)`` on the public address."""
    return public_url() + url_for(endpoint, **values)


def refuse_other_hosts(app: Flask) -> None:
    """Answer requests for a host outside TRUSTED_HOSTS with the app's own 400 page.

    Flask refuses such a request too, but before it can build URLs, so its error
    page (which links the style sheet) would fail with a 500. Here the request is
    marked, carried on under the public host so the page renders, and aborted
    before any view runs; nothing in it ever sees the refused host.
    """
    trusted = list(app.config["TRUSTED_HOSTS"])
    public_host = urlsplit(str(app.config["LMS_PUBLIC_URL"])).netloc
    inner = app.wsgi_app

    def check_host(environ: dict, start_response):
        try:
            get_host(environ, trusted)
        except SecurityError:
            environ = {**environ, "HTTP_HOST": public_host, _REFUSED: True}
        return inner(environ, start_response)

    app.wsgi_app = check_host  # type: ignore[method-assign]
    app.before_request(_abort_refused_host)


_REFUSED = "lms.refused_host"


def _abort_refused_host() -> None:
    if request.environ.get(_REFUSED):
        abort(400)
