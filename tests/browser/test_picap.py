"""Running a PICAP course in a real Chromium, each flow in two languages, axe at 0 violations
on every page visited:

- a national focal point nominates officers of their country (an existing account and new
  ones) and sees the country's seats; the host's coordinator accepts one, wait-lists one
  and declines one with a reason (a decision without a reason is refused, changing
  nothing); the seat table counts them; the accepted nominee finds the course among
  their learning and the decision among their notifications, whose unread count in the
  header goes down as they are read;
- the agenda of the Bogotá course in the cohort's time zone and, for a reader elsewhere,
  in theirs, with the address of its calendar feed, which serves the sessions;
- a large CSV import becomes a job: its page shows a named progress bar while it waits,
  and the result when it is done.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import time as time_of_day
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
import pytest
from babel.dates import format_time
from sqlalchemy import func, select

from lms import demo
from lms.accounts.models import User
from lms.catalog.models import Course
from lms.cohorts.models import Cohort, Enrolment
from lms.cohorts.schedule_zones import zone_label
from lms.extensions import db
from lms.i18n import country_name
from lms.kernel import jobs
from tests.browser.picap import Accounts, Steps, nomination_cohort

pytestmark = pytest.mark.browser

BOGOTA = "PCP-HR-FORCE-BOG-01"  # the demo's course with a timetable, in Bogotá's zone


@dataclass(frozen=True)
class Run:
    """One language's nominations: a focal point, their country and whom they nominate."""

    locale: str
    focal_point: str
    country: str
    existing: tuple[str, str]                      # email, full name: to be accepted
    new: tuple[tuple[str, str, str], ...]          # first, last name, email: wait-listed, declined
    reason: str                                    # the coordinator's, in that language


RUNS = [
    Run("pt", "focal.br@example.org", "BR", ("joao.goncalves@example.org", "João Gonçalves"),
        (("Lucas", "Almeida Prado", "lucas.prado@example.org"),
         ("Marina", "Teixeira Lopes", "marina.teixeira@example.org")),
        "As vagas do Brasil estão reservadas para os servidores da academia."),
    Run("es", "focal.cl@example.org", "CL", ("valentina.soto@example.org",
                                            "Valentina Soto Aravena"),
        (("Camila", "Rojas Pérez", "camila.rojas@example.org"),
         ("Tomás", "Vidal Ortega", "tomas.vidal@example.org")),
        "Las plazas de Chile se reservan para quienes dirigen unidades de orden público."),
]


@dataclass(frozen=True)
class Data:
    nomination_cohorts: dict[str, int]   # locale -> id of a cohort by nomination of its own
    course_titles: dict[str, str]        # locale -> the nominations' course title in it
    bogota_id: int
    picap_intro_code: str


@pytest.fixture(scope="module")
def picap_data(live_app) -> Data:
    with live_app.app_context():
        demo.load()
        cohorts = {run.locale: nomination_cohort(f"PCP-NOM-{run.locale.upper()}")
                   for run in RUNS}
        course = db.session.scalars(select(Course).filter_by(code="PCP-HR-FORCE")).one()
        titles = {run.locale: course.in_locale("title", run.locale) for run in RUNS}
        bogota = db.session.scalars(select(Cohort).filter_by(code=BOGOTA)).one()
        data = Data(cohorts, titles, bogota.id, "PCP-INTRO-ES-01")
        db.session.commit()
    return data


@pytest.fixture(scope="module")
def accounts(browser, live_server) -> Accounts:
    return Accounts(browser, live_server)


def _cells(row) -> list[str]:
    return [cell.strip() for cell in row.locator("td").all_inner_texts()]


def _seat_row(tab, table: str, country: str, locale: str):
    return tab.locator(f"{table} tbody tr").filter(
        has=tab.locator("th", has_text=country_name(country, locale)))


def _enrolled(live_app, email: str, cohort_id: int) -> bool:
    with live_app.app_context():
        user = db.session.scalars(select(User).filter_by(email=email)).one()
        return db.session.scalar(select(func.count()).select_from(Enrolment).filter_by(
            user_id=user.id, cohort_id=cohort_id)) == 1


def _nominate(steps: Steps, email: str, name: str, first: str = "", last: str = "",
              again: bool = False) -> None:
    form = steps.tab.locator("main form.stacked")
    form.locator("[name=email]").fill(email)
    form.locator("[name=first_name]").fill(first)
    form.locator("[name=last_name]").fill(last)
    steps.press(steps.t("Nominate"), within=form, again=again)
    assert steps.flash() == steps.t(
        "%(name)s is nominated; the program's coordinators will decide.", name=name)


def _decide(steps: Steps, name: str, decision: str, reason: str = "",
            again: bool = False) -> None:
    form = steps.tab.get_by_role("form", name=steps.t("Decision on %(name)s", name=name))
    form.get_by_label(steps.t("Decision"), exact=True).select_option(decision)
    form.get_by_label(steps.t("Reason"), exact=True).fill(reason)
    steps.press(steps.t("Decide"), within=form, again=again)


@pytest.mark.parametrize("run", RUNS, ids=[run.locale for run in RUNS])
def test_a_focal_point_nominates_and_the_host_decides(accounts, live_app, picap_data, run):
    cohort_id = picap_data.nomination_cohorts[run.locale]
    code = f"PCP-NOM-{run.locale.upper()}"
    title = picap_data.course_titles[run.locale]
    waitlisted, declined = (f"{first} {last}" for first, last, _email in run.new)

    # The focal point: from the home page to the cohort, nominating three officers.
    focal = accounts.steps(run.focal_point, run.locale)
    try:
        focal.start("/")
        focal.follow(focal.t("Nominations"), within="main .home-links")
        focal.follow(focal.t("%(title)s: %(code)s", title=title, code=code))
        _nominate(focal, *run.existing)
        for number, (first, last, email) in enumerate(run.new):
            _nominate(focal, email, f"{first} {last}", first, last,
                      again=number == len(run.new) - 1)  # the page with every nominee
        row = _seat_row(focal.tab, "main table", run.country, run.locale)
        assert _cells(row) == [focal.plural("%(taken)d of %(num)d seat taken",
                                            "%(taken)d of %(num)d seats taken", 2, taken=0),
                               "3", "0", "0"]
    finally:
        focal.tab.context.close()

    # The host's coordinator decides, from the cohort's management page.
    host = accounts.steps("coordinator.picap@example.org", run.locale)
    try:
        host.start(f"/manage/cohorts/{cohort_id}")
        host.follow(host.t("Nominations and seats by country"))
        # Declining without a reason is refused with a message, and decides nothing.
        _decide(host, declined, "declined", again=True)  # the page with its error
        assert host.t("Give the reason: the focal point and the nominee will read it.") \
            in host.tab.locator("main").inner_text()
        seats = _seat_row(host.tab, "main table[aria-labelledby=seats]", run.country,
                          run.locale)
        # Seats, accepted, awaiting decision, waiting list, declined.
        assert _cells(seats) == ["2", "0", "3", "0", "0"]
        _decide(host, run.existing[1], "accepted")
        assert host.flash() == host.t("%(name)s: %(status)s.", name=run.existing[1],
                                      status=host.t("Accepted"))
        _decide(host, waitlisted, "waitlisted", run.reason)
        _decide(host, declined, "declined", run.reason, again=True)  # all decided
        assert host.flash() == host.t("%(name)s: %(status)s.", name=declined,
                                      status=host.t("Declined"))
        assert _cells(seats) == ["2", "1", "0", "1", "1"]
        # Only the waiting list may still be decided again (when a seat frees).
        for name, forms in ((run.existing[1], 0), (declined, 0), (waitlisted, 1)):
            decision = host.t("Decision on %(name)s", name=name)
            assert host.tab.get_by_role("form", name=decision).count() == forms, name
    finally:
        host.tab.context.close()
    assert _enrolled(live_app, run.existing[0], cohort_id)

    # The focal point sees the decisions and the country's seats.
    focal = accounts.steps(run.focal_point, run.locale)
    try:
        focal.goto(f"/nominations/cohorts/{cohort_id}")
        row = _seat_row(focal.tab, "main table", run.country, run.locale)
        assert _cells(row) == [focal.plural("%(taken)d of %(num)d seat taken",
                                            "%(taken)d of %(num)d seats taken", 2, taken=1),
                               "0", "1", "1"]
        nominees = focal.tab.locator("main table").nth(1).inner_text()
        for status in ("Accepted", "Waiting list", "Declined"):
            assert focal.t(status) in nominees
        assert run.reason in nominees
    finally:
        focal.tab.context.close()

    # The accepted nominee: the course among their learning, the decision among the
    # notifications, the header's unread count going down as they are read.
    nominee = accounts.steps(run.existing[0], run.locale)
    tab = nominee.tab
    try:
        nominee.goto("/dashboard")
        card = tab.locator("main article.card").filter(has_text=code)
        assert card.get_by_role("link", name=title).is_visible()
        unread = _unread_in_header(nominee)
        assert unread >= 2  # the decision, and the demo's own notices
        nominee.follow(nominee.plural("Notifications (%(num)d)", "Notifications (%(num)d)",
                                      unread), within="header.site")
        assert tab.locator("main li.unread").count() == unread
        subject = nominee.t("Your nomination to %(course)s: %(status)s", course=title,
                            status=nominee.t("Accepted"))
        # The newest first: this decision (the demo's intake told them the same words).
        notice = tab.locator("main li.unread").filter(has_text=subject).first
        nominee.press(subject, within=notice)  # opens the cohort, and marks it read
        assert tab.url.endswith(f"/cohorts/{cohort_id}")
        assert tab.locator("h1").inner_text().strip() == title
        assert _unread_in_header(nominee) == unread - 1
        nominee.goto("/notifications")
        assert tab.locator("main li.read").filter(has_text=subject).count() == 1
        nominee.press(nominee.t("Mark all as read"), again=True)
        assert nominee.flash() == nominee.t("All notifications are marked as read.")
        assert _unread_in_header(nominee) == 0
        assert tab.locator("main li.unread").count() == 0
        assert nominee.t("No unread notification.") in tab.locator("main").inner_text()
    finally:
        tab.context.close()


def _unread_in_header(steps: Steps) -> int:
    """The count the header's link shows ("Notifications (3)"); 0 when it shows none."""
    text = steps.tab.locator("header.site a[href='/notifications']").text_content().strip()
    if text == steps.t("Notifications"):
        return 0
    match = re.search(r"\((\d+)\)", text)
    assert match, text
    return int(match.group(1))


# ---------------------------------------------------------------- the agenda

def _clock(hour: int, minute: int, locale: str) -> str:
    """A time of day as the agenda writes it in ``locale`` ("8:30", "08:30")."""
    return format_time(time_of_day(hour, minute), "short", locale=locale)


# Who reads the Bogotá agenda: from Colombia (the cohort's zone, one column of times) and
# from Brazil (Bogotá's 8:30 is 10:30 in São Paulo: a second column).
AGENDA_READERS = [("es", "andres.munoz@example.org", None),
                  ("pt", "joao.goncalves@example.org", "America/Sao_Paulo")]


@pytest.mark.parametrize(("locale", "email", "own_zone"), AGENDA_READERS,
                         ids=[reader[0] for reader in AGENDA_READERS])
def test_the_agenda_shows_both_zones_and_gives_a_calendar_address(
        accounts, live_server, picap_data, locale, email, own_zone):
    steps = accounts.steps(email, locale)
    tab = steps.tab
    try:
        steps.start(f"/cohorts/{picap_data.bogota_id}")
        steps.follow(steps.t("Agenda of %(code)s", code=BOGOTA))
        headers = tab.locator("#agenda thead th").all_inner_texts()
        assert steps.t("Time (%(zone)s)", zone=zone_label("America/Bogota", locale)) in headers
        yours = steps.t("Your time (%(zone)s)", zone="\0").split("\0")[0]
        mine = [header for header in headers if header.startswith(yours)]
        first = _cells(tab.locator("#agenda tbody tr").first)
        assert steps.t("%(start)s to %(end)s", start=_clock(8, 30, locale),
                       end=_clock(12, 30, locale)) == first[1]
        if own_zone is None:
            assert mine == []
        else:
            assert mine == [steps.t("Your time (%(zone)s)", zone=zone_label(own_zone, locale))]
            assert _clock(10, 30, locale) in first[2]  # São Paulo is two hours ahead
        assert tab.locator("#agenda tbody tr").count() >= len(demo.BOGOTA_SESSIONS)

        steps.press(steps.t("Get an address for this cohort's calendar"))
        address = tab.get_by_label(steps.t("Calendar address")).input_value()
        assert re.fullmatch(r"https?://[^ ]+/calendar/[^/ ]+\.ics", address), address
        # The address serves the sessions (the public host is not this test server's).
        feed = tab.request.get(f"{live_server}{urlsplit(address).path}")
        assert feed.status == 200 and feed.headers["content-type"].startswith("text/calendar")
        events = [part for part in icalendar.Calendar.from_ical(feed.body()).walk("VEVENT")
                  if str(part.get("summary")).startswith(demo.BOGOTA_SESSIONS[0][1])]
        assert len(events) == 1
        opening = events[0].decoded("dtstart").astimezone(ZoneInfo("America/Bogota"))
        assert (opening.hour, opening.minute) == (8, 30)
        # The button now renews the address.
        assert tab.locator("main").get_by_role(
            "button", name=steps.t("Renew the address of this cohort's calendar")).count() == 1
    finally:
        tab.context.close()


# ---------------------------------------------------------------- a job's progress bar

IMPORT_LINES = 6


@pytest.fixture
def queued_jobs(live_app):
    """Imports of more than 3 lines become a job that waits in the queue until the test
    runs it, as a worker would."""
    queue = jobs.queue(live_app)
    limit = live_app.config["LMS_JOBS_INLINE_LIMIT"]
    live_app.config["LMS_JOBS_INLINE_LIMIT"] = 3
    queue.immediate = False
    yield queue
    queue.flush()
    queue.immediate = True
    live_app.config["LMS_JOBS_INLINE_LIMIT"] = limit


def _run_the_job(live_app) -> None:
    # The job is enqueued just after the response that started it: wait for it, briefly.
    deadline = time.monotonic() + 10
    with live_app.app_context():  # as a worker's: each task then opens its own
        while jobs.run_pending(live_app) == 0:
            assert time.monotonic() < deadline, "the import job never reached the queue"
            time.sleep(0.1)


@pytest.mark.parametrize("locale", ["en", "es"])
def test_a_large_import_shows_its_progress_then_its_result(
        accounts, live_app, picap_data, queued_jobs, locale):
    rows = ["email,firstname,lastname,country,lang,cohort1"] + [
        f"import.{locale}.{n}@example.org,Agente,Número {n},CO,es,{picap_data.picap_intro_code}"
        for n in range(IMPORT_LINES)]
    steps = accounts.steps("coordinator.picap@example.org", locale)
    tab = steps.tab
    try:
        steps.start("/manage/import")
        tab.locator("main input[type=file]").set_input_files(files=[{
            "name": f"large-{locale}.csv", "mimeType": "text/csv",
            "buffer": ("\n".join(rows) + "\n").encode()}])
        steps.press(steps.t("Import"))

        # Waiting in the queue: the page names its progress bar and says how far it is.
        assert re.search(r"/jobs/\d+$", tab.url), tab.url
        assert tab.locator("h1").inner_text().strip() == steps.t("Importing trainees")
        bar = tab.get_by_role("progressbar", name=steps.t("Waiting to start"))
        assert bar.count() == 1, "no progress bar named by the job's status"
        assert bar.get_attribute("value") == "0"
        assert bar.get_attribute("max") == str(IMPORT_LINES)
        assert tab.locator("#job-count").inner_text().strip() == steps.plural(
            "%(done)d of %(num)d done.", "%(done)d of %(num)d done.", IMPORT_LINES, done=0)

        # Without script, a link shows the progress; with it, the page brings it in place.
        job_path = urlsplit(tab.url).path
        assert tab.locator(f"#job-refresh a[href='{job_path}']").count() == 1

        # A worker runs it; the page, asking again by itself, shows the result.
        _run_the_job(live_app)
        finished = tab.get_by_role("progressbar", name=steps.t("Finished"))
        finished.wait_for(timeout=10_000)
        steps.check()
        assert finished.get_attribute("value") == str(IMPORT_LINES)
        assert tab.locator("#job-result").inner_text().strip() == steps.t(
            "Import finished. Accounts created: %(created)s. Enrolments added: %(enrolled)s. "
            "Already enrolled: %(already)s.", created=IMPORT_LINES, enrolled=IMPORT_LINES,
            already=0)
        assert tab.locator("#job[data-refresh]").count() == 0  # done: the page stops asking
        steps.follow(steps.t("Back to the import page"))
    finally:
        tab.context.close()
