"""Imports every model so that the metadata (and Alembic) sees all tables."""

from lms.accounts.models import (  # noqa: F401 - FocalPoint: national focal points
    BodyOfficer,
    FocalPoint,
    Institution,
    ProgramCoordinator,
    ProgramObserver,
    User,
    cohort_instructors,
)
from lms.announcements.models import Announcement, AnnouncementTranslation  # noqa: F401
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
from lms.certification.signed_pdfs import SignedPdf  # noqa: F401 - timestamped PDFs
from lms.certification.tracks.models import (
    HoursLog,
    Track,
    TrackTranslation,
    track_competencies,
    track_courses,
)
from lms.certification.verification_counts import VerificationCount
from lms.cohorts.models import Cohort, Enrolment, LessonCompletion
from lms.cohorts.nominations import Nomination  # noqa: F401 - cohorts by nomination
from lms.cohorts.schedule import CalendarFeed, CohortSession  # noqa: F401 - schedules
from lms.competencies.models import (
    Competency,
    CompetencyTranslation,
    Evidence,
    Framework,
    FrameworkTranslation,
    Signoff,
)
from lms.evaluations.models import (  # noqa: F401 - registered for Alembic
    EvaluationAnswer,
    EvaluationFollowupMail,
    EvaluationItem,
    EvaluationItemTranslation,
    EvaluationReceipt,
    EvaluationResponse,
    EvaluationTemplate,
)
from lms.kernel.jobs import JobRun  # noqa: F401 - long jobs and their progress
from lms.kernel.mail import OutboxMessage
from lms.notifications.models import Notification, NotificationPreference  # noqa: F401
from lms.reports.models import Target  # noqa: F401 - report targets

__all__ = [
    "Answer", "Assessment", "AssessmentTranslation", "AssessmentWindow", "Attempt",
    "AttendanceRecord", "AttendanceSession", "Grade", "Observation", "ObservationItem",
    "ObservationItemTranslation", "Question", "QuestionOption", "QuestionOptionTranslation",
    "QuestionTranslation", "QuizQuestion", "RubricCriterion", "RubricLevel", "RubricScore",
    "Submission",
    "AuditLog", "BodyOfficer", "Cohort", "Course", "CourseTranslation", "Enrolment",
    "Institution", "Lesson", "LessonCompletion", "LessonTranslation", "Module",
    "ModuleTranslation", "Program", "ProgramCoordinator", "ProgramTranslation", "User",
    "ProgramObserver", "cohort_instructors",
    "Certificate", "Reminder", "VerificationCount",
    "Competency", "CompetencyTranslation", "Evidence", "Framework", "FrameworkTranslation",
    "HoursLog", "Signoff", "Track", "TrackTranslation", "track_competencies", "track_courses",
    "OutboxMessage",
]
