"""Request and response bodies of the HTTP API; they are also its OpenAPI schema.

ScoreResult mirrors the result object of shared/guide/interface.md (stable field names;
extra fields the engine adds pass through).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from corpus.settings import MAX_TEXT_CHARS
from corpus.vocabulary import LABELS, LEVELS, ROLES
from serve.models_db import PREDICTED, REVIEWER, QueueItem, Review

LabelId = Literal[LABELS]  # type: ignore[valid-type]
Level = Literal[LEVELS]  # type: ignore[valid-type]

TEXT_DOC = f"The draft (at most {MAX_TEXT_CHARS:,} characters; longer drafts get 413)."
ROLE_DOC = f"Author role: one of {', '.join(ROLES)}. Empty or missing means onbekend."


class ScoreRequest(BaseModel):
    text: str = Field(description=TEXT_DOC, examples=["Hoi allemaal, het nummer van Daan is 06-12345678."])
    role: str | None = Field(default=None, description=ROLE_DOC, examples=["ouder"])
    id: str | int | None = Field(default=None, description="Your reference; echoed in the result.")


class LabelScore(BaseModel):
    score: float = Field(ge=0, le=1, description="Calibrated probability.")
    flagged: bool


class Finding(BaseModel):
    model_config = ConfigDict(extra="allow")

    label: str
    type: str
    start: int = Field(description="Character offset (Python string index) into the draft.")
    end: int
    text: str
    explanation: str


class ArticleRef(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    section: str
    number: int
    text: str
    labels: list[str] = []


class Consequence(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    text: str


class ScoreResult(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str | int | float | None = None
    role: str | None
    risk: float | None
    level: Level | None
    labels: dict[str, LabelScore] | None
    findings: list[Finding]
    articles: list[ArticleRef]
    consequences: list[Consequence]
    advice: list[str]
    redacted_text: str | None
    model_version: str | None
    error: str | None = Field(description="Set (and no scores) when this item could not be scored.")


class ErrorOut(BaseModel):
    """Every error response: a code, and the message in Dutch and English (never a stack trace)."""

    model_config = ConfigDict(extra="allow")

    code: str
    detail: str = Field(description="Dutch message, English in brackets.")
    message_nl: str
    message_en: str


# ---- protocol and labels -------------------------------------------------------------------------
class ProtocolArticle(BaseModel):
    id: str
    section: str
    number: int
    text: str
    roles: list[str]


class LabelEntry(BaseModel):
    id: str
    name: str
    severity: str
    explanation: str = ""
    articles: dict[str, list[str]] = Field(description="Primary articles per role; 'every' applies to all.")
    advice: dict[str, str] = {}
    sub_articles: dict[str, str] = Field(default={}, description="Kind of boundary issue -> article id.")


class ProtocolOut(BaseModel):
    title: str
    school: str = ""
    articles: list[ProtocolArticle]
    labels: list[LabelEntry]
    sanctions: dict[str, list[str]]


class LabelInfo(BaseModel):
    id: str
    name: str
    severity: str
    explanation: str = ""


class PiiTypeInfo(BaseModel):
    id: str
    name: str
    placeholder: str


class LabelsOut(BaseModel):
    labels: list[LabelInfo]
    roles: list[str]
    author_roles: list[str]
    default_role: str
    levels: list[str]
    pii_types: list[PiiTypeInfo]


# ---- health ----------------------------------------------------------------------------------------
class HealthOut(BaseModel):
    status: str


class ReadyOut(BaseModel):
    status: str
    model_version: str | None
    database: str


# ---- reviews and tokens ----------------------------------------------------------------------------
class ReviewCreate(BaseModel):
    text: str = Field(description=TEXT_DOC)
    role: str | None = Field(default=None, description=ROLE_DOC)
    labels: list[LabelId] = Field(description="The labels the reviewer says are right (empty: none).")
    note: str | None = Field(default=None, max_length=2000)


class ReviewOut(BaseModel):
    id: int
    text: str
    role: str
    labels: list[str] = Field(description="The reviewer's labels.")
    predicted_labels: list[str] = Field(description="The labels the model flagged.")
    predicted_scores: dict[str, float]
    predicted_level: str
    predicted_risk: float
    agrees: bool = Field(description="Reviewer and model flag the same labels.")
    note: str | None
    model_version: str
    reviewer_token_id: int | None
    created_at: datetime
    updated_at: datetime


class ReviewPage(BaseModel):
    items: list[ReviewOut]
    total: int
    page: int
    per_page: int


class ReviewerOut(BaseModel):
    token_id: int
    name: str


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)


class TokenOut(BaseModel):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The secret; shown only now, stored only as a hash.")


class PurgeOut(BaseModel):
    deleted: int
    retention_days: int


# ---- review queue ----------------------------------------------------------------------------------
class QueueItemOut(BaseModel):
    id: int
    text: str
    role: str
    predicted_labels: list[str] = Field(description="The labels the model flagged in the batch run.")
    predicted_scores: dict[str, float]
    uncertainty: float = Field(description="min |score - threshold| over the labels; smallest first.")
    model_version: str
    source: str = Field(description="The imported results file.")
    source_id: str = Field(description="The row's id in the batch.")
    created_at: datetime


class QueuePage(BaseModel):
    items: list[QueueItemOut]
    open: int
    done: int
    skipped: int


class QueueReviewIn(BaseModel):
    labels: list[LabelId] = Field(description="The labels the reviewer says are right (empty: none).")
    note: str | None = Field(default=None, max_length=2000)


class QueueItemDone(BaseModel):
    item_id: int
    status: str
    review_id: int | None = None
    open: int = Field(description="Open items left in the queue.")


class ReloadOut(BaseModel):
    model_version: str = Field(description="The version served from now on.")
    previous_version: str | None = Field(description="The version served before this call.")
    changed: bool = Field(description="False when the active version was already being served.")


def review_out(review: Review) -> ReviewOut:
    return ReviewOut(
        id=review.id, text=review.text, role=review.role, labels=review.label_set(REVIEWER),
        predicted_labels=review.label_set(PREDICTED), predicted_scores=review.predicted_scores,
        predicted_level=review.predicted_level, predicted_risk=review.predicted_risk, agrees=review.agrees,
        note=review.note, model_version=review.model_version, reviewer_token_id=review.reviewer_token_id,
        created_at=review.created_at, updated_at=review.updated_at,
    )


def queue_item_out(item: QueueItem) -> QueueItemOut:
    return QueueItemOut(
        id=item.id, text=item.text, role=item.role, predicted_labels=list(item.predicted_labels),
        predicted_scores=item.predicted_scores, uncertainty=item.uncertainty, model_version=item.model_version,
        source=item.source, source_id=item.source_id, created_at=item.created_at,
    )
