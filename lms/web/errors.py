"""Error answers, translated: a page for people, problem details for the API.

Every error of the site goes through ``render_error``. Under ``/api/`` (and for
the public keys) it answers RFC 9457 problem details in JSON instead of a page,
so that a program calling the API never has to read HTML, whatever went wrong.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from urllib.parse import quote

from flask import Flask, Response, g, has_request_context, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"
# The answer of an error describes the request, not the page: neither a proxy nor a
# browser may keep it.
_NO_STORE = "no-store"
# Headers of an HTTPException worth passing on (Allow for a 405, Retry-After for a 429/503).
_PASSED_HEADERS = {"allow", "retry-after"}


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood.")),
        403: (_("Not allowed"), _("You do not have permission to see this page.")),
        404: (_("Not found"), _("There is nothing at this address.")),
        405: (_("Not allowed"), _("This address does not accept that kind of request.")),
        413: (_("File too large"), _("The file you sent is larger than this site accepts.")),
        429: (_("Too many attempts"),
              _("You have tried too many times in a short while. "
                "Please wait a minute and try again.")),
        500: (_("Something went wrong"),
              _("An unexpected error happened. Nothing was changed. Please try again.")),
        503: (_("Temporarily unavailable"),
              _("The site cannot answer just now. Please try again in a few seconds.")),
    }


def _api_messages() -> dict[int, tuple[str, str]]:
    """What the API says where the site's words are about pages and forms.

    The problems' type is "about:blank", so their titles are the statuses' names.
    """
    return {
        405: (_("Method not allowed"), _("This address does not accept that kind of request.")),
        413: (_("Content too large"), _("The request is larger than this site accepts.")),
        429: (_("Too many requests"), _("Too many requests from your address. Please wait "
                                        "a minute and try again.")),
        500: (_("Internal server error"),
              _("An unexpected error happened. Nothing was changed. Please try again.")),
        503: (_("Service unavailable"),
              _("The site cannot answer just now. Please try again in a few seconds.")),
    }


# The problem codes of plain HTTP errors; the API's own problems name theirs.
_CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
          413: "too_large", 429: "rate_limited", 500: "server_error", 503: "unavailable"}


def is_api_request() -> bool:
    """Whether this request is answered in JSON: the API and the public keys it lists."""
    if not has_request_context():
        return False
    return request.path.startswith("/api/") or request.path == "/.well-known/jwks.json"


def _title_and_text(status: int) -> tuple[str, str]:
    messages = _messages()
    if is_api_request():
        messages.update(_api_messages())
    return messages.get(status, messages[500])


def problem(status: int, detail: str | None = None, *, code: str | None = None,
            headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None) -> Response:
    """An RFC 9457 problem details answer; ``code`` says which problem for programs."""
    title, text = _title_and_text(status)
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail or text,
        # A URI reference: the path as it travels, percent-encoded.
        "instance": quote(request.path, safe="/:@!$&'()*+,;=-._~"),
        "code": code or _CODES.get(status, "error"),
    }
    response = Response(json.dumps(body, ensure_ascii=False, allow_nan=False),
                        status=status, mimetype=PROBLEM_JSON)
    response.headers.update(headers or {})
    response.headers["Cache-Control"] = _NO_STORE
    # The API is open to other sites' scripts; they must be able to read its errors too.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def render_error(status: int, detail: str | None = None, *,
                 retry_after: int | str | None = None,
                 headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None):
    """The error answer for ``status``: problem JSON on the API, else the translated page.

    ``detail`` replaces the status's usual sentence; ``retry_after`` (seconds) is sent
    as Retry-After, e.g. for a 429 or a 503.
    """
    extra = dict(headers or {})
    if retry_after is not None:
        extra["Retry-After"] = str(retry_after)
    if is_api_request():
        return problem(status, detail, headers=extra)
    title, text = _title_and_text(status)
    page = render_template("errors/error.html", status=status, title=title,
                           text=detail or text)
    return (page, status, extra) if extra else (page, status)


def _passed_headers(error: HTTPException) -> dict[str, str]:
    headers = {name: value for name, value in error.get_headers()
               if name.lower() in _PASSED_HEADERS}
    if error.code == 429 and "Retry-After" not in headers and "retry_after" in g:
        # The verification budget (lms.certification.verification.check_rate) says here
        # when it refills.
        headers["Retry-After"] = str(g.retry_after)
    return headers


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_error):
        return render_error(400, _("Your form expired or was sent from elsewhere. "
                                   "Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code, headers=_passed_headers(error))

    @app.errorhandler(500)
    def _server_error(_error):
        return render_error(500)
