"""The review queue: reported messages from batch runs (`postwacht reviews import`): those whose
result escalates first, whatever the model's certainty, then the least certain. A reviewer saves
the right labels (the item becomes a review, scored again by the model being served, as POST
/v1/reviews does) or skips it. Every /v1/queue route needs a reviewer token.

`GET /v1/queue/{id}` gives one item with the served model's verdict on it (level, risk, flagged
labels and every score, the evidence, the escalation), so a reviewer judges with context; the
page `/wachtrij` (static/queue.html, queue.js) shows it, and `/wachtrij?item=ID` opens one item
(the batch report links there). The page itself is static and holds no data; it signs in with
the reviewer's token like the staff page.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import FileResponse
from pydantic import Field
from sqlalchemy.orm import Session

from corpus.settings import REVIEW_PAGE_MAX
from serve.http.auth import ReviewerDep, require_reviewer
from serve.http.deps import ScoringDep, SessionDep
from serve.http.errors import not_scorable, queue_item_closed, queue_item_not_found
from serve.http.middleware import PAGE_CSP
from serve.http.routes.page import STATIC_DIR
from serve.http.routes.reviews import actor_of
from serve.http.schemas import ErrorOut, QueueItemDone, QueueItemOut, QueuePage, QueueReviewIn, queue_item_out
from serve.store.models_db import QUEUE_OPEN, QueueItem
from serve.store.queue import get_item, mark_reviewed, mark_skipped, open_items, queue_counts
from serve.store.reviews import audit, create_review, storable_text

ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (401, 403, 404, 409, 422)}
api = APIRouter(prefix="/v1/queue", tags=["reviews"], dependencies=[Depends(require_reviewer)],
                responses=ERRORS)

ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def open_item(session: Session, item_id: int) -> QueueItem:
    item = get_item(session, item_id)
    if item is None:
        raise queue_item_not_found(item_id)
    if item.status != QUEUE_OPEN:
        raise queue_item_closed(item_id, item.status)
    return item


@api.get("", response_model=QueuePage, summary="Open queue items: escalations first, then the least certain")
def index(reviewer: ReviewerDep, session: SessionDep,
          limit: Annotated[int, Query(ge=1, le=REVIEW_PAGE_MAX)] = 20,
          offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> QueuePage:
    items = open_items(session, limit, offset)
    counts = queue_counts(session)
    # the audit records that escalations were shown (how many, which items), never their text
    escalated = [i.id for i in items if i.escalate]
    audit(session, actor_of(reviewer), "queue.list", token_id=reviewer.token_id,
          detail={"returned": len(items), **({"escalations": len(escalated), "escalated_items": escalated}
                                             if escalated else {})})
    session.commit()
    return QueuePage(items=[queue_item_out(i) for i in items], open=counts["open"], done=counts["done"],
                     skipped=counts["skipped"])


class QueueItemDetail(QueueItemOut):
    status: str = Field(description="open, done or skipped.")
    review_id: int | None = Field(default=None, description="The review it became (done).")
    result: dict[str, Any] | None = Field(default=None, description=(
        "The served model's result for the item's text (the result object of the API: level, risk, "
        "labels with scores, findings as evidence, escalation); null once the item is closed."))


@api.get("/{item_id}", response_model=QueueItemDetail,
         summary="One queue item with the served model's verdict and evidence")
def detail(item_id: ItemId, reviewer: ReviewerDep, session: SessionDep, scoring: ScoringDep) -> QueueItemDetail:
    item = get_item(session, item_id)
    if item is None:
        raise queue_item_not_found(item_id)
    result = None
    if item.status == QUEUE_OPEN and item.text:
        scored = scoring.score_blocking({"text": item.text, "role": item.role})
        result = None if scored.get("error") else scored
    audit(session, actor_of(reviewer), "queue.show", token_id=reviewer.token_id, detail={"queue_item": item_id})
    session.commit()
    return QueueItemDetail(**queue_item_out(item).model_dump(), status=item.status, review_id=item.review_id,
                           result=result)


@api.post("/{item_id}/review", response_model=QueueItemDone, summary="Save the right labels for a queue item")
def review(item_id: ItemId, body: QueueReviewIn, reviewer: ReviewerDep, session: SessionDep,
           scoring: ScoringDep) -> QueueItemDone:
    item = open_item(session, item_id)
    result = scoring.score_blocking({"text": item.text, "role": item.role})
    if result["error"]:
        raise not_scorable(result["error"])
    stored = create_review(session, text=item.text, role=item.role, reviewer_labels=list(body.labels),
                           note=storable_text(body.note) if body.note else None, result=result,
                           token_id=reviewer.token_id, actor=actor_of(reviewer))
    mark_reviewed(session, item, stored, token_id=reviewer.token_id, actor=actor_of(reviewer))
    session.commit()
    return QueueItemDone(item_id=item_id, status=item.status, review_id=stored.id,
                         open=queue_counts(session)["open"])


@api.post("/{item_id}/skip", response_model=QueueItemDone, summary="Skip a queue item (no review stored)")
def skip(item_id: ItemId, reviewer: ReviewerDep, session: SessionDep) -> QueueItemDone:
    item = open_item(session, item_id)
    mark_skipped(session, item, token_id=reviewer.token_id, actor=actor_of(reviewer))
    session.commit()
    return QueueItemDone(item_id=item_id, status=item.status, open=queue_counts(session)["open"])


# ---- the page ---------------------------------------------------------------------------------------
router = APIRouter()


@router.get("/wachtrij", include_in_schema=False)
async def page() -> FileResponse:
    """The review queue page (no data of its own: it asks /v1/queue with the reviewer's token)."""
    return FileResponse(STATIC_DIR / "queue.html", media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-cache", "Content-Security-Policy": PAGE_CSP,
                                 "X-Frame-Options": "DENY"})


router.include_router(api)
