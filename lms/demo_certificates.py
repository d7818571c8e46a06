"""Demo data for competencies, tracks and certificates (called by ``lms.demo.load``).

Adds a PROCCER treatment framework with a Mexico adaptation, a certification
track for each program, evidence, sign-offs and logged hours, and certificates in
every state: valid, revoked, expired, superseded (with its replacement) and
course completions. Safe to run twice: what exists is found, not made again.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import select

from lms.accounts.models import Institution, User
from lms.assessments.models import Assessment
from lms.catalog.models import Course, Program
from lms.certification import issuance
from lms.certification.models import Certificate, RevocationReason
from lms.certification.tracks.models import (
    HoursKind,
    HoursLog,
    HoursStatus,
    Track,
    TrackTranslation,
)
from lms.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from lms.competencies.models import (
    Competency,
    CompetencyTranslation,
    Evidence,
    Framework,
    FrameworkTranslation,
    Signoff,
)
from lms.extensions import db
from lms.kernel import clock

MX_BODY = "Comisión Nacional de Prevención y Atención de las Adicciones"
PICAP_BODY = "Policía Nacional de Colombia, Escuela de Cooperación Internacional"

# code -> {locale: title}
COMPETENCIES: list[tuple[str, dict[str, str]]] = [
    ("T1", {"en": "Screening and brief intervention",
            "es": "Tamizaje e intervención breve",
            "fr": "Dépistage et intervention brève",
            "pt": "Triagem e intervenção breve"}),
    ("T2", {"en": "Comprehensive assessment of substance use",
            "es": "Evaluación integral del consumo de sustancias",
            "fr": "Évaluation globale de la consommation de substances",
            "pt": "Avaliação abrangente do uso de substâncias"}),
    ("T3", {"en": "Treatment planning with the person",
            "es": "Planificación del tratamiento con la persona",
            "fr": "Planification du traitement avec la personne",
            "pt": "Planejamento do tratamento com a pessoa"}),
    ("T4", {"en": "Motivational interviewing",
            "es": "Entrevista motivacional",
            "fr": "Entretien motivationnel",
            "pt": "Entrevista motivacional"}),
    ("T5", {"en": "Cognitive behavioural interventions",
            "es": "Intervenciones cognitivo-conductuales",
            "fr": "Interventions cognitivo-comportementales",
            "pt": "Intervenções cognitivo-comportamentais"}),
    ("T6", {"en": "Relapse prevention",
            "es": "Prevención de recaídas",
            "fr": "Prévention de la rechute",
            "pt": "Prevenção de recaídas"}),
    ("T7", {"en": "Working with families and communities",
            "es": "Trabajo con familias y comunidades",
            "fr": "Travail avec les familles et les communautés",
            "pt": "Trabalho com famílias e comunidades"}),
    ("T8", {"en": "Ethics and confidentiality in treatment",
            "es": "Ética y confidencialidad en el tratamiento",
            "fr": "Éthique et confidentialité dans le traitement",
            "pt": "Ética e confidencialidade no tratamento"}),
    ("T9", {"en": "Case management and referral",
            "es": "Gestión de casos y derivación",
            "fr": "Gestion de cas et orientation",
            "pt": "Gestão de casos e encaminhamento"}),
]

FRAMEWORK_TITLES = {
    "en": "PROCCER treatment competencies",
    "es": "Competencias de tratamiento del PROCCER",
    "fr": "Compétences en traitement du PROCCER",
    "pt": "Competências de tratamento do PROCCER",
}
MX_FRAMEWORK_TITLES = {
    "en": "PROCCER treatment competencies, Mexico adaptation",
    "es": "Competencias de tratamiento del PROCCER, adaptación para México",
    "fr": "Compétences en traitement du PROCCER, adaptation pour le Mexique",
    "pt": "Competências de tratamento do PROCCER, adaptação para o México",
}
TREATMENT_TRACK = {
    "code": "PRC-TREAT-MX",
    "title": "PROCCER Treatment, Mexico adaptation",
    "description": ("Certification as a drug treatment provider in Mexico: the treatment "
                    "courses, the nine competencies assessed in practice, and 40 hours of "
                    "supervised practice."),
    "translations": {
        "es": ("PROCCER Tratamiento, adaptación para México",
               "Certificación como prestador de servicios de tratamiento en México: los cursos "
               "de tratamiento, las nueve competencias evaluadas en la práctica y 40 horas de "
               "práctica supervisada."),
        "fr": ("PROCCER Traitement, adaptation pour le Mexique",
               "Certification comme intervenant en traitement au Mexique : les cours de "
               "traitement, les neuf compétences évaluées en pratique et 40 heures de "
               "pratique supervisée."),
        "pt": ("PROCCER Tratamento, adaptação para o México",
               "Certificação como prestador de serviços de tratamento no México: os cursos de "
               "tratamento, as nove competências avaliadas na prática e 40 horas de prática "
               "supervisionada."),
    },
}
PICAP_TRACK = {
    "code": "PCP-INVESTIGATION-CERT",
    "title": "PICAP certified criminal investigator",
    "description": ("Certification in criminal investigation: the levelling course and the "
                    "criminal investigation course."),
    "translations": {
        "es": ("PICAP investigador criminal certificado",
               "Certificación en investigación criminal: el curso de nivelación y el curso de "
               "investigación criminal."),
        "fr": ("PICAP enquêteur criminel certifié",
               "Certification en enquête criminelle : le cours de mise à niveau et le cours "
               "d'enquête criminelle."),
        "pt": ("PICAP investigador criminal certificado",
               "Certificação em investigação criminal: o curso de nivelamento e o curso de "
               "investigação criminal."),
    },
}


def _one(model, **keys):
    return db.session.scalars(select(model).filter_by(**keys)).first()


def _framework(program: Program, code: str, titles: dict[str, str], country: str | None,
               adapted_from: Framework | None) -> Framework:
    framework = _one(Framework, code=code)
    if framework is not None:
        return framework
    framework = Framework(program_id=program.id, code=code, language="en", title=titles["en"],
                          description="", country=country,
                          adapted_from_id=adapted_from.id if adapted_from else None)
    for locale, title in titles.items():
        if locale != "en":
            framework.translations.append(FrameworkTranslation(locale=locale, title=title))
    originals = {c.code: c for c in adapted_from.competencies} if adapted_from else {}
    for position, (code_, names) in enumerate(COMPETENCIES, start=1):
        competency = Competency(code=code_, position=position, title=names["en"],
                                adapted_from_id=originals[code_].id if code_ in originals
                                else None)
        for locale, title in names.items():
            if locale != "en":
                competency.translations.append(CompetencyTranslation(locale=locale, title=title))
        framework.competencies.append(competency)
    db.session.add(framework)
    db.session.flush()
    return framework


def _track(spec: dict, program: Program, body: Institution, courses: list[Course],
           competencies: list[Competency], framework: Framework | None, *, min_hours: int,
           practice_hours: int, country: str | None) -> Track:
    track = _one(Track, code=spec["code"])
    if track is not None:
        return track
    track = Track(program_id=program.id, code=spec["code"], language="en", title=spec["title"],
                  description=spec["description"], country=country,
                  framework_id=framework.id if framework else None,
                  certifying_body_id=body.id, min_hours=min_hours,
                  practice_hours=practice_hours, validity_months=36, renewal_hours=20)
    for locale, (title, description) in spec["translations"].items():
        track.translations.append(TrackTranslation(locale=locale, title=title,
                                                   description=description))
    track.courses.extend(courses)
    track.competencies.extend(competencies)
    db.session.add(track)
    db.session.flush()
    return track


def _issue(track: Track, user: User, *, today: date, hours: int) -> Certificate:
    """A certificate issued on ``today`` (maybe in the past), without the eligibility check:
    demo trainees have not really done three years of practice."""
    progress = SimpleNamespace(user=user, course_hours=hours)
    [certificate] = issuance.issue_many(track, [progress], None, today=today)
    return certificate


def load() -> list[tuple[str, str]]:
    """Create the demo's competencies, tracks and certificates; (label, certificate ID) pairs."""
    programs = {p.code: p for p in db.session.scalars(select(Program))}
    bodies = {i.name: i for i in db.session.scalars(select(Institution))}
    courses = {c.code: c for c in db.session.scalars(select(Course))}
    users = {u.email: u for u in db.session.scalars(select(User))}
    if "PROCCER" not in programs or MX_BODY not in bodies:
        return []
    proccer = programs["PROCCER"]
    regional = _framework(proccer, "PROCCER-TREAT", FRAMEWORK_TITLES, None, None)
    mexico = _framework(proccer, "PROCCER-TREAT-MX", MX_FRAMEWORK_TITLES, "MX", regional)
    treatment_courses = [courses[c] for c in ("PRC-TRT-101", "PRC-TRT-MX") if c in courses]
    treatment = _track(TREATMENT_TRACK, proccer, bodies[MX_BODY], treatment_courses,
                       list(mexico.competencies), mexico,
                       min_hours=sum(c.hours for c in treatment_courses), practice_hours=40,
                       country="MX")
    if "PICAP" in programs and PICAP_BODY in bodies:
        _track(PICAP_TRACK, programs["PICAP"], bodies[PICAP_BODY],
               [courses[c] for c in ("PCP-INTRO", "PCP-INVESTIGATION") if c in courses], [],
               None, min_hours=180, practice_hours=0, country=None)
    _evidence(mexico, courses.get("PRC-TRT-MX"))
    _signoffs_and_hours(mexico, treatment, users)
    return _certificates(treatment, users)


def _evidence(framework: Framework, course: Course | None) -> None:
    if course is None:
        return
    assessments = list(db.session.scalars(select(Assessment).where(
        Assessment.course_id == course.id).order_by(Assessment.position, Assessment.id)))
    for assessment, competency in zip(assessments, framework.competencies, strict=False):
        if db.session.get(Evidence, (assessment.id, competency.id)) is None:
            db.session.add(Evidence(assessment_id=assessment.id, competency_id=competency.id,
                                    min_score=Decimal("70")))
    db.session.flush()


def _signoffs_and_hours(framework: Framework, track: Track, users: dict[str, User]) -> None:
    assessor = users.get("instructor.salinas@example.org")
    maria = users.get("maria.nunez@example.org")
    jose = users.get("jose.hernandez@example.org")
    if maria is not None and _one(Signoff, user_id=maria.id) is None:
        for competency in framework.competencies[:6]:
            db.session.add(Signoff(user_id=maria.id, competency_id=competency.id,
                                   assessor_id=assessor.id if assessor else None,
                                   note="Observed in supervised practice."))
    today = clock.today(clock.UTC)
    logs = [(maria, 24, HoursStatus.APPROVED, HoursKind.PRACTICE, 40),
            (maria, 12, HoursStatus.APPROVED, HoursKind.PRACTICE, 20),
            (maria, 8, HoursStatus.PENDING, HoursKind.PRACTICE, 3),
            (jose, 10, HoursStatus.PENDING, HoursKind.PRACTICE, 5)]
    for user, hours, status, kind, days_ago in logs:
        if user is None or _one(HoursLog, user_id=user.id, track_id=track.id,
                                worked_on=today - timedelta(days=days_ago)):
            continue
        db.session.add(HoursLog(
            user_id=user.id, track_id=track.id, kind=str(kind),
            worked_on=today - timedelta(days=days_ago), hours=Decimal(hours),
            place="Centro de Atención Primaria en Adicciones, Iztapalapa",
            description="Supervised screening and brief intervention sessions.",
            supervisor_id=assessor.id if assessor else None, status=str(status),
            decided_by_id=assessor.id if assessor and status != HoursStatus.PENDING else None))
    db.session.flush()


def _certificates(track: Track, users: dict[str, User]) -> list[tuple[str, str]]:
    existing = list(db.session.scalars(select(Certificate).where(
        Certificate.track_id == track.id).order_by(Certificate.id)))
    if not existing:
        _make_certificates(track, users)
    return _labels(track)


def _make_certificates(track: Track, users: dict[str, User]) -> None:
    today = clock.today(clock.UTC)
    hours = track.min_hours
    people = {key: users.get(email) for key, email in (
        ("valid", "maria.nunez@example.org"), ("revoked", "guadalupe.ramirez@example.org"),
        ("expired", "jose.hernandez@example.org"), ("superseded", "devon.williams@example.org"))}
    if people["valid"]:
        _issue(track, people["valid"], today=today - timedelta(days=20), hours=hours)
    if people["revoked"]:
        revoked = _issue(track, people["revoked"], today=today - timedelta(days=90), hours=hours)
        # The reason is a code, shown in each reader's language; the officer's note is
        # written in the officer's own language, and this body works in Spanish.
        issuance.revoke(revoked, None, RevocationReason.ISSUED_IN_ERROR,
                        "Las horas de práctica supervisada no estaban aprobadas.")
    if people["expired"]:
        _issue(track, people["expired"], today=issuance.add_months(today, -40), hours=hours)
    if people["superseded"]:
        old = _issue(track, people["superseded"], today=today - timedelta(days=200),
                     hours=hours)
        issuance.correct_name(old, None, "Devon Andre Williams")
    # Course completions, from the hosts of finished cohorts.
    completed = db.session.scalars(select(Enrolment).join(Cohort).where(
        Enrolment.status == EnrolmentStatus.COMPLETED, Cohort.host_institution_id.is_not(None)))
    for enrolment in list(completed):
        issuance.issue_course_certificate(enrolment, None, today=today - timedelta(days=30))
    db.session.flush()


def _labels(track: Track) -> list[tuple[str, str]]:
    today = clock.today(clock.UTC)
    labels: list[tuple[str, str]] = []
    # The demo's own holders, not the made-up history's (lms.demo_history).
    own = ~select(User.email).where(User.id == Certificate.user_id).scalar_subquery().like(
        "history.%")
    rows = list(db.session.scalars(select(Certificate).where(
        Certificate.track_id == track.id, own).order_by(Certificate.id)))
    for certificate in rows:
        status = certificate.status_on(today).value
        label = "replacement" if certificate.replaces_id else status
        labels.append((label, certificate.code))
    course = db.session.scalars(select(Certificate).where(
        Certificate.kind == "course", own).order_by(Certificate.id).limit(2))
    labels += [("course", c.code) for c in course]
    return labels


def listed() -> list[tuple[str, str]]:
    """The demo certificates that exist, as ``load`` returns them (for ``lms demo``)."""
    track = _one(Track, code=TREATMENT_TRACK["code"])
    return _labels(track) if track is not None else []
