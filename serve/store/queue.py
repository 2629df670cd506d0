"""The review queue: reported messages scored in batch wait here for a reviewer. Messages whose
result escalates (a care signal, or a serious threat or sexual message: someone besides the author
must act) come first, whatever the model's certainty; then the least certain first.

`postwacht reviews import results.jsonl [--input drafts.jsonl]` fills it from batch results (which
carry scores but no text: the text comes from the results themselves or from the original input,
matched by id). Only whether a result escalates is kept, never its escalation text. An item's
uncertainty is min over labels of |score - threshold|, with the thresholds
of the model version that scored it: the smaller, the nearer the model was to deciding otherwise.
Reviewers work through it in the page (serve/http/routes/queue.py); a reviewed item becomes a review in the
store and keeps no text of its own. Items follow the reviews' retention (reviews.purge_reviews).
Nothing here logs text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from corpus.settings import QUEUE_DEFAULT_THRESHOLD
from corpus.vocabulary import LABELS, InvalidRoleError, check_role
from serve.store.models_db import QUEUE_DONE, QUEUE_OPEN, QUEUE_SKIPPED, QueueItem, Review
from serve.store.reviews import audit, storable_text


def text_hash(text: str, role: str) -> str:
    return hashlib.sha256(f"{role}\x00{text}".encode("utf-8", "surrogatepass")).hexdigest()


def uncertainty(scores: Mapping[str, float], thresholds: Mapping[str, float]) -> float:
    """How close the model came to flagging differently: min over labels of |score - threshold|."""
    return min(abs(float(scores[lab]) - float(thresholds.get(lab, QUEUE_DEFAULT_THRESHOLD))) for lab in LABELS)


@dataclass
class ImportOutcome:
    added: int = 0
    already_queued: int = 0
    not_scored: int = 0          # result rows with an error and no scores
    missing_text: int = 0        # no text in the results and no input row with that id
    bad_role: int = 0
    escalations: int = 0         # added items whose result escalates (they go to the top)
    ids_missing_text: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return self.not_scored + self.missing_text + self.bad_role


def _scores(result: Mapping[str, Any]) -> dict[str, float] | None:
    labels = result.get("labels")
    if result.get("error") or not isinstance(labels, Mapping):
        return None
    try:
        return {lab: float(labels[lab]["score"]) for lab in LABELS}
    except (KeyError, TypeError, ValueError):
        return None


def import_results(session: Session, results: Iterable[Mapping[str, Any]], source: str, *,
                   texts: Mapping[str, tuple[Any, Any]] | None = None,
                   thresholds_for: Callable[[str | None], Mapping[str, float]] = lambda _v: {},
                   actor: str = "cli") -> ImportOutcome:
    """Queue batch result rows. `texts` maps a row id to (text, role) from the batch input;
    `thresholds_for(model_version)` gives the thresholds the uncertainty is measured against.
    A message already in the queue (same text and role) is not queued twice."""
    texts = texts or {}
    outcome = ImportOutcome()
    pending: dict[str, QueueItem] = {}
    for result in results:
        row_id = str(result.get("id"))
        scores = _scores(result)
        if scores is None:
            outcome.not_scored += 1
            continue
        text, role = result.get("text"), result.get("role")
        if not isinstance(text, str) and row_id in texts:
            text, input_role = texts[row_id]
            role = role or input_role
        if not isinstance(text, str) or not text.strip():
            outcome.missing_text += 1
            outcome.ids_missing_text.append(row_id)
            continue
        try:
            role = check_role(role)
        except InvalidRoleError:
            outcome.bad_role += 1
            continue
        text = storable_text(text)
        key = text_hash(text, role)
        if key in pending:
            outcome.already_queued += 1
            continue
        version = str(result.get("model_version") or "")
        flagged = [lab for lab in LABELS if result["labels"][lab].get("flagged")]
        pending[key] = QueueItem(text_hash=key, source=source[:200], source_id=row_id[:200], text=text, role=role,
                                 model_version=version[:120], predicted_scores=scores, predicted_labels=flagged,
                                 uncertainty=round(uncertainty(scores, thresholds_for(version or None)), 6),
                                 escalate=result.get("escalate") is True, status=QUEUE_OPEN)
    known: set[str] = set()
    keys = list(pending)
    for start in range(0, len(keys), 500):
        known.update(session.scalars(select(QueueItem.text_hash).where(QueueItem.text_hash.in_(keys[start:start + 500]))))
    for key, item in pending.items():
        if key in known:
            outcome.already_queued += 1
            continue
        session.add(item)
        outcome.added += 1
        outcome.escalations += int(item.escalate)
    session.flush()
    audit(session, actor, "queue.import", detail={"added": outcome.added, "already_queued": outcome.already_queued,
                                                  "skipped": outcome.skipped, "escalations": outcome.escalations})
    return outcome


def queue_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(QueueItem.status, func.count()).group_by(QueueItem.status)).all()
    counts = {QUEUE_OPEN: 0, QUEUE_DONE: 0, QUEUE_SKIPPED: 0}
    counts.update({status: int(n) for status, n in rows})
    return counts


def open_items(session: Session, limit: int, offset: int = 0) -> list[QueueItem]:
    """Open items: those whose result escalates first, whatever the model's certainty; then the
    least certain first (ties: oldest first)."""
    query = (select(QueueItem).where(QueueItem.status == QUEUE_OPEN)
             .order_by(QueueItem.escalate.desc(), QueueItem.uncertainty, QueueItem.id).offset(offset).limit(limit))
    return list(session.scalars(query))


def get_item(session: Session, item_id: int) -> QueueItem | None:
    return session.get(QueueItem, item_id)


def mark_reviewed(session: Session, item: QueueItem, review: Review, *, token_id: int | None, actor: str) -> None:
    """The item became `review`; its text now lives only there."""
    item.status, item.review_id, item.text = QUEUE_DONE, review.id, ""
    audit(session, actor, "queue.review", token_id=token_id, review_id=review.id, detail={"queue_item": item.id})


def mark_skipped(session: Session, item: QueueItem, *, token_id: int | None, actor: str) -> None:
    item.status = QUEUE_SKIPPED
    audit(session, actor, "queue.skip", token_id=token_id, detail={"queue_item": item.id})

