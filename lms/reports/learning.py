"""Learning (Kirkpatrick level 2): pass rates, score distributions, pre-/post-test gains and
the weakest skills of the observation checklists.

Every figure is one GROUP BY query over grades or observations, joined to the enrolment,
its cohort, the cohort's course and the trainee; the names of what was counted (assessments,
courses, checklist items) are read afterwards for the ids found, a bounded number of rows.
The number of queries therefore never depends on the number of people.

Who counts (``filters.cohort_condition``, as in every section): administrators everything;
coordinators and observers the cohorts of their programs; instructors their own cohorts;
certifying-body officers the cohorts of the courses their bodies' tracks require.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, case, func, select, true
from sqlalchemy.orm import joinedload, selectinload

from lms.accounts.models import User
from lms.assessments.models import Assessment, AssessmentKind, Grade, TestRole
from lms.assessments.observations.models import (
    Observation,
    ObservationItem,
    ObservationResult,
)
from lms.catalog.models import Course
from lms.cohorts.models import Cohort, Enrolment
from lms.extensions import db
from lms.reports.filters import ReportFilter, Scope, cohort_condition, gender_condition
from lms.reports.tables import Chart, ChartKind, Column, Figure, Kind, Section, Table

# Kinds whose grade is a judgement of learning; attendance is presence, not learning.
GRADED_KINDS = (AssessmentKind.QUIZ, AssessmentKind.ASSIGNMENT, AssessmentKind.OBSERVATION)
# Score buckets in percent: [low, high) except the last, which includes 100.
BUCKETS = [(low, low + 10) for low in range(0, 100, 10)]
BUCKET_LABELS = [f"{low}–{high - 1}" for low, high in BUCKETS[:-1]] + ["90–100"]
# Charts drawn: the assessments with the most people graded (the tables list every one).
MAX_CHARTS = 10
WEAKEST_SKILLS = 10


# ------------------------------------------------------------------ who and what counts

def _filter_conditions(filters: ReportFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.program_id is not None:
        conditions.append(Course.program_id == filters.program_id)
    if filters.course_id is not None:
        conditions.append(Course.id == filters.course_id)
    if filters.cohort_id is not None:
        conditions.append(Cohort.id == filters.cohort_id)
    if filters.country:
        conditions.append(Cohort.country == filters.country)
    if filters.institution_id is not None:
        conditions.append(User.institution_id == filters.institution_id)
    conditions.append(gender_condition(filters.gender))
    if filters.modality:
        conditions.append(Course.modality == filters.modality)
    if filters.language:
        conditions.append(Cohort.language == filters.language)
    if filters.start is not None:
        conditions.append(Cohort.starts_on >= filters.start)
    if filters.end is not None:
        conditions.append(Cohort.starts_on <= filters.end)
    return conditions


def _counted(query: Select, filters: ReportFilter, scope: Scope) -> Select:
    """``query`` (over an ``Enrolment.id`` already joined) limited to the enrolments the
    viewer may count and the filters keep: joins the cohort, its course and the trainee."""
    return (query.join(Cohort, Cohort.id == Enrolment.cohort_id)
            .join(Course, Course.id == Cohort.course_id)
            .join(User, User.id == Enrolment.user_id)
            .where(cohort_condition(scope), *_filter_conditions(filters)))


def _fraction(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _float(value) -> float | None:
    return None if value is None else float(value)


def _number(value) -> float | None:
    """A mean for the page: two decimals are plenty (the page writes one)."""
    return None if value is None else round(float(value), 2)


# ------------------------------------------------------------------ pass rates and scores

@dataclass
class AssessmentScores:
    assessment_id: int
    course_id: int
    graded: int
    passed: int
    buckets: list[int]

    @property
    def rate(self) -> float | None:
        return _fraction(self.passed, self.graded)


def _assessment_scores(filters: ReportFilter, scope: Scope) -> list[AssessmentScores]:
    """Per assessment: people graded, people who passed and people per score bucket.

    A person graded in two cohorts of a course counts once, with their best grade."""
    best = _counted(
        select(Grade.assessment_id.label("assessment_id"),
               Enrolment.user_id.label("user_id"),
               func.max(Grade.percent).label("percent"),
               func.max(case((Grade.passed, 1), else_=0)).label("passed"))
        .select_from(Grade).join(Enrolment, Enrolment.id == Grade.enrolment_id), filters, scope
    ).where(Grade.assessment_id.in_(
        select(Assessment.id).where(Assessment.kind.in_([kind.value for kind in GRADED_KINDS])))
    ).group_by(Grade.assessment_id, Enrolment.user_id).subquery()
    bucket_counts = [
        func.sum(case((and_(best.c.percent >= low,
                            best.c.percent < high if high < 100 else true()), 1), else_=0))
        for low, high in BUCKETS]
    rows = db.session.execute(
        select(Assessment.id, Assessment.course_id, func.count(),
               func.sum(best.c.passed), *bucket_counts)
        .join(best, best.c.assessment_id == Assessment.id)
        .group_by(Assessment.id, Assessment.course_id)).all()
    return [AssessmentScores(row[0], row[1], int(row[2]), int(row[3] or 0),
                             [int(value or 0) for value in row[4:]]) for row in rows]


def _assessments(ids: Iterable[int]) -> dict[int, Assessment]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    return {a.id: a for a in db.session.scalars(
        select(Assessment).where(Assessment.id.in_(ids))
        .options(joinedload(Assessment.course).selectinload(Course.translations),
                 selectinload(Assessment.translations)))}


def _assessment_label(assessment: Assessment) -> str:
    return _("%(course)s: %(assessment)s", course=assessment.course.code,
             assessment=assessment.in_locale("title"))


def _pass_rates(scores: list[AssessmentScores],
                assessments: dict[int, Assessment]) -> Table:
    table = Table(
        key="learning_pass_rates", title=_l("Pass rate per assessment"),
        columns=[Column("course", _l("Course")), Column("assessment", _l("Assessment")),
                 Column("kind", _l("Kind")),
                 Column("graded", _l("People graded"), Kind.PEOPLE),
                 Column("passed", _l("People who passed"), Kind.PEOPLE),
                 Column("rate", _l("Pass rate"), Kind.PERCENT)],
        note=_l("Quizzes, assignments and skills observations (attendance is not a test of "
                "learning). A person graded in several cohorts of a course counts once, with "
                "their best grade. Cohorts are placed in the period by their start date."))
    for item in scores:
        assessment = assessments[item.assessment_id]
        table.rows.append((assessment.course.code, assessment.in_locale("title"),
                           assessment.kind_title, item.graded, item.passed, item.rate))
    return table


def _distribution(scores: list[AssessmentScores],
                  assessments: dict[int, Assessment]) -> Table:
    table = Table(
        key="learning_score_distribution", title=_l("Score distribution per assessment"),
        columns=[Column("course", _l("Course")), Column("assessment", _l("Assessment")),
                 Column("graded", _l("People graded"), Kind.PEOPLE)]
        + [Column(f"bucket_{low}", label, Kind.PEOPLE)
           for (low, _high), label in zip(BUCKETS, BUCKET_LABELS, strict=True)],
        note=_l("People per band of score (in %, each person's best grade); the last band "
                "includes 100."))
    for item in scores:
        assessment = assessments[item.assessment_id]
        table.rows.append((assessment.course.code, assessment.in_locale("title"),
                           item.graded, *item.buckets))
    return table


def _charted(scores: list[AssessmentScores]) -> list[AssessmentScores]:
    """The assessments drawn: those with the most people graded, in table order."""
    chosen = {item.assessment_id for item in sorted(
        scores, key=lambda item: -item.graded)[:MAX_CHARTS]}
    return [item for item in scores if item.assessment_id in chosen]


def _pass_rate_chart(scores: list[AssessmentScores], assessments: dict[int, Assessment],
                     full: Table) -> Chart:
    drawn = _charted(scores)
    labels = [_assessment_label(assessments[item.assessment_id]) for item in drawn]
    # When every assessment is drawn, the chart's table is the full one (shown once).
    table = full if len(drawn) == len(scores) else Table(
        key="learning_pass_rates_chart", title=_l("Pass rate per assessment (chart)"),
        columns=[Column("assessment", _l("Assessment")),
                 Column("graded", _l("People graded"), Kind.PEOPLE),
                 Column("rate", _l("Pass rate"), Kind.PERCENT)],
        rows=[(label, item.graded, item.rate) for label, item in zip(labels, drawn,
                                                                       strict=True)],
        note=_l("The assessments with the most people graded, at most ten; the table of "
                "pass rates lists every one."))
    return Chart(
        key="learning_pass_rates_chart", kind=ChartKind.BAR,
        title=_l("Pass rate per assessment"),
        description=_l("A bar per assessment: the share of the people graded who passed."),
        categories=labels, series=[(_("Pass rate"), [item.rate for item in drawn])],
        table=table)


def _distribution_charts(scores: list[AssessmentScores],
                         assessments: dict[int, Assessment]) -> list[Chart]:
    charts = []
    for item in _charted(scores):
        label = _assessment_label(assessments[item.assessment_id])
        key = f"learning_scores_{item.assessment_id}"
        table = Table(
            key=key, title=_("Scores in %(assessment)s", assessment=label),
            columns=[Column("band", _l("Score (%)")),
                     Column("people", _l("People"), Kind.PEOPLE)],
            rows=list(zip(BUCKET_LABELS, item.buckets, strict=True)), n=item.graded)
        charts.append(Chart(
            key=key, kind=ChartKind.BAR, title=table.title,
            description=ngettext(
                "How the %(count)s person graded in %(assessment)s scored, in bands of ten "
                "points.",
                "How the %(count)s people graded in %(assessment)s scored, in bands of ten "
                "points.", item.graded, count=format_decimal(item.graded), assessment=label),
            categories=list(BUCKET_LABELS),
            series=[(_("People"), [float(value) for value in item.buckets])], table=table))
    return charts


# ------------------------------------------------------------------ pre- and post-tests

@dataclass
class Gain:
    course_id: int
    paired: int
    pre_mean: float | None
    post_mean: float | None
    gain: float | None
    pre_only: int
    post_only: int


def _gains(filters: ReportFilter, scope: Scope) -> list[Gain]:
    """Per course with a pre-test and a post-test: the paired means and the mean gain.

    A pair is the two grades of one enrolment (the same person in the same cohort)."""
    pre_courses = select(Assessment.course_id).where(Assessment.test_role == TestRole.PRE)
    post_courses = select(Assessment.course_id).where(Assessment.test_role == TestRole.POST)
    per_enrolment = _counted(
        select(Assessment.course_id.label("course_id"),
               func.max(case((Assessment.test_role == TestRole.PRE, Grade.percent)))
               .label("pre"),
               func.max(case((Assessment.test_role == TestRole.POST, Grade.percent)))
               .label("post"))
        .select_from(Grade)
        .join(Assessment, Assessment.id == Grade.assessment_id)
        .join(Enrolment, Enrolment.id == Grade.enrolment_id), filters, scope
    ).where(Assessment.kind == AssessmentKind.QUIZ,
            Assessment.test_role.in_([TestRole.PRE, TestRole.POST]),
            Assessment.course_id.in_(pre_courses), Assessment.course_id.in_(post_courses),
            ).group_by(Enrolment.id, Assessment.course_id).subquery()
    both = and_(per_enrolment.c.pre.is_not(None), per_enrolment.c.post.is_not(None))
    rows = db.session.execute(
        select(per_enrolment.c.course_id,
               func.sum(case((both, 1), else_=0)),
               func.avg(case((both, per_enrolment.c.pre))),
               func.avg(case((both, per_enrolment.c.post))),
               func.avg(case((both, per_enrolment.c.post - per_enrolment.c.pre))),
               func.sum(case((per_enrolment.c.post.is_(None), 1), else_=0)),
               func.sum(case((per_enrolment.c.pre.is_(None), 1), else_=0)))
        .group_by(per_enrolment.c.course_id)).all()
    return [Gain(row[0], int(row[1] or 0), _float(row[2]), _float(row[3]), _float(row[4]),
                 int(row[5] or 0), int(row[6] or 0)) for row in rows]


def _courses(ids: Iterable[int]) -> dict[int, Course]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    return {c.id: c for c in db.session.scalars(
        select(Course).where(Course.id.in_(ids)).options(selectinload(Course.translations)))}


def _gain_table(gains: list[Gain], courses: dict[int, Course]) -> Table:
    table = Table(
        key="learning_pre_post", title=_l("Pre-test and post-test: mean gain per course"),
        columns=[Column("course", _l("Course")), Column("title", _l("Title")),
                 Column("paired", _l("People with both tests"), Kind.PEOPLE),
                 Column("pre_mean", _l("Mean pre-test score (%)"), Kind.NUMBER),
                 Column("post_mean", _l("Mean post-test score (%)"), Kind.NUMBER),
                 Column("gain", _l("Mean gain (points)"), Kind.NUMBER),
                 Column("pre_only", _l("Pre-test only"), Kind.PEOPLE),
                 Column("post_only", _l("Post-test only"), Kind.PEOPLE)],
        note=_l("Courses whose coordinators marked a quiz as the pre-test and another as the "
                "post-test. Means and gain are over the people with both grades in the same "
                "cohort (paired); the grade is the best attempt, or an instructor's override. "
                "People with only one of the two are counted apart."))
    for gain in sorted(gains, key=lambda g: courses[g.course_id].code):
        course = courses[gain.course_id]
        table.rows.append((course.code, course.in_locale("title"), gain.paired,
                           _number(gain.pre_mean), _number(gain.post_mean),
                           _number(gain.gain), gain.pre_only,
                           gain.post_only))
    table.n = sum(gain.paired for gain in gains)
    return table


# ------------------------------------------------------------------ weakest skills

@dataclass
class Skill:
    item_id: int
    observed: int
    not_yet: int

    @property
    def share(self) -> float | None:
        return _fraction(self.not_yet, self.observed)


def _weakest(filters: ReportFilter, scope: Scope) -> list[Skill]:
    """The checklist items most often recorded "not yet", among those observed (met or not
    yet; "not observed" says nothing about the skill)."""
    not_yet = func.sum(case((Observation.result == ObservationResult.NOT_YET, 1), else_=0))
    observed = func.count()
    rows = db.session.execute(_counted(
        select(Observation.item_id, observed, not_yet)
        .join(Enrolment, Enrolment.id == Observation.enrolment_id), filters, scope)
        .where(Observation.result.in_([ObservationResult.MET, ObservationResult.NOT_YET]))
        .group_by(Observation.item_id)
        .having(not_yet > 0)
        .order_by((not_yet * 1.0 / observed).desc(), not_yet.desc(), Observation.item_id)
        .limit(WEAKEST_SKILLS)).all()
    return [Skill(row[0], int(row[1]), int(row[2])) for row in rows]


def _items(ids: Iterable[int]) -> dict[int, ObservationItem]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    return {item.id: item for item in db.session.scalars(
        select(ObservationItem).where(ObservationItem.id.in_(ids))
        .options(joinedload(ObservationItem.assessment).joinedload(Assessment.course),
                 selectinload(ObservationItem.translations),
                 joinedload(ObservationItem.assessment)
                 .selectinload(Assessment.translations)))}


def _skills_table(skills: list[Skill], items: dict[int, ObservationItem]) -> Table:
    table = Table(
        key="learning_weakest_skills", title=_l("The weakest skills"),
        columns=[Column("rank", _l("Rank"), Kind.COUNT), Column("skill", _l("Skill")),
                 Column("assessment", _l("Assessment")), Column("course", _l("Course")),
                 Column("observed", _l("People observed"), Kind.PEOPLE),
                 Column("not_yet", _l("Not yet"), Kind.PEOPLE),
                 Column("share", _l("Share not yet"), Kind.PERCENT)],
        note=_l("Skills observation checklist items ranked by the share of observed trainees "
                "recorded as \"not yet\" (the top ten); items not observed are left out."))
    for rank, skill in enumerate(skills, start=1):
        item = items[skill.item_id]
        table.rows.append((rank, item.in_locale("text"), item.assessment.in_locale("title"),
                           item.assessment.course.code, skill.observed, skill.not_yet,
                           skill.share))
    return table


# ------------------------------------------------------------------ the section

def learning(filters: ReportFilter, scope: Scope) -> Section:
    """The learning section: key figures, charts and tables (see the module docstring)."""
    if scope.empty:
        scores, gains, skills = [], [], []
    else:
        scores = _assessment_scores(filters, scope)
        gains = _gains(filters, scope)
        skills = _weakest(filters, scope)
    assessments = _assessments(item.assessment_id for item in scores)
    courses = _courses(gain.course_id for gain in gains)
    items = _items(skill.item_id for skill in skills)
    scores.sort(key=lambda item: (assessments[item.assessment_id].course.code,
                                  assessments[item.assessment_id].position, item.assessment_id))

    graded = sum(item.graded for item in scores)
    passed = sum(item.passed for item in scores)
    paired = sum(gain.paired for gain in gains)
    # Each course's mean gain weighed by its pairs: the mean gain of every pair.
    pooled_gain = (_number(sum(gain.gain * gain.paired for gain in gains if gain.paired)
                           / paired) if paired else None)
    section = Section(key="learning", title=_l("Learning"))
    section.figures = [
        Figure("learning_pass_rate", _l("Pass rate, all assessments"),
               _fraction(passed, graded), Kind.PERCENT,
               detail=ngettext("n = %(count)s result (one person in one assessment)",
                               "n = %(count)s results (one person in one assessment each)",
                               graded,
                               count=format_decimal(graded))),
        Figure("learning_gain", _l("Mean gain from pre-test to post-test (points)"),
               pooled_gain, Kind.NUMBER,
               detail=ngettext("n = %(count)s person with both tests",
                               "n = %(count)s people with both tests", paired,
                               count=format_decimal(paired))),
    ]
    rates = _pass_rates(scores, assessments)
    if scores:
        section.charts.append(_pass_rate_chart(scores, assessments, rates))
        section.charts.extend(_distribution_charts(scores, assessments))
    section.tables = [rates, _distribution(scores, assessments),
                      _gain_table(gains, courses), _skills_table(skills, items)]
    section.notes = [
        _l("Every filter applies to the learning figures: country, modality and language are "
           "the cohort's, institution and sex the trainee's, and the period places each "
           "cohort by its start date."),
    ]
    return section
