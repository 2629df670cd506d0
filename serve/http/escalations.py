"""The audit trail of escalations shown by the score routes.

A result that escalates (someone besides the author must act) is shown to whoever asked; the
service keeps neither the draft nor the escalation text. It records only that escalations were
shown: the request id, the route, how many, and when (the audit row's time). No text, no token
and no caller's id, which could name a person. Recording must never stand between the author and
the escalation: when it fails, the result still goes out and only a warning (no text) is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from serve.store.database import Database
from serve.store.reviews import record_escalations_shown

log = logging.getLogger("postwacht.http")


def count_escalations(results: Iterable[dict[str, Any]]) -> int:
    return sum(1 for result in results if result.get("escalate") is True)


def _record(database: Database, request_id: str | None, route: str, count: int) -> None:
    with database.session() as session:
        record_escalations_shown(session, request_id=request_id, route=route, count=count)


async def audit_escalations(request: Request, route: str, results: Iterable[dict[str, Any]]) -> None:
    """Record that this request showed escalations, if it did."""
    count = count_escalations(results)
    if not count:
        return
    request_id = getattr(request.state, "request_id", None)
    database = getattr(request.app.state, "database", None)
    if database is None:
        log.warning("rid=%s escalation shown; audit event not recorded (no database)", request_id)
        return
    try:
        await run_in_threadpool(_record, database, request_id, route, count)
    except Exception as exc:  # the result goes out whatever happens here
        log.warning("rid=%s escalation shown; audit event not recorded (%s)", request_id, type(exc).__name__)
