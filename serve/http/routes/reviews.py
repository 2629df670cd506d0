"""Reviews: a reviewer records the right labels for a draft; stored with the model's prediction.

Every route needs a reviewer token. Routes are plain `def` (run in the threadpool): database work
and scoring both block.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from fastapi.responses import StreamingResponse

from corpus.settings import REVIEW_PAGE_MAX
from corpus.vocabulary import LABELS
from serve.http.auth import ReviewerDep, require_reviewer
from serve.http.deps import DatabaseDep, ScoringDep, SessionDep, SettingsDep
from serve.http.errors import not_scorable, review_not_found
from serve.http.schemas import ErrorOut, ReviewCreate, ReviewerOut, ReviewOut, ReviewPage, review_out
from serve.http.validation import checked_label, checked_role
from serve.store.reviews import (
    ReviewFilter,
    audit,
    create_review,
    delete_review,
    get_review,
    iter_corpus_rows,
    list_reviews,
    storable_text,
)
from serve.store.tokens import Reviewer

ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (400, 401, 403, 404, 413, 422)}
router = APIRouter(prefix="/v1", tags=["reviews"], dependencies=[Depends(require_reviewer)], responses=ERRORS)

ReviewId = Annotated[int, Path(ge=1, le=2**31 - 1)]
LabelQuery = Annotated[str | None, Query(description="Only reviews the reviewer gave this label.",
                                         json_schema_extra={"enum": list(LABELS)})]


def actor_of(reviewer: Reviewer) -> str:
    return f"token:{reviewer.token_id}"


@router.get("/reviewer", response_model=ReviewerOut, summary="Who this token belongs to (sign-in check)")
def signed_in_reviewer(reviewer: ReviewerDep) -> ReviewerOut:
    return ReviewerOut(token_id=reviewer.token_id, name=reviewer.name)


@router.post("/reviews", response_model=ReviewOut, status_code=201, summary="Store a reviewed draft")
def create(body: ReviewCreate, reviewer: ReviewerDep, session: SessionDep, scoring: ScoringDep,
           settings: SettingsDep) -> ReviewOut:
    role = checked_role(body.text, body.role, settings.max_text_chars)
    text = storable_text(body.text)
    result = scoring.score_blocking({"text": text, "role": role})
    if result["error"]:
        raise not_scorable(result["error"])
    review = create_review(session, text=text, role=role, reviewer_labels=list(body.labels),
                           note=storable_text(body.note) if body.note else None, result=result,
                           token_id=reviewer.token_id, actor=actor_of(reviewer))
    session.commit()
    return review_out(review)


@router.get("/reviews", response_model=ReviewPage, summary="Reviews, newest first, paged and filtered")
def index(reviewer: ReviewerDep, session: SessionDep, label: LabelQuery = None,
          predicted_label: Annotated[str | None, Query(description="Only reviews the model flagged this label.",
                                                       json_schema_extra={"enum": list(LABELS)})] = None,
          disagreement: Annotated[bool | None, Query(description="true: reviewer and model differ")] = None,
          page: Annotated[int, Query(ge=1, le=100_000)] = 1,
          per_page: Annotated[int, Query(ge=1, le=REVIEW_PAGE_MAX)] = 50) -> ReviewPage:
    flt = ReviewFilter(label=checked_label(label), predicted_label=checked_label(predicted_label),
                       disagreement=disagreement)
    rows, total = list_reviews(session, flt, page, per_page)
    audit(session, actor_of(reviewer), "review.list", token_id=reviewer.token_id,
          detail={"returned": len(rows), "page": page})
    session.commit()
    return ReviewPage(items=[review_out(r) for r in rows], total=total, page=page, per_page=per_page)


@router.get("/reviews/export", summary="All reviews as JSONL in the corpus format (source 'reviewed')",
            response_class=StreamingResponse,
            responses={200: {"content": {"application/x-ndjson": {}}}})
def export(reviewer: ReviewerDep, database: DatabaseDep) -> StreamingResponse:
    with database.session() as session:
        audit(session, actor_of(reviewer), "review.export", token_id=reviewer.token_id)

    def lines() -> Iterator[bytes]:
        with database.sessions() as session:
            for row in iter_corpus_rows(session):
                yield (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")

    return StreamingResponse(lines(), media_type="application/x-ndjson",
                             headers={"Content-Disposition": 'attachment; filename="reviewed.jsonl"'})


@router.get("/reviews/{review_id}", response_model=ReviewOut, summary="One review")
def show(review_id: ReviewId, reviewer: ReviewerDep, session: SessionDep) -> ReviewOut:
    review = get_review(session, review_id)
    if review is None:
        raise review_not_found(review_id)
    audit(session, actor_of(reviewer), "review.read", token_id=reviewer.token_id, review_id=review_id)
    session.commit()
    return review_out(review)


@router.delete("/reviews/{review_id}", status_code=204, summary="Delete a review", response_class=Response)
def remove(review_id: ReviewId, reviewer: ReviewerDep, session: SessionDep) -> Response:
    review = get_review(session, review_id)
    if review is None:
        raise review_not_found(review_id)
    delete_review(session, review, token_id=reviewer.token_id, actor=actor_of(reviewer))
    session.commit()
    return Response(status_code=204)
