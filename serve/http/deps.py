"""Dependencies that hand out what the app's lifespan set up (scoring, database, settings, metrics,
the model reloader)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from serve.config import Settings
from serve.http.errors import service_unavailable
from serve.http.metrics import Metrics
from serve.http.scoring import ScoringService
from serve.http.state import ModelReloader, ScorerHolder
from serve.store.database import Database


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_metrics(request: Request) -> Metrics:
    return request.app.state.metrics


def get_holder(request: Request) -> ScorerHolder:
    return request.app.state.holder


def get_reloader(request: Request) -> ModelReloader:
    return request.app.state.reloader


def get_scoring(request: Request) -> ScoringService:
    service = getattr(request.app.state, "scoring", None)
    if service is None:
        raise service_unavailable()
    return service


def get_database(request: Request) -> Database:
    database = getattr(request.app.state, "database", None)
    if database is None:
        raise service_unavailable()
    return database


def get_session(database: Annotated[Database, Depends(get_database)]) -> Iterator[Session]:
    """A session per request; routes that write call session.commit() before they answer."""
    with database.sessions() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
HolderDep = Annotated[ScorerHolder, Depends(get_holder)]
ReloaderDep = Annotated[ModelReloader, Depends(get_reloader)]
ScoringDep = Annotated[ScoringService, Depends(get_scoring)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[Session, Depends(get_session)]
