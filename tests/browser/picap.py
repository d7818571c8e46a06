"""What the PICAP browser tests share: their data on top of the demo, and small page steps
(a language switch, a link or button found by its translated name, a plural read from the
catalogue)."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from lms import demo
from lms.accounts.models import Institution
from lms.catalog.models import Course
from lms.cohorts.models import Cohort
from lms.extensions import db
from lms.kernel import clock
from tests.browser.conftest import _catalog, assert_accessible, sign_in, translated


def nomination_cohort(code: str) -> int:
    """A PICAP cohort by nomination of our own (two seats a country, nominations open),
    so that each language's run decides on nominations no other run touches."""
    today = clock.today(clock.UTC)
    course = db.session.scalars(select(Course).filter_by(code="PCP-HR-FORCE")).one()
    host = db.session.scalars(select(Institution).filter_by(name=demo.CO_POLICE)).one()
    cohort = Cohort(code=code, course_id=course.id, language="es",
                    interpretation_languages="en,pt", country="CO",
                    host_institution_id=host.id, starts_on=today + timedelta(days=80),
                    ends_on=today + timedelta(days=108), capacity=24, self_enrolment=False,
                    by_nomination=True, seats_per_country=2,
                    nominations_open_on=today - timedelta(days=1),
                    nominations_close_on=today + timedelta(days=30))
    db.session.add(cohort)
    db.session.flush()
    return cohort.id


class Accounts:
    """Each person signs in once (a password's hash is slow on purpose); later tabs of theirs
    start from the browser state that sign-in left."""

    def __init__(self, browser, base: str) -> None:
        self.browser, self.base = browser, base
        self.states: dict[str, dict] = {}

    def steps(self, email: str, locale: str) -> Steps:
        state = self.states.get(email)
        if state is None:
            tab = sign_in(self.browser, self.base, email, demo.DEMO_PASSWORD)
            self.states[email] = tab.context.storage_state()
        else:
            context = self.browser.new_context(storage_state=state)
            context.set_default_timeout(15_000)
            tab = context.new_page()
        return Steps(tab, self.base, locale)


class Steps:
    """A signed-in tab read and driven in one language, checked by axe on each page."""

    def __init__(self, tab, base: str, locale: str) -> None:
        self.tab, self.base, self.locale = tab, base, locale
        self.checked: set[str] = set()  # paths axe has seen in this language

    def t(self, message: str, **values: object) -> str:
        if not re.search(r"[a-z]", re.sub(r"%\(\w+\)[sd]", "", message)):
            # A pattern such as "%(title)s: %(code)s" may read the same in every language.
            entry = _catalog(self.locale).get(message) if self.locale != "en" else None
            text = entry.string if entry is not None and entry.string else message
        else:
            text = translated(self.locale, message)
        return text % values if values else text

    def plural(self, singular: str, plural: str, num: int, **values: object) -> str:
        """``ngettext`` as the catalogue has it (for the languages here: one, or more)."""
        if self.locale == "en":
            text = singular if num == 1 else plural
        else:
            forms = _catalog(self.locale).get(singular).string
            assert isinstance(forms, tuple) and all(forms), (self.locale, singular)
            text = forms[0] if num == 1 else forms[1]
        return text % {"num": num, **values}

    def start(self, path: str) -> None:
        """The first page, then the interface switched to our language (the switch also
        makes it the signed-in person's preference)."""
        response = self.tab.goto(f"{self.base}{path}")
        assert response.status == 200, (path, response.status)
        self.switch_language()
        self.check()

    def switch_language(self) -> None:
        form = self.tab.locator("form.lang-switch")
        form.locator("select[name=lang]").select_option(self.locale)
        with self.tab.expect_navigation():
            form.locator("button[type=submit]").click()
        assert self.tab.locator("html").get_attribute("lang") == self.locale

    def goto(self, path: str) -> None:
        response = self.tab.goto(f"{self.base}{path}")
        assert response.status == 200, (path, response.status)
        self.check()

    def check(self, again: bool = False) -> None:
        """The page is in our language and axe finds nothing; axe looks at each path once
        (a page shown again after a form, with a message, only when ``again``)."""
        assert self.tab.locator("html").get_attribute("lang") == self.locale
        path = urlsplit(self.tab.url).path
        if again or path not in self.checked:
            assert_accessible(self.tab)
            self.checked.add(path)

    def follow(self, name: str, within: str = "main") -> None:
        with self.tab.expect_navigation():
            self.tab.locator(within).get_by_role("link", name=name, exact=True).first.click()
        self.check()

    def press(self, name: str, within=None, again: bool = False) -> None:
        scope = within if within is not None else self.tab.locator("main")
        with self.tab.expect_navigation():
            scope.get_by_role("button", name=name, exact=True).click()
        self.check(again)

    def flash(self) -> str:
        return self.tab.locator(".flashes").inner_text().strip()

    def header_link(self, href: str) -> str:
        return self.tab.locator(f"header.site nav a[href='{href}']").inner_text().strip()
