"""Announcements: news from coordinators and instructors to one cohort or a whole program.

The author writes in one language (``language``: the announcement's own ``title`` and
``body``) and may add the same text in others (``AnnouncementTranslation``). A reader
sees their language when it is there, else the author's, with a notice saying so.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.catalog.models import Program
from lms.cohorts.models import Cohort
from lms.extensions import db
from lms.i18n import Translatable
from lms.kernel import clock

MAX_TITLE = 200
MAX_BODY = 20_000


class Announcement(Translatable, db.Model):
    __tablename__ = "announcements"
    __table_args__ = (
        # To one cohort or to one whole program: never both, never neither.
        CheckConstraint("(cohort_id IS NULL) <> (program_id IS NULL)", name="one_audience"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The author's account may go; what they announced stays with the cohort.
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    program_id: Mapped[int | None] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(MAX_TITLE))
    # Markdown as written; sanitised when rendered (lms.catalog.markdown).
    body: Mapped[str] = mapped_column(Text)
    # The author asked for it to be mailed to its readers (announcement_posted).
    mail: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.now, server_default=func.now(), index=True)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    author: Mapped[User | None] = relationship()
    cohort: Mapped[Cohort | None] = relationship()
    program: Mapped[Program | None] = relationship()
    translations: Mapped[list[AnnouncementTranslation]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AnnouncementTranslation.locale")

    def __repr__(self) -> str:
        return f"<Announcement {self.id}>"

    @property
    def program_id_of_audience(self) -> int:
        """The program the announcement belongs to, directly or through its cohort."""
        if self.program_id is not None:
            return self.program_id
        return self.cohort.course.program_id

    def can_edit(self, user) -> bool:
        """The author, or a coordinator of the program (administrators included)."""
        if not user.is_authenticated:
            return False
        return (self.author_id is not None and self.author_id == user.id) or \
            user.coordinates(self.program_id_of_audience)

    def locale_shown(self, locale: str) -> str:
        """The language a reader of ``locale`` sees: theirs if written, else the author's."""
        if locale == self.language or self.translation_for(locale) is not None:
            return locale
        return self.language


class AnnouncementTranslation(db.Model):
    """The announcement in another language: both title and body, never one of the two."""

    __tablename__ = "announcement_translations"
    __table_args__ = (UniqueConstraint("announcement_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcements.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(MAX_TITLE), default="")
    body: Mapped[str] = mapped_column(Text, default="")


def can_post_to_cohort(user, cohort: Cohort) -> bool:
    """The cohort's instructors and its program's coordinators (and administrators)."""
    return cohort.can_teach(user)


def can_post_to_program(user, program: Program) -> bool:
    """Only the program's coordinators (and administrators) speak to the whole program."""
    return program.can_manage(user)
