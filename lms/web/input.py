"""Input the application refuses before any view sees it.

Two classes of hostile input used to reach the database and end in a 500 on
PostgreSQL: integers beyond its 32-bit ``integer`` columns, and text holding NUL
or other control characters (or lone surrogates, which cannot be encoded). Both
are refused here, in one place, instead of in every view.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote_to_bytes

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from lms.web.errors import render_error

# The largest value of a PostgreSQL ``integer`` column: every id and count the app stores.
MAX_INT = 2**31 - 1

# C0 controls, DEL and C1 controls: never typed by a person. TAB, LF and CR are
# allowed in form fields only (a textarea sends its line breaks as \r\n).
_CONTROLS = "".join(chr(c) for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)])
_LINE_BREAKS = "\t\n\r"
_ANY_CONTROL = re.compile(f"[{re.escape(_CONTROLS)}\ud800-\udfff]")
_FORM_CONTROL = re.compile(
    f"[{re.escape(''.join(c for c in _CONTROLS if c not in _LINE_BREAKS))}\ud800-\udfff]")
# In a JSON text, C0 controls can only arrive escaped (\u0000), DEL and C1 controls
# escaped or not; a surrogate pair is an emoji, a lone surrogate cannot be stored.
_JSON_PAIR = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}")
_JSON_CONTROL = re.compile(
    r"\\u(000[0-8bcefBCEF]|001[0-9a-fA-F]|007[fF]|00[89][0-9a-fA-F]"
    r"|[dD][89a-fA-F][0-9a-fA-F]{2})")


class BoundedIntegerConverter(IntegerConverter):
    """Werkzeug's ``int`` converter, but no larger than a database integer (else 404)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = None, signed: bool = False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=MAX_INT if max is None else max, signed=signed)


def bounded_int(value: object, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
    """``value`` as an integer within ``minimum..maximum``, or None when it is not one."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if minimum <= number <= maximum else None


def int_arg(name: str, default: int | None = None, minimum: int = 0) -> int | None:
    """The query argument ``name`` as an integer a database can hold, else ``default``."""
    raw = request.args.get(name)
    if raw is None:
        return default
    number = bounded_int(raw, minimum)
    return default if number is None else number


def has_control_characters(text: str) -> bool:
    """Whether ``text`` holds what no form field may (TAB, LF and CR aside): for text
    the request check below cannot see, such as an uploaded file's content."""
    return bool(_FORM_CONTROL.search(text))


def refusal_message() -> str:
    return _("The request contains control characters or invalid text, which this site "
             "does not accept. Nothing was changed.")


def _invalid_utf8(raw: str, *, encoded: bool) -> bool:
    """Whether a raw WSGI string (bytes as latin-1) is not UTF-8: Werkzeug would quietly
    replace the bad bytes. The query string is still percent-encoded, the path is not."""
    try:
        data = raw.encode("latin-1")
        (unquote_to_bytes(data) if encoded else data).decode("utf-8")
    except (UnicodeDecodeError, UnicodeEncodeError):
        return True
    return False


def _form_texts() -> Iterable[str]:
    for name, values in request.form.lists():
        yield name
        yield from values
    for name, storage in request.files.items(multi=True):
        yield name
        yield storage.filename or ""


def _json_refused() -> bool:
    raw = request.get_data(cache=True)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    # Raw, JSON escapes only C0 controls: DEL and C1 controls may arrive unescaped.
    return bool(_FORM_CONTROL.search(text)
                or _JSON_CONTROL.search(_JSON_PAIR.sub("", text)))


def refused() -> bool:
    """Whether this request carries text the app never accepts."""
    environ = request.environ
    raw_path = environ.get("PATH_INFO", "")
    raw_query = environ.get("QUERY_STRING", "")
    if _invalid_utf8(raw_path, encoded=False) or _invalid_utf8(raw_query, encoded=True):
        return True
    if _ANY_CONTROL.search(request.path):
        return True
    if any(_ANY_CONTROL.search(text) for pair in request.args.items(multi=True)
           for text in pair):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    if request.is_json:
        return _json_refused()
    return any(_FORM_CONTROL.search(text) for text in _form_texts())


def _refuse_control_characters():
    if refused():
        return render_error(400, refusal_message())
    return None


def init_app(app: Flask) -> None:
    """Bound ``<int:...>`` in every route (before any is added) and refuse control characters."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(_refuse_control_characters)
