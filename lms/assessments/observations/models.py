"""Skills observations: a checklist's items and what an assessor recorded for each trainee."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.assessments.models import Assessment
from lms.extensions import db
from lms.i18n import Translatable


class ObservationResult(enum.StrEnum):
    MET = "met"
    NOT_YET = "not_yet"
    NOT_OBSERVED = "not_observed"


class ObservationItem(Translatable, db.Model):
    __tablename__ = "observation_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    # The competency this item shows (see lms.competencies).
    competency_id: Mapped[int | None] = mapped_column(
        ForeignKey("competencies.id", ondelete="SET NULL"), index=True)

    assessment: Mapped[Assessment] = relationship(back_populates="observation_items")
    translations: Mapped[list[ObservationItemTranslation]] = relationship(
        cascade="all, delete-orphan")

    @property
    def language(self) -> str:
        return self.assessment.language


class ObservationItemTranslation(db.Model):
    __tablename__ = "observation_item_translations"
    __table_args__ = (UniqueConstraint("item_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("observation_items.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(5))
    text: Mapped[str] = mapped_column(Text, default="")


class Observation(db.Model):
    __tablename__ = "observations"
    __table_args__ = (
        UniqueConstraint("item_id", "enrolment_id"),
        # The report's weakest skills count results per item from this index alone
        # (lms.reports.learning); it also serves every lookup by item.
        Index("ix_observations_item_id_result_enrolment_id", "item_id", "result",
              "enrolment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("observation_items.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), index=True)
    result: Mapped[str] = mapped_column(String(20), default=ObservationResult.NOT_OBSERVED)
    comment: Mapped[str] = mapped_column(Text, default="")
    observed_on: Mapped[date | None] = mapped_column(Date)
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    assessor: Mapped[User | None] = relationship()
