"""The running service follows the model registry without a restart: POST /v1/admin/reload and the
check of the ACTIVE pointer; /readyz and /metrics name the version; requests in flight never fail;
a version that does not load leaves the old one serving. Uses copies of the active model."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import serve_support
from serve_support import bearer, client_for, make_app, sqlite_url

from corpus.settings import models_dir
from model import Scorer
from model.artifacts import load_version_dir
from postwacht.cli import main
from training.registry import activate

ADMIN = "beheer-geheim"


@pytest.fixture()
def registry(tmp_path: Path, scorer: Scorer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private registry (POSTWACHT_MODELS_DIR) with the active model under two names, v-old active."""
    root = tmp_path / "models"
    src = models_dir() / scorer.version
    for name in ("v-old", "v-new"):
        shutil.copytree(src, root / name)
        manifest = json.loads((root / name / "manifest.json").read_text())
        manifest["version"] = name
        (root / name / "manifest.json").write_text(json.dumps(manifest))
    activate("v-old", root)
    monkeypatch.setenv("POSTWACHT_MODELS_DIR", str(root))
    return root


@pytest.fixture()
def old_scorer(registry: Path) -> Scorer:
    return Scorer(load_version_dir(registry / "v-old"))



def version_of(client, path: str = "/readyz") -> str:
    return client.get(path).json()["model_version"]


def test_admin_reload_serves_the_promoted_version_and_metrics_follow(registry, old_scorer, tmp_path):
    with client_for(old_scorer, sqlite_url(tmp_path), admin_token=ADMIN) as client:
        assert version_of(client) == "v-old"
        activate("v-new", registry)
        body = client.post("/v1/admin/reload", headers=bearer(ADMIN)).json()
        assert body == {"model_version": "v-new", "previous_version": "v-old", "changed": True}
        assert version_of(client) == "v-new"
        scored = client.post("/v1/score", json={"text": "jij bent zo dom", "role": "leerling"}).json()
        assert scored["model_version"] == "v-new"
        metrics = client.get("/metrics").text
        assert 'postwacht_model_info{version="v-new"} 1.0' in metrics and 'version="v-old"' not in metrics
        again = client.post("/v1/admin/reload", headers=bearer(ADMIN)).json()
        assert again == {"model_version": "v-new", "previous_version": "v-new", "changed": False}


def test_reload_needs_the_admin_token(old_scorer, tmp_path):
    with client_for(old_scorer, sqlite_url(tmp_path), admin_token=ADMIN) as client:
        assert client.post("/v1/admin/reload").status_code == 401
        assert client.post("/v1/admin/reload", headers=bearer("pwt_reviewer")).status_code == 403
    with client_for(old_scorer, sqlite_url(tmp_path)) as client:  # admin over HTTP off
        assert client.post("/v1/admin/reload", headers=bearer(ADMIN)).json()["code"] == "admin_disabled"


def test_a_version_that_fails_its_checks_is_refused_and_the_old_one_keeps_serving(registry, old_scorer, tmp_path):
    with client_for(old_scorer, sqlite_url(tmp_path), admin_token=ADMIN) as client:
        activate("v-new", registry)
        (registry / "v-new" / "model.joblib").write_bytes(b"kapot")
        response = client.post("/v1/admin/reload", headers=bearer(ADMIN))
        assert response.status_code == 409 and response.json()["code"] == "model_not_loadable"
        assert "checksum" in response.json()["message_en"]
        assert version_of(client) == "v-old"
        assert client.post("/v1/score", json={"text": "hoi", "role": "ouder"}).status_code == 200


def test_the_pointer_check_picks_up_a_promotion_and_a_rollback(registry, old_scorer, tmp_path, capsys):
    with client_for(old_scorer, sqlite_url(tmp_path), model_check_seconds=0.2) as client:
        assert main(["models", "promote", "v-new"]) == 0
        assert "POST /v1/admin/reload" in capsys.readouterr().out
        wait_for_version(client, "v-new")
        assert main(["models", "rollback"]) == 0
        wait_for_version(client, "v-old")


def wait_for_version(client, version: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while version_of(client) != version:
        assert time.monotonic() < deadline, f"the service did not switch to {version}"
        time.sleep(0.1)


@pytest.fixture()
def live_server(old_scorer, tmp_path) -> Iterator[str]:
    """The app on a real port (uvicorn in a thread), so requests truly overlap the reload."""
    with serve_support.live_server(make_app(old_scorer, sqlite_url(tmp_path), admin_token=ADMIN)) as base:
        yield base


def test_requests_in_flight_during_reloads_all_succeed(registry, live_server):
    statuses: list[int] = []
    versions: set[str] = set()
    stop = threading.Event()

    def hammer() -> None:
        with httpx.Client(base_url=live_server, timeout=30) as http:
            while not stop.is_set():
                r = http.post("/v1/score", json={"text": "Jij bent echt een sukkel, bel me op 06-12345678",
                                                 "role": "leerling"})
                statuses.append(r.status_code)
                if r.status_code == 200:
                    versions.add(r.json()["model_version"])

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        with httpx.Client(base_url=live_server, timeout=60, headers=bearer(ADMIN)) as admin:
            for version in ("v-new", "v-old", "v-new"):
                activate(version, registry)
                assert admin.post("/v1/admin/reload").json()["model_version"] == version
                time.sleep(0.2)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert statuses and set(statuses) == {200}
    assert versions == {"v-old", "v-new"}
