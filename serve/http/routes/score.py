"""POST /v1/score and /v1/score/batch: the result object of shared/guide/interface.md.

Every result goes out through `response_model` (model/result.py's ScoreResult): FastAPI validates
it, so a result that breaks the contract is a 500, never a silently different body. Unset optional
fields are left out (`response_model_exclude_unset`), so the body equals the Python API's dict.
A result that escalates is returned as is; the audit trail records only that it was shown
(serve/http/escalations.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request

from model.scorer import error_result
from serve.http.auth import require_scoring_access
from serve.http.deps import HolderDep, MetricsDep, ScoringDep, SettingsDep
from serve.http.errors import batch_too_large, not_scorable, protocol_or_404, text_too_long
from serve.http.escalations import audit_escalations
from serve.http.schemas import SCHOOL_DOC, ErrorOut, ScoreRequest, ScoreResult
from serve.http.validation import checked_role

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 413, 422)
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
    result = await scoring.score({"text": request.text, "role": role, "id": request.id, "school": school})
    if result["error"]:
        raise not_scorable(result["error"])
    metrics.observe_results([result])
    await audit_escalations(http, "/v1/score", [result])
    return result


BatchBody = Annotated[list[Any], Body(
    description=("A JSON list of {text, role?, id?, school?} objects. One result per item, in order; an item "
                 "that cannot be scored (no text, unknown role or school, text too long) gets `error` set "
                 "and no scores."),
    examples=[BATCH_EXAMPLE])]
SchoolQuery = Annotated[str | None, Query(description="The school for items that name none. " + SCHOOL_DOC)]


@router.post("/score/batch", response_model=list[ScoreResult], response_model_exclude_unset=True,
             summary="Score up to 1,000 drafts")
async def score_batch(items: BatchBody, scoring: ScoringDep, settings: SettingsDep, holder: HolderDep,
                      metrics: MetricsDep, http: Request, school: SchoolQuery = None) -> list[dict[str, Any]]:
    if len(items) > settings.max_batch_items:
        raise batch_too_large(len(items), settings.max_batch_items)
    school = school or None
    protocol_or_404(school)
    limit = settings.max_batch_text_chars
    too_long = {i for i, item in enumerate(items) if _text_length(item) > limit}
    todo = [_with_school(item, school) for i, item in enumerate(items) if i not in too_long]
    scored = iter(await scoring.score_many(todo))
    results = [_too_long_result(item, limit, holder.get().version) if i in too_long else next(scored)
               for i, item in enumerate(items)]
    metrics.observe_results(results)
    await audit_escalations(http, "/v1/score/batch", results)
    return results


def _with_school(item: Any, school: str | None) -> Any:
    """An item without a school of its own gets the request's (the query parameter)."""
    if school and isinstance(item, dict) and item.get("school") in (None, ""):
        return {**item, "school": school}
    return item


def _text_length(item: Any) -> int:
    text = item.get("text") if isinstance(item, dict) else None
    return len(text) if isinstance(text, str) else 0


def _too_long_result(item: dict[str, Any], limit: int, version: str) -> dict[str, Any]:
    """An item over the HTTP text limit gets the batch contract's error row (the engine would score it)."""
    exc = text_too_long(len(item["text"]), limit)
    return error_result(item.get("id"), item.get("role"), f"{exc.nl} ({exc.en})", version)
