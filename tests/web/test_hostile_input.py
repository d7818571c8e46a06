"""Hostile input against every route and every form of the permission matrix.

Hypothesis draws huge and negative integers, NUL and other control characters,
1 MB strings, bidi overrides, emoji, malformed dates and NaN/Infinity/1e999, and
sends them, as a user allowed to use each page, in path integers, query arguments
and form fields (the field names read from the page's own forms, CSRF token kept).
Every answer must be below 500, and a 4xx answer must have written nothing: the
row count of every table is the same before and after (services that change a row
write an audit row, so most updates are counted too; sign-in bookkeeping is left out).

Bounded: a fixed number of derandomized examples per route, form and JSON endpoint.
The total number of requests tried is printed, per database, at the end of the run.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import sqlalchemy as sa
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from lms.extensions import db
from tests.conftest import csrf_token, new_browser, sign_in_quickly
from tests.web.conftest import World
from tests.web.test_permissions import GET_MATRIX, POST_MATRIX, VISITOR_PAGES

# Examples per GET route and per form; both databases together stay within ~90 s.
# HOSTILE_SCALE=10 tries ten times as many (and allows ten times the time), for a
# longer search on a developer's machine.
SCALE = max(int(os.environ.get("HOSTILE_SCALE", "1") or 1), 1)
EXAMPLES_PER_ROUTE = 5 * SCALE
EXAMPLES_PER_FORM = 15 * SCALE
# Seconds after which a group stops drawing new examples (a slow machine stays bounded).
TIME_BUDGET = 40.0 * SCALE
# HOSTILE_SEED=n draws other examples than CI's fixed ones (CI: derandomized).
SEED = int(os.environ["HOSTILE_SEED"]) if os.environ.get("HOSTILE_SEED") else None

# The least-privileged role first: each route is tried as the first role allowed to use it.
PREFERENCE = ["anonymous", "trainee", "instructor", "coordinator", "officer",
              "other_coordinator", "other_officer", "other_instructor", "other_trainee",
              "admin"]
# Written by every signed-in request (last seen), whatever its answer.
BOOKKEEPING_TABLES = {"user_sessions"}
# Posting these ends the browser's session: the rest of the run needs it.
SKIPPED_ACTIONS = {"/logout"}

REQUESTS_TRIED: Counter[str] = Counter()
# What was attacked, per database: {"sqlite": Counter(route=.., form=.., json=..)}.
TARGETS: dict[str, Counter[str]] = {}

SPECIALS = [
    "", " ", "0", "-1", "-2147483649", "2147483648", "99999999999999999999",
    "9" * 400, "1e999", "-1e999", "1e999999999", "1e-999999999", "NaN", "nan", "sNaN",
    "Infinity", "-Infinity", "inf", "0x10", "1_000", "٣",
    "2026-02-30", "0001-01-01", "9999-99-99", "2026-13-01", "1899-12-31", "2101-01-01",
    "10000-01-01", "2026-02-30T25:61", "0001-01-01T00:00", "9999-12-31T23:59",
    "\x00", "a\x00b", "\x01", "\x1b[31m", "\x7f", "\x85", "\x9b", "line\r\nbreak", "\t",
    "\u202e", "\u202egnp.exe", "\u2066x\u2069", "\ufeff", "\u200b", "😀" * 3, "名前",
    "<b>x</b>", "{{ 7*7 }}", "%00", "%(x)s", "' OR 1=1 --", "x" * 1_000_000,
]
HOSTILE_TEXT = st.one_of(
    st.sampled_from(SPECIALS),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(max_size=24),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "Zl", "Zp"]),
            min_size=1, max_size=4),
)
HOSTILE_INT = st.one_of(
    st.sampled_from([0, 2**31 - 1, 2**31, 2**32, 2**63, 10**20, 10**40]),
    st.integers(min_value=0, max_value=2**80),
)
QUERY_NAMES = ["page", "program", "program_id", "edit", "q", "status", "cohort", "next",
               "lang", "sort", "track", "code"]
# Pages that only links with a query string reach.
EXTRA_PAGES = [(f"/manage/courses/{{course}}/assessments/new?kind={kind}", {"coordinator"})
               for kind in ("quiz", "assignment", "observation", "attendance")]
# Actions whose form this world does not show (nothing to sign off, to submit...) are
# still posted to, with these fields.
FALLBACK_FIELDS = ["note", "reason", "text", "user_id", "competency_id", "full_name",
                   "value", "confirm", "status", "hours", "email", "password",
                   "password_confirm"]
# Actions outside the matrix (open to anyone signed in, or to anyone), by who may post.
OPEN_ACTIONS = [("/cohorts/{cohort}/enrol", {"other_trainee"})]
RAW_QUERIES = ["page=%FF%FE", "q=%ED%A0%80", "program=%C0%80", "page=1%00", "%00=1"]

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_TEXT_PLACEHOLDERS = {"code", "certificate", "achievement", "token"}
# Routes outside the matrix that anyone may open, with a token in the path.
TOKEN_ROUTES = ["/reset/<token>", "/register/<token>"]


def _settings(examples: int):
    applied = settings(max_examples=examples, deadline=None, derandomize=SEED is None,
                       database=None, suppress_health_check=list(HealthCheck))
    if SEED is None:
        return applied
    return lambda test: seed(SEED)(applied(test))


# ---------------------------------------------------------------- the database's state

def _fingerprint_query() -> sa.TextClause:
    counts = ", ".join(f'(SELECT count(*) FROM "{table.name}")'
                       for table in db.metadata.sorted_tables
                       if table.name not in BOOKKEEPING_TABLES)
    return sa.text(f"SELECT {counts}")


def _fingerprint(query) -> tuple:
    return tuple(db.session.execute(query).one())


# ---------------------------------------------------------------- forms on a page

class _Forms(HTMLParser):
    """Every POST form of a page: its action and its fields as the browser would send them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self._fields: list[tuple[str, str]] | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self._fields = []
                self.forms.append((a.get("action", ""), self._fields))
            return
        if self._fields is None or not a.get("name"):
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._fields.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "button" and a.get("type", "submit").lower() == "submit":
            self._fields.append((name, a.get("value", "")))
        elif tag == "select":
            self._select, self._select_value = name, None
        elif tag == "option" and self._select is not None:
            if self._select_value is None or "selected" in a:
                self._select_value = a.get("value", "")
        elif tag == "textarea":
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None
        elif tag == "select" and self._select is not None:
            if self._fields is not None:
                self._fields.append((self._select, self._select_value or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            if self._fields is not None:
                self._fields.append((self._textarea, "".join(self._text)))
            self._textarea = None


def _forms(html: str, page: str) -> list[tuple[str, list[tuple[str, str]]]]:
    parser = _Forms()
    parser.feed(html)
    return [(_path(action) if action else page, fields) for action, fields in parser.forms]


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# ---------------------------------------------------------------- who asks

def _role_for(allowed: set[str]) -> str:
    return next(role for role in PREFERENCE if role in allowed)


def _clients(app, world: World) -> dict:
    clients = {}
    for role in PREFERENCE:
        client = new_browser(app)
        if role != "anonymous":
            sign_in_quickly(client, world.users[role])
        clients[role] = client
    return clients


class _Run:
    """Sends requests, counts them, and collects every broken promise."""

    def __init__(self, backend: str) -> None:
        self.backend = backend
        self.query = _fingerprint_query()
        self.failures: list[str] = []

    def send(self, client, method: str, url: str, label: str, **kwargs):
        before = _fingerprint(self.query)
        REQUESTS_TRIED[self.backend] += 1
        try:
            response = client.open(url, method=method, **kwargs)
        except Exception as error:  # testing propagates what would be a 500
            self.failures.append(f"{method} {label}: {error!r:.300} for {_short(url, kwargs)}")
            return None
        status = response.status_code
        if status >= 500:
            self.failures.append(f"{method} {label}: {status} for {_short(url, kwargs)}")
        elif status >= 400 and _fingerprint(self.query) != before:
            self.failures.append(f"{method} {label}: {status} but wrote for "
                                 f"{_short(url, kwargs)}")
        return response

    def check(self) -> None:
        unique = list(dict.fromkeys(self.failures))
        assert not unique, f"{len(unique)} broken answers:\n" + "\n".join(unique[:40])


def _short(url: str, kwargs: dict) -> str:
    return repr((url, kwargs.get("query_string"), kwargs.get("data")))[:300]


def _hostile_path(template: str, ids: dict, draw) -> str:
    def value(match):
        name = match.group(1)
        if not draw(st.booleans()):
            return str(ids[name])
        if name in _TEXT_PLACEHOLDERS:
            return quote(draw(HOSTILE_TEXT)[:2000], safe="")
        return str(draw(HOSTILE_INT))
    return _PLACEHOLDER.sub(value, template)


# ---------------------------------------------------------------- the tests

def summary() -> str | None:
    """The line the run's summary prints (tests/web/conftest.py), or None if nothing ran."""
    if not REQUESTS_TRIED:
        return None
    tried = {backend: TARGETS.get(backend, Counter()) for backend in REQUESTS_TRIED}
    return "hostile input: requests tried per database: " + ", ".join(
        f"{backend} {count} ({tried[backend]['route']} GET routes, "
        f"{tried[backend]['form']} forms, {tried[backend]['json']} JSON endpoints)"
        for backend, count in sorted(REQUESTS_TRIED.items()))


def _route_attack(run: _Run, client, template: str, ids: dict):
    @_settings(EXAMPLES_PER_ROUTE)
    @given(st.data())
    def attack(data):
        url = _hostile_path(template, ids, data.draw)
        if data.draw(st.integers(0, 4)) == 0:
            query = data.draw(st.sampled_from(RAW_QUERIES))
        else:
            names = data.draw(st.lists(st.sampled_from(QUERY_NAMES), max_size=3, unique=True))
            query = {name: data.draw(HOSTILE_TEXT)[:5000] for name in names}
        run.send(client, "GET", url, template, query_string=query)

    return attack


def test_no_path_or_query_argument_makes_a_server_error(app, world, backend):
    clients = _clients(app, world)
    run = _Run(backend)
    started = time.monotonic()
    routes = [(template, _role_for(allowed)) for template, allowed in GET_MATRIX]
    routes += [(page, "anonymous") for page in VISITOR_PAGES]
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    routes += [(rule.replace("<token>", "{token}"), "anonymous") for rule in TOKEN_ROUTES
               if rule in rules]
    ids = {**world.ids, "token": "not-a-token"}
    for template, role in routes:
        if time.monotonic() - started > TIME_BUDGET:
            break
        TARGETS.setdefault(backend, Counter())["route"] += 1
        _route_attack(run, clients[role], template, ids)()
    run.check()


def _page_forms(clients, world) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(role, action, fields) of every POST form on every page of the matrix, each once."""
    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    forms = []
    pages = [(template, _role_for(allowed)) for template, allowed in GET_MATRIX + EXTRA_PAGES]
    pages += [(page, "anonymous") for page in VISITOR_PAGES]
    for template, role in pages:
        url = template.format(**world.ids)
        response = clients[role].get(url)
        if response.mimetype != "text/html":
            continue
        for action, fields in _forms(response.get_data(as_text=True), url):
            key = (role, action, tuple(sorted(name for name, _v in fields)))
            if action in SKIPPED_ACTIONS or key in seen:
                continue
            seen.add(key)
            forms.append((role, action, fields))
    # Forms that delete, withdraw, submit or end something go last, as in the matrix.
    last = ("delete", "withdraw", "submit", "revoke", "sessions")
    forms.sort(key=lambda form: any(word in form[1] for word in last))
    return forms


def _form_attack(run: _Run, client, action: str, fields: list[tuple[str, str]]):
    @_settings(EXAMPLES_PER_FORM)
    @given(st.data())
    def attack(data):
        sent: dict[str, list[str]] = {}
        for name, value in fields:
            if name == "csrf_token":
                sent.setdefault(name, []).append(value)
                continue
            choice = data.draw(st.sampled_from(["keep", "hostile", "hostile", "drop"]))
            if choice == "drop":
                continue
            sent.setdefault(name, []).append(
                value if choice == "keep" else data.draw(HOSTILE_TEXT))
        run.send(client, "POST", action, action, data=sent)

    return attack


def test_no_form_value_makes_a_server_error_or_a_refused_write(app, world, backend):
    clients = _clients(app, world)
    run = _Run(backend)
    forms = _page_forms(clients, world)
    posted = {_path(action).split("?")[0] for _role, action, _fields in forms}
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    ids = {**world.ids, "token": "not-a-token"}
    actions = POST_MATRIX + OPEN_ACTIONS + [
        (rule.replace("<token>", "{token}"), {"anonymous"}) for rule in TOKEN_ROUTES
        if rule in rules]
    for template, allowed in actions:
        action = template.format(**ids)
        if action not in posted:
            role = _role_for(allowed)
            token = csrf_token(clients[role], "/courses")
            fields = [("csrf_token", token)] + [(name, "") for name in FALLBACK_FIELDS]
            forms.append((role, action, fields))
    started = time.monotonic()
    for role, action, fields in forms:
        if time.monotonic() - started > TIME_BUDGET:
            break
        TARGETS.setdefault(backend, Counter())["form"] += 1
        _form_attack(run, clients[role], action, fields)()
    run.check()


# ---------------------------------------------------------------- JSON bodies

EXAMPLES_PER_JSON = 40 * SCALE
JSON_SCALARS = st.one_of(
    HOSTILE_TEXT.map(lambda text: text[:2000]), HOSTILE_INT, st.integers().map(lambda n: -n),
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none())
JSON_RAW = [b'{"question_id": 1e999}', b'{"question_id": NaN, "q": Infinity}',
            b'{"q": 1e999, "question_id": 1}', b'{"text": "\\ud800"}', b"[1, 2]", b'"x"',
            b'{"ids": [1e999999, NaN]}', b'{"ids": ["\\u0000"]}', b"\xff\xfe", b"{"]


def _json_values(draw, names: list[str]):
    values = {}
    for name in draw(st.lists(st.sampled_from(names), max_size=len(names), unique=True)):
        values[name] = draw(st.one_of(JSON_SCALARS, st.lists(JSON_SCALARS, max_size=3)))
    return values


def _json_attack(run: _Run, client, url: str, names: list[str], headers: dict):
    import json

    @_settings(EXAMPLES_PER_JSON)
    @given(st.data())
    def attack(data):
        if data.draw(st.integers(0, 5)) == 0:
            body = data.draw(st.sampled_from(JSON_RAW))
        else:
            body = json.dumps(_json_values(data.draw, names)).encode()
        run.send(client, "POST", url, url, data=body, content_type="application/json",
                 headers=headers)

    return attack


def test_no_json_value_makes_a_server_error(app, world, backend):
    """The JSON bodies the app reads: the public bulk verification and a quiz answer."""
    clients = _clients(app, world)
    run = _Run(backend)
    trainee = clients["trainee"]
    token = csrf_token(trainee, "/cohorts/{cohort}/attempts/{attempt}".format(**world.ids))
    answers = "/cohorts/{cohort}/attempts/{attempt}/answers".format(**world.ids)
    TARGETS.setdefault(backend, Counter())["json"] += 2
    _json_attack(run, clients["anonymous"], "/api/v1/certificates/verify", ["ids"],
                 {"Accept": "application/json"})()
    _json_attack(run, trainee, answers,
                 ["question_id", "q", "options", "text", "value", "go", "finish"],
                 {"Accept": "application/json", "X-CSRFToken": token})()
    run.check()
