"""The review store: reviewed drafts with the model's prediction, and the audit trail (never the text)."""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, event, exists, func, select
from sqlalchemy.orm import Session

from corpus.splits import split_for
from corpus.vocabulary import LABELS
from serve.store.models_db import PREDICTED, REVIEWER, AuditEvent, QueueItem, Review, ReviewLabel, utcnow

# ---- change counter (the reviewed-case memory, serve/store/review_memory.py, reloads on a change) ----
_CHANGED = "postwacht.reviews_changed"
_generation = itertools.count(1)
_generation_lock = threading.Lock()
_current_generation = 0


def _mark_changed(session: Session) -> None:
    session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _count_committed_change(session: Session) -> None:
    global _current_generation
    if session.info.pop(_CHANGED, False):
        with _generation_lock:
            _current_generation = next(_generation)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_change(session: Session) -> None:
    session.info.pop(_CHANGED, None)


def reviews_generation() -> int:
    """Goes up each time a transaction of this process that stored, deleted or purged reviews commits."""
    return _current_generation


def storable_text(value: str) -> str:
    """Text as stored: lone surrogates and NUL (which PostgreSQL refuses) become U+FFFD."""
    if any(c == "\x00" or "\ud800" <= c <= "\udfff" for c in value):
        return "".join("\ufffd" if c == "\x00" or "\ud800" <= c <= "\udfff" else c for c in value)
    return value


def audit(session: Session, actor: str, action: str, *, token_id: int | None = None,
          review_id: int | None = None, detail: dict[str, Any] | None = None) -> None:
    """Record who did what. `detail` holds ids and counts only, never draft text."""
    session.add(AuditEvent(actor=actor, token_id=token_id, action=action, review_id=review_id,
                           detail=detail or {}))


ESCALATION_SHOWN = "escalation.shown"


def record_escalations_shown(session: Session, *, request_id: str | None, route: str, count: int) -> None:
    """The score routes showed `count` escalating results: only that, the request id and the time;
    never the draft, the escalation text, a token or the caller's id."""
    audit(session, "service", ESCALATION_SHOWN, detail={"request_id": request_id, "route": route, "count": count})


def flagged_labels(result: dict[str, Any]) -> list[str]:
    return [lab for lab in LABELS if result["labels"][lab]["flagged"]]


def create_review(session: Session, *, text: str, role: str, reviewer_labels: list[str], note: str | None,
                  result: dict[str, Any], token_id: int | None, actor: str) -> Review:
    """Store a reviewed draft with the model's result for it (labels, scores, level, version)."""
    predicted = flagged_labels(result)
    mine = sorted(set(reviewer_labels), key=LABELS.index)
    review = Review(
        uid=uuid.uuid4().hex, text=text, role=role, model_version=str(result["model_version"]),
        predicted_level=result["level"], predicted_risk=float(result["risk"]),
        predicted_scores={lab: result["labels"][lab]["score"] for lab in LABELS},
        agrees=set(predicted) == set(mine), note=note, reviewer_token_id=token_id,
    )
    review.labels = ([ReviewLabel(source=PREDICTED, label=lab) for lab in predicted]
                     + [ReviewLabel(source=REVIEWER, label=lab) for lab in mine])
    session.add(review)
    session.flush()
    _mark_changed(session)
    audit(session, actor, "review.create", token_id=token_id, review_id=review.id,
          detail={"agrees": review.agrees, "reviewer_labels": mine, "predicted_labels": predicted,
                  "chars": len(text)})
    return review


@dataclass(frozen=True)
class ReviewFilter:
    label: str | None = None            # the reviewer gave this label
    predicted_label: str | None = None  # the model flagged this label
    disagreement: bool | None = None    # True: reviewer and model differ; False: they agree

    def apply(self, query: Select[Any]) -> Select[Any]:
        for source, label in ((REVIEWER, self.label), (PREDICTED, self.predicted_label)):
            if label:
                query = query.where(exists().where(ReviewLabel.review_id == Review.id,
                                                   ReviewLabel.source == source, ReviewLabel.label == label))
        if self.disagreement is not None:
            query = query.where(Review.agrees.is_(not self.disagreement))
        return query


def list_reviews(session: Session, flt: ReviewFilter, page: int, per_page: int) -> tuple[list[Review], int]:
    total = session.scalar(flt.apply(select(func.count()).select_from(Review))) or 0
    rows = session.scalars(flt.apply(select(Review)).order_by(Review.created_at.desc(), Review.id.desc())
                           .offset((page - 1) * per_page).limit(per_page))
    return list(rows), int(total)


def get_review(session: Session, review_id: int) -> Review | None:
    return session.get(Review, review_id)


def delete_review(session: Session, review: Review, *, token_id: int | None, actor: str) -> None:
    audit(session, actor, "review.delete", token_id=token_id, review_id=review.id)
    session.delete(review)
    _mark_changed(session)


def corpus_row(review: Review) -> dict[str, Any]:
    """A review as one line of corpus/data/*.jsonl (corpus/dataset.py), source 'reviewed'."""
    group = f"g-r-{review.uid[:12]}"
    return {
        "id": f"r-{review.uid[:12]}", "text": review.text, "role": review.role,
        "labels": review.label_set(REVIEWER), "pii": [], "hard_negative": False,
        "group": group, "split": split_for(group), "source": "reviewed",
    }


def iter_corpus_rows(session: Session, batch: int = 500) -> Iterator[dict[str, Any]]:
    query = select(Review).order_by(Review.id).execution_options(yield_per=batch)
    for review in session.scalars(query):
        yield corpus_row(review)


def purge_reviews(session: Session, days: int, *, actor: str, now: datetime | None = None) -> int:
    """Delete reviews older than `days` days (0: keep all). Returns how many were deleted.
    Queued reported messages (serve/store/queue.py) hold text too and follow the same retention."""
    if days <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=days)
    queued = session.execute(delete(QueueItem).where(QueueItem.created_at < cutoff)).rowcount or 0
    old_ids = select(Review.id).where(Review.created_at < cutoff)
    session.execute(delete(ReviewLabel).where(ReviewLabel.review_id.in_(old_ids)))
    count = session.execute(delete(Review).where(Review.created_at < cutoff)).rowcount or 0
    if count:
        _mark_changed(session)
    if count or queued or actor != "system":  # the start-up purge leaves no trace when it deleted nothing
        audit(session, actor, "review.purge", detail={"deleted": count, "retention_days": days,
                                                      **({"queue_deleted": queued} if queued else {})})
    return int(count)
