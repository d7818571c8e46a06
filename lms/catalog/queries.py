"""Reads for catalog pages, each a constant number of queries whatever the list size."""

from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from lms.catalog.models import Course, Lesson, Module, Program
from lms.extensions import db

MANAGED_COURSES_PER_PAGE = 25


def programs() -> list[Program]:
    """Every program, by code (translations come with them: Program loads them eagerly)."""
    return list(db.session.scalars(select(Program).order_by(Program.code)))


def managed_programs(user) -> list[Program]:
    """The programs ``user`` coordinates; all of them for an admin."""
    query = select(Program).order_by(Program.code)
    if not user.is_admin:
        query = query.where(Program.id.in_(user.coordinated_program_ids))
    return list(db.session.scalars(query))


def course_with_syllabus(**where) -> Course | None:
    """One course with its program, modules, lessons and every translation, eagerly."""
    query = (select(Course).filter_by(**where)
             .options(selectinload(Course.program), selectinload(Course.translations),
                      selectinload(Course.modules).selectinload(Module.translations),
                      selectinload(Course.modules).selectinload(Module.lessons)
                      .selectinload(Lesson.translations)))
    return db.session.scalars(query).first()


def course_by_code(code: str) -> Course | None:
    return course_with_syllabus(code=code)


def course_by_id(course_id: int) -> Course | None:
    return course_with_syllabus(id=course_id)


def managed_courses(user, page: int, per_page: int = MANAGED_COURSES_PER_PAGE) -> Pagination:
    """Courses of the programs ``user`` coordinates (all for an admin), published or not."""
    query = (select(Course).join(Course.program)
             .options(contains_eager(Course.program), selectinload(Course.translations))
             .order_by(Program.code, Course.code))
    if not user.is_admin:
        query = query.where(Course.program_id.in_(user.coordinated_program_ids))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def module_for_editing(module_id: int) -> Module | None:
    query = (select(Module).where(Module.id == module_id)
             .options(selectinload(Module.translations),
                      selectinload(Module.course).selectinload(Course.translations),
                      selectinload(Module.lessons)))
    return db.session.scalars(query).first()


def lesson_for_editing(lesson_id: int) -> Lesson | None:
    query = (select(Lesson).where(Lesson.id == lesson_id)
             .options(selectinload(Lesson.translations),
                      selectinload(Lesson.module).selectinload(Module.course)))
    return db.session.scalars(query).first()
