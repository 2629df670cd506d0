"""Tables of the review store. The schema itself is created by the Alembic migrations in serve/store/migrations/.

reviewer_tokens  who may review: a name and the sha256 of the token (the token itself is never stored)
reviews          a reviewed draft: text, role, the model's prediction (scores, level, version) and
                 the reviewer's verdict; `agrees` is true when reviewer and model flag the same labels
review_labels    one row per (review, source, label): the model's flagged labels and the reviewer's
audit_events     who did what and when; never the text
review_queue     reported messages waiting for a reviewer (`postwacht reviews import`), with the model's
                 scores; those whose result escalates first, then the least certain. A reviewed item
                 keeps no text: the review holds it. Only the flag `escalate` is kept, never the
                 escalation text (the page says who to tell from the protocol).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from corpus.vocabulary import LABELS

PREDICTED = "predicted"
REVIEWER = "reviewer"
# review_queue.status
QUEUE_OPEN, QUEUE_DONE, QUEUE_SKIPPED = "open", "done", "skipped"


def _label_order(label: str) -> int:
    return LABELS.index(label) if label in LABELS else len(LABELS)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC; SQLite returns naive values, so they are made aware again."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class ReviewerToken(Base):
    __tablename__ = "reviewer_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class Review(Base):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    text: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(20))
    model_version: Mapped[str] = mapped_column(String(120))
    predicted_level: Mapped[str] = mapped_column(String(10))
    predicted_risk: Mapped[float] = mapped_column(Float)
    predicted_scores: Mapped[dict[str, float]] = mapped_column(JSON)
    agrees: Mapped[bool] = mapped_column(Boolean, index=True)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    reviewer_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("reviewer_tokens.id", ondelete="SET NULL"), index=True, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    labels: Mapped[list[ReviewLabel]] = relationship(
        back_populates="review", cascade="all, delete-orphan", passive_deletes=True, lazy="selectin")

    def label_set(self, source: str) -> list[str]:
        return sorted((lab.label for lab in self.labels if lab.source == source), key=_label_order)


class ReviewLabel(Base):
    __tablename__ = "review_labels"
    __table_args__ = (Index("ix_review_labels_label_source", "label", "source"),)

    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True)
    source: Mapped[str] = mapped_column(String(10), primary_key=True)
    label: Mapped[str] = mapped_column(String(40), primary_key=True)

    review: Mapped[Review] = relationship(back_populates="labels")


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(60))
    token_id: Mapped[int | None] = mapped_column(Integer, default=None)
    action: Mapped[str] = mapped_column(String(40), index=True)
    review_id: Mapped[int | None] = mapped_column(Integer, default=None)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class QueueItem(Base):
    __tablename__ = "review_queue"
    __table_args__ = (Index("ix_review_queue_status_escalate_uncertainty", "status", "escalate", "uncertainty"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of role and text: no double entries
    source: Mapped[str] = mapped_column(String(200))      # the imported file
    source_id: Mapped[str] = mapped_column(String(200))   # the row's id in that file
    text: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(20))
    model_version: Mapped[str] = mapped_column(String(120))
    predicted_scores: Mapped[dict[str, float]] = mapped_column(JSON)
    predicted_labels: Mapped[list[str]] = mapped_column(JSON)
    uncertainty: Mapped[float] = mapped_column(Float)     # min |score - threshold| over the labels
    # the batch result escalated: reviewed first, whatever the uncertainty
    escalate: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(10), default=QUEUE_OPEN)
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
