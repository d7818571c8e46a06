"""What a report is about (the filters, which live in the URL) and who may see it (the scope)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, false, func, or_, select, true
from sqlalchemy.orm import aliased, selectinload

from lms.accounts.models import GENDER_TITLES, Gender, Institution, User
from lms.catalog.models import Course, Modality, Program
from lms.certification.models import Certificate
from lms.certification.tracks.models import Track, track_courses
from lms.cohorts.models import Cohort, Enrolment
from lms.extensions import db
from lms.i18n import LANGUAGES, collation_key, country_codes, country_name, current_locale

# Gender filter values: the stored ones, plus "unstated" for no answer.
UNSTATED = "unstated"
# Years a report may ask for: older or later is a typing slip.
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class ReportFilter:
    """Every filter a report takes; None means "all".

    Reach figures place an enrolment in the period its cohort starts in; certificates
    by the day they were issued; verifications by the day they happened.
    """

    program_id: int | None = None
    course_id: int | None = None
    cohort_id: int | None = None
    country: str | None = None
    institution_id: int | None = None
    # "female", "male", "other" (lms.accounts.models.Gender) or UNSTATED.
    gender: str | None = None
    modality: str | None = None
    language: str | None = None
    # Inclusive bounds of the period; None for open-ended.
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class Scope:
    """What the viewer may count. ``everything`` for administrators; otherwise the union of
    the programs they coordinate or observe, the certifying bodies they are an officer of,
    and the cohorts they teach. ``aggregated_only`` (observers, and exports marked for
    sharing outside the program) means no names and small cells suppressed."""

    everything: bool = False
    program_ids: frozenset[int] = frozenset()
    body_ids: frozenset[int] = frozenset()
    cohort_ids: frozenset[int] = frozenset()
    aggregated_only: bool = False

    @property
    def empty(self) -> bool:
        return not (self.everything or self.program_ids or self.body_ids or self.cohort_ids)


# ---------------------------------------------------------------- who sees what

def scope_for(user) -> Scope:
    """The viewer's scope: administrators everything; others the union of their roles.

    Observers (``observed_program_ids``) see aggregated figures only; someone who is also
    a coordinator, officer or instructor keeps the names their other roles show."""
    if not getattr(user, "is_authenticated", False):
        return Scope()
    if user.is_admin:
        return Scope(everything=True)
    observed = frozenset(getattr(user, "observed_program_ids", frozenset()))
    coordinated = user.coordinated_program_ids
    bodies, cohorts = user.body_ids, user.taught_cohort_ids
    return Scope(program_ids=coordinated | observed, body_ids=bodies, cohort_ids=cohorts,
                 aggregated_only=bool(observed) and not (coordinated or bodies or cohorts))


def _body_course_ids(body_ids: frozenset[int]):
    """The courses the tracks of ``body_ids`` require (a subquery)."""
    return (select(track_courses.c.course_id)
            .join(Track, Track.id == track_courses.c.track_id)
            .where(Track.certifying_body_id.in_(body_ids)))


def cohort_condition(scope: Scope):
    """SQL: the cohort (joined with its Course) counts for ``scope``.

    Officers count the cohorts of the courses their bodies' tracks require."""
    if scope.everything:
        return true()
    parts = []
    if scope.program_ids:
        parts.append(Course.program_id.in_(scope.program_ids))
    if scope.cohort_ids:
        parts.append(Cohort.id.in_(scope.cohort_ids))
    if scope.body_ids:
        parts.append(Cohort.course_id.in_(_body_course_ids(scope.body_ids)))
    return or_(*parts) if parts else false()


def track_condition(scope: Scope):
    """SQL: the track counts for ``scope`` (instructors: tracks requiring a taught course)."""
    if scope.everything:
        return true()
    parts = []
    if scope.program_ids:
        parts.append(Track.program_id.in_(scope.program_ids))
    if scope.body_ids:
        parts.append(Track.certifying_body_id.in_(scope.body_ids))
    if scope.cohort_ids:
        parts.append(Track.id.in_(
            select(track_courses.c.track_id)
            .join(Cohort, Cohort.course_id == track_courses.c.course_id)
            .where(Cohort.id.in_(scope.cohort_ids))))
    return or_(*parts) if parts else false()


def certificate_condition(scope: Scope):
    """SQL: the certificate counts for ``scope`` (instructors: those of people they taught)."""
    if scope.everything:
        return true()
    parts = []
    if scope.program_ids:
        parts.append(Certificate.program_id.in_(scope.program_ids))
    if scope.body_ids:
        parts.append(Certificate.issuer_id.in_(scope.body_ids))
    if scope.cohort_ids:
        parts.append(Certificate.user_id.in_(
            select(Enrolment.user_id).where(Enrolment.cohort_id.in_(scope.cohort_ids))))
    return or_(*parts) if parts else false()


def program_condition(scope: Scope, column):
    """SQL: the program id in ``column`` counts for ``scope`` (programs only: targets)."""
    if scope.everything:
        return true()
    return column.in_(scope.program_ids) if scope.program_ids else false()


def cohort_conditions(filters: ReportFilter, scope: Scope) -> list:
    """SQL conditions on Cohort joined with its Course: every filter but sex and
    institution (which are the person's) is the cohort's. None when all cohorts count."""
    conditions = [] if scope.everything else [cohort_condition(scope)]
    pairs = ((filters.program_id, Course.program_id), (filters.course_id, Course.id),
             (filters.cohort_id, Cohort.id), (filters.country, Cohort.country),
             (filters.modality, Course.modality), (filters.language, Cohort.language))
    conditions += [column == value for value, column in pairs if value is not None]
    if filters.start:
        conditions.append(Cohort.starts_on >= filters.start)
    if filters.end:
        conditions.append(Cohort.starts_on <= filters.end)
    return conditions


def gender_condition(gender: str | None):
    if gender is None:
        return true()
    return User.gender.is_(None) if gender == UNSTATED else User.gender == gender


# ---------------------------------------------------------------- choices

@dataclass
class FilterChoices:
    """What the filter form offers, limited to the viewer's scope."""

    programs: list[tuple[int, str]]
    courses: list[tuple[int, str]]
    cohorts: list[tuple[int, str]]
    countries: list[tuple[str, str]]
    institutions: list[tuple[int, str]]
    genders: list[tuple[str, str]] = field(default_factory=list)
    modalities: list[tuple[str, str]] = field(default_factory=list)
    languages: list[tuple[str, str]] = field(default_factory=list)


def filter_choices(scope: Scope, locale: str | None = None) -> FilterChoices:
    """The form's choices: five queries, whatever the number of enrolments."""
    locale = locale or current_locale()
    visible = cohort_condition(scope)
    cohorts = db.session.execute(
        select(Cohort.id, Cohort.code, Cohort.country, Course.id, Course.program_id)
        .join(Course, Course.id == Cohort.course_id).where(visible)
        .order_by(Cohort.code)).all()
    program_ids = {row[4] for row in cohorts}
    if not scope.everything:
        program_ids |= set(scope.program_ids)
    programs = db.session.scalars(
        select(Program).where(Program.id.in_(program_ids) if not scope.everything else true())
        .order_by(Program.code)).all()
    course_where = Course.id.in_({row[3] for row in cohorts})
    if scope.everything:
        course_where = true()
    elif scope.program_ids:
        course_where = course_where | Course.program_id.in_(scope.program_ids)
    courses = db.session.scalars(select(Course).where(course_where).order_by(Course.code)
                                .options(selectinload(Course.translations))).all()
    # The countries people are in, each found by one step down the index on users'
    # countries (the next one after the last), and each stops at its first certificate
    # holder. A DISTINCT read every person (PostgreSQL: 8 ms at 62,000 people, now 2),
    # and as EXISTS PostgreSQL joined every certificate to its holder instead.
    lived_in = select(func.min(User.country).label("country")).where(
        User.country.is_not(None)).cte("countries", recursive=True)
    following = aliased(User)
    lived_in = lived_in.union_all(
        select(select(func.min(following.country))
               .where(following.country > lived_in.c.country).scalar_subquery())
        .where(lived_in.c.country.is_not(None)))
    holder = aliased(User)
    first_holder = (select(holder.id).join(Certificate, Certificate.user_id == holder.id)
                    .where(holder.country == lived_in.c.country,
                           certificate_condition(scope))
                    .limit(1).scalar_subquery())
    holders = db.session.scalars(select(lived_in.c.country).where(
        lived_in.c.country.is_not(None), first_holder.is_not(None)))
    countries = sorted({row[2] for row in cohorts} | set(holders),
                       key=lambda code: collation_key(country_name(code, locale)))
    # Each institution stops at its first member with a visible enrolment (an index probe
    # or two), where IN (subquery) joined every enrolment to its holder on SQLite (100 ms
    # at 100,000 enrolments).
    enrolled = (select(Enrolment.id).join(Cohort, Cohort.id == Enrolment.cohort_id)
                .join(Course, Course.id == Cohort.course_id)
                .where(Enrolment.user_id == User.id, visible))
    institutions = db.session.execute(
        select(Institution.id, Institution.name)
        .where(exists(select(User.id).where(User.institution_id == Institution.id,
                                            exists(enrolled))))
        .order_by(Institution.name)).all()
    return FilterChoices(
        programs=[(p.id, f"{p.code}: {p.in_locale('name', locale)}") for p in programs],
        courses=[(c.id, f"{c.code}: {c.in_locale('title', locale)}") for c in courses],
        cohorts=[(row[0], row[1]) for row in cohorts],
        countries=[(code, country_name(code, locale)) for code in countries],
        institutions=[(row[0], row[1]) for row in institutions],
        genders=gender_choices(),
        modalities=[(m.value, m.title) for m in Modality],
        languages=list(LANGUAGES.items()))


def gender_choices() -> list[tuple[str, str]]:
    return [(g.value, str(GENDER_TITLES[g])) for g in Gender] + [(UNSTATED, _("Not stated"))]


# ---------------------------------------------------------------- the URL

_QUARTER = re.compile(r"^(?:(\d{4})-)?Q([1-4])$", re.IGNORECASE)


def _year(text: str) -> int | None:
    if not re.fullmatch(r"\d{4}", text):
        return None
    year = int(text)
    return year if FIRST_YEAR <= year <= LAST_YEAR else None


def _day(text: str) -> date | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if date(FIRST_YEAR, 1, 1) <= day <= date(LAST_YEAR, 12, 31) else None


def _identifier(text: str) -> int | None:
    return int(text) if re.fullmatch(r"[1-9]\d{0,9}", text) and int(text) <= 2**31 - 1 \
        else None


def parse_filters(args: Mapping[str, str], scope: Scope,
                  choices: FilterChoices | None = None) -> tuple[ReportFilter, list[str]]:
    """The filters in the URL's arguments, and a translated message for each value refused.

    A refused value (malformed, unknown, or outside the viewer's scope) is left out:
    the report shows everything else the URL asked for."""
    errors: list[str] = []
    values: dict = {}

    def text(name: str) -> str:
        return (args.get(name) or "").strip()

    start = end = None
    if text("year"):
        year = _year(text("year"))
        if year is None:
            errors.append(_("The year must be between %(first)d and %(last)d.",
                            first=FIRST_YEAR, last=LAST_YEAR))
        else:
            start, end = date(year, 1, 1), date(year, 12, 31)
    if text("quarter"):
        match = _QUARTER.match(text("quarter"))
        year = None
        if match:
            year = _year(match.group(1)) if match.group(1) else (start.year if start else None)
        if not match or year is None:
            errors.append(_("Give the quarter as 2026-Q3, or a year and Q1 to Q4."))
        else:
            quarter = int(match.group(2))
            start = date(year, 3 * quarter - 2, 1)
            end = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1) \
                - timedelta(days=1)
    for name in ("from", "to"):
        if text(name):
            day = _day(text(name))
            if day is None:
                errors.append(_("%(value)s is not a date: write it as YYYY-MM-DD.",
                                value=text(name)[:20]))
            elif name == "from":
                start = day
            else:
                end = day
    if start and end and start > end:
        errors.append(_("The period ends before it starts; it was left out."))
        start = end = None
    values["start"], values["end"] = start, end

    if choices is None and any(text(name) for name in _ID_FILTERS + ("country",)):
        choices = filter_choices(scope)
    allowed = {
        "program": {key for key, _label in choices.programs} if choices else set(),
        "course": {key for key, _label in choices.courses} if choices else set(),
        "cohort": {key for key, _label in choices.cohorts} if choices else set(),
        "institution": {key for key, _label in choices.institutions} if choices else set(),
    }
    for name in _ID_FILTERS:
        if not text(name):
            continue
        number = _identifier(text(name))
        if number is None or number not in allowed[name]:
            errors.append(str(_ID_REFUSALS[name]))
        else:
            values[f"{name}_id"] = number
    if text("country"):
        code = text("country").upper()
        if code not in country_codes():
            errors.append(_("Unknown country."))
        elif not scope.everything and choices and code not in dict(choices.countries):
            errors.append(_("There is nothing to report in that country for you."))
        else:
            values["country"] = code
    if text("gender"):
        if text("gender") not in {*(g.value for g in Gender), UNSTATED}:
            errors.append(_("Unknown gender."))
        else:
            values["gender"] = text("gender")
    if text("modality"):
        if text("modality") not in {m.value for m in Modality}:
            errors.append(_("Unknown modality."))
        else:
            values["modality"] = text("modality")
    if text("language"):
        if text("language") not in LANGUAGES:
            errors.append(_("Unknown language."))
        else:
            values["language"] = text("language")
    return ReportFilter(**values), errors


def filter_args(filters: ReportFilter) -> dict[str, str]:
    """The filters as URL arguments (``url_for(..., **filter_args(f))``): a whole year or
    quarter is written as such, any other period as from/to."""
    args: dict[str, str] = {}
    start, end = filters.start, filters.end
    if start and end and start.year == end.year and (start.month, start.day) == (1, 1) \
            and (end.month, end.day) == (12, 31):
        args["year"] = str(start.year)
    elif start and end and start.day == 1 and start.month % 3 == 1 \
            and start.year == end.year and end == _quarter_end(start):
        args["quarter"] = f"{start.year}-Q{(start.month + 2) // 3}"
    else:
        if start:
            args["from"] = start.isoformat()
        if end:
            args["to"] = end.isoformat()
    for name in _ID_FILTERS:
        value = getattr(filters, f"{name}_id")
        if value is not None:
            args[name] = str(value)
    for name in ("country", "gender", "modality", "language"):
        value = getattr(filters, name)
        if value:
            args[name] = value
    return args


def _quarter_end(start: date) -> date:
    month = start.month + 3
    return date(start.year + (month > 12), (month - 1) % 12 + 1, 1) - timedelta(days=1)


_ID_FILTERS = ("program", "course", "cohort", "institution")
_ID_REFUSALS = {
    "program": _l("That program is not one you may report on."),
    "course": _l("That course is not one you may report on."),
    "cohort": _l("That cohort is not one you may report on."),
    "institution": _l("That institution is not one you may report on."),
}
