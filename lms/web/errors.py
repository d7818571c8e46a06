"""Error pages, translated, for HTML visitors."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


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
    }


def render_error(status: int, detail: str | None = None):
    messages = _messages()
    title, text = messages.get(status, messages[500])
    return render_template("errors/error.html", status=status, title=title,
                           text=detail or text), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_error):
        return render_error(400, _("Your form expired or was sent from elsewhere. "
                                   "Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    @app.errorhandler(500)
    def _server_error(_error):
        return render_error(500)
