"""POST /v1/score and /v1/score/batch: the result object of shared/guide/interface.md.

Every result goes out through `response_model` (model/result.py's ScoreResult): FastAPI validates
it, so a result that breaks the contract is a 500, never a silently different body. Unset optional
fields are left out (`response_model_exclude_unset`), so the body equals the Python API's dict.
A result that escalates is returned as is; the audit trail records only that it was shown
(serve/http/escalations.py).

Over HTTP an id is a string: a number is stringified, anything else (NaN, Infinity, 1e400, true, a
list) is refused: a 422 for one draft, an error row for a batch item. An empty or whitespace-only
text is refused the same way. The scoring queues answer 429 with Retry-After when full
(serve/http/scoring.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request

from model.scorer import error_result
from serve.http.auth import require_scoring_access
from serve.http.deps import HolderDep, MetricsDep, ScoringDep, SettingsDep
from serve.http.errors import (
    EMPTY_TEXT_EN,
    EMPTY_TEXT_NL,
    ApiError,
    batch_too_large,
    batch_too_many_chars,
    busy,
    not_scorable,
    protocol_or_404,
    text_too_long,
)
from serve.http.escalations import audit_escalations
from serve.http.schemas import SCHOOL_DOC, ErrorOut, ScoreRequest, ScoreResult
from serve.http.scoring import ServiceBusy, text_chars
from serve.http.validation import InvalidIdError, checked_role, id_string, is_blank

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 413, 422, 429)
}
router = APIRouter(prefix="/v1", tags=["score"], dependencies=[Depends(require_scoring_access)],
                   responses=ERRORS)

BATCH_EXAMPLE = [{"id": "a", "text": "Wie heeft het nummer van de moeder van Daan?", "role": "ouder"},
                 {"id": "b", "text": "jij bent zo dom, niemand wil jou in de groep", "role": "leerling"}]


@router.post("/score", response_model=ScoreResult, response_model_exclude_unset=True, summary="Score one draft")
async def score(request: ScoreRequest, scoring: ScoringDep, settings: SettingsDep,
                metrics: MetricsDep, http: Request) -> dict[str, Any]:
    role = checked_role(request.text, request.role, settings.max_text_chars)
    school = request.school or None
    protocol_or_404(school)  # 422 listing the valid schools
    try:
        result = await scoring.score({"text": request.text, "role": role, "id": request.id, "school": school})
    except ServiceBusy as exc:
        raise busy(exc.retry_after, exc.batch) from None
    if result["error"]:
        raise not_scorable(result["error"])
    metrics.observe_results([result])
    await audit_escalations(http, "/v1/score", [result])
    return result


BatchBody = Annotated[list[Any], Body(
    description=("A JSON list of {text, role?, id?, school?} objects. One result per item, in order; an item "
                 "that cannot be scored (no text, an empty text, unknown role or school, text too long, an id "
                 "that is not a string or a finite number) gets `error` set and no scores. Ids come back as "
                 "strings (numbers stringified)."),
    examples=[BATCH_EXAMPLE])]
SchoolQuery = Annotated[str | None, Query(description="The school for items that name none. " + SCHOOL_DOC)]


@router.post("/score/batch", response_model=list[ScoreResult], response_model_exclude_unset=True,
             summary="Score up to 1,000 drafts (500,000 characters in all)")
async def score_batch(items: BatchBody, scoring: ScoringDep, settings: SettingsDep, holder: HolderDep,
                      metrics: MetricsDep, http: Request, school: SchoolQuery = None) -> list[dict[str, Any]]:
    if len(items) > settings.max_batch_items:
        raise batch_too_large(len(items), settings.max_batch_items)
    school = school or None
    protocol_or_404(school)
    version = holder.get().version
    checked = [_checked_item(item, school, settings.max_batch_text_chars, version) for item in items]
    todo = [item for item, error in checked if error is None]
    total = sum(map(text_chars, todo))
    if total > settings.max_batch_total_chars:
        raise batch_too_many_chars(total, settings.max_batch_total_chars)
    try:
        scored = iter(await scoring.score_many(todo))
    except ServiceBusy as exc:
        raise busy(exc.retry_after, exc.batch) from None
    results = [next(scored) if error is None else error for _, error in checked]
    metrics.observe_results(results)
    await audit_escalations(http, "/v1/score/batch", results)
    return results


def _checked_item(item: Any, school: str | None, limit: int, version: str
                  ) -> tuple[Any, dict[str, Any] | None]:
    """(the item to score, None), or (item, its error row) for what the HTTP API refuses per item:
    an id that is not a string or finite number, a text over the limit, an empty text. Other
    problems (not an object, no text, a bad role or school) are the engine's error rows."""
    if not isinstance(item, dict):
        return item, None
    role = item.get("role")
    try:
        item_id = id_string(item.get("id"))
    except InvalidIdError as exc:
        return item, error_result(None, role, str(exc), version)
    text = item.get("text")
    if isinstance(text, str) and len(text) > limit:
        return item, _error_row(item_id, role, text_too_long(len(text), limit), version)
    if isinstance(text, str) and is_blank(text):
        return item, error_result(item_id, role, f"{EMPTY_TEXT_NL} ({EMPTY_TEXT_EN})", version)
    item = {**item, "id": item_id}
    if school and item.get("school") in (None, ""):
        item["school"] = school  # an item without a school of its own gets the request's
    return item, None


def _error_row(item_id: str | None, role: object, exc: ApiError, version: str) -> dict[str, Any]:
    return error_result(item_id, role, f"{exc.nl} ({exc.en})", version)
