"""Every page below the top level says where it is: a breadcrumb from the home page
to the page's parent, each step a link that opens for the person reading it.

The demo is crawled as each demo role (as tests/web/test_orphan_routes.py does),
following links and GET forms; each deep page of the representative set below is
checked the first times the crawl opens it.
"""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from sqlalchemy import select

from lms import demo
from lms.accounts.models import User
from lms.extensions import limiter
from tests.conftest import login
from tests.web.test_orphan_routes import ROLES, _endpoint, _Links

# Deep pages, by endpoint: each must carry a breadcrumb. Top-level pages (home, My
# learning, My tracks, My certificates, the catalogue, Teaching, Grading, Hours to
# approve, Certify, Manage, Administration, Profile, Verify) are left out: the menu
# is their way back.
DEEP = {
    # the catalogue and course authoring
    "catalog.course", "catalog_manage.programs", "catalog_manage.edit_program",
    "catalog_manage.new_program", "catalog_manage.new_course", "catalog_manage.edit_course",
    "catalog_manage.new_module", "catalog_manage.edit_module", "catalog_manage.new_lesson",
    "catalog_manage.edit_lesson", "catalog_manage.preview_lesson",
    # cohorts
    "cohorts.lesson", "cohorts.roster", "cohorts_manage.edit_cohort",
    "cohorts_manage.new_cohort", "cohorts_manage.import_csv", "people.search",
    # assessments: settings, question bank, the trainee's and the grader's pages
    "assessments_manage.list", "assessments_manage.new", "assessments_manage.edit",
    "assessments_manage.window", "quizzes_manage.questions", "quizzes_manage.new_question",
    "quizzes_manage.edit_question", "quizzes_manage.import_gift",
    "quizzes_manage.quiz_questions", "quizzes.quiz", "quizzes.review",
    "assignments.assignment", "assignments.rubric", "observations.items",
    "gradebook.cohort", "gradebook.trainee", "gradebook.mine",
    # competencies and tracks
    "competencies.frameworks", "competencies.new_framework", "competencies.framework",
    "competencies.competency", "competencies.evidence", "competencies.cohort",
    "tracks.manage", "tracks.new", "tracks.edit", "tracks.roster", "tracks.track",
    # certificates
    "certificates.track", "certificates.records", "certificates.record", "verify.certificate",
    # administration
    "admin.users", "admin.user", "admin.institutions", "admin.institution",
    "admin.edit_institution", "admin.new_institution", "admin.merge_institution",
    "admin.programs", "admin.audit", "accounts.admin_sessions",
}
# The top-level pages the crawl passes through to reach the deep ones; it opens
# nothing else (other pages are other tests' business).
HUBS = {
    "web.home", "cohorts.dashboard", "cohorts.teaching", "cohorts.cohort",
    "catalog.courses", "catalog_manage.courses", "tracks.mine", "certificates.mine",
    "certificates.certify", "gradebook.queue", "admin.index", "verify.verify",
}
# Enough visits of each endpoint to reach the pages below it.
VISITS_PER_ENDPOINT = 6
MAX_PAGES = 1500
NEVER_FOLLOW = ("/logout",)


class _Breadcrumb(HTMLParser):
    """The links of the page's breadcrumb nav (None: the page has none)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] | None = None
        self._inside = False

    def handle_starttag(self, tag: str, attrs) -> None:
        values = dict(attrs)
        if tag == "nav" and "breadcrumbs" in (values.get("class") or "").split():
            self._inside = True
            self.links = []
        elif tag == "a" and self._inside and values.get("href"):
            self.links.append(values["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self._inside = False


def _check_role(client, adapter, role: str, checked: dict[str, str],
                problems: list[str]) -> None:
    """Crawl as one role; check the breadcrumb of each deep page met."""
    # Links in certificates are absolute, on the public address.
    own_hosts = {"", "localhost", urlsplit(client.application.config["LMS_PUBLIC_URL"]).netloc}
    opened: dict[str, int] = {}  # crumb link -> status, fetched once
    visits: dict[str, int] = {}
    seen = {"/"}
    queue = deque(["/"])
    pages = 0
    while queue and pages < MAX_PAGES:
        url = queue.popleft()
        endpoint = _endpoint(adapter, urlsplit(url).path)
        if endpoint not in DEEP | HUBS or visits.get(endpoint, 0) >= VISITS_PER_ENDPOINT:
            continue
        visits[endpoint] = visits.get(endpoint, 0) + 1
        with client.application.app_context():
            response = client.get(url)
        pages += 1
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        if endpoint in DEEP:
            crumbs = _Breadcrumb()
            crumbs.feed(html)
            if not crumbs.links:
                problems.append(f"{role}: {url} ({endpoint}) has no breadcrumb")
            else:
                if crumbs.links[0] != "/":
                    problems.append(f"{role}: {url}: the breadcrumb does not start at home")
                for link in crumbs.links:
                    if link not in opened:
                        with client.application.app_context():
                            opened[link] = client.get(link).status_code
                    if opened[link] != 200:
                        problems.append(f"{role}: {url}: crumb {link} answers {opened[link]}")
            checked.setdefault(endpoint, f"{role}: {url}")
        parser = _Links()
        parser.feed(html)
        for link in parser.links:
            parts = urlsplit(urljoin(url, link))
            if parts.netloc not in own_hosts or parts.path.startswith(NEVER_FOLLOW):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if local not in seen:
                seen.add(local)
                queue.append(local)


def test_deep_pages_have_a_breadcrumb_whose_links_open(app, database):
    demo.load()
    adapter = app.url_map.bind("localhost")
    assert DEEP <= {rule.endpoint for rule in app.url_map.iter_rules()}, "a page is gone"
    checked: dict[str, str] = {}
    problems: list[str] = []
    # The trainee and the administrator between them reach nearly every deep page.
    order = ["trainee", "admin"] + [role for role in ROLES if role not in ("trainee", "admin")]
    for role in order:
        email = ROLES[role]
        limiter.reset()
        user = database.session.scalar(select(User).where(User.email == email))
        client = app.test_client()
        with app.app_context():
            login(client, user, demo.DEMO_PASSWORD)
        _check_role(client, adapter, role, checked, problems)
    assert not problems, "\n".join(problems)
    assert not DEEP - set(checked), f"the crawl never opened: {sorted(DEEP - set(checked))}"
