"""Learning (Kirkpatrick level 2): pass rates, score distributions, pre-/post-test gains and
the weakest skills of the observation checklists.

Scores come from the people sets, and, unless the sex or institution filter is on, the
pre-/post-test pairs and the weakest skills from each cohort's counts, added up
(``lms.reports.facts``). Otherwise every figure is one GROUP BY query over grades or
observations; the cohorts, courses and people the filters name are asked about in
subqueries, never joined (``_enrolment_conditions``), and the enrolment is read only
where a person must be told apart. The names of what was
counted (assessments, their courses, checklist items) are read afterwards for the ids found,
a bounded number of rows. The number of queries therefore never depends on the number of
people.

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
from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import aliased, joinedload, selectinload

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
from lms.reports import facts, people
from lms.reports.filters import ReportFilter, Scope, cohort_conditions, gender_condition
from lms.reports.tables import Chart, ChartKind, Column, Figure, Kind, Section, Table

# Kinds whose grade is a judgement of learning; attendance is presence, not learning.
GRADED_KINDS = people.GRADED_KINDS
# Score buckets in percent: [low, high) except the last, which includes 100.
BUCKETS = people.BANDS
BUCKET_LABELS = [f"{low}–{high - 1}" for low, high in BUCKETS[:-1]] + ["90–100"]
# Charts drawn: the assessments with the most people graded (the tables list every one).
MAX_CHARTS = 10
WEAKEST_SKILLS = 10


# ------------------------------------------------------------------ who and what counts

def _person_conditions(filters: ReportFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.institution_id is not None:
        conditions.append(User.institution_id == filters.institution_id)
    if filters.gender is not None:
        conditions.append(gender_condition(filters.gender))
    return conditions


def _enrolment_conditions(filters: ReportFilter, scope: Scope) -> list[ColumnElement[bool]]:
    """Conditions on Enrolment alone keeping the enrolments the viewer may count and the
    filters keep; none when everything counts.

    The cohorts (a few hundred) and the people are asked about in subqueries rather than
    joined: a grade or an observation then costs one lookup of its enrolment at most,
    and none at all when nothing is filtered, where a join to the cohorts, courses and
    60,000 people cost more than the counting itself."""
    conditions: list[ColumnElement[bool]] = []
    cohort = cohort_conditions(filters, scope)
    if cohort:
        conditions.append(Enrolment.cohort_id.in_(
            select(Cohort.id).join(Course, Course.id == Cohort.course_id).where(*cohort)))
    person = _person_conditions(filters)
    if person:
        conditions.append(Enrolment.user_id.in_(select(User.id).where(*person)))
    return conditions


def _counted_enrolments(column, filters: ReportFilter,
                        scope: Scope) -> list[ColumnElement[bool]]:
    """Conditions keeping the rows whose enrolment id (``column``) counts."""
    conditions = _enrolment_conditions(filters, scope)
    return [column.in_(select(Enrolment.id).where(*conditions))] if conditions else []


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
    graded: int
    passed: int
    buckets: list[int]
    # Grades counted (one per enrolment): a person graded in two cohorts has two.
    grades: int

    @property
    def rate(self) -> float | None:
        return _fraction(self.passed, self.graded)


def _assessment_scores(filters: ReportFilter, scope: Scope) -> list[AssessmentScores]:
    """Per assessment: people graded, people who passed and people per score bucket.

    A person graded in two cohorts of a course counts once, with their best grade: from
    the people sets (lms.reports.people), each cohort's people per assessment and band."""
    return [AssessmentScores(found.assessment_id, found.graded, found.passed, found.bands,
                             found.grades)
            for found in people.assessment_scores(filters, scope)]


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


def _gains(filters: ReportFilter, scope: Scope,
           scores: list[AssessmentScores]) -> list[Gain]:
    """Per course with a pre-test and a post-test: the paired means and the mean gain.

    A pair is the two grades of one enrolment (the same person in the same cohort). The
    grades of each test are counted with the pass rates (``scores``, one per enrolment);
    only the pairs are read here, each post-test grade found by its (test, enrolment) key.
    A course is listed when either test has a grade counted."""
    # Only a quiz may be a pre-test or a post-test (assessments.manage_services).
    role = facts.role_quizzes
    pre, post = aliased(Assessment), aliased(Assessment)
    tests = (select(pre.course_id, pre.id, post.id).select_from(pre)
             .join(post, and_(pre.kind == AssessmentKind.QUIZ, pre.test_role == TestRole.PRE,
                              post.kind == AssessmentKind.QUIZ, post.test_role == TestRole.POST,
                              post.course_id == pre.course_id)))
    counted = {item.assessment_id: item.grades for item in scores}
    if not _person_conditions(filters):
        # Filtered by cohort only: the selected cohorts' pairs, added up.
        paired_of = people.cohort_counts(filters, scope, facts.PAIRED)
        rows = []
        for course_id, pre_id, post_id in db.session.execute(tests):
            paired, pre_sum, post_sum = paired_of.get((pre_id, post_id), (0, 0, 0))
            # The sums are in hundredths of a point.
            rows.append((course_id, pre_id, post_id, paired, *(
                (pre_sum / paired / 100, post_sum / paired / 100,
                 (post_sum - pre_sum) / paired / 100) if paired else (None, None, None))))
        return _gain_rows(rows, counted)

    # The grades are found from the tests' ids (IN): SQLite, without statistics, otherwise
    # reads every grade and looks up its assessment. A pair of tests of two courses cannot
    # share an enrolment; the outer join keeps the tests of one course anyway.
    pre_grade, post_grade = aliased(Grade), aliased(Grade)
    pairs = (
        select(pre_grade.assessment_id.label("pre_id"),
               post_grade.assessment_id.label("post_id"), func.count().label("paired"),
               func.avg(pre_grade.percent).label("pre"),
               func.avg(post_grade.percent).label("post"),
               func.avg(post_grade.percent - pre_grade.percent).label("gain"))
        .join(post_grade, post_grade.enrolment_id == pre_grade.enrolment_id)
        .where(pre_grade.assessment_id.in_(role(TestRole.PRE)),
               post_grade.assessment_id.in_(role(TestRole.POST)),
               *_counted_enrolments(pre_grade.enrolment_id, filters, scope))
        .group_by(pre_grade.assessment_id, post_grade.assessment_id).subquery())
    rows = db.session.execute(
        tests.add_columns(pairs.c.paired, pairs.c.pre, pairs.c.post, pairs.c.gain)
        .outerjoin(pairs, and_(pairs.c.pre_id == pre.id, pairs.c.post_id == post.id))).all()
    return _gain_rows(rows, counted)


def _gain_rows(rows, counted: dict[int, int]) -> list[Gain]:
    """Gains from (course, pre-test, post-test, pairs, pre mean, post mean, gain) rows, for
    the courses with a grade counted (``counted``: grades per test)."""
    gains = []
    for course_id, pre_id, post_id, paired, pre_mean, post_mean, gain in rows:
        pre_grades, post_grades = counted.get(pre_id, 0), counted.get(post_id, 0)
        if not (pre_grades or post_grades):
            continue
        paired = int(paired or 0)
        gains.append(Gain(course_id, paired, _float(pre_mean), _float(post_mean),
                          _float(gain), pre_grades - paired, post_grades - paired))
    return gains


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
    if not _person_conditions(filters):
        # Filtered by cohort only: the selected cohorts' counts per item, added up, ranked
        # as the statement below ranks them.
        found = [Skill(item_id, observed, not_yet) for (item_id, _none), (
            observed, not_yet, _zero) in people.cohort_counts(
                filters, scope, facts.OBSERVED).items() if not_yet > 0]
        found.sort(key=lambda skill: (-(skill.not_yet / skill.observed), -skill.not_yet,
                                      skill.item_id))
        return found[:WEAKEST_SKILLS]
    not_yet = func.sum(case((Observation.result == ObservationResult.NOT_YET, 1), else_=0))
    observed = func.count()
    rows = db.session.execute(
        select(Observation.item_id, observed, not_yet)
        .where(Observation.result.in_([ObservationResult.MET, ObservationResult.NOT_YET]),
               *_counted_enrolments(Observation.enrolment_id, filters, scope))
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
        gains = _gains(filters, scope, scores)
        skills = _weakest(filters, scope)
    assessments = _assessments(item.assessment_id for item in scores)
    # A course is in the gains for a grade of one of its tests, so its assessments, read
    # for the pass rates, bring it.
    courses = {a.course_id: a.course for a in assessments.values()}
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
