"""Who may call what: reviewer tokens (Authorization: Bearer …) and the installer's admin token.

Wrong tokens are rate-limited per client (FailedTokenLimiter): a client that sent
AUTH_FAILURE_BURST wrong or revoked tokens in a burst gets 429 with Retry-After for every token it
sends, right or wrong, until its allowance refills (AUTH_FAILURES_PER_SECOND), so guessing tokens
costs seconds per guess. The client is its address as uvicorn reports it: behind a reverse proxy on
a trusted address (uvicorn's FORWARDED_ALLOW_IPS, default 127.0.0.1) that is the address from the
proxy's X-Forwarded-For (docs/deploy.md).
"""

from __future__ import annotations

import hmac
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from corpus.settings import AUTH_FAILURE_BURST, AUTH_FAILURE_MAX_CLIENTS, AUTH_FAILURES_PER_SECOND
from serve.config import is_loopback
from serve.http.deps import DatabaseDep, SettingsDep, get_database
from serve.http.errors import admin_disabled, token_invalid, token_missing, too_many_failed_tokens
from serve.store.database import Database
from serve.store.tokens import Reviewer, find_token, touch

# Headers a reverse proxy adds: a request that carries one did not come straight from this machine.
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


class FailedTokenLimiter:
    """A token bucket per client for failed token checks: `burst` failures at once, refilled at
    `per_second`. Thread-safe (the reviewer check runs in the threadpool); at most `max_clients`
    clients are tracked, the least recently seen are forgotten first."""

    def __init__(self, burst: int = AUTH_FAILURE_BURST, per_second: float = AUTH_FAILURES_PER_SECOND,
                 max_clients: int = AUTH_FAILURE_MAX_CLIENTS, clock: Callable[[], float] = time.monotonic) -> None:
        self.burst, self.per_second, self.max_clients = float(burst), per_second, max_clients
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (allowance, at)
        self._lock = threading.Lock()

    def _allowance(self, client: str, now: float) -> float:
        allowance, at = self._buckets.get(client, (self.burst, now))
        return min(self.burst, allowance + (now - at) * self.per_second)

    def retry_after(self, client: str) -> int | None:
        """Seconds the client must wait before its next token is checked, or None when it may go on."""
        with self._lock:
            now = self.clock()
            allowance = self._allowance(client, now)
            if allowance >= 1:
                return None
            return max(1, math.ceil((1 - allowance) / self.per_second))

    def failed(self, client: str) -> None:
        """Count one wrong token of this client."""
        with self._lock:
            now = self.clock()
            self._buckets[client] = (max(0.0, self._allowance(client, now) - 1), now)
            self._buckets.move_to_end(client)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def get_limiter(request: Request) -> FailedTokenLimiter:
    return request.app.state.token_limiter


LimiterDep = Annotated[FailedTokenLimiter, Depends(get_limiter)]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _not_limited(request: Request, limiter: FailedTokenLimiter) -> str:
    client = client_key(request)
    wait = limiter.retry_after(client)
    if wait is not None:
        raise too_many_failed_tokens(wait)
    return client


def check_reviewer(request: Request, database: Database, limiter: FailedTokenLimiter) -> Reviewer:
    """A valid, unrevoked reviewer token: 401 when none is sent, 403 when it is unknown or revoked,
    429 when this client sent too many wrong tokens."""
    value = bearer_token(request)
    if value is None:
        raise token_missing()
    client = _not_limited(request, limiter)
    with database.session() as session:
        row = find_token(session, value)
        if row is None or not row.active:
            limiter.failed(client)
            raise token_invalid()
        touch(row)
        return Reviewer(token_id=row.id, name=row.name)


def require_reviewer(request: Request, database: DatabaseDep, limiter: LimiterDep) -> Reviewer:
    return check_reviewer(request, database, limiter)


def came_through_proxy(request: Request) -> bool:
    """A request from another machine, or relayed by a reverse proxy (it carries a proxy header)."""
    client = request.client.host if request.client else ""
    return not is_loopback(client) or any(h in request.headers for h in PROXY_HEADERS)


async def require_scoring_access(request: Request, settings: SettingsDep) -> None:
    """Scoring is open on localhost; POSTWACHT_REQUIRE_TOKEN_FOR_SCORING (or a public bind) closes it,
    and in the default (auto) mode on a loopback bind a request relayed by a reverse proxy needs a
    token too.

    Async so the open case costs no threadpool hop; the token check itself runs in the threadpool.
    """
    if settings.require_token_for_scoring or (settings.token_for_proxied_scoring and came_through_proxy(request)):
        await run_in_threadpool(check_reviewer, request, get_database(request), get_limiter(request))


def require_admin(request: Request, settings: SettingsDep, limiter: LimiterDep) -> str:
    if not settings.admin_token:
        raise admin_disabled()
    value = bearer_token(request)
    if value is None:
        raise token_missing()
    client = _not_limited(request, limiter)
    if not hmac.compare_digest(value.encode("utf-8", "surrogatepass"),
                               settings.admin_token.encode("utf-8", "surrogatepass")):
        limiter.failed(client)
        raise token_invalid()
    return "admin"


ReviewerDep = Annotated[Reviewer, Depends(require_reviewer)]
AdminDep = Annotated[str, Depends(require_admin)]
