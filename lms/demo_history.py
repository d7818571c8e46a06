"""Years of program history, so that the demo's reports have a story to tell.

``lms demo`` adds it after the demo itself (``load``); ``bench/reports.py`` uses the
same generator at a program's real size. The people, cohorts, grades and certificates
are made up but plausible: both sexes and "not stated", trainees in every status, pass
rates that differ by assessment, a few observation items that are harder than the
others, certificates issued some weeks after the last required course (a few revoked).

Rows are written with multi-row INSERTs, not through the services: history is not an
action anyone took, so it writes no audit rows, announces no events and sends no mail.
The certificates alone go through ``issuance.issue_many``, so they are signed and verify
like any other. Deterministic for a given size, seed and day.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import insert, select, update

from lms.accounts.models import Institution, User
from lms.assessments.models import Assessment, AssessmentKind, Grade
from lms.assessments.observations.models import Observation, ObservationItem, ObservationResult
from lms.catalog.models import Course, Lesson, Module, Program
from lms.certification import issuance
from lms.certification.models import Certificate, RevocationReason
from lms.certification.tracks.models import HoursKind, HoursLog, HoursStatus, Track, track_courses
from lms.certification.verification_counts import Channel, VerificationCount
from lms.cohorts.models import Cohort, Enrolment, EnrolmentStatus, LessonCompletion
from lms.evaluations.models import (
    EvaluationAnswer,
    EvaluationFollowupMail,
    EvaluationKind,
    EvaluationReceipt,
    EvaluationResponse,
    ItemKind,
)
from lms.evaluations.services import template_for
from lms.extensions import db
from lms.kernel import clock
from lms.reports.models import Target

# The demo's countries, with the language their cohorts are taught in.
DEMO_COUNTRIES: dict[str, str] = {
    "MX": "es", "CO": "es", "BR": "pt", "CL": "es", "PE": "es", "AR": "es", "CR": "es",
    "DO": "es", "GT": "es", "HT": "fr", "JM": "en", "TT": "en", "CA": "en", "US": "en",
}
# More member states and observers, for sizes beyond the demo's (the benchmark's 50).
MORE_COUNTRIES = ["EC", "BO", "PY", "UY", "VE", "PA", "HN", "SV", "NI", "BS", "BB", "BZ",
                  "GY", "SR", "AG", "DM", "GD", "KN", "LC", "VC", "ES", "PT", "FR", "IT",
                  "DE", "GB", "NL", "JP", "KR", "MA", "TR", "IL", "CH", "SE", "NO", "AU"]
_LANGUAGE_OF = {"BR": "pt", "PT": "pt", "HT": "fr", "FR": "fr", "CA": "en", "US": "en",
                "JM": "en", "TT": "en", "BS": "en", "BB": "en", "BZ": "en", "GY": "en",
                "AG": "en", "DM": "en", "GD": "en", "KN": "en", "LC": "en", "VC": "en",
                "GB": "en", "AU": "en", "SR": "en"}

_FIRST = {
    "es": (["María", "Lucía", "Camila", "Valeria", "Daniela", "Ana", "Paula", "Sofía", "Gabriela",
            "Carolina"],
           ["José", "Luis", "Carlos", "Jorge", "Andrés", "Miguel", "Diego", "Juan", "Felipe",
            "Ricardo"]),
    "pt": (["Ana", "Beatriz", "Juliana", "Fernanda", "Larissa", "Mariana", "Camila", "Patrícia"],
           ["João", "Pedro", "Lucas", "Rafael", "Thiago", "Gustavo", "Marcelo", "Bruno"]),
    "fr": (["Marie", "Nadège", "Roseline", "Fabienne", "Claudette", "Sophie"],
           ["Jean", "Pierre", "Emmanuel", "Ricardo", "Wilner", "Jacques"]),
    "en": (["Sarah", "Keisha", "Emily", "Natalie", "Grace", "Olivia", "Alicia", "Jennifer"],
           ["Michael", "Andre", "David", "Kevin", "Marlon", "Christopher", "Jason", "Ryan"]),
}
_LAST = {
    "es": ["García", "Rodríguez", "Martínez", "López", "González", "Pérez", "Sánchez", "Ramírez",
           "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Vargas", "Castro", "Rojas"],
    "pt": ["Silva", "Santos", "Oliveira", "Souza", "Lima", "Pereira", "Costa", "Almeida",
           "Ferreira", "Ribeiro"],
    "fr": ["Joseph", "Pierre", "Jean-Baptiste", "Louis", "Charles", "Dorval", "Étienne",
           "Fils-Aimé"],
    "en": ["Williams", "Brown", "Campbell", "Thompson", "Roberts", "Baptiste", "Mohammed",
           "Clarke", "Lewis", "Walker"],
}
# What each country's institutions are called, by kind: the demo's countries by name.
_INSTITUTION_NAMES = {
    "police": {"es": "Escuela de Policía", "pt": "Academia de Polícia", "fr": "École de police",
               "en": "Police Training College"},
    "university": {"es": "Universidad Pública", "pt": "Universidade Federal",
                   "fr": "Université publique", "en": "State University"},
    "ngo": {"es": "Fundación Comunitaria", "pt": "Instituto Comunitário",
            "fr": "Association communautaire", "en": "Community Foundation"},
    "ministry": {"es": "Ministerio de Salud", "pt": "Ministério da Saúde",
                 "fr": "Ministère de la Santé", "en": "Ministry of Health"},
}
_BATCH = 2_000


@dataclass(frozen=True)
class Size:
    """How much history to make: the demo's by default."""

    trainees: int = 2_000
    years: int = 3
    cohorts: int = 72
    countries: int = len(DEMO_COUNTRIES)
    # Enrolments per trainee, on average (between 1 and 3).
    enrolments_per_trainee: float = 1.4
    # The share of trainees working towards a certification (a track's courses in turn).
    path_share: float = 0.45
    seed: int = 2026


@dataclass
class Summary:
    institutions: int = 0
    trainees: int = 0
    cohorts: int = 0
    enrolments: int = 0
    grades: int = 0
    certificates: int = 0
    revoked: int = 0
    extra: dict[str, int] = field(default_factory=dict)


def _chunks(rows: Sequence[Any], size: int = _BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _insert(model, rows: Sequence[dict]) -> None:
    for chunk in _chunks(rows):
        db.session.execute(insert(model), list(chunk))


def _at(day: date, hour: int = 15) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def countries_for(size: Size) -> list[str]:
    codes = list(DEMO_COUNTRIES) + MORE_COUNTRIES
    return codes[:size.countries]


def language_of(country: str) -> str:
    return DEMO_COUNTRIES.get(country) or _LANGUAGE_OF.get(country, "es")


def already_loaded() -> bool:
    return db.session.scalar(select(Cohort.id).where(Cohort.code.like("HIST-%")).limit(1)) \
        is not None


# ---------------------------------------------------------------- people

def _institutions(countries: list[str]) -> dict[str, list[int]]:
    """Three or four institutions per country (reusing the demo's where they exist)."""
    existing = defaultdict(list)
    for institution_id, country, kind in db.session.execute(
            select(Institution.id, Institution.country, Institution.kind)):
        if kind != "certifying_body":
            existing[country].append(institution_id)
    rows = []
    for country in countries:
        language = language_of(country)
        for kind in ("police", "university", "ngo", "ministry")[:3 + (len(country) % 2)]:
            rows.append({"name": f"{_INSTITUTION_NAMES[kind][language]} ({country})",
                         "kind": {"university": "university", "ngo": "ngo",
                                  "ministry": "ministry", "police": "police"}[kind],
                         "country": country})
    names = {row["name"] for row in rows}
    taken = set(db.session.scalars(select(Institution.name).where(Institution.name.in_(names))))
    _insert(Institution, [row for row in rows if row["name"] not in taken])
    for institution_id, country in db.session.execute(
            select(Institution.id, Institution.country).where(Institution.name.in_(names))):
        existing[country].append(institution_id)
    return {country: sorted(set(existing[country])) for country in countries}


def _gender(rng: random.Random) -> str | None:
    roll = rng.random()
    if roll < 0.47:
        return "female"
    if roll < 0.89:
        return "male"
    if roll < 0.91:
        return "other"
    return None  # not stated


def _trainees(size: Size, rng: random.Random, countries: list[str],
              institutions: dict[str, list[int]], start: date) -> list[tuple[int, str]]:
    """[(user id, country)] of the new trainees."""
    weights = [max(1.0, 10.0 - index * 0.5) for index in range(len(countries))]
    rows = []
    for number in range(1, size.trainees + 1):
        country = rng.choices(countries, weights)[0]
        language = language_of(country)
        gender = _gender(rng)
        women, men = _FIRST[language]
        first = rng.choice(women if gender == "female" else men if gender == "male"
                           else women + men)
        name = f"{first} {rng.choice(_LAST[language])}"
        rows.append({"email": f"history.{number:06d}@example.org", "full_name": name,
                     "password_hash": "", "locale": language, "country": country,
                     "institution_id": rng.choice(institutions[country]), "gender": gender,
                     "is_admin": False, "active": True,
                     "created_at": _at(start + timedelta(days=rng.randrange(365)))})
    _insert(User, rows)
    return [(user_id, country) for user_id, country in db.session.execute(
        select(User.id, User.country).where(User.email.like("history.%@example.org"))
        .order_by(User.id))]


# ---------------------------------------------------------------- cohorts

def _cohorts(size: Size, rng: random.Random, courses: list[Course], countries: list[str],
             institutions: dict[str, list[int]], start: date) -> list[dict]:
    span = size.years * 365
    on_paths = {course_id for path in _paths() for course_id in path}
    # The courses of certification tracks run twice as often as the others.
    rotation = [c for c in courses for _ in range(2 if c.id in on_paths else 1)]
    rows = []
    for number in range(size.cohorts):
        course = rotation[number % len(rotation)]
        country = rng.choice(countries[:max(3, len(countries) * 2 // 3)])
        starts_on = start + timedelta(days=span * number // size.cohorts + rng.randrange(10))
        weeks = 4 if course.modality == "face_to_face" else rng.choice((5, 6, 8))
        rows.append({"course_id": course.id, "code": f"HIST-{starts_on.year}-{number + 1:04d}",
                     "language": language_of(country), "country": country,
                     "host_institution_id": rng.choice(institutions[country]),
                     "starts_on": starts_on, "ends_on": starts_on + timedelta(weeks=weeks),
                     "capacity": None, "self_enrolment": False, "interpretation_languages": "",
                     "created_at": _at(starts_on - timedelta(days=30))})
    _insert(Cohort, rows)
    found = {code: cohort_id for cohort_id, code in db.session.execute(
        select(Cohort.id, Cohort.code).where(Cohort.code.like("HIST-%")))}
    for row in rows:
        row["id"] = found[row["code"]]
    return rows


def _status(rng: random.Random, cohort: dict, today: date) -> str:
    if cohort["starts_on"] > today:
        return EnrolmentStatus.ACTIVE
    roll = rng.random()
    if roll < 0.10:
        return EnrolmentStatus.WITHDRAWN
    if cohort["ends_on"] >= today:
        return EnrolmentStatus.ACTIVE
    if roll < 0.20:
        return EnrolmentStatus.FAILED
    if roll < 0.27:
        return EnrolmentStatus.ACTIVE  # never finished
    return EnrolmentStatus.COMPLETED


def _paths() -> list[list[int]]:
    """The course sequences of the certification tracks (required courses by id)."""
    paths: dict[int, list[int]] = defaultdict(list)
    for track_id, course_id in db.session.execute(
            select(track_courses.c.track_id, track_courses.c.course_id)
            .order_by(track_courses.c.track_id, track_courses.c.course_id)):
        paths[track_id].append(course_id)
    return [courses for courses in paths.values() if courses]


def _path_cohorts(rng: random.Random, path: list[int], by_course: dict[int, list[dict]],
                  country: str) -> list[dict]:
    """One cohort per course of ``path``, each starting after the one before ended."""
    chosen: list[dict] = []
    after = date.min
    for course_id in path:
        options = [c for c in by_course.get(course_id, []) if c["starts_on"] > after]
        home = [c for c in options if c["country"] == country]
        options = home if home and rng.random() < 0.6 else options
        if not options:
            break
        cohort = min(rng.sample(options, min(3, len(options))), key=lambda c: c["starts_on"])
        chosen.append(cohort)
        after = cohort["ends_on"]
    return chosen


def _enrolments(size: Size, rng: random.Random, trainees: list[tuple[int, str]],
                cohorts: list[dict], today: date) -> list[dict]:
    by_country = defaultdict(list)
    by_course = defaultdict(list)
    for cohort in cohorts:
        by_country[cohort["country"]].append(cohort)
        by_course[cohort["course_id"]].append(cohort)
    paths = _paths()
    rows = []
    for user_id, country in trainees:
        if paths and rng.random() < size.path_share:
            # Working towards a certification: the track's courses, one after the other.
            chosen = _path_cohorts(rng, rng.choice(paths), by_course, country)
        else:
            count = min(3, max(1, round(rng.gauss(size.enrolments_per_trainee, 0.6))))
            # Mostly at home, sometimes abroad (PICAP's courses are hosted for the region).
            pool = by_country.get(country) if rng.random() < 0.7 else None
            chosen = rng.sample(pool or cohorts, min(count, len(pool or cohorts)))
        for cohort in chosen:
            status = _status(rng, cohort, today)
            enrolled = cohort["starts_on"] - timedelta(days=rng.randrange(1, 30))
            started = status != EnrolmentStatus.ACTIVE or rng.random() < 0.8
            seen = min(today, cohort["starts_on"] + timedelta(days=rng.randrange(1, 20)))
            rows.append({
                "cohort_id": cohort["id"], "user_id": user_id, "status": status,
                "enrolled_at": _at(enrolled),
                "last_seen_at": _at(seen) if started and seen >= cohort["starts_on"] else None,
                "completed_at": (_at(cohort["ends_on"] - timedelta(days=rng.randrange(0, 5)))
                                 if status == EnrolmentStatus.COMPLETED else None)})
    _insert(Enrolment, rows)
    cohort_ids = [cohort["id"] for cohort in cohorts]
    ids = {}
    for chunk in _chunks(cohort_ids, 500):
        ids.update({(cohort_id, user_id): enrolment_id
                    for enrolment_id, cohort_id, user_id in db.session.execute(
                        select(Enrolment.id, Enrolment.cohort_id, Enrolment.user_id)
                        .where(Enrolment.cohort_id.in_(chunk)))})
    for row in rows:
        row["id"] = ids[(row["cohort_id"], row["user_id"])]
    return rows


def _first_lessons(course_ids: Iterable[int]) -> dict[int, int]:
    first: dict[int, int] = {}
    for course_id, lesson_id in db.session.execute(
            select(Module.course_id, Lesson.id).join(Lesson, Lesson.module_id == Module.id)
            .where(Module.course_id.in_(list(course_ids)))
            .order_by(Module.course_id, Module.position, Lesson.position, Lesson.id)):
        first.setdefault(course_id, lesson_id)
    return first


def _lesson_completions(enrolments: list[dict], course_of: dict[int, int]) -> None:
    first = _first_lessons(set(course_of.values()))
    _insert(LessonCompletion, [
        {"enrolment_id": row["id"], "lesson_id": first[course_of[row["cohort_id"]]],
         "completed_at": row["last_seen_at"]}
        for row in enrolments
        if row["last_seen_at"] is not None and course_of[row["cohort_id"]] in first])


# ---------------------------------------------------------------- results

def _score(rng: random.Random, mean: float, spread: float = 14.0) -> Decimal:
    return Decimal(str(round(min(100.0, max(0.0, rng.gauss(mean, spread))), 2)))


def _grades(rng: random.Random, enrolments: list[dict], course_of: dict[int, int],
            assessments: dict[int, list[Assessment]], today: date) -> int:
    rows = []
    for row in enrolments:
        if row["status"] not in (EnrolmentStatus.COMPLETED, EnrolmentStatus.FAILED):
            continue
        course_assessments = assessments.get(course_of[row["cohort_id"]], [])
        counted = [a for a in course_assessments if a.test_role != "pre"]
        failing = (rng.choice(counted).id
                   if row["status"] == EnrolmentStatus.FAILED and counted else None)
        for position, assessment in enumerate(course_assessments):
            pass_mark = float(assessment.pass_mark)
            # Later assessments are harder; the one failed falls under the mark; a
            # pre-test is taken before the course, so it scores about thirty points lower.
            mean = 52.0 if assessment.test_role == "pre" else 84.0 - position * 3.0
            percent = _score(rng, mean)
            if assessment.test_role == "pre":
                pass
            elif assessment.id == failing:
                percent = Decimal(str(round(rng.uniform(20.0, pass_mark - 1.0), 2)))
            elif percent < Decimal(str(pass_mark)):
                percent = Decimal(str(round(rng.uniform(pass_mark, 100.0), 2)))
            graded = row["completed_at"] or _at(today)
            rows.append({"assessment_id": assessment.id, "enrolment_id": row["id"],
                         "percent": percent, "passed": percent >= Decimal(str(pass_mark)),
                         "feedback": "", "source": "auto", "override_reason": "",
                         "graded_at": graded})
    _insert(Grade, rows)
    return len(rows)


def _observations(rng: random.Random, enrolments: list[dict], course_of: dict[int, int],
                  items: dict[int, list[int]]) -> int:
    """Checklist results: each item has its own difficulty, so the weakest skills show."""
    difficulty = {item_id: 0.04 + 0.05 * (index % 5)
                  for course_items in items.values() for index, item_id in enumerate(course_items)}
    rows = []
    for row in enrolments:
        if row["status"] not in (EnrolmentStatus.COMPLETED, EnrolmentStatus.FAILED):
            continue
        for item_id in items.get(course_of[row["cohort_id"]], []):
            not_yet = rng.random() < difficulty[item_id] * (
                2.5 if row["status"] == EnrolmentStatus.FAILED else 1.0)
            rows.append({"item_id": item_id, "enrolment_id": row["id"],
                         "result": ObservationResult.NOT_YET if not_yet
                         else ObservationResult.MET, "comment": "",
                         "observed_on": row["completed_at"].date() if row["completed_at"]
                         else None})
    _insert(Observation, rows)
    return len(rows)


# ---------------------------------------------------------------- certificates

def _certificates(rng: random.Random, tracks: list[Track], enrolments: list[dict],
                  course_of: dict[int, int], today: date) -> tuple[int, int]:
    """Certify about three in four of those who completed every course a track requires,
    some weeks after the last one; revoke a few."""
    required: dict[int, set[int]] = defaultdict(set)
    for track_id, course_id in db.session.execute(select(track_courses.c.track_id,
                                                         track_courses.c.course_id)):
        required[track_id].add(course_id)
    done: dict[int, dict[int, date]] = defaultdict(dict)  # user -> course -> day
    for row in enrolments:
        if row["status"] == EnrolmentStatus.COMPLETED:
            done[row["user_id"]][course_of[row["cohort_id"]]] = row["completed_at"].date()
    issued = revoked = 0
    hours_rows = []
    for track in tracks:
        courses = required.get(track.id)
        if not courses:
            continue
        by_day: dict[date, list[Any]] = defaultdict(list)
        for user_id, finished in sorted(done.items()):
            if not courses <= finished.keys() or rng.random() > 0.75:
                continue
            day = max(finished[c] for c in courses) + timedelta(days=rng.randrange(14, 60))
            if day > today:
                continue
            # Certificates of one month are issued together, on the month's 15th.
            by_day[min(today, day.replace(day=15))].append(
                SimpleNamespace(user_id=user_id, course_hours=0))
            if track.practice_hours:
                hours_rows.append({
                    "user_id": user_id, "track_id": track.id, "kind": HoursKind.PRACTICE,
                    "worked_on": day - timedelta(days=30), "hours": Decimal(track.practice_hours),
                    "place": "", "description": "", "status": HoursStatus.APPROVED,
                    "decided_at": _at(day - timedelta(days=7)), "decision_note": "",
                    "created_at": _at(day - timedelta(days=20))})
        for day in sorted(by_day):
            certificates = issuance.issue_many(track, by_day[day], None, today=day,
                                               automatic=True)
            issued += len(certificates)
            for certificate in certificates:
                if rng.random() < 0.02:
                    revoked += 1
                    db.session.execute(update(Certificate).where(
                        Certificate.id == certificate.id).values(
                        revoked_at=_at(day + timedelta(days=rng.randrange(30, 200))),
                        revocation_code=rng.choice(list(RevocationReason)).value,
                        revocation_reason=""))
    _insert(HoursLog, hours_rows)
    return issued, revoked


# ---------------------------------------------------------------- targets, verifications

def _targets(rng: random.Random, enrolments: list[dict], cohorts: list[dict],
             courses: list[Course], today: date) -> int:
    """Each program's yearly targets, set near what it achieved (some met, some not), for
    the whole program and for its three busiest countries."""
    program_of = {course.id: course.program_id for course in courses}
    cohort_of = {cohort["id"]: cohort for cohort in cohorts}
    trained: dict[tuple[int, int, str | None], set[int]] = defaultdict(set)
    for row in enrolments:
        if row["status"] != EnrolmentStatus.COMPLETED:
            continue
        cohort = cohort_of[row["cohort_id"]]
        key = (program_of[cohort["course_id"]], row["completed_at"].year)
        trained[(*key, None)].add(row["user_id"])
        trained[(*key, cohort["country"])].add(row["user_id"])
    certified: dict[tuple[int, int, str | None], int] = defaultdict(int)
    for program_id, issued_on, country in db.session.execute(
            select(Certificate.program_id, Certificate.issued_on, User.country)
            .join(User, User.id == Certificate.user_id)
            .where(Certificate.kind == "track", User.email.like("history.%"))):
        certified[(program_id, issued_on.year, None)] += 1
        certified[(program_id, issued_on.year, country)] += 1
    rows = []
    for program_id in sorted({key[0] for key in trained}):
        for year in sorted({key[1] for key in trained if key[0] == program_id}):
            countries = sorted(
                (key[2] for key in trained if key[:2] == (program_id, year) and key[2]),
                key=lambda c: -len(trained[(program_id, year, c)]))[:3]
            for country in [None, *countries]:
                done = len(trained[(program_id, year, country)])
                # A target a little above or below what was done, in round numbers.
                rows.append({"program_id": program_id, "year": year, "country": country,
                             "trained": max(10, round(done * rng.uniform(0.85, 1.3), -1)),
                             "certified": max(5, round(
                                 certified[(program_id, year, country)]
                                 * rng.uniform(0.85, 1.4), -1)),
                             "updated_at": _at(date(year, 1, 10))})
        # Next year's target, already set.
        if rows:
            rows.append({**rows[-len(countries) - 1], "year": today.year + 1, "country": None,
                         "updated_at": _at(today)})
    taken = {(program_id, year, country) for program_id, year, country in db.session.execute(
        select(Target.program_id, Target.year, Target.country))}
    rows = [row for row in rows if (row["program_id"], row["year"], row["country"]) not in taken]
    _insert(Target, rows)
    return len(rows)


def _verifications(rng: random.Random, today: date) -> int:
    """Employers and others checking certificates: most by QR code or the printed link,
    some by the page, a few through the API or by uploading the PDF."""
    channels = [Channel.QR, Channel.PAGE, Channel.API, Channel.UPLOAD]
    weights = [0.5, 0.3, 0.15, 0.05]
    rows = []
    for certificate_id, issued_on in db.session.execute(
            select(Certificate.id, Certificate.issued_on)
            .join(User, User.id == Certificate.user_id)
            .where(User.email.like("history.%")).order_by(Certificate.id)):
        if rng.random() > 0.6:
            continue
        counts: dict[tuple[date, str], int] = defaultdict(int)
        for _check in range(rng.randint(1, 6)):
            day = issued_on + timedelta(days=int(rng.expovariate(1 / 60)))
            if day <= today:
                counts[(day, rng.choices(channels, weights)[0].value)] += 1
        rows += [{"certificate_id": certificate_id, "day": day, "channel": channel,
                  "count": count} for (day, channel), count in sorted(counts.items())]
    _insert(VerificationCount, rows)
    return len(rows)


# ---------------------------------------------------------------- evaluations

# What trainees write, by language: improvements asked for (end of course) and how the
# training was applied (follow-up).
_COMMENTS = {
    EvaluationKind.END: {
        "es": ["Más casos prácticos de nuestra región.", "Más tiempo para las prácticas.",
               "Los materiales llegaron tarde.", "Excelente instructora, muy clara."],
        "pt": ["Mais estudos de caso do Brasil.", "Mais tempo para a prática.",
               "A plataforma ficou lenta em alguns dias."],
        "fr": ["Plus d'exercices pratiques.", "Des documents en créole aideraient."],
        "en": ["More role plays, please.", "The online sessions were too long.",
               "Very useful for my daily work."],
    },
    EvaluationKind.FOLLOWUP: {
        "es": ["Aplico el tamizaje en todas las primeras consultas.",
               "Capacité a mi equipo con lo aprendido.", "Falta tiempo en el servicio."],
        "pt": ["Uso a entrevista motivacional com os jovens atendidos.",
               "Mudamos o protocolo de abordagem da equipe."],
        "fr": ["J'utilise la grille d'entretien chaque semaine."],
        "en": ["We now refer people to treatment with a written plan.",
               "My unit adopted the checklist for interviews."],
    },
}


def _likert(rng: random.Random, mean: float) -> int:
    return min(5, max(1, round(rng.gauss(mean, 0.85))))


def _evaluations(rng: random.Random, enrolments: list[dict], cohorts: list[dict],
                 courses: list[Course], locale_of: dict[int, str], today: date) -> int:
    """About half of those who finish answer the end-of-course questionnaire and a third
    the follow-up, months later; each item has its own typical answer. The follow-up is
    marked as mailed for everyone due, so the daily command mails no made-up person."""
    program_of = {course.id: course.program_id for course in courses}
    cohort_of = {cohort["id"]: cohort for cohort in cohorts}
    templates = {}
    for program in db.session.scalars(select(Program).where(
            Program.id.in_(set(program_of.values())))):
        for kind in (EvaluationKind.END, EvaluationKind.FOLLOWUP):
            templates[(program.id, kind)] = template_for(program, kind)
    db.session.flush()
    responses: list[tuple[dict, list[dict]]] = []
    receipts, mailed = [], []
    for row in enrolments:
        if row["status"] not in (EnrolmentStatus.COMPLETED, EnrolmentStatus.FAILED):
            continue
        cohort = cohort_of[row["cohort_id"]]
        program_id = program_of[cohort["course_id"]]
        finished = row["completed_at"] or _at(cohort["ends_on"])
        moments = [(EvaluationKind.END, finished + timedelta(days=rng.randrange(0, 10)), 0.5)]
        if row["status"] == EnrolmentStatus.COMPLETED:
            template = templates[(program_id, EvaluationKind.FOLLOWUP)]
            due = finished + timedelta(days=round(30.4 * template.followup_months))
            if due.date() <= today:
                mailed.append({"enrolment_id": row["id"], "sent_at": due})
                moments.append((EvaluationKind.FOLLOWUP, due + timedelta(days=rng.randrange(
                    1, 20)), 0.33))
        for kind, at, share in moments:
            if at.date() > today or rng.random() > share:
                continue
            template = templates[(program_id, kind)]
            answers = []
            for index, item in enumerate(template.current_items):
                if item.kind == ItemKind.LIKERT:
                    # Failed trainees are a little less pleased; the platform item lowest.
                    mean = 4.4 - 0.25 * (index % 4) - (
                        0.5 if row["status"] == EnrolmentStatus.FAILED else 0.0)
                    answers.append({"item_id": item.id, "value": _likert(rng, mean),
                                    "text": None})
                elif rng.random() < 0.25:
                    pool = _COMMENTS[kind].get(locale_of[row["user_id"]]) or _COMMENTS[kind]["en"]
                    answers.append({"item_id": item.id, "value": None,
                                    "text": rng.choice(pool)})
            day = datetime.combine(at.date(), time(), tzinfo=UTC)
            responses.append(({"template_id": template.id, "cohort_id": row["cohort_id"],
                               "kind": kind.value, "submitted_at": day if template.anonymous
                               else at, "user_id": None if template.anonymous
                               else row["user_id"]}, answers))
            receipts.append({"enrolment_id": row["id"], "kind": kind.value, "at": at,
                             "anonymous": template.anonymous})
    # Responses one batch at a time, each batch's ids read back in order for its answers.
    for batch in _chunks(responses, 500):
        ids = list(db.session.scalars(
            insert(EvaluationResponse).returning(EvaluationResponse.id,
                                                 sort_by_parameter_order=True),
            [response for response, _answers in batch]))
        _insert(EvaluationAnswer, [{**answer, "response_id": response_id}
                                   for response_id, (_response, answers) in zip(ids, batch,
                                                                                strict=True)
                                   for answer in answers])
    # Receipts in an order unrelated to the responses', as anonymity wants.
    rng.shuffle(receipts)
    _insert(EvaluationReceipt, receipts)
    _insert(EvaluationFollowupMail, mailed)
    return len(responses)


# ---------------------------------------------------------------- the whole

def load(size: Size = Size(), *, today: date | None = None) -> Summary:
    """Add ``size`` of history ending ``today`` to a database holding the demo (flushes only).

    Does nothing when history is there already."""
    if already_loaded():
        return Summary()
    today = today or clock.today(clock.UTC)
    rng = random.Random(size.seed)
    start = date(today.year - size.years + 1, 1, 15)
    courses = list(db.session.scalars(select(Course).where(Course.published.is_(True))
                                      .order_by(Course.id)))
    if not courses:
        raise RuntimeError("Load the demo first: history needs its courses.")
    countries = countries_for(size)
    institutions = _institutions(countries)
    trainees = _trainees(size, rng, countries, institutions, start)
    cohorts = _cohorts(size, rng, courses, countries, institutions, start)
    course_of = {cohort["id"]: cohort["course_id"] for cohort in cohorts}
    enrolments = _enrolments(size, rng, trainees, cohorts, today)
    _lesson_completions(enrolments, course_of)

    assessments: dict[int, list[Assessment]] = defaultdict(list)
    for assessment in db.session.scalars(select(Assessment).where(
            Assessment.course_id.in_([c.id for c in courses]),
            Assessment.kind.in_([AssessmentKind.QUIZ, AssessmentKind.ASSIGNMENT]))
            .order_by(Assessment.course_id, Assessment.position, Assessment.id)):
        assessments[assessment.course_id].append(assessment)
    items: dict[int, list[int]] = defaultdict(list)
    for course_id, item_id in db.session.execute(
            select(Assessment.course_id, ObservationItem.id)
            .join(ObservationItem, ObservationItem.assessment_id == Assessment.id)
            .order_by(ObservationItem.position, ObservationItem.id)):
        items[course_id].append(item_id)
    summary = Summary(institutions=sum(len(ids) for ids in institutions.values()),
                      trainees=len(trainees), cohorts=len(cohorts), enrolments=len(enrolments))
    summary.grades = _grades(rng, enrolments, course_of, assessments, today)
    summary.extra["observations"] = _observations(rng, enrolments, course_of, items)
    tracks = list(db.session.scalars(select(Track).order_by(Track.id)))
    summary.certificates, summary.revoked = _certificates(rng, tracks, enrolments, course_of,
                                                          today)
    summary.extra["targets"] = _targets(rng, enrolments, cohorts, courses, today)
    summary.extra["verification_days"] = _verifications(rng, today)
    locale_of = {user_id: language_of(country) for user_id, country in trainees}
    summary.extra["evaluations"] = _evaluations(rng, enrolments, cohorts, courses, locale_of,
                                                today)
    db.session.flush()
    return summary
