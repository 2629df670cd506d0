"""GET /healthz (process up), /readyz (model loaded, database reachable), /metrics (Prometheus)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from serve.http.deps import HolderDep, MetricsDep
from serve.http.responses import SafeJSONResponse
from serve.http.schemas import HealthOut, ReadyOut

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthOut, summary="The process is up")
async def healthz() -> HealthOut:
    return HealthOut(status="ok")


@router.get("/readyz", response_model=ReadyOut, summary="Model loaded and database reachable",
            responses={503: {"model": ReadyOut}})
async def readyz(request: Request, holder: HolderDep) -> SafeJSONResponse:
    database = getattr(request.app.state, "database", None)
    db_ok = database is not None and await run_in_threadpool(database.ping)
    model_ok = holder.ready()
    body = ReadyOut(status="ready" if db_ok and model_ok else "not ready",
                    model_version=holder.get().version if model_ok else None,
                    database="ok" if db_ok else "unreachable")
    return SafeJSONResponse(body.model_dump(), status_code=200 if db_ok and model_ok else 503)


@router.get("/metrics", summary="Prometheus metrics (text format)",
            responses={200: {"content": {"text/plain": {}}}})
async def metrics(metrics: MetricsDep) -> Response:
    return Response(metrics.render(), media_type=metrics.content_type)
