"""POST /v1/score and /v1/score/batch: the result object of shared/guide/interface.md."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends

from model.scorer import error_result
from serve.auth import require_scoring_access
from serve.deps import HolderDep, MetricsDep, ScoringDep, SettingsDep
from serve.errors import batch_too_large, not_scorable, text_too_long
from serve.responses import SafeJSONResponse
from serve.schemas import ErrorOut, ScoreRequest, ScoreResult
from serve.validation import checked_role

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 413, 422)
}
router = APIRouter(prefix="/v1", tags=["score"], dependencies=[Depends(require_scoring_access)],
                   responses=ERRORS)

BATCH_EXAMPLE = [{"id": "a", "text": "Wie heeft het nummer van de moeder van Daan?", "role": "ouder"},
                 {"id": "b", "text": "jij bent zo dom, niemand wil jou in de groep", "role": "leerling"}]


@router.post("/score", response_model=ScoreResult, summary="Score one draft")
async def score(request: ScoreRequest, scoring: ScoringDep, settings: SettingsDep,
                metrics: MetricsDep) -> SafeJSONResponse:
    role = checked_role(request.text, request.role, settings.max_text_chars)
    result = await scoring.score({"text": request.text, "role": role, "id": request.id})
    if result["error"]:
        raise not_scorable(result["error"])
    metrics.observe_results([result])
    # The engine's dict is the contract; it is sent as is (response_model documents it).
    return SafeJSONResponse(result)


BatchBody = Annotated[list[Any], Body(
    description=("A JSON list of {text, role?, id?} objects. One result per item, in order; an item that "
                 "cannot be scored gets `error` set and no scores."),
    examples=[BATCH_EXAMPLE])]


@router.post("/score/batch", response_model=list[ScoreResult], summary="Score up to 1,000 drafts")
async def score_batch(items: BatchBody, scoring: ScoringDep, settings: SettingsDep, holder: HolderDep,
                      metrics: MetricsDep) -> SafeJSONResponse:
    if len(items) > settings.max_batch_items:
        raise batch_too_large(len(items), settings.max_batch_items)
    limit = settings.max_text_chars
    too_long = {i for i, item in enumerate(items) if _text_length(item) > limit}
    scored = iter(await scoring.score_many([item for i, item in enumerate(items) if i not in too_long]))
    results = [_too_long_result(item, limit, holder.get().version) if i in too_long else next(scored)
               for i, item in enumerate(items)]
    metrics.observe_results(results)
    return SafeJSONResponse(results)


def _text_length(item: Any) -> int:
    text = item.get("text") if isinstance(item, dict) else None
    return len(text) if isinstance(text, str) else 0


def _too_long_result(item: dict[str, Any], limit: int, version: str) -> dict[str, Any]:
    """An item over the HTTP text limit gets the batch contract's error row (the engine would score it)."""
    exc = text_too_long(len(item["text"]), limit)
    return error_result(item.get("id"), item.get("role"), f"{exc.nl} ({exc.en})", version)
