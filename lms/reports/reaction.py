"""Reaction and behaviour (Kirkpatrick levels 1 and 3): the end-of-course evaluation and the
follow-up survey, per statement: the mean (1 to 5), the five answers and n, with the
response rate beside every table.

Who could answer: an end-of-course evaluation, every enrolment with a result (completed
or failed); a follow-up survey, every enrolment it was mailed to. The response rate is
responses over those. An enrolment belongs to its cohort's country and to the period its
cohort starts in, like the reach figures.

Anonymous answers carry no person: they cannot be placed by gender or institution. When
either filter is on, they are left out, and so are the people who answered anonymously
(their receipts say only that), so that the rate compares like with like.

Each figure is one GROUP BY query; the statements are read afterwards for the ids found.
Free-text answers are listed (the latest ``TEXT_LIMIT``) only for viewers who may see
more than aggregates.
"""

from __future__ import annotations

from collections import defaultdict

from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import joinedload

from lms.accounts.models import User
from lms.catalog.models import Course
from lms.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from lms.evaluations.models import (
    LIKERT_LABELS,
    EvaluationAnswer,
    EvaluationFollowupMail,
    EvaluationItem,
    EvaluationKind,
    EvaluationReceipt,
    EvaluationResponse,
    EvaluationTemplate,
    ItemKind,
)
from lms.extensions import db
from lms.reports.filters import ReportFilter, Scope, cohort_condition, gender_condition
from lms.reports.tables import Chart, ChartKind, Column, Figure, Kind, Section, Table

TEXT_LIMIT = 200
FINISHED = (EnrolmentStatus.COMPLETED, EnrolmentStatus.FAILED)
KINDS = (EvaluationKind.END, EvaluationKind.FOLLOWUP)


def _by_person(filters: ReportFilter) -> bool:
    """Whether a filter needs to know who answered (anonymous answers cannot tell)."""
    return filters.gender is not None or filters.institution_id is not None


def _conditions(filters: ReportFilter, scope: Scope) -> list:
    """Conditions on Cohort and Course (and User when ``_by_person``)."""
    conditions = [cohort_condition(scope)]
    pairs = ((filters.program_id, Course.program_id), (filters.course_id, Course.id),
             (filters.cohort_id, Cohort.id), (filters.country, Cohort.country),
             (filters.modality, Course.modality), (filters.language, Cohort.language))
    conditions += [column == value for value, column in pairs if value is not None]
    if filters.start:
        conditions.append(Cohort.starts_on >= filters.start)
    if filters.end:
        conditions.append(Cohort.starts_on <= filters.end)
    if _by_person(filters):
        conditions.append(gender_condition(filters.gender))
        if filters.institution_id is not None:
            conditions.append(User.institution_id == filters.institution_id)
    return conditions


def _responses_joined(*columns):
    return (select(*columns).select_from(EvaluationResponse)
            .join(Cohort, Cohort.id == EvaluationResponse.cohort_id)
            .join(Course, Course.id == Cohort.course_id))


def _eligible(filters: ReportFilter, scope: Scope) -> dict[str, int]:
    """Enrolments that could answer each kind (one query)."""
    # IN (subquery) rather than a correlated EXISTS: PostgreSQL hashes it once, where a
    # subplan per enrolment made the plan look so costly that it compiled it (JIT).
    # enrolment_id is NOT NULL, so NOT IN means "no such receipt", as NOT EXISTS did.
    def answered_anonymously(kind: str):
        return Enrolment.id.in_(select(EvaluationReceipt.enrolment_id).where(
            EvaluationReceipt.kind == kind, EvaluationReceipt.anonymous))

    def counted(kind: str, could_answer):
        condition = could_answer
        if _by_person(filters):
            condition = and_(condition, ~answered_anonymously(kind))
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    mailed = Enrolment.id.in_(select(EvaluationFollowupMail.enrolment_id))
    query = (select(counted(EvaluationKind.END, Enrolment.status.in_(FINISHED)),
                    counted(EvaluationKind.FOLLOWUP, mailed))
             .select_from(Enrolment)
             .join(Cohort, Cohort.id == Enrolment.cohort_id)
             .join(Course, Course.id == Cohort.course_id))
    if _by_person(filters):
        query = query.join(User, User.id == Enrolment.user_id)
    end, followup = db.session.execute(query.where(*_conditions(filters, scope))).one()
    return {EvaluationKind.END: int(end), EvaluationKind.FOLLOWUP: int(followup)}


def _with_person(query, filters: ReportFilter):
    # An inner join on the responder leaves anonymous responses out, as the note says.
    if _by_person(filters):
        return query.join(User, User.id == EvaluationResponse.user_id)
    return query


def _responses(filters: ReportFilter, scope: Scope) -> dict[str, int]:
    query = _with_person(_responses_joined(EvaluationResponse.kind, func.count()), filters)
    rows = db.session.execute(query.where(*_conditions(filters, scope))
                              .group_by(EvaluationResponse.kind)).all()
    return {kind: int(count) for kind, count in rows}


def _distribution(filters: ReportFilter, scope: Scope) -> dict[int, dict[int, int]]:
    """{item id: {answer 1..5: count}} over the Likert answers counted (one query)."""
    query = _with_person(
        _responses_joined(EvaluationAnswer.item_id, EvaluationAnswer.value, func.count())
        .join(EvaluationAnswer, EvaluationAnswer.response_id == EvaluationResponse.id),
        filters)
    rows = db.session.execute(
        query.where(*_conditions(filters, scope), EvaluationAnswer.value.is_not(None))
        .group_by(EvaluationAnswer.item_id, EvaluationAnswer.value)).all()
    found: dict[int, dict[int, int]] = defaultdict(dict)
    for item_id, value, count in rows:
        found[item_id][int(value)] = int(count)
    return found


def _texts(filters: ReportFilter, scope: Scope) -> list[tuple[int, str]]:
    """(item id, text) of the latest free-text answers, newest first (one query)."""
    query = _with_person(
        _responses_joined(EvaluationAnswer.item_id, EvaluationAnswer.text)
        .join(EvaluationAnswer, EvaluationAnswer.response_id == EvaluationResponse.id),
        filters)
    return [(item_id, text) for item_id, text in db.session.execute(
        query.where(*_conditions(filters, scope), EvaluationAnswer.text.is_not(None))
        .order_by(EvaluationResponse.submitted_at.desc(), EvaluationAnswer.id.desc())
        .limit(TEXT_LIMIT)).all()]


def _items(ids: set[int]) -> list[EvaluationItem]:
    if not ids:
        return []
    return list(db.session.scalars(
        select(EvaluationItem).where(EvaluationItem.id.in_(ids))
        .join(EvaluationTemplate, EvaluationTemplate.id == EvaluationItem.template_id)
        .options(joinedload(EvaluationItem.template).joinedload(EvaluationTemplate.program))
        .order_by(EvaluationTemplate.program_id, EvaluationItem.position, EvaluationItem.id)))


def _rate(responses: int, eligible: int) -> float | None:
    return responses / eligible if eligible else None


def _rate_text(responses: int, eligible: int) -> str:
    rate = _rate(responses, eligible)
    if rate is None:
        return _("n = %(responses)s of %(eligible)s", responses=format_decimal(responses),
                 eligible=format_decimal(eligible))
    return _("n = %(responses)s of %(eligible)s, %(rate)s",
             responses=format_decimal(responses), eligible=format_decimal(eligible),
             rate=format_percent(rate))


def _method_note(filters: ReportFilter) -> str:
    if _by_person(filters):
        return _("Anonymous answers cannot be placed by gender or institution: they, and "
                 "the people who gave them, are left out of these figures.")
    return _("Anonymous and named answers together. Country is the cohort's; the period "
             "is the one the cohort starts in.")


def _label(item: EvaluationItem, several_programs: bool) -> str:
    text = item.in_locale("text")
    return f"{item.template.program.code} · {text}" if several_programs else text


def _kind_tables(kind: str, items: list[EvaluationItem], counts: dict[int, dict[int, int]],
                 responses: int, eligible: int, several: bool,
                 note: str) -> tuple[Chart | None, Table]:
    title = EvaluationKind(kind).title
    columns = [Column("statement", _l("Statement")), Column("n", _l("Answers"), Kind.PEOPLE),
               Column("mean", _l("Mean (1 to 5)"), Kind.NUMBER)]
    columns += [Column(f"answer_{value}", label, Kind.PEOPLE)
                for value, label in enumerate(LIKERT_LABELS, start=1)]
    table = Table(key=f"reaction_{kind}", title=_("%(questionnaire)s: answers per statement",
                                                 questionnaire=title),
                  columns=columns, n=responses,
                  note=f"{_rate_text(responses, eligible)}. {note}")
    categories: list[str] = []
    series: list[list[float | None]] = [[] for _value in LIKERT_LABELS]
    for item in items:
        if item.template.kind != kind or item.kind != ItemKind.LIKERT:
            continue
        given = counts.get(item.id, {})
        n = sum(given.values())
        mean = sum(value * count for value, count in given.items()) / n if n else None
        label = _label(item, several)
        table.rows.append((label, n, mean,
                           *(given.get(value, 0) for value in range(1, 6))))
        categories.append(label)
        for index in range(5):
            series[index].append(given.get(index + 1, 0))
    if not table.rows:
        return None, table
    chart = Chart(key=f"reaction_{kind}_chart", kind=ChartKind.STACKED_BAR,
                  title=_("%(questionnaire)s: the five answers per statement",
                          questionnaire=title),
                  description=_("For each statement, how many people chose each answer, "
                                "from strongly disagree to strongly agree. %(rate)s.",
                                rate=_rate_text(responses, eligible)),
                  categories=categories,
                  series=[(str(label), values) for label, values in zip(LIKERT_LABELS, series,
                                                                        strict=True)],
                  table=table)
    return chart, table


def reaction(filters: ReportFilter, scope: Scope) -> Section:
    """Mean, distribution and n per statement of both questionnaires, with response rates."""
    section = Section(key="reaction", title=_l("Reaction and behaviour"))
    if scope.empty:
        return section
    eligible = _eligible(filters, scope)
    responses = _responses(filters, scope)
    counts = _distribution(filters, scope)
    texts = [] if scope.aggregated_only else _texts(filters, scope)
    items = _items(set(counts) | {item_id for item_id, _text in texts})
    several = len({item.template.program_id for item in items}) > 1
    note = _method_note(filters)
    for kind in KINDS:
        answered, could = responses.get(kind, 0), eligible[kind]
        section.figures.append(Figure(
            key=f"reaction_{kind}_rate",
            label=_("%(questionnaire)s: response rate", questionnaire=EvaluationKind(kind).title),
            value=_rate(answered, could), kind=Kind.PERCENT,
            detail=_rate_text(answered, could)))
        chart, table = _kind_tables(kind, items, counts, answered, could, several, note)
        if chart is not None:
            section.charts.append(chart)
        else:
            section.tables.append(table)
    if texts:
        by_id = {item.id: item for item in items}
        table = Table(key="reaction_text", title=_l("Free-text answers"),
                      columns=[Column("questionnaire", _l("Questionnaire")),
                               Column("question", _l("Question")),
                               Column("answer", _l("Answer"))],
                      note=_("The latest %(count)s answers at most, newest first. %(note)s",
                             count=TEXT_LIMIT, note=note))
        for item_id, text in texts:
            item = by_id[item_id]
            table.rows.append((EvaluationKind(item.template.kind).title,
                               _label(item, several), text))
        section.tables.append(table)
    section.notes.append(_("End-of-course evaluation: everyone with a course result (completed "
                           "or failed) could answer. Follow-up survey: everyone it was mailed "
                           "to, some months after completing. The response rate is the "
                           "answers over those."))
    section.notes.append(note)
    return section

