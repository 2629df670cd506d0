"""Shared fixtures. The model is trained once per machine (models/, as `make run` does) and
loaded once per test session; deduce's cache is built by `postwacht setup`, never per test."""

from __future__ import annotations

import pytest

from model import Scorer, load_scorer


@pytest.fixture(scope="session")
def scorer() -> Scorer:
    from training.ensure import ensure_active_model

    ensure_active_model()
    return load_scorer()
