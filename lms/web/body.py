"""JSON in and out, strictly: bounded nesting, finite numbers only.

Python's ``json`` recurses once per level of nesting (a body nested 200,000 deep
ends in a RecursionError, a 500) and reads ``NaN``, ``Infinity`` and ``1e999999``
as floats that it then writes back as ``NaN``/``Infinity``, which is not JSON.
The API and the pages that take JSON (a quiz's autosave) read bodies with ``parse``;
the API writes its answers with ``response``.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from flask import Request, Response
from flask_babel import gettext as _

# Far deeper than any body the API documents ({"ids": [...]} is two levels).
MAX_DEPTH = 32
# A JSON string, escapes included: its brackets are text, not nesting.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")


class BadBody(ValueError):
    """The body is not JSON the API accepts; ``message`` says why, translated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    depth = 0
    for bracket in _NOT_A_BRACKET.sub("", _STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > limit:
            return True
    return False


def _no_constant(name: str):
    raise BadBody(_("Numbers in the request must be finite: %(value)s is not a JSON number.",
                    value=name))


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadBody(_("Numbers in the request must be finite: %(value)s is too large.",
                        value=text[:40]))
    return value


def parse(request: Request) -> Any:
    """The request's JSON body; raises ``BadBody`` (never RecursionError) when unusable."""
    if not request.is_json:
        raise BadBody(_("Send the request body as JSON (Content-Type: application/json)."))
    try:
        text = request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadBody(_("The request body is not valid UTF-8.")) from error
    if _too_deep(text):
        raise BadBody(_("The JSON in the request is nested more than %(depth)d levels deep.",
                        depth=MAX_DEPTH))
    try:
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except BadBody:
        raise
    except ValueError as error:  # malformed JSON, or an integer of thousands of digits
        raise BadBody(_("The request body is not valid JSON.")) from error


def response(payload: Any, status: int = 200) -> Response:
    """``payload`` as a JSON answer; a NaN or infinity in it is a bug, never sent as such."""
    text = json.dumps(payload, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    return Response(text, status=status, mimetype="application/json")
