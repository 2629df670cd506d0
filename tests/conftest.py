"""Shared fixtures. The model is trained once per machine (models/, as `make run` does) and
loaded once per test session; deduce's cache is built by `postwacht setup`, never per test."""

from __future__ import annotations

import pytest

from model import Scorer, load_scorer


def pytest_sessionstart(session: pytest.Session) -> None:
    """Train the model before collection if none is active: some test modules build the app
    (and load the model) at import time, as schemathesis needs a schema to collect from."""
    from training.ensure import ensure_active_model

    ensure_active_model()


@pytest.fixture(scope="session")
def scorer() -> Scorer:
    return load_scorer()
