"""Who may call what: reviewer tokens (Authorization: Bearer …) and the installer's admin token."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from serve.http.deps import DatabaseDep, SettingsDep, get_database
from serve.http.errors import admin_disabled, token_invalid, token_missing
from serve.store.tokens import Reviewer, find_token, touch


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def require_reviewer(request: Request, database: DatabaseDep) -> Reviewer:
    """A valid, unrevoked reviewer token: 401 when none is sent, 403 when it is unknown or revoked."""
    value = bearer_token(request)
    if value is None:
        raise token_missing()
    with database.session() as session:
        row = find_token(session, value)
        if row is None or not row.active:
            raise token_invalid()
        touch(row)
        return Reviewer(token_id=row.id, name=row.name)


async def require_scoring_access(request: Request, settings: SettingsDep) -> None:
    """Scoring is open on localhost; POSTWACHT_REQUIRE_TOKEN_FOR_SCORING (or a public bind) closes it.

    Async so the open case costs no threadpool hop; the token check itself runs in the threadpool.
    """
    if settings.require_token_for_scoring:
        await run_in_threadpool(require_reviewer, request, get_database(request))


def require_admin(request: Request, settings: SettingsDep) -> str:
    if not settings.admin_token:
        raise admin_disabled()
    value = bearer_token(request)
    if value is None:
        raise token_missing()
    if not hmac.compare_digest(value.encode("utf-8", "surrogatepass"),
                               settings.admin_token.encode("utf-8", "surrogatepass")):
        raise token_invalid()
    return "admin"


ReviewerDep = Annotated[Reviewer, Depends(require_reviewer)]
AdminDep = Annotated[str, Depends(require_admin)]
