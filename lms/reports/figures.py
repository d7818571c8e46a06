"""The report's figures, computed in SQL with GROUP BY: the number of queries does not
grow with the number of enrolments, certificates or people.

Counting rules (each also written in the notes the page and the pack show):

- An enrolment belongs to the period its cohort starts in, and to the cohort's country.
  A place on a waiting list is not counted.
- People are counted once per row: someone enrolled in two courses is one person
  enrolled, so the rows of a table may add up to more than its total.
- Started: an enrolment with a lesson completed or opened, or a course result
  (completed or failed). Quiz attempts and submissions alone do not count: a trainee
  opens a lesson before either.
- Training hours delivered: each completed enrolment counts its course's hours.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pyroaring import BitMap
from sqlalchemy import (
    Integer,
    case,
    cast,
    distinct,
    extract,
    func,
    literal,
    null,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.sql.util import find_tables

from lms.accounts.models import GENDER_TITLES, Gender, Institution, User
from lms.catalog.models import Course, Program
from lms.certification.models import (
    REVOCATION_REASON_TITLES,
    Certificate,
    CertificateKind,
    RevocationReason,
    current_filter,
)
from lms.certification.tracks.models import (
    HoursKind,
    HoursLog,
    HoursStatus,
    Track,
    track_competencies,
    track_courses,
)
from lms.cohorts.models import (
    ENROLMENT_STATUS_TITLES,
    Cohort,
    Enrolment,
    EnrolmentStatus,
)
from lms.competencies.queries import met_counts
from lms.extensions import db
from lms.i18n import collation_key, country_name
from lms.kernel import clock
from lms.reports import parallel, people
from lms.reports.filters import (
    UNSTATED,
    ReportFilter,
    Scope,
    certificate_condition,
    cohort_conditions,
    gender_condition,
    program_condition,
    track_condition,
)
from lms.reports.models import Target
from lms.reports.tables import Chart, ChartKind, Column, Figure, Kind, Section, Table
from lms.reports.verification import verification

# Sections in the order the page and the pack show them; the last four come from
# their own modules (learning and reaction are written beside this one).
SECTION_KEYS = ("reach", "certification", "learning", "reaction", "verification", "targets")
EXPIRY_WINDOW = timedelta(days=90)
# The required courses of a track, counted beside the completed ones.
_NEEDED = track_courses.alias("needed")


# ---------------------------------------------------------------- shared conditions

def enrolment_conditions(filters: ReportFilter, scope: Scope) -> list:
    """SQL conditions on Enrolment joined with Cohort, Course and User."""
    # A place on a waiting list is no enrolment yet: no seat, no lessons.
    conditions = [*cohort_conditions(filters, scope), gender_condition(filters.gender),
                  Enrolment.status != EnrolmentStatus.WAITLISTED]
    if filters.institution_id is not None:
        conditions.append(User.institution_id == filters.institution_id)
    return conditions


def enrolments_joined(*columns):
    return (select(*columns).select_from(Enrolment)
            .join(Cohort, Cohort.id == Enrolment.cohort_id)
            .join(Course, Course.id == Cohort.course_id)
            .join(User, User.id == Enrolment.user_id))


def start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


COLUMNS_OF_REACH = ("enrolled", "started", "completed", "failed", "withdrawn",
                    "enrolments", "hours")


def _reach_columns(first: Column) -> list[Column]:
    return [first,
            Column("enrolled", _l("People enrolled"), Kind.PEOPLE),
            Column("started", _l("Started"), Kind.PEOPLE),
            Column("completed", _l("Completed"), Kind.PEOPLE),
            Column("failed", _l("Failed"), Kind.PEOPLE),
            Column("withdrawn", _l("Withdrawn"), Kind.PEOPLE),
            Column("enrolments", _l("Enrolments"), Kind.PEOPLE),
            Column("hours", _l("Training hours delivered"), Kind.HOURS)]


def _counts(row) -> tuple:
    return tuple(int(value or 0) for value in row)


def _added(first: tuple, second: tuple) -> tuple:
    return tuple(a + b for a, b in zip(first, second, strict=True))


def gender_title(code: str | None) -> str:
    if code is None or code == UNSTATED:
        return _("Not stated")
    try:
        return str(GENDER_TITLES[Gender(code)])
    except ValueError:
        return code


# ---------------------------------------------------------------- reach

def reach(filters: ReportFilter, scope: Scope) -> Section:
    """People enrolled, started, completed, failed and withdrawn; hours delivered; by
    country, sex, institution and course; a trend over time; country by status."""
    # Distinct people from the people sets (``lms.reports.people``): counting them from
    # the enrolments folded 100,000 rows into people for each grouping.
    parts = people.reach_parts(filters, scope)
    width = len(COLUMNS_OF_REACH)
    total: tuple = (0,) * width
    sex_rows: dict[str | None, tuple] = {}
    institution_rows: dict[tuple, tuple] = {}
    for gender, institution_id, name, *rest in parts[0]:
        counts = _counts(rest[:width])
        total = _added(total, counts)
        sex_rows[gender] = _added(sex_rows.get(gender, (0,) * width), counts)
        institution_rows[institution_id, name] = _added(
            institution_rows.get((institution_id, name), (0,) * width), counts)
    country_rows = [(code, *rest) for code, _n, _name, *rest in parts[1]]
    by_country = sorted(((country_name(row[0]), *_counts(row[1:width + 1]))
                         for row in country_rows),
                        key=lambda row: collation_key(row[0]))
    order = [g.value for g in Gender] + [None]
    by_sex = [(gender_title(code), *sex_rows[code]) for code in order if code in sex_rows]
    by_institution = sorted(((name or _("No institution"), *counts)
                             for (_id, name), counts in institution_rows.items()),
                            key=lambda row: collation_key(row[0]))
    courses = {row.id: row for row in db.session.execute(
        select(Course.id, Course.code, Course.title)
        .where(Course.id.in_([course_id for _t, course_id, *_r in parts[2]])))}
    by_course = [(f"{courses[course_id].code}: {courses[course_id].title}",
                  *_counts(rest[:width])) for _t, course_id, _n, *rest in parts[2]]
    by_course.sort(key=lambda row: row[0])

    notes = [_l("An enrolment belongs to the period its cohort starts in and to the "
                "cohort's country; places on a waiting list are not counted. Each row "
                "counts distinct people, so rows may add up to more than the total "
                "(someone enrolled in two courses). Started means "
                "a lesson completed or opened, or a course result. Training hours "
                "delivered are the course's hours for each completed enrolment.")]
    section = Section(key="reach", title=_l("Reach"), notes=notes)
    section.figures = [
        Figure("enrolled", _l("People enrolled"), total[0]),
        Figure("started", _l("People who started"), total[1]),
        Figure("completed", _l("People who completed a course"), total[2]),
        Figure("failed", _l("People who failed a course"), total[3]),
        Figure("withdrawn", _l("People who withdrew"), total[4]),
        Figure("hours", _l("Training hours delivered"), total[6], Kind.HOURS),
    ]
    tables = [
        Table("reach_by_country", _l("Reach by country"),
              _reach_columns(Column("country", _l("Country"))), by_country, note=notes[0]),
        Table("reach_by_sex", _l("Reach by sex"),
              _reach_columns(Column("sex", _l("Sex"))), by_sex, note=notes[0]),
        Table("reach_by_institution", _l("Reach by institution"),
              _reach_columns(Column("institution", _l("Institution"))), by_institution,
              note=_l("The trainee's institution as in their profile.")),
        Table("reach_by_course", _l("Reach by course"),
              _reach_columns(Column("course", _l("Course"))), by_course, note=notes[0]),
    ]
    totals = Table("reach_totals", _l("Reach"), _reach_columns(Column("all", _l("All"))),
                   [(_("All"), *total)], note=notes[0])
    section.tables = [totals, *tables]
    section.charts = [
        _trend(filters, [(year, month, count) for _t, year, _n, month, count, *_r in parts[3]],
               [(year, month, count) for _t, year, _n, month, count, *_r in parts[4]]),
        _country_status([(row[0], *row[width + 1:]) for row in country_rows])]
    return section


def _monthly(filters: ReportFilter) -> bool:
    return bool(filters.start and filters.end
                and (filters.end - filters.start) <= timedelta(days=366))


def _buckets(first: tuple[int, int], last: tuple[int, int], monthly: bool) -> list[tuple]:
    buckets = []
    year, part = first
    while (year, part) <= last:
        buckets.append((year, part))
        part += 1
        if part > (12 if monthly else 4):
            year, part = year + 1, 1
    return buckets


def _trend(filters: ReportFilter, starts: list[tuple], done: list[tuple]) -> Chart:
    """Enrolments per month (a period of a year or less) or per quarter, by the cohort's
    start; completions by the day the enrolment was completed. ``starts`` and ``done``
    are (year, month, enrolments) rows."""
    monthly = _monthly(filters)

    def bucket(year, month) -> tuple[int, int]:
        year, month = int(year), int(month)
        return (year, month) if monthly else (year, (month - 1) // 3 + 1)

    enrolled: dict[tuple, int] = defaultdict(int)
    completed: dict[tuple, int] = defaultdict(int)
    for year, month, count in starts:
        enrolled[bucket(year, month)] += count
    for year, month, count in done:
        completed[bucket(year, month)] += count
    seen = set(enrolled) | set(completed)
    if filters.start:
        seen.add(bucket(filters.start.year, filters.start.month))
    if filters.end:
        seen.add(bucket(filters.end.year, filters.end.month))
    if filters.start and filters.end:
        seen = {b for b in seen if bucket(filters.start.year, filters.start.month) <= b
                <= bucket(filters.end.year, filters.end.month)}
    buckets = _buckets(min(seen), max(seen), monthly) if seen else []
    labels = [_bucket_label(b, monthly) for b in buckets]
    table = Table(
        "reach_trend", _l("Enrolments and completions over time"),
        [Column("period", _l("Period")), Column("enrolments", _l("Enrolments"), Kind.PEOPLE),
         Column("completions", _l("Completions"), Kind.PEOPLE)],
        [(label, enrolled.get(b, 0), completed.get(b, 0)) for label, b in zip(labels, buckets,
                                                                             strict=True)],
        note=_l("Enrolments by the month their cohort starts; completions by the month "
                "they were completed."))
    return Chart(
        key="reach_trend", kind=ChartKind.LINE, title=table.title,
        description=_l("Enrolments and completions per month or quarter."),
        categories=labels,
        series=[(str(_l("Enrolments")), [float(row[1]) for row in table.rows]),
                (str(_l("Completions")), [float(row[2]) for row in table.rows])],
        table=table)


def _bucket_label(bucket: tuple[int, int], monthly: bool) -> str:
    year, part = bucket
    if monthly:
        return format_date(date(year, part, 1), "MMM yyyy")
    return _("Q%(quarter)d %(year)d", quarter=part, year=year)


_STATUSES = [status for status in EnrolmentStatus if status != EnrolmentStatus.WAITLISTED]


def _country_status(rows: list[tuple]) -> Chart:
    """People per country and enrolment status (a person in two statuses counts in both),
    from (country, people in each of _STATUSES) rows."""
    statuses = _STATUSES
    named = sorted(((country_name(row[0]), *_counts(row[1:])) for row in rows),
                   key=lambda row: collation_key(row[0]))
    table = Table(
        "reach_country_status", _l("People by country and enrolment status"),
        [Column("country", _l("Country"))] + [
            Column(status.value, ENROLMENT_STATUS_TITLES[status], Kind.PEOPLE)
            for status in statuses],
        named, note=_l("Distinct people with an enrolment in each status."))
    return Chart(
        key="reach_country_status", kind=ChartKind.STACKED_BAR, title=table.title,
        description=_l("For each country, the people enrolled, split by enrolment status."),
        categories=[row[0] for row in named],
        series=[(str(ENROLMENT_STATUS_TITLES[status]),
                 [float(row[index + 1]) for row in named])
                for index, status in enumerate(statuses)],
        table=table)


# ---------------------------------------------------------------- certification

FUNNEL_STAGES = (
    ("enrolled", _l("Enrolled in a required course")),
    ("courses", _l("Required courses completed")),
    ("competencies", _l("Competencies met")),
    ("hours", _l("Practice hours approved")),
    ("certified", _l("Certified")),
    ("renewed", _l("Renewed")),
)


def certificate_conditions(filters: ReportFilter, scope: Scope) -> list:
    """SQL conditions on Certificate joined with its holder (User)."""
    conditions = [certificate_condition(scope), gender_condition(filters.gender)]
    pairs = ((filters.program_id, Certificate.program_id), (filters.country, User.country),
             (filters.institution_id, User.institution_id))
    conditions += [column == value for value, column in pairs if value is not None]
    return conditions


def _tracks(filters: ReportFilter, scope: Scope) -> list[Track]:
    query = select(Track).where(track_condition(scope)).order_by(Track.code)
    if filters.program_id is not None:
        query = query.where(Track.program_id == filters.program_id)
    if filters.course_id is not None:
        query = query.where(Track.id.in_(select(track_courses.c.track_id)
                                         .where(track_courses.c.course_id == filters.course_id)))
    return list(db.session.scalars(query))


def _tables_read(*clauses) -> set:
    """The tables ``clauses`` (columns or conditions) name, for joining only those."""
    return set(find_tables(tuple_(true(), *clauses), check_columns=True))


# Up to this many (track, person) pairs, a funnel stage reads the rows of those people
# only (sent as one parameter); beyond, reading every row costs less than matching them.
FUNNEL_PAIRS_SENT = 20_000


def _among_people(query, track_column, user_column, people_of: dict[int, BitMap]):
    """``query`` kept to each track's people when they are few (a filtered report)."""
    if sum(len(found) for found in people_of.values()) > FUNNEL_PAIRS_SENT:
        return query
    sent = people.pairs(people_of).subquery("funnel_sent")
    return query.where(tuple_(track_column, user_column).in_(
        select(sent.c.key, sent.c.user_id)))


def _funnel_counts(tracks: list[Track], filters: ReportFilter,
                   scope: Scope) -> dict[int, list[int]]:
    """{track id: people at each stage of FUNNEL_STAGES}: two queries, whatever the
    number of people, and no row per person leaves the database.

    One pass over the enrolments in the required courses, grouped by person, gives each
    person a flag per track (enrolled as filtered) and per course (completed in any
    cohort): the first two stages are sums of those flags, never a DISTINCT over
    (track, person) pairs nor a lookup of each person's completions. Only the tracks that
    require competencies or practice hours carry their people on to those stages; a
    track requiring neither has as many people there as at the stage before."""
    track_ids = [track.id for track in tracks]
    counts = {track_id: [0] * len(FUNNEL_STAGES) for track_id in track_ids}
    if not track_ids:
        return counts
    # Each track's required courses and number of required competencies (a handful of rows).
    courses_of: dict[int, list[int]] = defaultdict(list)
    competencies_needed: dict[int, int] = {}
    for track_id, course_id, needed in db.session.execute(union_all(
            select(track_courses.c.track_id, track_courses.c.course_id, literal(0))
            .where(track_courses.c.track_id.in_(track_ids)),
            select(track_competencies.c.track_id, cast(null(), Integer), func.count())
            .where(track_competencies.c.track_id.in_(track_ids))
            .group_by(track_competencies.c.track_id))):
        if course_id is None:
            competencies_needed[track_id] = needed
        else:
            courses_of[track_id].append(course_id)
    # A track requiring no course has nobody enrolled, hence nobody at any stage.
    funnel_tracks = [track for track in tracks if courses_of.get(track.id)]
    if not funnel_tracks:
        return counts
    # The first two stages from the people sets (lms.reports.people); the people who
    # completed every required course go to the database as one parameter, so that the
    # later stages read the evidence, hours and certificates of those people only.
    stages = people.funnel_people(filters, scope,
                                  {track.id: courses_of[track.id] for track in funnel_tracks})
    practice = {track.id: track.practice_hours or 0 for track in funnel_tracks}
    assessed = [track.id for track in funnel_tracks if competencies_needed.get(track.id)]
    practised = [track_id for track_id, hours in practice.items() if hours]
    competent: dict[int, BitMap] = defaultdict(BitMap)
    if assessed:
        for track_id, user_id, _met in db.session.execute(met_counts(
                people.pairs({track_id: stages[track_id][1] for track_id in assessed}),
                select(track_competencies.c.track_id, track_competencies.c.competency_id)
                .where(track_competencies.c.track_id.in_(assessed)), every=True)):
            competent[track_id].add(user_id)
    practised_enough: dict[int, BitMap] = defaultdict(BitMap)
    if practised:
        query = (select(HoursLog.track_id, HoursLog.user_id)
                 .where(HoursLog.kind == HoursKind.PRACTICE,
                        HoursLog.status == HoursStatus.APPROVED,
                        HoursLog.track_id.in_(practised))
                 .group_by(HoursLog.track_id, HoursLog.user_id)
                 .having(func.sum(HoursLog.hours) >= case(practice, value=HoursLog.track_id,
                                                          else_=0)))
        # Every approved log is read: practice logs are the fewest of the funnel's rows,
        # fewer than sending the people would cost.
        enough = query.subquery("practised_enough")
        for (track_id,), found in people.grouped(
                select(enough.c.track_id, enough.c.user_id)).items():
            practised_enough[track_id] = found
    # Certified, renewed: a certificate for the track, not revoked, whatever the stage,
    # held by someone enrolled in one of its required courses (as filtered).
    # The holders of each track, and those of them holding a renewal, as people sets.
    renewal = case((Certificate.renews_id.is_not(None), 1), else_=0)
    held: dict[int, BitMap] = defaultdict(BitMap)
    renewed: dict[int, BitMap] = defaultdict(BitMap)
    query = (select(Certificate.track_id, renewal, Certificate.user_id)
             .where(Certificate.track_id.in_([track.id for track in funnel_tracks]),
                    Certificate.kind == CertificateKind.TRACK, Certificate.revoked_at.is_(None)))
    for (track_id, renewing), found in people.grouped(_among_people(
            query, Certificate.track_id, Certificate.user_id,
            {track.id: stages[track.id][0] for track in funnel_tracks})).items():
        held[track_id] |= found
        if renewing:
            renewed[track_id] |= found
    for track in funnel_tracks:
        enrolled, finished = stages[track.id]
        met = finished & competent[track.id] if track.id in assessed else finished
        practised_people = met & practised_enough[track.id] if track.id in practised else met
        counts[track.id] = [len(enrolled), len(finished), len(met), len(practised_people),
                            held[track.id].intersection_cardinality(enrolled),
                            renewed[track.id].intersection_cardinality(enrolled)]
    return counts


def certification(filters: ReportFilter, scope: Scope) -> Section:
    """A funnel per track, certificates valid now by body and country, those expiring in
    the next 90 days, and revocations by reason in the period."""
    today = clock.today(clock.UTC)
    tracks = _tracks(filters, scope)
    counts = _funnel_counts(tracks, filters, scope)
    funnel_note = _l(
        "Enrolled: people with an enrolment in one of the track's required courses that "
        "matches the filters (the period is the cohort's start). The next stages count "
        "those people, whatever the date: every required course completed, then every "
        "required competency met (sign-offs and evidence, read in a fixed number of "
        "queries), then the track's supervised practice hours approved. Certified and "
        "renewed: those of the enrolled people who hold a certificate for the track that "
        "was not revoked, and one that renews an earlier one.")
    section = Section(key="certification", title=_l("Certification"), notes=[funnel_note])
    funnel = Table("certification_funnel", _l("Certification funnel per track"),
                   [Column("track", _l("Track"))] + [
                       Column(key, title, Kind.PEOPLE) for key, title in FUNNEL_STAGES],
                   [(track.in_locale("title"), *counts[track.id]) for track in tracks],
                   note=funnel_note)
    for track in tracks:
        table = Table(f"certification_funnel_{track.id}", track.in_locale("title"),
                      [Column("stage", _l("Stage")), Column("people", _l("People"), Kind.PEOPLE)],
                      [(str(title), counts[track.id][index])
                       for index, (_key, title) in enumerate(FUNNEL_STAGES)], note=funnel_note)
        section.charts.append(Chart(
            key=f"certification_funnel_{track.id}", kind=ChartKind.FUNNEL,
            title=_("Certification funnel: %(track)s", track=track.in_locale("title")),
            description=_("How many of the people enrolled in the required courses of "
                          "%(track)s reached each stage up to certification.",
                          track=track.in_locale("title")),
            categories=[str(title) for _key, title in FUNNEL_STAGES],
            series=[(_("People"), [float(v) for v in counts[track.id]])], table=table))

    where = certificate_conditions(filters, scope)
    track_kind = Certificate.kind == CertificateKind.TRACK

    def certificates(*keys, extra=(), counted=None):
        """(keys..., certificates, holders) per group of the certificates matching the
        filters and ``extra``; with ``counted``, only the certificates it holds for are
        counted, and the groups left with none are left out."""
        # The holder and the body are joined only when a key or condition names them: the
        # counts come from an index of the certificates alone (a certificate row, with
        # its credential and snapshot, is wide), and a join on a required key changes none.
        named = _tables_read(*keys, *where, *extra,
                             *(() if counted is None else (counted,)))
        measures = (func.count(), func.count(distinct(Certificate.user_id))) \
            if counted is None else (
                func.count(case((counted, 1))),
                func.count(distinct(case((counted, Certificate.user_id)))))
        query = select(*keys, *measures).select_from(Certificate)
        if User.__table__ in named:
            query = query.join(User, User.id == Certificate.user_id)
        if Institution.__table__ in named:
            query = query.join(Institution, Institution.id == Certificate.issuer_id)
        rows = db.session.execute(query.where(*where, *extra).group_by(*keys)).all()
        return [row for row in rows if row[-2]]

    valid_now = (track_kind, current_filter(today))
    # Valid today is tested per certificate, not in WHERE: there its "no expiry date or
    # not expired" made SQLite read every certificate row through the expiry date index,
    # three times slower than the index holding the columns the report reads.
    by_body = sorted(((name, count, people) for _id, name, count, people in
                      certificates(Institution.id, Institution.name, extra=(track_kind,),
                                   counted=current_filter(today))),
                     key=lambda row: collation_key(row[0]))
    by_country = sorted(((country_name(code) if code else _("No country"), count, people)
                         for code, count, people in certificates(
                             User.country, extra=(track_kind,), counted=current_filter(today))),
                        key=lambda row: collation_key(row[0]))
    columns = [Column("certificates", _l("Certificates"), Kind.PEOPLE),
               Column("holders", _l("Holders"), Kind.PEOPLE)]
    valid_note = _l("Certifications (track certificates) valid today, whatever the period: "
                    "not revoked, superseded or expired. The country is the holder's. Course, "
                    "cohort, modality and language filters do not apply to certificates.")
    expiring = certificates(Certificate.track_id, extra=(
        *valid_now, Certificate.track_id.is_not(None),
        Certificate.expires_on <= today + EXPIRY_WINDOW))
    titles = {track.id: track.in_locale("title") for track in tracks}
    missing = [track_id for track_id, *_rest in expiring if track_id not in titles]
    if missing:
        titles.update({track.id: track.in_locale("title") for track in db.session.scalars(
            select(Track).where(Track.id.in_(missing)))})
    expiring_rows = sorted(((titles[track_id], count, people)
                            for track_id, count, people in expiring),
                           key=lambda row: collation_key(row[0]))
    revoked_extra = [Certificate.revoked_at.is_not(None)]
    if filters.start:
        revoked_extra.append(Certificate.revoked_at >= start_of(filters.start))
    if filters.end:
        revoked_extra.append(Certificate.revoked_at < start_of(filters.end + timedelta(days=1)))
    revocations = dict((code or RevocationReason.OTHER.value, count) for code, count, _people
                       in certificates(Certificate.revocation_code, extra=revoked_extra))
    merged: dict[str, int] = defaultdict(int)
    for code, count in revocations.items():
        merged[code if code in set(RevocationReason) else RevocationReason.OTHER.value] += count
    revocation_rows = [(str(REVOCATION_REASON_TITLES[reason]), reason.value, merged[reason])
                       for reason in RevocationReason if merged.get(reason)]
    # A certification revoked since does not count: it certified nobody.
    issued_extra = [track_kind, Certificate.revoked_at.is_(None)]
    if filters.start:
        issued_extra.append(Certificate.issued_on >= filters.start)
    if filters.end:
        issued_extra.append(Certificate.issued_on <= filters.end)
    issued = certificates(track_kind, extra=issued_extra)
    section.figures = [
        Figure("certified_in_period", _l("People certified in the period"),
               issued[0][2] if issued else 0),
        Figure("valid_now", _l("Certifications valid today"),
               sum(row[1] for row in by_body), Kind.COUNT),
        Figure("expiring", _l("Expiring in the next 90 days"),
               sum(row[1] for row in expiring_rows), Kind.COUNT),
        Figure("revoked", _l("Certificates revoked in the period"),
               sum(row[2] for row in revocation_rows), Kind.COUNT),
    ]
    section.tables = [
        funnel,
        Table("certificates_by_body", _l("Certifications valid today by certifying body"),
              [Column("body", _l("Certifying body"))] + columns, by_body, note=valid_note),
        Table("certificates_by_country", _l("Certifications valid today by country"),
              [Column("country", _l("Country"))] + columns, by_country, note=valid_note),
        Table("certificates_expiring", _l("Certifications expiring in the next 90 days"),
              [Column("track", _l("Track"))] + columns, expiring_rows, note=valid_note),
        Table("revocations_by_reason", _l("Revocations by reason in the period"),
              [Column("reason", _l("Reason")), Column("code", _l("Code")),
               Column("certificates", _l("Certificates"), Kind.PEOPLE)], revocation_rows,
              note=_l("Certificates of both kinds revoked in the period, by the reason "
                      "code the officer chose (or the system, when a course result "
                      "changed).")),
    ]
    section.notes.append(valid_note)
    return section


# ---------------------------------------------------------------- targets

def _year_span(filters: ReportFilter) -> tuple[int | None, int | None]:
    return (filters.start.year if filters.start else None,
            filters.end.year if filters.end else None)


def targets(filters: ReportFilter, scope: Scope) -> Section:
    """Target against actual per program and year (and per country where a target names
    one), with the share reached. Five queries, whatever the number of people."""
    query = (select(Target, Program).join(Program, Program.id == Target.program_id)
             .where(program_condition(scope, Target.program_id))
             .order_by(Program.code, Target.year, Target.country.is_not(None), Target.country))
    first, last = _year_span(filters)
    if first is not None:
        query = query.where(Target.year >= first)
    if last is not None:
        query = query.where(Target.year <= last)
    if filters.program_id is not None:
        query = query.where(Target.program_id == filters.program_id)
    if filters.country is not None:
        query = query.where(Target.country == filters.country)
    rows = db.session.execute(query).all()
    note = _l("Trained: distinct people who completed a course of the program in the year "
              "(the day the enrolment was completed; the country is the cohort's). Certified: "
              "distinct people issued a certification of the program in the year and "
              "not revoked since (the country is the holder's). Only the program, period "
              "and country filters apply; targets are for the programs you coordinate or observe.")
    section = Section(key="targets", title=_l("Targets"), notes=[note])
    table = Table("targets", _l("Targets and results"),
                  [Column("program", _l("Program")), Column("year", _l("Year")),
                   Column("country", _l("Country")),
                   Column("trained_target", _l("Target: trained"), Kind.COUNT),
                   Column("trained", _l("Trained"), Kind.PEOPLE),
                   Column("trained_share", _l("Trained: share of target"), Kind.PERCENT),
                   Column("certified_target", _l("Target: certified"), Kind.COUNT),
                   Column("certified", _l("Certified"), Kind.PEOPLE),
                   Column("certified_share", _l("Certified: share of target"), Kind.PERCENT)],
                  note=note)
    section.tables = [table]
    if not rows:
        return section
    program_ids = sorted({target.program_id for target, _program in rows})
    years = sorted({target.year for target, _program in rows})
    countries = sorted({target.country for target, _program in rows if target.country})
    trained, certified = _target_actuals(program_ids, years[0], years[-1], countries)

    def share(actual: int, target: int) -> float | None:
        return actual / target if target else None

    for target, program in rows:
        key = (target.program_id, target.year, target.country)
        done, issued = trained.get(key, 0), certified.get(key, 0)
        table.rows.append((
            f"{program.code}: {program.in_locale('name')}", str(target.year),
            country_name(target.country) if target.country else _("All countries"),
            target.trained, done, share(done, target.trained),
            target.certified, issued, share(issued, target.certified)))
    overall = [row for (target, _p), row in zip(rows, table.rows, strict=True)
               if target.country is None]
    if overall:
        section.figures = [
            Figure("trained_share", _l("Training target reached"),
                   share(sum(r[4] for r in overall), sum(r[3] for r in overall)),
                   Kind.PERCENT),
            Figure("certified_share", _l("Certification target reached"),
                   share(sum(r[7] for r in overall), sum(r[6] for r in overall)),
                   Kind.PERCENT)]
    return section


def _target_actuals(program_ids: list[int], first: int, last: int,
                    countries: list[str]) -> tuple[dict[tuple, int], dict[tuple, int]]:
    """({(program, year, country or None): people trained}, the same for certified), per
    country only for ``countries`` (those a target names)."""
    # From the people sets' completions by month (lms.reports.people).
    trained = people.trained(program_ids, first, last, countries)
    # People certified per program, year and holder's country. A person has one country,
    # so a year's people of every country add up to its people: counts, not their ids.
    certified: dict[tuple, int] = {}
    overall: dict[tuple, int] = defaultdict(int)
    # A whole number: PostgreSQL's EXTRACT is numeric, slower to sort and group (25 -> 21 ms).
    year = cast(extract("year", Certificate.issued_on), Integer)
    for program_id, issued_in, country, found in db.session.execute(
            select(Certificate.program_id, year, User.country,
                   func.count(distinct(Certificate.user_id)))
            .join(User, User.id == Certificate.user_id)
            .where(Certificate.program_id.in_(program_ids),
                   Certificate.kind == CertificateKind.TRACK, Certificate.revoked_at.is_(None),
                   Certificate.issued_on >= date(first, 1, 1),
                   Certificate.issued_on <= date(last, 12, 31))
            .group_by(Certificate.program_id, year, User.country)):
        overall[program_id, int(issued_in)] += found
        if country in countries:
            certified[program_id, int(issued_in), country] = found
    certified.update({(program_id, issued_in, None): found
                      for (program_id, issued_in), found in overall.items()})
    return trained, certified


# ---------------------------------------------------------------- the whole report

def _optional(module: str, name: str):
    """A figure function of a module written beside this one, or None while it is missing."""
    try:
        return getattr(importlib.import_module(f"lms.reports.{module}"), name)
    except (ImportError, AttributeError):
        return None


def section_functions() -> dict[str, Any]:
    return {"reach": reach, "certification": certification,
            "learning": _optional("learning", "learning"),
            "reaction": _optional("reaction", "reaction"),
            "verification": verification, "targets": targets}


def build_report(filters: ReportFilter, scope: Scope,
                 sections: list[str] | tuple[str, ...] | None = None, *,
                 then: Callable[[Section], None] | None = None) -> list[Section]:
    """The report's sections in order (reach, certification, learning, reaction,
    verification, targets), or only those named in ``sections``; none for an empty scope.

    ``then`` is called with each section as soon as it is computed, in its thread."""
    if scope.empty:
        return []
    functions = section_functions()
    wanted = [key for key in SECTION_KEYS if (sections is None or key in sections)
              and functions[key] is not None]
    # The longest first, so that the threads finish together (measured at a program's
    # size: certification, then verification and targets, reach, reaction, learning).
    order = sorted(wanted, key=_HEAVIEST_FIRST.index)
    with people.refreshed():  # once for every section, before the threads start
        computed = dict(zip(order, parallel.run_all(
            [partial(_computed, functions[key], filters, scope, then) for key in order]),
            strict=True))
    return [computed[key] for key in wanted]


def _computed(function: Callable[[ReportFilter, Scope], Section], filters: ReportFilter,
              scope: Scope, then: Callable[[Section], None] | None) -> Section:
    section = function(filters, scope)
    if then is not None:
        then(section)
    return section


_HEAVIEST_FIRST = ("certification", "verification", "targets", "reach", "reaction", "learning")
