"""/v1/admin/*: the installer's token (POSTWACHT_ADMIN_TOKEN) manages reviewer tokens and retention,
and reloads the model after `postwacht retrain` or `postwacht models promote|rollback`.

The same actions exist on the command line (`postwacht tokens …`, `postwacht reviews purge`);
the reload also happens by itself within POSTWACHT_MODEL_CHECK_SECONDS.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from model.artifacts import ArtifactError
from serve.http.auth import require_admin
from serve.http.deps import ReloaderDep, SessionDep, SettingsDep
from serve.http.errors import model_not_loadable, token_not_found
from serve.http.schemas import ErrorOut, PurgeOut, ReloadOut, TokenCreate, TokenCreated, TokenOut
from serve.store.models_db import ReviewerToken
from serve.store.reviews import purge_reviews
from serve.store.tokens import add_token, list_tokens, revoke_token

ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409, 422)}
router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)], responses=ERRORS)

TokenId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def token_out(row: ReviewerToken) -> TokenOut:
    return TokenOut(id=row.id, name=row.name, created_at=row.created_at, last_used_at=row.last_used_at,
                    revoked_at=row.revoked_at)


@router.get("/tokens", response_model=list[TokenOut], summary="Reviewer tokens (never the secrets)")
def tokens(session: SessionDep) -> list[TokenOut]:
    return [token_out(row) for row in list_tokens(session)]


@router.post("/tokens", response_model=TokenCreated, status_code=201, summary="Create a reviewer token")
def create_token(body: TokenCreate, session: SessionDep) -> TokenCreated:
    row, secret = add_token(session, body.name, actor="admin")
    session.commit()
    return TokenCreated(**token_out(row).model_dump(), token=secret)


@router.delete("/tokens/{token_id}", response_model=TokenOut, summary="Revoke a reviewer token")
def revoke(token_id: TokenId, session: SessionDep) -> TokenOut:
    row = revoke_token(session, token_id, actor="admin")
    if row is None:
        raise token_not_found(token_id)
    session.commit()
    return token_out(row)


@router.post("/reviews/purge", response_model=PurgeOut, summary="Delete reviews past the retention period")
def purge(session: SessionDep, settings: SettingsDep) -> PurgeOut:
    deleted = purge_reviews(session, settings.review_retention_days, actor="admin")
    session.commit()
    return PurgeOut(deleted=deleted, retention_days=settings.review_retention_days)


@router.post("/reload", response_model=ReloadOut, summary="Serve the model the registry's ACTIVE pointer names")
def reload_model(reloader: ReloaderDep) -> ReloadOut:
    # plain def: loading and verifying a model takes seconds, off the event loop; scoring goes on meanwhile
    try:
        outcome = reloader.reload()
    except ArtifactError as exc:
        raise model_not_loadable(str(exc)) from None
    return ReloadOut(model_version=outcome.model_version, previous_version=outcome.previous_version,
                     changed=outcome.changed)
