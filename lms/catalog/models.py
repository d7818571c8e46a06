"""Programs, courses, modules and lessons, with per-locale translations."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.i18n import Translatable
from lms.kernel import clock


class Modality(enum.StrEnum):
    FACE_TO_FACE = "face_to_face"
    BLENDED = "blended"
    ONLINE = "online"

    @property
    def title(self) -> str:
        return str(MODALITY_TITLES[self])


MODALITY_TITLES = {
    Modality.FACE_TO_FACE: _l("Face-to-face"),
    Modality.BLENDED: _l("Blended"),
    Modality.ONLINE: _l("Online"),
}


class Program(Translatable, db.Model):
    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    # Prefix of certificate IDs issued under this program, e.g. "PRC".
    certificate_prefix: Mapped[str] = mapped_column(String(6), unique=True)
    language: Mapped[str] = mapped_column(String(5), default="en")
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")

    translations: Mapped[list[ProgramTranslation]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")

    def __repr__(self) -> str:
        return f"<Program {self.code}>"

    def can_manage(self, user) -> bool:
        return user.is_authenticated and user.coordinates(self.id)


class ProgramTranslation(db.Model):
    __tablename__ = "program_translations"
    __table_args__ = (UniqueConstraint("program_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(5))
    name: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")


class Course(Translatable, db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    hours: Mapped[int] = mapped_column(Integer)
    modality: Mapped[str] = mapped_column(String(20), default=Modality.ONLINE)
    # The language the course was written in: its own title, summary and lessons.
    language: Mapped[str] = mapped_column(String(5), default="en")
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.now, server_default=func.now())

    program: Mapped[Program] = relationship()
    translations: Mapped[list[CourseTranslation]] = relationship(
        cascade="all, delete-orphan")
    modules: Mapped[list[Module]] = relationship(
        back_populates="course", cascade="all, delete-orphan", order_by="Module.position")

    def __repr__(self) -> str:
        return f"<Course {self.code}>"

    @property
    def modality_title(self) -> str:
        return Modality(self.modality).title

    def can_manage(self, user) -> bool:
        return user.is_authenticated and user.coordinates(self.program_id)


class CourseTranslation(db.Model):
    __tablename__ = "course_translations"
    __table_args__ = (UniqueConstraint("course_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")


class Module(Translatable, db.Model):
    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))

    course: Mapped[Course] = relationship(back_populates="modules")
    translations: Mapped[list[ModuleTranslation]] = relationship(
        cascade="all, delete-orphan")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", cascade="all, delete-orphan", order_by="Lesson.position")

    @property
    def language(self) -> str:
        return self.course.language

    def can_manage(self, user) -> bool:
        return self.course.can_manage(user)


class ModuleTranslation(db.Model):
    __tablename__ = "module_translations"
    __table_args__ = (UniqueConstraint("module_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(200), default="")


class Lesson(Translatable, db.Model):
    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(
        ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    # Markdown as written; it is sanitised when rendered (lms.catalog.markdown).
    body: Mapped[str] = mapped_column(Text, default="")

    module: Mapped[Module] = relationship(back_populates="lessons")
    translations: Mapped[list[LessonTranslation]] = relationship(
        cascade="all, delete-orphan")

    @property
    def language(self) -> str:
        return self.module.course.language

    def can_manage(self, user) -> bool:
        return self.module.course.can_manage(user)


class LessonTranslation(db.Model):
    __tablename__ = "lesson_translations"
    __table_args__ = (UniqueConstraint("lesson_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
