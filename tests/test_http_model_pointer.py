"""models/ACTIVE must be a plain version name that exists in the registry: a path, `..`, an absolute
path or a missing version is refused with a clear error, never followed; the running service keeps
serving the model it has."""

from __future__ import annotations

from pathlib import Path

import pytest
from serve_support import bearer, client_for, sqlite_url

from model.artifacts import ArtifactError, active_version
from serve.http.state import ModelReloader, ScorerHolder

ADMIN = "beheer-geheim"


@pytest.fixture()
def registry(tmp_path: Path) -> Path:
    root = tmp_path / "models"
    (root / "pw-20260101-000000-abc").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    return root


def point(root: Path, name: str) -> None:
    (root / "ACTIVE").write_text(name + "\n", encoding="utf-8")


def test_a_plain_existing_version_is_followed(registry):
    point(registry, "pw-20260101-000000-abc")
    assert active_version(registry) == "pw-20260101-000000-abc"


def test_no_pointer_or_an_empty_one_means_no_active_model(registry):
    assert active_version(registry) is None
    point(registry, "  ")
    assert active_version(registry) is None


@pytest.mark.parametrize("name", ["../elsewhere", "..", ".", "/etc", "sub/dir", "pw-x/../../elsewhere",
                                  "C:\\models\\v1", ".hidden", "v1\x00"])
def test_a_path_is_refused(registry, tmp_path, name):
    point(registry, name if name != "/etc" else str(tmp_path / "elsewhere"))
    with pytest.raises(ArtifactError, match="noemt geen versie") as refused:
        active_version(registry)
    assert "ACTIVE must name a version, not a path" in str(refused.value)


def test_a_version_that_is_not_in_the_registry_is_refused(registry):
    point(registry, "pw-bestaat-niet")
    with pytest.raises(ArtifactError, match="staat niet in") as refused:
        active_version(registry)
    assert "not in the registry" in str(refused.value) and "postwacht models promote" in str(refused.value)


def test_a_symlinked_version_leading_out_of_the_registry_is_refused(registry, tmp_path):
    (registry / "v-link").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    point(registry, "v-link")
    with pytest.raises(ArtifactError, match="staat niet in"):
        active_version(registry)


def test_the_service_keeps_serving_when_the_pointer_names_a_path(registry, scorer, tmp_path, monkeypatch):
    monkeypatch.setenv("POSTWACHT_MODELS_DIR", str(registry))
    point(registry, "../elsewhere")
    holder = ScorerHolder(scorer)
    reloader = ModelReloader(holder, root=registry)
    assert reloader.check() is None  # the pointer check never raises
    assert holder.get() is scorer
    with pytest.raises(ArtifactError):
        reloader.reload()
    with client_for(scorer, sqlite_url(tmp_path), admin_token=ADMIN) as client:
        response = client.post("/v1/admin/reload", headers=bearer(ADMIN))
        assert response.status_code == 409 and response.json()["code"] == "model_not_loadable"
        assert "noemt geen versie" in response.json()["message_nl"]
        assert client.post("/v1/score", json={"text": "hoi"}).json()["model_version"] == scorer.version
