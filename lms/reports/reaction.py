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

The rates and the distribution add up each selected cohort's counts
(``lms.reports.facts``); with the sex or institution filter on, the rates are one query
and the distribution one GROUP BY over the answers. The statements are read afterwards
for the ids found.
Free-text answers are listed (the latest ``TEXT_LIMIT``) only for viewers who may see
more than aggregates.
"""

from __future__ import annotations

from collections import defaultdict

from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select, true
from sqlalchemy.orm import joinedload

from lms.accounts.models import User
from lms.catalog.models import Course
from lms.cohorts.models import Cohort, Enrolment
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
from lms.reports import facts
from lms.reports import people as people_sets
from lms.reports.filters import ReportFilter, Scope, cohort_conditions, gender_condition
from lms.reports.tables import Chart, ChartKind, Column, Figure, Kind, Section, Table
from lms.web.database import InOrder

TEXT_LIMIT = 200
FINISHED = facts.FINISHED
KINDS = (EvaluationKind.END, EvaluationKind.FOLLOWUP)


def _by_person(filters: ReportFilter) -> bool:
    """Whether a filter needs to know who answered (anonymous answers cannot tell)."""
    return filters.gender is not None or filters.institution_id is not None


def _cohorts(filters: ReportFilter, scope: Scope):
    """The cohorts the filters keep (a subquery of ids), or None when they keep them all.

    Enrolments, responses and answers are then read alone, or by cohort through their
    indexes: joining every row to its cohort and course cost more than the counting."""
    conditions = cohort_conditions(filters, scope)
    if not conditions:
        return None
    return select(Cohort.id).join(Course, Course.id == Cohort.course_id).where(*conditions)


def _people(filters: ReportFilter):
    """The people the gender and institution filters keep (a subquery of ids), or None.

    Matched by id (IN) rather than joined: the planners then start from the people kept
    or from the rows, whichever is fewer, where a join had SQLite read every answer."""
    if not _by_person(filters):
        return None
    conditions = [gender_condition(filters.gender)]
    if filters.institution_id is not None:
        conditions.append(User.institution_id == filters.institution_id)
    return select(User.id).where(*conditions)


def _counts(filters: ReportFilter, scope: Scope) -> tuple[dict[str, int], dict[str, int]]:
    """Enrolments that could answer each kind, and the responses of each kind (one query)."""
    if not _by_person(filters):
        # Filtered by cohort only: the selected cohorts' counts, added up.
        counts = people_sets.cohort_counts(filters, scope, facts.REACTION)
        end, followup = (counts.get((which, 0), (0, 0, 0))
                         for which in (facts.END, facts.FOLLOWUP))
        return ({EvaluationKind.END: end[0], EvaluationKind.FOLLOWUP: followup[0]},
                {EvaluationKind.END: end[1], EvaluationKind.FOLLOWUP: followup[1]})
    cohorts, people = _cohorts(filters, scope), _people(filters)

    # IN (subquery) rather than a correlated EXISTS: PostgreSQL hashes it once, where a
    # subplan per enrolment made the plan look so costly that it compiled it (JIT).
    # enrolment_id is NOT NULL, so NOT IN means "no such receipt", as NOT EXISTS did.
    def named(kind: str):
        return Enrolment.id.not_in(select(EvaluationReceipt.enrolment_id).where(
            EvaluationReceipt.kind == kind, EvaluationReceipt.anonymous))

    # One pass over the responses kept: the index on (cohort, kind) holds all it reads.
    answered = _answered(
        select(*(func.coalesce(func.sum(case((EvaluationResponse.kind == kind, 1), else_=0)), 0)
                 .label(kind) for kind in KINDS)), cohorts, people).subquery()
    finished = Enrolment.status.in_(FINISHED)
    if cohorts is None and people is None:
        # Everyone: the index on status counts the results, and a follow-up mail is sent
        # once per enrolment (unique), so counting mails counts the enrolments mailed.
        query = select(select(func.count()).select_from(Enrolment).where(finished)
                       .scalar_subquery(),
                       select(func.count()).select_from(EvaluationFollowupMail)
                       .scalar_subquery(), *answered.c).select_from(answered)
    else:
        # One pass over the enrolments kept, found by cohort (its index): a condition on
        # status in WHERE would have SQLite fetch every finished enrolment to learn its
        # cohort.
        def counted(kind: str, could_answer):
            condition = could_answer if people is None else and_(could_answer, named(kind))
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

        enrolled = (select(counted(EvaluationKind.END, finished),
                           counted(EvaluationKind.FOLLOWUP,
                                   EvaluationFollowupMail.id.is_not(None)))
                    .select_from(Enrolment)
                    .outerjoin(EvaluationFollowupMail,
                               EvaluationFollowupMail.enrolment_id == Enrolment.id))
        if cohorts is not None:
            enrolled = enrolled.where(Enrolment.cohort_id.in_(cohorts))
        if people is not None:
            enrolled = enrolled.where(Enrolment.user_id.in_(people))
        enrolled = enrolled.subquery()
        query = select(*enrolled.c, *answered.c).select_from(enrolled).join(answered, true())
    row = db.session.execute(query).one()
    eligible = {EvaluationKind.END: int(row[0] or 0), EvaluationKind.FOLLOWUP: int(row[1] or 0)}
    return eligible, {kind: int(count or 0) for kind, count in zip(KINDS, row[2:], strict=True)}


def _answered(query, cohorts, people):
    """``query`` on EvaluationResponse, kept to the filters."""
    if cohorts is not None:
        query = query.where(EvaluationResponse.cohort_id.in_(cohorts))
    if people is not None:
        # Anonymous responses (no person) are left out, as the note says.
        query = query.where(EvaluationResponse.user_id.in_(people))
    return query


def _distribution(filters: ReportFilter, scope: Scope) -> dict[int, dict[int, int]]:
    """{item id: {answer 1..5: count}} over the Likert answers counted (one query)."""
    found: dict[int, dict[int, int]] = defaultdict(dict)
    if not _by_person(filters):
        # Filtered by cohort only: the selected cohorts' answers, added up.
        for (item_id, value), (count, _zero, _none) in people_sets.cohort_counts(
                filters, scope, facts.ANSWERS).items():
            found[item_id][value] = count
        return found
    query = (select(EvaluationAnswer.item_id, EvaluationAnswer.value, func.count())
             .where(EvaluationAnswer.value.is_not(None))
             .group_by(EvaluationAnswer.item_id, EvaluationAnswer.value))
    cohorts, people = _cohorts(filters, scope), _people(filters)
    if cohorts is not None or people is not None:
        query = query.where(EvaluationAnswer.response_id.in_(
            _answered(select(EvaluationResponse.id), cohorts, people)))
    # Unfiltered, the index on (item, value, response) holds all it reads, in its order.
    for item_id, value, count in db.session.execute(query).all():
        found[item_id][int(value)] = int(count)
    return found


def _texts(filters: ReportFilter, scope: Scope) -> list[tuple[int, str]]:
    """(item id, text) of the latest free-text answers, newest first (one query)."""
    # The responses newest first down their date's index, each one's answers looked up
    # until there are enough: SQLite's own order read every written answer and sorted
    # them (9 ms at 25,000 answers, now under 1).
    responses, answers = EvaluationResponse.__table__, EvaluationAnswer.__table__
    query = _answered(
        select(EvaluationAnswer.item_id, EvaluationAnswer.text)
        .select_from(InOrder(responses, answers, answers.c.response_id == responses.c.id))
        .where(EvaluationAnswer.text.is_not(None)),
        _cohorts(filters, scope), _people(filters))
    return [(item_id, text) for item_id, text in db.session.execute(
        query.order_by(EvaluationResponse.submitted_at.desc(), EvaluationAnswer.id.desc())
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
    eligible, responses = _counts(filters, scope)
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
        # Each question's two cells once, not once per answer (translation lookups).
        cells = {item.id: (EvaluationKind(item.template.kind).title, _label(item, several))
                 for item in items}
        table = Table(key="reaction_text", title=_l("Free-text answers"),
                      columns=[Column("questionnaire", _l("Questionnaire")),
                               Column("question", _l("Question")),
                               Column("answer", _l("Answer"))],
                      note=_("The latest %(count)s answers at most, newest first. %(note)s",
                             count=TEXT_LIMIT, note=note))
        for item_id, text in texts:
            table.rows.append((*cells[item_id], text))
        section.tables.append(table)
    section.notes.append(_("End-of-course evaluation: everyone with a course result (completed "
                           "or failed) could answer. Follow-up survey: everyone it was mailed "
                           "to, some months after completing. The response rate is the "
                           "answers over those."))
    section.notes.append(note)
    return section

