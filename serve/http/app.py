"""The app factory: `create_app()` for `postwacht serve`, `create_app(settings, scorer=...)` in tests.

Start-up (lifespan): check every school's protocol file (a bad one stops the service), migrate the database, purge reviews past retention, load the active model
once (unless a Scorer was handed in), start the scoring worker and, when configured, the check of
the models/ACTIVE pointer that loads a promoted or rolled-back model without a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version as _package_version

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from corpus.protocol import Protocol, ProtocolError, load_all_protocols
from model import Scorer, load_scorer
from serve.config import Settings
from serve.http.auth import FailedTokenLimiter
from serve.http.errors import EXCEPTION_HANDLERS
from serve.http.metrics import Metrics
from serve.http.middleware import RequestObserver
from serve.http.responses import SafeJSONResponse
from serve.http.routes import admin, health, page, protocol, queue, reviews, score
from serve.http.routes.docs import add_docs
from serve.http.routes.page import STATIC_DIR
from serve.http.scoring import ScoringService
from serve.http.state import ModelReloader, ScorerHolder
from serve.store.database import Database
from serve.store.review_memory import StoreMemory
from serve.store.reviews import purge_reviews

log = logging.getLogger("postwacht.serve")

DESCRIPTION = """\
Controleert concepten voor social media tegen het Social Media Protocol van KC De Marel.
(Checks social-media drafts against the school's Social Media Protocol.)

Scoring is open on localhost; review routes need `Authorization: Bearer <reviewer token>`
(`postwacht tokens add NAME`). Behind a reverse proxy scoring needs a token too (docs/deploy.md).
Errors carry a `code` and a message in Dutch and English; 429 answers carry `Retry-After`.
"""


def check_protocols() -> dict[str | None, Protocol]:
    """The default protocol and every school's (POSTWACHT_PROTOCOL_DIR), each validated. Raises
    ProtocolError, after logging every problem, when one cannot be used: the service does not start."""
    try:
        protocols = load_all_protocols()
    except ProtocolError as exc:
        log.error("protocol %s cannot be used, the service does not start:\n%s", exc.source,
                  "\n".join(f"  - {problem}" for problem in exc.problems))
        raise
    schools = [s for s in protocols if s]
    log.info("protocols: default %s%s", protocols[None].school_name,
             f"; schools {', '.join(schools)}" if schools else "")
    return protocols


def _start(app: FastAPI, settings: Settings, holder: ScorerHolder, metrics: Metrics) -> Database:
    check_protocols()
    database = Database(settings.database_url)
    database.migrate()
    if settings.review_retention_days:
        with database.session() as session:
            deleted = purge_reviews(session, settings.review_retention_days, actor="system")
        if deleted:
            log.info("retention: deleted %d reviews older than %d days", deleted, settings.review_retention_days)
    if not holder.ready():
        holder.swap(load_scorer())
    metrics.set_model_version(holder.get().version)
    log.info("model %s loaded; database %s", holder.get().version, database.dialect)
    return database


# `postwacht serve --workers N` passes the listening host to its worker processes in this variable
SERVE_HOST_ENV = "POSTWACHT_SERVE_HOST"


def create_worker_app() -> FastAPI:
    """The app of one of several server processes (`postwacht serve --workers N`, uvicorn's
    factory): settings from the environment, the host the parent listens on from SERVE_HOST_ENV.
    Each process loads the model once; the parent has migrated the database before they start."""
    return create_app(Settings.from_env(host=os.environ.get(SERVE_HOST_ENV, "127.0.0.1")))


def create_app(settings: Settings | None = None, scorer: Scorer | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    metrics = Metrics()
    holder = ScorerHolder(scorer)
    reloader = ModelReloader(holder, on_swap=metrics.set_model_version)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = await run_in_threadpool(_start, app, settings, holder, metrics)
        scoring = ScoringService(holder)
        scoring.memory = StoreMemory(database)  # reviewed drafts answered as reviewed (issue 12)
        app.state.database, app.state.scoring = database, scoring
        watcher = (asyncio.create_task(reloader.watch(settings.model_check_seconds))
                   if settings.model_check_seconds > 0 else None)
        try:
            yield
        finally:
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher
            app.state.database, app.state.scoring = None, None
            scoring.close()
            database.dispose()

    app = FastAPI(
        title="Postwacht", version=_package_version("postwacht"), description=DESCRIPTION, lifespan=lifespan,
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        default_response_class=SafeJSONResponse,
        docs_url=None, redoc_url=None,  # add_docs: the same pages with their assets served from here
    )
    app.state.settings, app.state.metrics, app.state.holder = settings, metrics, holder
    app.state.token_limiter = FailedTokenLimiter()
    app.state.reloader = reloader
    app.state.database, app.state.scoring = None, None
    for module in (score, protocol, reviews, queue, admin, health, page):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    add_docs(app)
    if settings.cors_origins:  # off unless the installer lists origins
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                           allow_methods=["GET", "POST", "DELETE"], allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(RequestObserver, metrics=metrics)  # added last: outermost
    return app
