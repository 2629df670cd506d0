"""One ASGI middleware around every request: body-size limit, metrics, an access log line with
ids, sizes and timings only (never bodies or text), security headers, and a JSON 500 for any
unexpected error without a stack trace for the client or the exception message in the log."""

from __future__ import annotations

import logging
import re
import time
import traceback
import uuid
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from corpus.settings import HTTP_MAX_BATCH_BODY_BYTES, HTTP_MAX_BODY_BYTES
from serve.http.errors import INTERNAL, error_body
from serve.http.metrics import Metrics
from serve.http.responses import SafeJSONResponse
from serve.http.routes.docs import DOCS_PATHS

log = logging.getLogger("postwacht.http")

# Paths whose bodies may be large (a batch of up to MAX_BATCH_ITEMS drafts): HTTP_MAX_BATCH_BODY_BYTES.
LARGE_BODY_PATHS = frozenset({"/v1/score/batch"})
# The page loads nothing from elsewhere. Neither do the API docs (serve/http/routes/docs.py, assets
# from the installed fastapi-offline package); their pages start Swagger UI / ReDoc with an inline
# script, and ReDoc runs a worker from a blob.
PAGE_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
DOCS_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; connect-src 'self'; "
            "frame-ancestors 'none'; base-uri 'none'")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _route_name(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else "unmatched"


def _is_page(path: str) -> bool:
    return path == "/" or path.startswith("/static/")


def _is_docs(path: str) -> bool:
    return path in DOCS_PATHS or path.startswith(DOCS_PATHS[-1])


def _safe_traceback(exc: BaseException) -> str:
    """Where it failed, without the exception message (which could quote a draft)."""
    frames = traceback.format_tb(exc.__traceback__)
    return "".join(frames[-8:]).rstrip()


class RequestObserver:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        headers = Headers(scope=scope)
        given_id = headers.get("x-request-id", "")
        request_id = given_id if _REQUEST_ID.match(given_id) else uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = request_id  # request.state.request_id (the audit trail)
        path: str = scope.get("path", "")
        limit = HTTP_MAX_BATCH_BODY_BYTES if path in LARGE_BODY_PATHS else HTTP_MAX_BODY_BYTES
        state: dict[str, Any] = {"status": 500, "started": False, "in": 0, "out": 0}

        async def limited_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["in"] += len(message.get("body", b""))
                if state["in"] > limit:
                    raise HTTPException(413)  # FastAPI re-raises it; serve/http/errors.py answers in JSON
            return message

        async def observed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"], state["started"] = message["status"], True
                out = MutableHeaders(scope=message)
                out["x-request-id"] = request_id
                out["x-content-type-options"] = "nosniff"
                out["referrer-policy"] = "no-referrer"
                if _is_page(path):
                    out["content-security-policy"] = PAGE_CSP
                    out["x-frame-options"] = "DENY"
                elif _is_docs(path):
                    out["content-security-policy"] = DOCS_CSP
            elif message["type"] == "http.response.body":
                state["out"] += len(message.get("body", b""))
            await send(message)

        try:
            declared = int(headers.get("content-length") or 0)
        except ValueError:
            declared = 0
        try:
            if declared > limit:
                response = SafeJSONResponse(error_body("request_too_large", "Het verzoek is te groot.",
                                                       "Request body too large.", max_bytes=limit),
                                            status_code=413)
                await response(scope, receive, observed_send)
            else:
                await self.app(scope, limited_receive, observed_send)
        except Exception as exc:
            log.error("rid=%s unhandled %s on %s %s\n%s", request_id, type(exc).__name__, scope.get("method"),
                      _route_name(scope), _safe_traceback(exc))
            if not state["started"]:
                code, nl, en = INTERNAL
                await SafeJSONResponse(error_body(code, nl, en, request_id=request_id), status_code=500)(
                    scope, receive, observed_send)
            state["status"] = 500
        finally:
            elapsed = time.perf_counter() - start
            route = _route_name(scope)
            self.metrics.observe_request(route, scope.get("method", "?"), state["status"], elapsed)
            log.info("rid=%s %s %s %d in=%dB out=%dB %.1fms", request_id, scope.get("method"), route,
                     state["status"], max(declared, state["in"]), state["out"], elapsed * 1000)
