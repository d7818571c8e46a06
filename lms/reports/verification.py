"""How often certificates were verified: by channel, by day, and the most verified
certificates, tracks and certifying bodies. Counts only: who verified is never stored
(lms.certification.verification_counts)."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, String, extract, func, literal, select, text, union_all
from sqlalchemy.orm import selectinload

from lms.accounts.models import Institution, User
from lms.certification.models import Certificate
from lms.certification.tracks.models import Track
from lms.certification.verification_counts import Channel, VerificationCount
from lms.extensions import db
from lms.reports.filters import ReportFilter, Scope, certificate_condition, gender_condition
from lms.reports.tables import Chart, ChartKind, Column, Figure, Kind, Section, Table

TOP = 10
# A line of one point per day reads well up to a year; longer periods go by month.
DAILY_LIMIT = timedelta(days=366)

CHANNEL_TITLES = {
    Channel.PAGE: _l("Verification page"),
    Channel.QR: _l("QR code or printed link"),
    Channel.API: _l("API"),
    Channel.UPLOAD: _l("PDF upload"),
}


def _certificate_conditions(filters: ReportFilter, scope: Scope) -> tuple[list, list]:
    """Conditions on Certificate, and on its holder (User)."""
    conditions = [] if scope.everything else [certificate_condition(scope)]
    if filters.program_id is not None:
        conditions.append(Certificate.program_id == filters.program_id)
    person = [column == value for value, column in ((filters.country, User.country),
                                                    (filters.institution_id,
                                                     User.institution_id))
              if value is not None]
    if filters.gender is not None:
        person.append(gender_condition(filters.gender))
    return conditions, person


def _day_conditions(filters: ReportFilter) -> list:
    conditions = []
    if filters.start:
        conditions.append(VerificationCount.day >= filters.start)
    if filters.end:
        conditions.append(VerificationCount.day <= filters.end)
    return conditions


def _conditions(filters: ReportFilter, scope: Scope) -> list:
    """Conditions on VerificationCount alone: the counts are read without their
    certificates (wide rows) and holders unless a filter asks about them."""
    conditions, person = _certificate_conditions(filters, scope)
    if not conditions and not person:
        return _day_conditions(filters)
    certificates = select(Certificate.id).where(*conditions, *person)
    if person:
        certificates = certificates.join(User, User.id == Certificate.user_id)
    return [VerificationCount.certificate_id.in_(certificates), *_day_conditions(filters)]


def _tops(filters: ReportFilter, scope: Scope, certificates: bool) -> dict[str, list[tuple]]:
    """{key: [(name or track id, verifications)]}, the ``TOP`` of each, in one statement.

    The counts are summed per certificate first and joined once to the certificates (a CTE
    used three times, which both databases compute once): joining every count to its
    certificate was the cost."""
    day = _day_conditions(filters)
    counted = (select(VerificationCount.certificate_id, func.sum(VerificationCount.count)
                      .label("total"))
               .where(*day).group_by(VerificationCount.certificate_id).subquery())
    per = (select(Certificate.code, Certificate.track_id, Certificate.issuer_id, counted.c.total)
           .join(counted, counted.c.certificate_id == Certificate.id))
    conditions, person = _certificate_conditions(filters, scope)
    if person:
        per = per.join(User, User.id == Certificate.user_id)
    per = per.where(*conditions, *person).cte("per_certificate")

    def ranked(key: str, query, order):
        return select(literal(key).label("key"),
                      *query.order_by(*order).limit(TOP).subquery().c)

    tracks_total = func.sum(per.c.total)
    by_body = (select(per.c.issuer_id, func.sum(per.c.total).label("total"))
               .group_by(per.c.issuer_id).subquery())
    bodies_total = func.sum(by_body.c.total)
    branches = [
        ranked("verification_top_tracks",
               select(literal(None, String).label("name"), per.c.track_id.label("track"),
                      tracks_total.label("total"))
               .where(per.c.track_id.is_not(None)).group_by(per.c.track_id),
               (tracks_total.desc(), per.c.track_id)),
        ranked("verification_top_bodies",
               select(Institution.name.label("name"), literal(None, Integer).label("track"),
                      bodies_total.label("total"))
               .join(by_body, by_body.c.issuer_id == Institution.id).group_by(Institution.name),
               (bodies_total.desc(), Institution.name)),
    ]
    if certificates:
        branches.insert(0, ranked(
            "verification_top_certificates",
            select(per.c.code.label("name"), literal(None, Integer).label("track"),
                   per.c.total),
            (per.c.total.desc(), per.c.code)))
    # Within a key one of name and track is always NULL: the order is each branch's own.
    statement = union_all(*branches).order_by(text("key"), text("total DESC"), text("name"),
                                               text("track"))
    found: dict[str, list[tuple]] = {}
    for key, name, track, count in db.session.execute(statement).all():
        found.setdefault(key, []).append((name if track is None else track, int(count or 0)))
    return found


def verification(filters: ReportFilter, scope: Scope) -> Section:
    """Verifications by channel and by day, and the most verified: four queries."""
    where = _conditions(filters, scope)
    total = func.sum(VerificationCount.count)
    note = _l("Each lookup that found a certificate counts once, by the day (UTC) and the "
              "way it was made; who verified is not recorded. The country is the holder's; "
              "course, cohort, modality and language filters do not apply.")
    daily = _daily(filters)
    # By day, in the order of the index on (day, channel, count): SQLite sums it without
    # reading the table or sorting, which a GROUP BY on the month could not. Over more
    # than a year the days are then added up by month in the same statement: a few
    # hundred rows leave the database instead of thousands.
    per_day = (select(VerificationCount.day, VerificationCount.channel, total.label("count"))
               .where(*where).group_by(VerificationCount.day, VerificationCount.channel))
    if daily:
        rows = [(day, channel, int(count or 0))
                for day, channel, count in db.session.connection().execute(per_day)]
    else:
        days = per_day.subquery("per_day")
        year, month = extract("year", days.c.day), extract("month", days.c.day)
        rows = [(date(int(year), int(month), 1), channel, int(count or 0))
                for year, month, channel, count in db.session.execute(
                    select(year, month, days.c.channel, func.sum(days.c.count))
                    .group_by(year, month, days.c.channel))]
    by_channel: dict[str, int] = {}
    for _bucket, channel, count in rows:
        by_channel[channel] = by_channel.get(channel, 0) + count
    channel_rows = [(str(title), by_channel.get(channel.value, 0))
                    for channel, title in CHANNEL_TITLES.items()]
    channel_table = Table("verification_by_channel", _l("Verifications by channel"),
                          [Column("channel", _l("Channel")),
                           Column("verifications", _l("Verifications"), Kind.COUNT)],
                          channel_rows, note=note)
    section = Section(key="verification", title=_l("Verification"), notes=[note])
    section.figures = [Figure("verifications", _l("Certificate verifications"),
                              sum(row[1] for row in channel_rows), Kind.COUNT)]
    section.charts = [
        Chart(key="verification_by_channel", kind=ChartKind.BAR, title=channel_table.title,
              description=_l("How many verifications came through each channel."),
              categories=[row[0] for row in channel_rows],
              series=[(_("Verifications"), [float(row[1]) for row in channel_rows])],
              table=channel_table),
        _over_time(filters, daily, rows, note)]
    tops = [
        ("verification_top_tracks", _l("Most verified tracks"), _l("Track")),
        ("verification_top_bodies", _l("Most verified certifying bodies"), _l("Issuer")),
    ]
    if not scope.aggregated_only:
        # A certificate ID leads to its holder's name: never in an aggregated view.
        tops.insert(0, ("verification_top_certificates", _l("Most verified certificates"),
                        _l("Certificate")))
    found = _tops(filters, scope, certificates=not scope.aggregated_only)
    track_ids = [track_id for track_id, _count in found.get("verification_top_tracks", [])]
    if track_ids:
        tracks = {t.id: t for t in db.session.scalars(
            select(Track).where(Track.id.in_(track_ids))
            .options(selectinload(Track.translations)))}
        found["verification_top_tracks"] = [
            (tracks[track_id].in_locale("title"), count)
            for track_id, count in found["verification_top_tracks"]]
    for key, title, heading in tops:
        section.tables.append(Table(
            key, title, [Column("name", heading),
                         Column("verifications", _l("Verifications"), Kind.COUNT)],
            found.get(key, []), note=note))
    return section


def _daily(filters: ReportFilter) -> bool:
    return bool(filters.start and filters.end and filters.end - filters.start <= DAILY_LIMIT)


def _over_time(filters: ReportFilter, daily: bool, rows: list[tuple[date, str, int]],
               note) -> Chart:
    """``rows``: (day, or first of the month, channel, verifications)."""
    counts: dict = {}
    for bucket, channel, count in rows:
        counts.setdefault(bucket, {}).setdefault(channel, 0)
        counts[bucket][channel] += count
    buckets = sorted(counts)
    if daily and filters.start and filters.end:
        buckets = [filters.start + timedelta(days=n)
                   for n in range((filters.end - filters.start).days + 1)]
    labels = [format_date(b, "medium" if daily else "MMM yyyy") for b in buckets]
    channels = list(CHANNEL_TITLES)
    table = Table("verification_over_time",
                  _l("Verifications per day") if daily else _l("Verifications per month"),
                  [Column("day", _l("Day") if daily else _l("Month"))] + [
                      Column(channel.value, CHANNEL_TITLES[channel], Kind.COUNT)
                      for channel in channels],
                  [(label, *(counts.get(b, {}).get(channel.value, 0) for channel in channels))
                   for label, b in zip(labels, buckets, strict=True)], note=note)
    return Chart(key="verification_over_time", kind=ChartKind.LINE, title=table.title,
                 description=_l("Verifications over time, one line per channel."),
                 categories=labels,
                 series=[(str(CHANNEL_TITLES[channel]), [float(row[i + 1]) for row in table.rows])
                         for i, channel in enumerate(channels)], table=table)


__all__ = ["verification"]
