"""Helpers for the serve/ tests (test_api_*, test_reviews_*): apps on temporary databases.

Review tests run on SQLite always and on PostgreSQL when POSTWACHT_TEST_POSTGRES_URL is set
(`.ci/setup-system.sh` prints one).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from model import Scorer
from serve.config import Settings, normalize_database_url
from serve.http.app import create_app
from serve.http.auth import FailedTokenLimiter
from serve.store.database import Database
from serve.store.tokens import add_token

POSTGRES_ENV = "POSTWACHT_TEST_POSTGRES_URL"
TABLES = ("audit_events", "review_labels", "reviews", "reviewer_tokens")


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'postwacht-test.db'}"


def database_params() -> list[Any]:
    """pytest params for a `db_kind` fixture: sqlite always, postgresql when configured."""
    pg = os.environ.get(POSTGRES_ENV)
    return ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
        not pg, reason=f"{POSTGRES_ENV} not set (bash .ci/setup-system.sh prints one)"))]


def database_url(kind: str, directory: Path) -> str:
    if kind == "sqlite":
        return sqlite_url(directory)
    return normalize_database_url(os.environ[POSTGRES_ENV])


def settings_for(url: str, **overrides: Any) -> Settings:
    return Settings(database_url=url, **overrides)


def make_app(scorer: Scorer, url: str, **overrides: Any) -> FastAPI:
    app = create_app(settings_for(url, **overrides), scorer=scorer)
    # Tests send wrong tokens on purpose, many from one client; the failed-token limit has tests of
    # its own (test_http_sharp_edges.py), which put the real limiter back.
    app.state.token_limiter = FailedTokenLimiter(burst=1_000_000)
    return app


@contextmanager
def client_for(scorer: Scorer, url: str, **overrides: Any) -> Iterator[TestClient]:
    """A TestClient with the app started (lifespan: migrations, scorer) and stopped afterwards."""
    with TestClient(make_app(scorer, url, **overrides), raise_server_exceptions=False) as client:
        yield client


def empty_tables(url: str) -> None:
    database = Database(url)
    database.migrate()
    with database.engine.begin() as conn:
        for table in TABLES:
            conn.execute(text(f"DELETE FROM {table}"))
    database.dispose()


def new_token(url: str, name: str = "juf Test") -> tuple[int, str]:
    database = Database(url)
    with database.session() as session:
        row, secret = add_token(session, name)
        token_id = row.id
    database.dispose()
    return token_id, secret


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """The app on a loopback port (uvicorn in a thread); yields its base URL."""
    import threading
    import time

    import uvicorn

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


# ---- browser tests: Debian's Chromium driven by Playwright ----------------------------------------
CHROMIUM = Path(os.environ.get("POSTWACHT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def require_browser() -> Any:
    """Playwright's sync API, or skip the calling test module when Chromium or Playwright is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found (apt-get install chromium; see .ci/setup-system.sh)",
                    allow_module_level=True)
    return pytest.importorskip("playwright.sync_api", reason="playwright (Python package) is not installed")


@contextmanager
def chromium_browser(sync_api: Any) -> Iterator[Any]:
    """A headless Chromium for the length of the block."""
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
