"""Request and response bodies of the HTTP API; they are also its OpenAPI schema.

The result object (ScoreResult and its parts) is model/result.py's, the one type of
shared/guide/interface.md; the score routes validate every result they send against it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from corpus.protocol import get_protocol
from corpus.settings import MAX_CHARS_HTTP
from corpus.vocabulary import ROLES
from model.result import ArticleRef, Consequence, Finding, LabelId, LabelScore, Level, ScoreResult
from serve.http.validation import id_string
from serve.store.models_db import PREDICTED, REVIEWER, QueueItem, Review

__all__ = ["ArticleRef", "Consequence", "Finding", "LabelScore", "Level", "ScoreResult"]  # re-exported

STAFF_ROLE = "medewerker"  # reviewers are staff: an escalated queue item tells them what staff must do
TEXT_DOC = (f"The draft (at most {MAX_CHARS_HTTP:,} characters; longer drafts get 413, an empty or "
            "whitespace-only one 422).")
ID_DOC = ("Your reference, echoed in the result as a string: a number is stringified (7 -> \"7\"); "
          "NaN, Infinity or a number too large to be finite (1e400) gets 422.")
# The caller's id, as the service echoes it: a string (serve/http/validation.py: id_string).
RequestId = Annotated[str | None, BeforeValidator(id_string)]
ROLE_DOC = f"Author role: one of {', '.join(ROLES)}. Empty or missing means onbekend."
SCHOOL_DOC = ("A school of this install (GET /v1/schools): its protocol decides articles and advice. "
              "Missing means the default school; an unknown one gets 422 listing the valid schools.")


class ScoreRequest(BaseModel):
    text: str = Field(description=TEXT_DOC, examples=["Hoi allemaal, het nummer van Daan is 06-12345678."])
    role: str | None = Field(default=None, description=ROLE_DOC, examples=["ouder"])
    id: RequestId = Field(default=None, description=ID_DOC)
    school: str | None = Field(default=None, description=SCHOOL_DOC)


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


class SchoolInfo(BaseModel):
    id: str | None = Field(description="What a request's `school` names; null for the default school.")
    name: str = Field(description="The school's name from its protocol file.")
    title: str = Field(description="The protocol's title.")


class SchoolsOut(BaseModel):
    schools: list[SchoolInfo] = Field(
        description="The schools a request may name (POSTWACHT_PROTOCOL_DIR); empty for a one-school install.")
    default: SchoolInfo = Field(description="The protocol used when a request names no school.")


class LabelInfo(BaseModel):
    id: str
    name: str
    severity: str
    explanation: str = ""
    escalates: bool = Field(default=False, description="A flagged label always escalates (a care signal).")
    escalates_at_high: bool = Field(default=False, description="A flagged label escalates at level hoog.")


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
    escalate: bool = Field(default=False, description=(
        "The batch result escalated (someone besides the author must act): such items come first."))
    escalation: str | None = Field(default=None, description=(
        "Dutch: what the reviewer (staff) must do, the default protocol's escalation text for staff "
        "(when escalate)."))
    model_version: str
    source: str = Field(description="The imported results file.")
    source_id: str = Field(description="The row's id in the batch.")
    created_at: datetime


class QueuePage(BaseModel):
    items: list[QueueItemOut] = Field(description="Escalated items first, then the least certain.")
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
    escalate = bool(item.escalate)
    return QueueItemOut(
        id=item.id, text=item.text, role=item.role, predicted_labels=list(item.predicted_labels),
        predicted_scores=item.predicted_scores, uncertainty=item.uncertainty, escalate=escalate,
        escalation=get_protocol().escalation_for(STAFF_ROLE) if escalate else None,
        model_version=item.model_version, source=item.source, source_id=item.source_id, created_at=item.created_at,
    )
