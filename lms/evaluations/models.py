"""Evaluation templates, their items, the answers and the receipts that make each person
answer once.

A response never says who gave it when its template is anonymous (``user_id`` is
NULL); the ``EvaluationReceipt`` says only THAT an enrolment answered, never which
response is theirs. Anonymous responses keep the day they were given, not the
moment, so that the receipt's time cannot point at them.
"""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.catalog.models import Program
from lms.extensions import db
from lms.i18n import Translatable
from lms.kernel import clock

DEFAULT_FOLLOWUP_MONTHS = 6


class EvaluationKind(enum.StrEnum):
    END = "end"
    FOLLOWUP = "followup"

    @property
    def title(self) -> str:
        return str(KIND_TITLES[self])


KIND_TITLES = {
    EvaluationKind.END: _l("End-of-course evaluation"),
    EvaluationKind.FOLLOWUP: _l("Follow-up survey"),
}


class ItemKind(enum.StrEnum):
    LIKERT = "likert"
    TEXT = "text"


# The five answers of a Likert item, 1 to 5.
LIKERT_LABELS = (
    _l("Strongly disagree"),
    _l("Disagree"),
    _l("Neither agree nor disagree"),
    _l("Agree"),
    _l("Strongly agree"),
)


class EvaluationTemplate(db.Model):
    """A program's questionnaire of one kind; created from the defaults when first needed."""

    __tablename__ = "evaluation_templates"
    __table_args__ = (UniqueConstraint("program_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    # Months after completion the follow-up mail is sent (follow-up templates only).
    followup_months: Mapped[int] = mapped_column(Integer, default=DEFAULT_FOLLOWUP_MONTHS)

    program: Mapped[Program] = relationship()
    items: Mapped[list[EvaluationItem]] = relationship(
        back_populates="template", cascade="all, delete-orphan",
        order_by="(EvaluationItem.position, EvaluationItem.id)")

    def can_manage(self, user) -> bool:
        return user.is_authenticated and user.coordinates(self.program_id)

    @property
    def current_items(self) -> list[EvaluationItem]:
        """The items new forms show: retired ones keep their answers but are not asked."""
        return [item for item in self.items if not item.retired]


class EvaluationItem(Translatable, db.Model):
    """One statement (Likert 1-5) or open question; its text is in the program's language."""

    __tablename__ = "evaluation_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_templates.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(10), default=ItemKind.LIKERT)
    text: Mapped[str] = mapped_column(Text)
    # An item with answers is retired rather than deleted: past answers keep their meaning.
    retired: Mapped[bool] = mapped_column(Boolean, default=False)

    template: Mapped[EvaluationTemplate] = relationship(back_populates="items")
    translations: Mapped[list[EvaluationItemTranslation]] = relationship(
        cascade="all, delete-orphan", lazy="selectin")

    @property
    def language(self) -> str:
        return self.template.program.language


class EvaluationItemTranslation(db.Model):
    __tablename__ = "evaluation_item_translations"
    __table_args__ = (UniqueConstraint("item_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evaluation_items.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(5))
    text: Mapped[str] = mapped_column(Text, default="")


class EvaluationResponse(db.Model):
    """One filled-in questionnaire. ``user_id`` is NULL when the template was anonymous."""

    __tablename__ = "evaluation_responses"
    # The report counts the responses of each kind, in all or some cohorts, from the
    # index alone; and PostgreSQL finds the latest free-text answers by walking the
    # newest responses instead of sorting them all.
    __table_args__ = (Index("ix_evaluation_responses_cohort_id_kind", "cohort_id", "kind"),
                      Index("ix_evaluation_responses_submitted_at", "submitted_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_templates.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    submitted_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=clock.now, server_default=func.now())
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)

    answers: Mapped[list[EvaluationAnswer]] = relationship(cascade="all, delete-orphan")


class EvaluationAnswer(db.Model):
    __tablename__ = "evaluation_answers"
    __table_args__ = (UniqueConstraint("response_id", "item_id"),
                      # The report counts answers per item and value (migration 0019).
                      Index("ix_evaluation_answers_item_value", "item_id", "value",
                            "response_id"),
                      # The report lists the latest free-text answers: only the few answers
                      # with a text, found by response without reading the others.
                      Index("ix_evaluation_answers_response_id_text", "response_id",
                            sqlite_where=text("text IS NOT NULL"),
                            postgresql_where=text("text IS NOT NULL")))

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_responses.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_items.id", ondelete="CASCADE"), index=True)
    # 1-5 for a Likert item; None for an open question or a statement left unanswered.
    value: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)


class EvaluationReceipt(db.Model):
    """THAT an enrolment answered one kind of evaluation: never which response is theirs."""

    __tablename__ = "evaluation_receipts"
    __table_args__ = (UniqueConstraint("enrolment_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
    # Whether the answer was anonymous: reports filtered by the person (gender,
    # institution) leave such people out of the rate, since their answers cannot be placed.
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)


class EvaluationFollowupMail(db.Model):
    """The follow-up link was mailed for this enrolment: each person gets it once."""

    __tablename__ = "evaluation_followup_mails"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), unique=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=clock.now)
