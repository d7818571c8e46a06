"""Imports every model so that the metadata (and Alembic) sees all tables."""

from lms.accounts.models import (
    BodyOfficer,
    Institution,
    ProgramCoordinator,
    User,
    cohort_instructors,
)
from lms.assessments.assignments.models import RubricCriterion, RubricLevel, RubricScore, Submission
from lms.assessments.attendance.models import AttendanceRecord, AttendanceSession
from lms.assessments.models import Assessment, AssessmentTranslation, AssessmentWindow, Grade
from lms.assessments.observations.models import (
    Observation,
    ObservationItem,
    ObservationItemTranslation,
)
from lms.assessments.quizzes.models import (
    Answer,
    Attempt,
    Question,
    QuestionOption,
    QuestionOptionTranslation,
    QuestionTranslation,
    QuizQuestion,
)
from lms.audit.models import AuditLog
from lms.catalog.models import (
    Course,
    CourseTranslation,
    Lesson,
    LessonTranslation,
    Module,
    ModuleTranslation,
    Program,
    ProgramTranslation,
)
from lms.certification.models import Certificate, Reminder
from lms.certification.tracks.models import (
    HoursLog,
    Track,
    TrackTranslation,
    track_competencies,
    track_courses,
)
from lms.cohorts.models import Cohort, Enrolment, LessonCompletion
from lms.competencies.models import (
    Competency,
    CompetencyTranslation,
    Evidence,
    Framework,
    FrameworkTranslation,
    Signoff,
)
from lms.kernel.mail import OutboxMessage

__all__ = [
    "Answer", "Assessment", "AssessmentTranslation", "AssessmentWindow", "Attempt",
    "AttendanceRecord", "AttendanceSession", "Grade", "Observation", "ObservationItem",
    "ObservationItemTranslation", "Question", "QuestionOption", "QuestionOptionTranslation",
    "QuestionTranslation", "QuizQuestion", "RubricCriterion", "RubricLevel", "RubricScore",
    "Submission",
    "AuditLog", "BodyOfficer", "Cohort", "Course", "CourseTranslation", "Enrolment",
    "Institution", "Lesson", "LessonCompletion", "LessonTranslation", "Module",
    "ModuleTranslation", "Program", "ProgramCoordinator", "ProgramTranslation", "User",
    "cohort_instructors",
    "Certificate", "Reminder",
    "Competency", "CompetencyTranslation", "Evidence", "Framework", "FrameworkTranslation",
    "HoursLog", "Signoff", "Track", "TrackTranslation", "track_competencies", "track_courses",
    "OutboxMessage",
]
