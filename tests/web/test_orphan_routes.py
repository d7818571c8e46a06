"""Every screen is one click away: crawled as each demo role, from the home page, by
following links and GET forms only, the app reaches every GET route of its URL map.

A route that nothing links to can only be found by typing its address; this test
names it. The exemptions are few and each says why.
"""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from sqlalchemy import select
from werkzeug.exceptions import MethodNotAllowed, NotFound

from lms import demo
from lms.accounts.models import User
from lms.assessments.assignments.models import Submission
from lms.extensions import limiter
from tests.conftest import login

# Reached from outside the app, or not pages at all.
EXEMPT = {
    "static": "files the pages load, not pages",
    "web.health": "for load balancers",
    "accounts.reset_password": "the token link a reset mail carries",
    "accounts.confirm_registration": "the token link a registration mail carries",
    "api.openapi_document": "the API's document, for programs",
    "api.certificate": "the JSON API, for programs",
    "api.achievement": "the JSON API, for programs",
    "api.issuer": "the JSON API, for programs",
    "api.revocations": "the JSON API, for programs",
    "api.jwks": "the keys, for verifiers",
    "quizzes.attempt": "opened by the quiz page's Start form (a POST, then a redirect)",
    "quizzes.finish": "opened by the attempt page's Save and finish (a POST, then a redirect)",
    "agenda.feed": "the secret calendar address, for calendar programs",
    "evaluations.followup": "the signed link a follow-up mail carries",
    "notifications.unsubscribe": "the one-click link in a mail's List-Unsubscribe header",
    "jobs.show": "where starting a long job (a POST) redirects, to follow its progress",
}
ROLES = {
    "admin": "admin@example.org",
    "coordinator": "coordinator.proccer@example.org",
    "coordinator (PICAP)": "coordinator.picap@example.org",
    "instructor": "instructor.salinas@example.org",
    "instructor (PICAP)": "instructor.cardenas@example.org",
    "officer": "officer.mx@example.org",
    "trainee": "maria.nunez@example.org",
    "trainee (pt)": "joao.goncalves@example.org",
    "observer": "observer@example.org",
    "focal point": "focal.br@example.org",
}
# Enough visits of each endpoint to find what its pages link to; not every row of every list.
VISITS_PER_ENDPOINT = 12
MAX_PAGES = 2000
NEVER_FOLLOW = ("/logout",)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        elif tag == "form" and (values.get("method") or "get").lower() == "get":
            self.links.append(values.get("action") or "")


def _endpoint(adapter, path: str) -> str | None:
    try:
        endpoint, _args = adapter.match(path, method="GET")
    except (NotFound, MethodNotAllowed):
        return None
    return endpoint


def _crawl(client, adapter, start: str, reached: dict[str, str], role: str) -> None:
    # Links in certificates and mails are absolute, on the public address.
    own_hosts = {"localhost", "127.0.0.1",
                 urlsplit(client.application.config["LMS_PUBLIC_URL"]).netloc}
    visits: dict[str, int] = {}
    seen = {start}
    queue = deque([start])
    pages = 0
    while queue and pages < MAX_PAGES:
        url = queue.popleft()
        path = urlsplit(url).path
        endpoint = _endpoint(adapter, path)
        if endpoint is None or visits.get(endpoint, 0) >= VISITS_PER_ENDPOINT:
            continue
        visits[endpoint] = visits.get(endpoint, 0) + 1
        reached.setdefault(endpoint, f"{role}: {url}")
        # A fresh app context per request: Flask-Login caches the user on ``g``.
        with client.application.app_context():
            response = client.get(url, follow_redirects=True)
        pages += 1
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        url = response.request.path + (f"?{response.request.query_string.decode()}"
                                       if response.request.query_string else "")
        landed = _endpoint(adapter, response.request.path)
        if landed is not None:
            reached.setdefault(landed, f"{role}: {url}")
        parser = _Links()
        parser.feed(response.get_data(as_text=True))
        for link in parser.links:
            target = urljoin(url, link)
            parts = urlsplit(target)
            if parts.netloc and parts.netloc not in own_hosts:
                continue
            if parts.path.startswith(NEVER_FOLLOW):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            linked = _endpoint(adapter, parts.path)
            if linked is not None:
                # A link is what the user needs: the page behind it is reached even if
                # this crawl does not open it (a download, say).
                reached.setdefault(linked, f"{role}: linked from {url}")
            if local not in seen:
                seen.add(local)
                queue.append(local)


def test_every_get_route_is_reached_by_a_link_as_some_role(app, database):
    demo.load()
    # The demo's submissions are typed answers; one carries a file, as many trainees send.
    submission = database.session.scalars(select(Submission).order_by(Submission.id)).first()
    submission.file_name, submission.stored_name = "plan-de-sesion.pdf", "0" * 32
    database.session.flush()
    adapter = app.url_map.bind("localhost")
    get_endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                     if "GET" in (rule.methods or set())}
    reached: dict[str, str] = {}
    _crawl(app.test_client(), adapter, "/", reached, "visitor")
    for role, email in ROLES.items():
        limiter.reset()
        user = database.session.scalar(select(User).where(User.email == email))
        client = app.test_client()
        with app.app_context():
            login(client, user, demo.DEMO_PASSWORD)
        _crawl(client, adapter, "/", reached, role)
    orphans = sorted(get_endpoints - set(reached) - set(EXEMPT))
    assert not orphans, (
        "no link or GET form reaches these routes: "
        + ", ".join(f"{e} ({next(r.rule for r in app.url_map.iter_rules() if r.endpoint == e)})"
                    for e in orphans))
    assert not set(EXEMPT) - get_endpoints, "an exemption names a route that is gone"
