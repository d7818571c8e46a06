"""Reads for competencies: frameworks, the evidence behind a competency, who has met it.

A competency is met by a trainee when an assessor signed it off (and the sign-off
was not withdrawn), or when it has evidence and the trainee satisfies all of it:
every mapped assessment has a grade (in any enrolment) at or above its minimum
score, and every mapped observation item is "met" in the trainee's latest record
of that item. Competencies without evidence are met only by a sign-off.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import (
    Select,
    and_,
    case,
    distinct,
    func,
    or_,
    select,
    tuple_,
    union,
    union_all,
)
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from lms.accounts.models import User
from lms.assessments.models import Assessment, Grade
from lms.assessments.observations.models import Observation, ObservationItem, ObservationResult
from lms.catalog.models import Course, Program
from lms.cohorts.models import SEATED, Cohort, Enrolment
from lms.competencies.models import Competency, Evidence, Framework, Signoff
from lms.extensions import db
from lms.kernel import events

PAGE_SIZE = 25


# ---------------------------------------------------------------- who met what

@dataclass
class _EvidenceRules:
    """What one competency's evidence asks for."""

    assessments: dict[int, Decimal] = field(default_factory=dict)  # id -> min score
    items: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.assessments or self.items)


def _evidence_rules(competency_ids: Sequence[int]) -> dict[int, _EvidenceRules]:
    """Two queries: the assessment mappings and the observation items of the competencies."""
    rules: dict[int, _EvidenceRules] = defaultdict(_EvidenceRules)
    for competency_id, assessment_id, min_score in db.session.execute(
            select(Evidence.competency_id, Evidence.assessment_id, Evidence.min_score)
            .where(Evidence.competency_id.in_(competency_ids))):
        rules[competency_id].assessments[assessment_id] = Decimal(min_score)
    for item_id, competency_id in db.session.execute(
            select(ObservationItem.id, ObservationItem.competency_id)
            .where(ObservationItem.competency_id.in_(competency_ids))):
        rules[competency_id].items.add(item_id)
    return rules


def _best_grades(user_ids: Sequence[int],
                 assessment_ids: set[int]) -> dict[tuple[int, int], Decimal]:
    """{(user id, assessment id): best percent over all the user's enrolments}."""
    if not assessment_ids:
        return {}
    rows = db.session.execute(
        select(Enrolment.user_id, Grade.assessment_id, func.max(Grade.percent))
        .join(Enrolment, Enrolment.id == Grade.enrolment_id)
        .where(Enrolment.user_id.in_(user_ids), Grade.assessment_id.in_(assessment_ids))
        .group_by(Enrolment.user_id, Grade.assessment_id))
    return {(user_id, assessment_id): Decimal(best)
            for user_id, assessment_id, best in rows if best is not None}


def _latest_observations(user_ids: Sequence[int],
                         item_ids: set[int]) -> dict[tuple[int, int], str]:
    """{(user id, item id): result of the latest record}: a trainee observed in two
    cohorts is judged by the most recent observation (date, then the newer row)."""
    if not item_ids:
        return {}
    rows = db.session.execute(
        select(Enrolment.user_id, Observation.item_id, Observation.result,
               Observation.observed_on, Observation.id)
        .join(Enrolment, Enrolment.id == Observation.enrolment_id)
        .where(Enrolment.user_id.in_(user_ids), Observation.item_id.in_(item_ids)))
    latest: dict[tuple[int, int], tuple] = {}
    for user_id, item_id, result, observed_on, row_id in rows:
        key = (user_id, item_id)
        rank = (observed_on is not None, observed_on, row_id)
        if key not in latest or rank > latest[key][0]:
            latest[key] = (rank, result)
    return {key: value[1] for key, value in latest.items()}


def _meets(user_id: int, rules: _EvidenceRules, grades: dict, observations: dict) -> bool:
    if not rules:
        return False
    for assessment_id, min_score in rules.assessments.items():
        best = grades.get((user_id, assessment_id))
        if best is None or best < min_score:
            return False
    return all(observations.get((user_id, item_id)) == ObservationResult.MET
               for item_id in rules.items)


def _active_signoffs(user_ids: Sequence[int],
                     competency_ids: Sequence[int]) -> set[tuple[int, int]]:
    return set(tuple(row) for row in db.session.execute(
        select(Signoff.user_id, Signoff.competency_id)
        .where(Signoff.user_id.in_(user_ids), Signoff.competency_id.in_(competency_ids),
               Signoff.withdrawn_at.is_(None))).all())


@dataclass(frozen=True)
class MetDetail:
    """Why a competency counts as met (or not) for one trainee."""

    met: bool
    signed_off: bool
    by_evidence: bool
    has_evidence: bool


def met_details(user_ids: Sequence[int],
                competency_ids: Sequence[int]) -> dict[tuple[int, int], MetDetail]:
    """{(user id, competency id): MetDetail} for every pair; at most five queries."""
    user_ids = sorted(set(user_ids))
    competency_ids = sorted(set(competency_ids))
    if not user_ids or not competency_ids:
        return {}
    signed = _active_signoffs(user_ids, competency_ids)
    rules = _evidence_rules(competency_ids)
    grades = _best_grades(user_ids, {a for r in rules.values() for a in r.assessments})
    observations = _latest_observations(user_ids, {i for r in rules.values() for i in r.items})
    details = {}
    for user_id in user_ids:
        for competency_id in competency_ids:
            rule = rules.get(competency_id, _EvidenceRules())
            by_evidence = _meets(user_id, rule, grades, observations)
            signed_off = (user_id, competency_id) in signed
            details[(user_id, competency_id)] = MetDetail(
                met=signed_off or by_evidence, signed_off=signed_off,
                by_evidence=by_evidence, has_evidence=bool(rule))
    return details


def met_competencies(user_ids: Sequence[int],
                     competency_ids: Sequence[int]) -> dict[int, set[int]]:
    """{user id: ids of the given competencies the user has met}; every user is a key.

    A constant number of queries whatever the number of users and competencies.
    """
    met: dict[int, set[int]] = {user_id: set() for user_id in user_ids}
    for (user_id, competency_id), detail in met_details(user_ids, competency_ids).items():
        if detail.met:
            met[user_id].add(competency_id)
    return met


def met_pairs(users, competency_ids) -> Select:
    """SELECT (user_id, competency_id): every competency in ``competency_ids`` met by a user
    in ``users``, by the rules of :func:`met_details`, as one statement for the caller to
    join or count.

    ``users`` is a SELECT of user ids (a subquery, never a list: the report passes
    thousands of people); ``competency_ids`` a SELECT of ids or a short list. The database
    does the work that ``met_details`` does in Python, so counting who met what for a
    whole program costs one query and no rows per person."""
    # Evidence by assessment: a grade in any of the user's enrolments at or above the
    # minimum (the best grade reaches it exactly when some grade does).
    graded = (
        select(Enrolment.user_id.label("user_id"), Evidence.competency_id.label("competency_id"),
               func.count(distinct(Evidence.assessment_id)).label("done"))
        .select_from(Evidence)
        .join(Grade, and_(Grade.assessment_id == Evidence.assessment_id,
                          Grade.percent >= Evidence.min_score))
        .join(Enrolment, Enrolment.id == Grade.enrolment_id)
        .where(Enrolment.user_id.in_(users), Evidence.competency_id.in_(competency_ids))
        .group_by(Enrolment.user_id, Evidence.competency_id))
    # Evidence by observation: the latest record of the item (date, then the newer row;
    # an undated record comes before every dated one) says "met".
    ranked = (
        select(Enrolment.user_id.label("user_id"), Observation.item_id.label("item_id"),
               Observation.result.label("result"),
               func.row_number().over(
                   partition_by=(Enrolment.user_id, Observation.item_id),
                   order_by=(case((Observation.observed_on.is_(None), 0), else_=1).desc(),
                             Observation.observed_on.desc(), Observation.id.desc()))
               .label("rank"))
        .join(Enrolment, Enrolment.id == Observation.enrolment_id)
        .where(Enrolment.user_id.in_(users), Observation.item_id.in_(
            select(ObservationItem.id).where(ObservationItem.competency_id.in_(competency_ids))))
        .subquery("ranked"))
    observed = (
        select(ranked.c.user_id, ObservationItem.competency_id.label("competency_id"),
               func.count().label("done"))
        .join(ObservationItem, ObservationItem.id == ranked.c.item_id)
        .where(ranked.c.rank == 1, ranked.c.result == ObservationResult.MET)
        .group_by(ranked.c.user_id, ObservationItem.competency_id))
    done = union_all(graded, observed).subquery("done")
    # Pieces of evidence per competency; a competency without any is met only by sign-off.
    pieces = union_all(
        select(Evidence.competency_id.label("competency_id"), func.count().label("n"))
        .where(Evidence.competency_id.in_(competency_ids)).group_by(Evidence.competency_id),
        select(ObservationItem.competency_id.label("competency_id"), func.count().label("n"))
        .where(ObservationItem.competency_id.in_(competency_ids))
        .group_by(ObservationItem.competency_id)).subquery("pieces")
    needed = (select(pieces.c.competency_id, func.sum(pieces.c.n).label("n"))
              .group_by(pieces.c.competency_id).subquery("needed"))
    by_evidence = (
        select(done.c.user_id, done.c.competency_id)
        .join(needed, needed.c.competency_id == done.c.competency_id)
        .group_by(done.c.user_id, done.c.competency_id, needed.c.n)
        .having(func.sum(done.c.done) == needed.c.n))
    signed = (select(Signoff.user_id, Signoff.competency_id)
              .where(Signoff.user_id.in_(users), Signoff.competency_id.in_(competency_ids),
                     Signoff.withdrawn_at.is_(None)))
    met = union(signed, by_evidence).subquery("met")
    return select(met.c.user_id, met.c.competency_id)


def met_counts(people, required, *, every: bool = False) -> Select:
    """SELECT (key, user_id, met) for each (key, user_id) row of ``people`` that met at
    least one competency ``required`` lists for its key: how many of them it met.

    ``people`` is a SELECT of (key, user_id) and ``required`` a SELECT of
    (key, competency_id), whatever the key means to the caller (a certification track,
    say); a row met every required competency when ``met`` equals their number. One
    statement, whatever the number of people.

    With ``every``, only the rows that met every competency required for their key. A
    competency no evidence can show (no assessment nor observation item counts for it)
    is met only by sign-off, so the rows lacking such a sign-off are left out before any
    grade or observation is read: sign-offs are few, and reading the evidence of
    thousands of people who cannot be complete was most of a report's work."""
    # Each is read several times below: as CTEs PostgreSQL plans them once, where
    # subqueries were planned at each use (10 ms of planning for 2 of execution).
    people = people.cte("people")
    required = required.cte("required")
    key, user_id = people.c[0], people.c[1]
    if every:
        # Sign-offs are few: those who hold every sign-off their key needs are found from
        # them, and a key needing none keeps all its rows (no per-row test, which
        # PostgreSQL costs high enough to compile the whole statement).
        only_signed = (select(required.c[0].label("key"), required.c[1].label("competency_id"))
                       .where(~select(Evidence.assessment_id)
                              .where(Evidence.competency_id == required.c[1]).exists(),
                              ~select(ObservationItem.id)
                              .where(ObservationItem.competency_id == required.c[1]).exists())
                       .subquery("only_signed"))
        needs = (select(only_signed.c.key, func.count().label("n"))
                 .group_by(only_signed.c.key).subquery("signoffs_needed"))
        signed = (select(only_signed.c.key, Signoff.user_id)
                  .join(Signoff, Signoff.competency_id == only_signed.c.competency_id)
                  .join(needs, needs.c.key == only_signed.c.key)
                  .where(Signoff.withdrawn_at.is_(None))
                  .group_by(only_signed.c.key, Signoff.user_id, needs.c.n)
                  .having(func.count(distinct(Signoff.competency_id)) == needs.c.n))
        people = (select(key, user_id)
                  .where(or_(key.not_in(select(needs.c.key)),
                             tuple_(key, user_id).in_(signed)))
                  .cte("candidates"))
        key, user_id = people.c[0], people.c[1]
    met = met_pairs(select(user_id), select(required.c[1])).subquery("met")
    counts = (select(key, user_id, func.count(distinct(required.c[1])).label("met"))
              .select_from(people)
              .join(required, required.c[0] == key)
              .join(met, and_(met.c.user_id == user_id,
                              met.c.competency_id == required.c[1]))
              .group_by(key, user_id))
    if every:
        needed = (select(required.c[0].label("key"), func.count().label("n"))
                  .group_by(required.c[0]).subquery("needed"))
        counts = (counts.join(needed, needed.c.key == key).group_by(needed.c.n)
                  .having(func.count(distinct(required.c[1])) == needed.c.n))
    return counts


# ---------------------------------------------------------------- coordinators' pages

def frameworks_page(user, page: int, per_page: int = PAGE_SIZE):
    """The frameworks of the programs ``user`` coordinates (admins: all), by code."""
    query = (select(Framework).join(Framework.program)
             .options(contains_eager(Framework.program), joinedload(Framework.adapted_from))
             .order_by(Program.code, Framework.code))
    if not user.is_admin:
        query = query.where(Framework.program_id.in_(list(user.coordinated_program_ids)))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def managed_programs(user) -> list[Program]:
    query = select(Program).order_by(Program.code)
    if not user.is_admin:
        query = query.where(Program.id.in_(list(user.coordinated_program_ids)))
    return list(db.session.scalars(query))


def framework(framework_id: int) -> Framework | None:
    return db.session.scalars(
        select(Framework).where(Framework.id == framework_id)
        .options(joinedload(Framework.program),
                 selectinload(Framework.competencies))).first()


def competency(competency_id: int) -> Competency | None:
    return db.session.scalars(
        select(Competency).where(Competency.id == competency_id)
        .options(joinedload(Competency.framework).joinedload(Framework.program))).first()


def adaptations_of(framework: Framework) -> list[Framework]:
    return list(db.session.scalars(select(Framework).where(
        Framework.adapted_from_id == framework.id).order_by(Framework.code)))


def assessment(assessment_id: int) -> Assessment | None:
    return db.session.scalars(
        select(Assessment).where(Assessment.id == assessment_id)
        .options(joinedload(Assessment.course))).first()


def program_competencies(program_id: int) -> list[Competency]:
    """Every competency of the program's frameworks, framework by framework."""
    return list(db.session.scalars(
        select(Competency).join(Competency.framework)
        .where(Framework.program_id == program_id)
        .options(contains_eager(Competency.framework))
        .order_by(Framework.code, Competency.position, Competency.code)))


def evidence_of(assessment: Assessment) -> list[Evidence]:
    return list(db.session.scalars(
        select(Evidence).where(Evidence.assessment_id == assessment.id)
        .join(Evidence.competency).join(Competency.framework)
        .options(contains_eager(Evidence.competency).contains_eager(Competency.framework))
        .order_by(Framework.code, Competency.position, Competency.code)))


def items_of(assessment: Assessment) -> list[ObservationItem]:
    return list(db.session.scalars(
        select(ObservationItem).where(ObservationItem.assessment_id == assessment.id)
        .order_by(ObservationItem.position, ObservationItem.id)))


# ---------------------------------------------------------------- assessors' pages

def cohort(cohort_id: int) -> Cohort | None:
    return db.session.scalars(
        select(Cohort).where(Cohort.id == cohort_id)
        .options(joinedload(Cohort.course))).first()


def relevant_competencies(course: Course) -> list[Competency]:
    """Competencies the course gives evidence for, or that a higher floor requires of
    its trainees (a track requiring the course: ``events.competencies_required_by_course``).

    One query, ordered framework by framework.
    """
    course_assessments = select(Assessment.id).where(Assessment.course_id == course.id)
    by_evidence = select(Evidence.competency_id).where(
        Evidence.assessment_id.in_(course_assessments))
    by_item = select(ObservationItem.competency_id).where(
        ObservationItem.assessment_id.in_(course_assessments),
        ObservationItem.competency_id.isnot(None))
    required = events.answers(events.competencies_required_by_course, course)
    return list(db.session.scalars(
        select(Competency).join(Competency.framework)
        .where(or_(Competency.id.in_(by_evidence), Competency.id.in_(by_item),
                   *(Competency.id.in_(ids) for ids in required)))
        .options(contains_eager(Competency.framework))
        .order_by(Framework.code, Competency.position, Competency.code)))


@dataclass(frozen=True)
class TraineeRow:
    enrolment: Enrolment
    cells: list[MetDetail]


def cohort_matrix(cohort: Cohort, competencies: list[Competency], page: int,
                  per_page: int = PAGE_SIZE):
    """One page of seated trainees, each with a met / not yet cell per competency.

    (pagination, rows): the count, the page and the met rule's queries, whatever
    the cohort size.
    """
    query = (select(Enrolment).join(Enrolment.user)
             .where(Enrolment.cohort_id == cohort.id, Enrolment.status.in_(SEATED))
             .options(contains_eager(Enrolment.user))
             .order_by(User.full_name, User.id))
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    enrolments = list(pagination.items)
    ids = [c.id for c in competencies]
    details = met_details([e.user_id for e in enrolments], ids)
    empty = MetDetail(met=False, signed_off=False, by_evidence=False, has_evidence=False)
    rows = [TraineeRow(e, [details.get((e.user_id, c), empty) for c in ids])
            for e in enrolments]
    return pagination, rows


def enrolment_in_cohort(cohort: Cohort, enrolment_id: int) -> Enrolment | None:
    return db.session.scalars(
        select(Enrolment).where(Enrolment.id == enrolment_id, Enrolment.cohort_id == cohort.id)
        .options(joinedload(Enrolment.user))).first()


@dataclass
class AssessmentEvidence:
    assessment: Assessment
    min_score: Decimal
    best: Decimal | None  # the trainee's best grade in any enrolment

    @property
    def reached(self) -> bool:
        return self.best is not None and self.best >= self.min_score


@dataclass
class ItemEvidence:
    item: ObservationItem
    result: str | None  # the latest record's result; None: never observed

    @property
    def reached(self) -> bool:
        return self.result == ObservationResult.MET


@dataclass
class CompetencyRecord:
    competency: Competency
    detail: MetDetail
    assessments: list[AssessmentEvidence]
    items: list[ItemEvidence]
    signoffs: list[Signoff]

    @property
    def active_signoff(self) -> Signoff | None:
        return next((s for s in self.signoffs if s.active), None)


def trainee_record(user_id: int, competencies: list[Competency]) -> list[CompetencyRecord]:
    """Each competency with the trainee's evidence and sign-off history (newest first)."""
    ids = [c.id for c in competencies]
    if not ids:
        return []
    details = met_details([user_id], ids)
    mappings = list(db.session.scalars(
        select(Evidence).where(Evidence.competency_id.in_(ids))))
    assessments = {a.id: a for a in db.session.scalars(select(Assessment).where(
        Assessment.id.in_({m.assessment_id for m in mappings})))} if mappings else {}
    grades = _best_grades([user_id], set(assessments))
    items = list(db.session.scalars(
        select(ObservationItem).where(ObservationItem.competency_id.in_(ids))
        .options(joinedload(ObservationItem.assessment))
        .order_by(ObservationItem.assessment_id, ObservationItem.position)))
    results = _latest_observations([user_id], {i.id for i in items})
    signoffs = list(db.session.scalars(
        select(Signoff).where(Signoff.user_id == user_id, Signoff.competency_id.in_(ids))
        .options(joinedload(Signoff.assessor), joinedload(Signoff.withdrawn_by))
        .order_by(Signoff.signed_at.desc(), Signoff.id.desc())))
    records = []
    for competency in competencies:
        records.append(CompetencyRecord(
            competency=competency, detail=details[(user_id, competency.id)],
            assessments=[AssessmentEvidence(assessments[m.assessment_id], Decimal(m.min_score),
                                            grades.get((user_id, m.assessment_id)))
                         for m in mappings if m.competency_id == competency.id],
            items=[ItemEvidence(i, results.get((user_id, i.id)))
                   for i in items if i.competency_id == competency.id],
            signoffs=[s for s in signoffs if s.competency_id == competency.id]))
    return records


def signoff_of(user_id: int, signoff_id: int) -> Signoff | None:
    return db.session.scalars(select(Signoff).where(
        Signoff.id == signoff_id, Signoff.user_id == user_id)
        .options(joinedload(Signoff.competency))).first()
