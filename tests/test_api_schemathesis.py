"""schemathesis against the app's own OpenAPI schema: no generated request gets a 5xx.

The schema is loaded when the module is imported (schemathesis' fixture-based loader does not work
with this pytest); schemathesis starts the app's lifespan itself on the first call.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from serve_support import bearer, make_app, new_token, sqlite_url

from serve.store.database import Database

ADMIN_TOKEN = "schemathesis-admin"
_DB_DIR = Path(tempfile.mkdtemp(prefix="postwacht-schemathesis-"))
atexit.register(shutil.rmtree, _DB_DIR, True)
DB_URL = sqlite_url(_DB_DIR)
APP = make_app(None, DB_URL, admin_token=ADMIN_TOKEN)  # type: ignore[arg-type]  (scorer handed in below)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module")
def token(scorer) -> str:
    APP.state.holder.swap(scorer)  # the session's model: the lifespan then loads none
    Database(DB_URL).migrate()
    return new_token(DB_URL)[1]


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_generated_request_gets_a_server_error(case, token):
    headers = bearer(ADMIN_TOKEN if case.path.startswith("/v1/admin") else token)
    case.call_and_validate(headers=headers, checks=[not_a_server_error])
