"""Reviewer tokens: random bearer secrets, stored only as their sha256 (`postwacht tokens …`)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from serve.store.models_db import ReviewerToken, utcnow
from serve.store.reviews import audit

TOKEN_PREFIX = "pwt_"
# last_used_at is a hint for the installer, not an audit trail: write it at most this often.
LAST_USED_RESOLUTION = timedelta(minutes=5)


@dataclass(frozen=True)
class Reviewer:
    """The signed-in reviewer a request acts as."""

    token_id: int
    name: str


def hash_token(token: str) -> str:
    # Tokens are 256-bit random values, so a plain sha256 is enough (no dictionary to guess from).
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token_value() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def add_token(session: Session, name: str, actor: str = "cli") -> tuple[ReviewerToken, str]:
    """Create a token; returns the row and the secret, which is shown once and never stored."""
    value = new_token_value()
    row = ReviewerToken(name=name.strip()[:100] or "reviewer", token_hash=hash_token(value))
    session.add(row)
    session.flush()
    audit(session, actor, "token.add", detail={"token_id": row.id})
    return row, value


def list_tokens(session: Session) -> list[ReviewerToken]:
    return list(session.scalars(select(ReviewerToken).order_by(ReviewerToken.id)))


def revoke_token(session: Session, token_id: int, actor: str = "cli") -> ReviewerToken | None:
    row = session.get(ReviewerToken, token_id)
    if row is None:
        return None
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit(session, actor, "token.revoke", detail={"token_id": row.id})
    return row


def find_token(session: Session, value: str) -> ReviewerToken | None:
    """The token row for a presented secret (revoked ones included), else None."""
    return session.scalars(select(ReviewerToken).where(ReviewerToken.token_hash == hash_token(value))).first()


def touch(row: ReviewerToken, now: datetime | None = None) -> None:
    now = now or utcnow()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        row.last_used_at = now
