"""Every write to the catalog: validated first, audited, flushed (the request commits).

Each function checks its input and raises :class:`lms.errors.DomainError` before
changing anything, so a refused request leaves no trace. Permission checks stay in
the views; services trust their ``actor`` and only record who acted.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.audit.services import record
from lms.audit.services import state as audit_state
from lms.catalog.models import (
    Course,
    CourseTranslation,
    Lesson,
    LessonTranslation,
    Modality,
    Module,
    ModuleTranslation,
    Program,
    ProgramTranslation,
)
from lms.errors import DomainError, clean_text
from lms.extensions import db
from lms.i18n import LANGUAGES, Translations, apply_translations

_CODE = re.compile(r"^[A-Za-z0-9-]+$")
_PREFIX = re.compile(r"^[A-Z]{2,6}$")

# {locale: {attribute: text}}; a blank text means "fall back to the original".


# ---------------------------------------------------------------- helpers

def _check_translations(translations: Translations, language: str,
                        attributes: tuple[str, ...]) -> None:
    for locale, values in translations.items():
        if locale not in LANGUAGES or locale == language:
            raise DomainError(_("Translations are for the other languages only."))
        unknown = set(values) - set(attributes)
        if unknown:
            raise DomainError(_("Translations are for the other languages only."))


def _next_position(column, *where) -> int:
    highest = db.session.scalar(select(func.max(column)).where(*where))
    return (highest or 0) + 1


def _check_position(position: int | None) -> None:
    if position is not None and not 1 <= position <= 10_000:
        raise DomainError(_("Enter a position between 1 and 10000."), field="position")


# ---------------------------------------------------------------- programs

PROGRAM_FIELDS = ("code", "name", "description", "certificate_prefix", "language")
PROGRAM_TRANSLATED = ("name", "description")


def _check_program(program: Program | None, *, name: str, certificate_prefix: str,
                   language: str) -> tuple[str, str]:
    name = clean_text(name, "name", 200)
    prefix = (certificate_prefix or "").strip()
    if not _PREFIX.match(prefix):
        raise DomainError(_("Use 2 to 6 capital letters, without accents."),
                          field="certificate_prefix")
    taken = db.session.scalar(select(Program.id).where(
        Program.certificate_prefix == prefix,
        Program.id != (program.id if program else -1)))
    if taken is not None:
        raise DomainError(_("Another program already uses this certificate prefix."),
                          field="certificate_prefix")
    if language not in LANGUAGES:
        raise DomainError(_("Choose one of the listed languages."), field="language")
    return name, prefix


def create_program(actor, *, code: str, name: str, certificate_prefix: str,
                   description: str = "", language: str = "en",
                   translations: Translations | None = None) -> Program:
    code = (code or "").strip()
    if not _CODE.match(code) or len(code) > 20:
        raise DomainError(_("Use only letters, digits and hyphens."), field="code")
    if db.session.scalar(select(Program.id).where(
            func.lower(Program.code) == code.lower())) is not None:
        raise DomainError(_("Another program already uses this code."), field="code")
    name, prefix = _check_program(None, name=name, certificate_prefix=certificate_prefix,
                                  language=language)
    translations = translations or {}
    _check_translations(translations, language, PROGRAM_TRANSLATED)

    program = Program(code=code, name=name, description=(description or "").strip(),
                      certificate_prefix=prefix, language=language)
    apply_translations(program, ProgramTranslation, translations, PROGRAM_TRANSLATED)
    db.session.add(program)
    db.session.flush()
    record(actor, "program.create", program, None,
           audit_state(program, PROGRAM_FIELDS, PROGRAM_TRANSLATED))
    return program


def update_program(actor, program: Program, *, name: str, certificate_prefix: str,
                   description: str = "", language: str | None = None,
                   translations: Translations | None = None) -> Program:
    language = language or program.language
    name, prefix = _check_program(program, name=name, certificate_prefix=certificate_prefix,
                                  language=language)
    translations = translations or {}
    _check_translations(translations, language, PROGRAM_TRANSLATED)

    before = audit_state(program, PROGRAM_FIELDS, PROGRAM_TRANSLATED)
    program.name = name
    program.description = (description or "").strip()
    program.certificate_prefix = prefix
    program.language = language
    apply_translations(program, ProgramTranslation, translations, PROGRAM_TRANSLATED)
    db.session.flush()
    after = audit_state(program, PROGRAM_FIELDS, PROGRAM_TRANSLATED)
    if after != before:
        record(actor, "program.update", program, before, after)
    return program


# ---------------------------------------------------------------- courses

COURSE_FIELDS = ("program_id", "code", "title", "summary", "hours", "modality", "language",
                 "published")
COURSE_TRANSLATED = ("title", "summary")


def _check_course(course: Course | None, *, program: Program, code: str, title: str,
                  hours: int | None, modality: str, language: str) -> tuple[str, str]:
    if program is None:
        raise DomainError(_("Choose a program."), field="program_id")
    code = (code or "").strip()
    if not code or not _CODE.match(code) or len(code) > 40:
        raise DomainError(_("Use only letters, digits and hyphens."), field="code")
    # Codes appear in addresses: "prc-101" and "PRC-101" would be two courses to the
    # database but one to a reader, so they count as the same code.
    taken = db.session.scalar(select(Course.id).where(
        func.lower(Course.code) == code.lower(),
        Course.id != (course.id if course else -1)))
    if taken is not None:
        raise DomainError(_("Another course already uses the code %(code)s.", code=code),
                          field="code")
    title = clean_text(title, "title", 200)
    if hours is None or hours < 1:
        raise DomainError(_("Enter a whole number of hours, at least 1."), field="hours")
    if modality not in {m.value for m in Modality}:
        raise DomainError(_("Choose one of the listed modalities."), field="modality")
    if language not in LANGUAGES:
        raise DomainError(_("Choose one of the listed languages."), field="language")
    return code, title


def create_course(actor, *, program: Program, code: str, title: str, hours: int | None,
                  modality: str, language: str, summary: str = "") -> Course:
    """A new, unpublished course."""
    code, title = _check_course(None, program=program, code=code, title=title, hours=hours,
                                modality=modality, language=language)
    course = Course(program=program, code=code, title=title,
                    summary=(summary or "").strip(), hours=hours, modality=modality,
                    language=language, published=False)
    db.session.add(course)
    db.session.flush()
    record(actor, "course.create", course, None, audit_state(course, COURSE_FIELDS))
    return course


def update_course(actor, course: Course, *, program: Program, code: str, title: str,
                  hours: int | None, modality: str, language: str, summary: str = "",
                  translations: Translations | None = None) -> Course:
    code, title = _check_course(course, program=program, code=code, title=title, hours=hours,
                                modality=modality, language=language)
    translations = translations or {}
    _check_translations(translations, language, COURSE_TRANSLATED)

    before = audit_state(course, COURSE_FIELDS, COURSE_TRANSLATED)
    course.program = program
    course.code = code
    course.title = title
    course.summary = (summary or "").strip()
    course.hours = hours
    course.modality = modality
    course.language = language
    apply_translations(course, CourseTranslation, translations, COURSE_TRANSLATED)
    db.session.flush()
    after = audit_state(course, COURSE_FIELDS, COURSE_TRANSLATED)
    if after != before:
        record(actor, "course.update", course, before, after)
    return course


def lesson_count(course: Course) -> int:
    return db.session.scalar(
        select(func.count(Lesson.id)).join(Module).where(Module.course_id == course.id)) or 0


def set_published(actor, course: Course, published: bool) -> Course:
    """Publish (list it, let trainees enrol) or unpublish a course."""
    if published == course.published:
        return course
    if published and lesson_count(course) == 0:
        raise DomainError(_("A course needs at least one lesson before it can be published. "
                            "Add a module and a lesson first."))
    course.published = published
    db.session.flush()
    record(actor, "course.publish" if published else "course.unpublish", course,
           {"published": not published}, {"published": published})
    return course


# ---------------------------------------------------------------- modules

MODULE_FIELDS = ("course_id", "title", "position")
MODULE_TRANSLATED = ("title",)


def create_module(actor, course: Course, *, title: str, position: int | None = None,
                  translations: Translations | None = None) -> Module:
    title = clean_text(title, "title", 200)
    _check_position(position)
    translations = translations or {}
    _check_translations(translations, course.language, MODULE_TRANSLATED)

    if position is None:
        position = _next_position(Module.position, Module.course_id == course.id)
    module = Module(course=course, title=title, position=position)
    apply_translations(module, ModuleTranslation, translations, MODULE_TRANSLATED)
    db.session.add(module)
    db.session.flush()
    record(actor, "module.create", module, None,
           audit_state(module, MODULE_FIELDS, MODULE_TRANSLATED))
    return module


def update_module(actor, module: Module, *, title: str, position: int | None = None,
                  translations: Translations | None = None) -> Module:
    title = clean_text(title, "title", 200)
    _check_position(position)
    translations = translations or {}
    _check_translations(translations, module.language, MODULE_TRANSLATED)

    before = audit_state(module, MODULE_FIELDS, MODULE_TRANSLATED)
    module.title = title
    if position is not None:
        module.position = position
    apply_translations(module, ModuleTranslation, translations, MODULE_TRANSLATED)
    db.session.flush()
    after = audit_state(module, MODULE_FIELDS, MODULE_TRANSLATED)
    if after != before:
        record(actor, "module.update", module, before, after)
    return module


def _refuse_emptying_published(course: Course, lessons_removed: int) -> None:
    # A published course keeps at least one lesson, as publishing requires.
    if course.published and lesson_count(course) - lessons_removed < 1:
        raise DomainError(_("A published course must keep at least one lesson. "
                            "Unpublish the course first."))


def delete_module(actor, module: Module) -> None:
    """Delete a module and its lessons (lesson progress goes with them)."""
    course = module.course
    _refuse_emptying_published(course, len(module.lessons))
    before = audit_state(module, MODULE_FIELDS, MODULE_TRANSLATED)
    before["lessons"] = [{"id": lesson.id, "title": lesson.title} for lesson in module.lessons]
    record(actor, "module.delete", module, before, None)
    course.modules.remove(module)  # delete-orphan: removing it deletes it, lessons too
    db.session.flush()


# ---------------------------------------------------------------- lessons

LESSON_FIELDS = ("module_id", "title", "position", "body")
LESSON_TRANSLATED = ("title", "body")
# Generous for a lesson, small enough that one request cannot fill the database.
MAX_BODY = 100_000


def _check_body(body: str | None, field: str = "body") -> str:
    body = body or ""
    if len(body) > MAX_BODY:
        raise DomainError(_("Use at most %(max)d characters.", max=MAX_BODY), field=field)
    return body


def create_lesson(actor, module: Module, *, title: str, body: str = "",
                  position: int | None = None,
                  translations: Translations | None = None) -> Lesson:
    title = clean_text(title, "title", 200)
    body = _check_body(body)
    _check_position(position)
    translations = translations or {}
    _check_translations(translations, module.language, LESSON_TRANSLATED)

    if position is None:
        position = _next_position(Lesson.position, Lesson.module_id == module.id)
    lesson = Lesson(module=module, title=title, body=body, position=position)
    apply_translations(lesson, LessonTranslation, translations, LESSON_TRANSLATED)
    db.session.add(lesson)
    db.session.flush()
    record(actor, "lesson.create", lesson, None,
           audit_state(lesson, LESSON_FIELDS, LESSON_TRANSLATED))
    return lesson


def update_lesson(actor, lesson: Lesson, *, title: str, body: str = "",
                  position: int | None = None,
                  translations: Translations | None = None) -> Lesson:
    title = clean_text(title, "title", 200)
    body = _check_body(body)
    _check_position(position)
    translations = translations or {}
    _check_translations(translations, lesson.language, LESSON_TRANSLATED)

    before = audit_state(lesson, LESSON_FIELDS, LESSON_TRANSLATED)
    lesson.title = title
    lesson.body = body
    if position is not None:
        lesson.position = position
    apply_translations(lesson, LessonTranslation, translations, LESSON_TRANSLATED)
    db.session.flush()
    after = audit_state(lesson, LESSON_FIELDS, LESSON_TRANSLATED)
    if after != before:
        record(actor, "lesson.update", lesson, before, after)
    return lesson


def delete_lesson(actor, lesson: Lesson) -> None:
    module = lesson.module
    _refuse_emptying_published(module.course, 1)
    record(actor, "lesson.delete", lesson,
           audit_state(lesson, LESSON_FIELDS, LESSON_TRANSLATED), None)
    module.lessons.remove(lesson)  # delete-orphan: removing it deletes it
    db.session.flush()
