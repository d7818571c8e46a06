"""How often certificates were verified: by channel, by day, and the most verified
certificates, tracks and certifying bodies. Counts only: who verified is never stored
(lms.certification.verification_counts)."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

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


def _conditions(filters: ReportFilter, scope: Scope) -> list:
    conditions = [certificate_condition(scope), gender_condition(filters.gender)]
    pairs = ((filters.program_id, Certificate.program_id), (filters.country, User.country),
             (filters.institution_id, User.institution_id))
    conditions += [column == value for value, column in pairs if value is not None]
    if filters.start:
        conditions.append(VerificationCount.day >= filters.start)
    if filters.end:
        conditions.append(VerificationCount.day <= filters.end)
    return conditions


def _joined(*columns):
    return (select(*columns).select_from(VerificationCount)
            .join(Certificate, Certificate.id == VerificationCount.certificate_id)
            .join(User, User.id == Certificate.user_id))


def verification(filters: ReportFilter, scope: Scope) -> Section:
    """Verifications by channel and by day, and the most verified: five queries."""
    where = _conditions(filters, scope)
    total = func.sum(VerificationCount.count)
    note = _l("Each lookup that found a certificate counts once, by the day (UTC) and the "
              "way it was made; who verified is not recorded. The country is the holder's; "
              "course, cohort, modality and language filters do not apply.")
    by_channel = dict(db.session.execute(
        _joined(VerificationCount.channel, total).where(*where)
        .group_by(VerificationCount.channel)).all())
    channel_rows = [(str(title), int(by_channel.get(channel.value) or 0))
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
        _over_time(filters, where, total, note)]
    tops = [
        ("verification_top_tracks", _l("Most verified tracks"), _l("Track"),
         _joined(Track.id, total).join(Track, Track.id == Certificate.track_id)),
        ("verification_top_bodies", _l("Most verified certifying bodies"), _l("Issuer"),
         _joined(Institution.name, total)
         .join(Institution, Institution.id == Certificate.issuer_id)),
    ]
    if not scope.aggregated_only:
        # A certificate ID leads to its holder's name: never in an aggregated view.
        tops.insert(0, ("verification_top_certificates", _l("Most verified certificates"),
                        _l("Certificate"), _joined(Certificate.code, total)))
    for key, title, heading, query in tops:
        group = query.selected_columns[0]
        rows = db.session.execute(query.where(*where).group_by(group)
                                  .order_by(total.desc(), group).limit(TOP)).all()
        if key == "verification_top_tracks":
            tracks = {t.id: t for t in db.session.scalars(
                select(Track).where(Track.id.in_([row[0] for row in rows])))}
            rows = [(tracks[track_id].in_locale("title"), count) for track_id, count in rows]
        section.tables.append(Table(
            key, title, [Column("name", heading),
                         Column("verifications", _l("Verifications"), Kind.COUNT)],
            [(name, int(count)) for name, count in rows], note=note))
    return section


def _over_time(filters: ReportFilter, where: list, total, note) -> Chart:
    daily = bool(filters.start and filters.end and filters.end - filters.start <= DAILY_LIMIT)
    rows = db.session.execute(
        _joined(VerificationCount.day, VerificationCount.channel, total).where(*where)
        .group_by(VerificationCount.day, VerificationCount.channel)).all()
    counts: dict = {}
    for day, channel, count in rows:
        bucket = day if daily else day.replace(day=1)
        counts.setdefault(bucket, {}).setdefault(channel, 0)
        counts[bucket][channel] += int(count or 0)
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
