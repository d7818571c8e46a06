"""Reads of the agenda: due dates of the cohorts' assessments, merged with their sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.assessments.models import Assessment, AssessmentWindow
from lms.cohorts.models import Cohort
from lms.cohorts.schedule import CohortSession
from lms.cohorts.schedule_queries import sessions_of
from lms.extensions import db
from lms.kernel import clock


@dataclass(frozen=True)
class DueDate:
    cohort: Cohort
    assessment: Assessment
    due_at: datetime


@dataclass(frozen=True)
class AgendaItem:
    """One line of an agenda: a session, or an assessment falling due."""

    cohort: Cohort
    starts_at: datetime
    session: CohortSession | None = None
    due: DueDate | None = None


def due_dates(cohorts: list[Cohort]) -> list[DueDate]:
    """Published assessments with a due date, per cohort (its own window first): two queries."""
    if not cohorts:
        return []
    course_ids = sorted({cohort.course_id for cohort in cohorts})
    assessments = list(db.session.scalars(
        select(Assessment).where(Assessment.course_id.in_(course_ids), Assessment.published)
        .order_by(Assessment.position, Assessment.id)
        .options(selectinload(Assessment.translations))))
    if not assessments:
        return []
    # A cohort's window replaces the course's dates as a whole (as grades.windows_for does).
    windows = {(w.cohort_id, w.assessment_id): w.due_at for w in db.session.scalars(
        select(AssessmentWindow).where(
            AssessmentWindow.cohort_id.in_([cohort.id for cohort in cohorts]),
            AssessmentWindow.assessment_id.in_([a.id for a in assessments])))}
    result = []
    for cohort in cohorts:
        for assessment in assessments:
            if assessment.course_id != cohort.course_id:
                continue
            key = (cohort.id, assessment.id)
            due = windows[key] if key in windows else assessment.due_at
            if due is not None:
                result.append(DueDate(cohort, assessment, clock.as_utc(due)))
    return result


def agenda(cohorts: list[Cohort]) -> tuple[list[CohortSession], list[DueDate], list[AgendaItem]]:
    """The cohorts' sessions, due dates, and both merged in time order: four queries."""
    by_id = {cohort.id: cohort for cohort in cohorts}
    sessions = sessions_of(by_id)
    dues = due_dates(cohorts)
    items = [AgendaItem(by_id[s.cohort_id], clock.as_utc(s.starts_at), session=s)
             for s in sessions]
    items += [AgendaItem(d.cohort, d.due_at, due=d) for d in dues]
    items.sort(key=lambda item: (item.starts_at, item.due is not None, item.cohort.id))
    return sessions, dues, items
