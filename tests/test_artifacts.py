"""Artifacts are verified before loading; the registry switches versions atomically."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from corpus.settings import models_dir
from model import Scorer
from model.artifacts import ArtifactError, active_version, load_version_dir, verify_version
from training.registry import activate, list_versions, previous_version


@pytest.fixture()
def registry(tmp_path: Path, scorer: Scorer) -> Path:
    """A private registry holding a copy of the active version under two names."""
    src = models_dir() / scorer.version
    for name in ("v-old", "v-new"):
        dst = tmp_path / name
        shutil.copytree(src, dst)
        manifest = json.loads((dst / "manifest.json").read_text())
        manifest["version"] = name
        (dst / "manifest.json").write_text(json.dumps(manifest))
    return tmp_path


def test_a_verified_version_loads(registry: Path) -> None:
    bundle = load_version_dir(registry / "v-old")
    assert bundle.model.labels


def test_a_tampered_model_file_is_refused(registry: Path) -> None:
    path = registry / "v-old" / "model.joblib"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="checksum mismatch"):
        verify_version(registry / "v-old")
    with pytest.raises(ArtifactError):
        load_version_dir(registry / "v-old")


def test_a_missing_manifest_is_refused(registry: Path) -> None:
    (registry / "v-new" / "manifest.json").unlink()
    with pytest.raises(ArtifactError, match="no manifest"):
        verify_version(registry / "v-new")


def test_activate_and_roll_back(registry: Path) -> None:
    activate("v-old", registry)
    activate("v-new", registry)
    assert active_version(registry) == "v-new"
    assert previous_version(registry) == "v-old"
    activate(previous_version(registry), registry)
    assert active_version(registry) == "v-old"
    assert {v["version"] for v in list_versions(registry)} == {"v-old", "v-new"}


def test_activating_a_broken_version_keeps_the_pointer(registry: Path) -> None:
    activate("v-old", registry)
    (registry / "v-new" / "model.joblib").write_bytes(b"broken")
    with pytest.raises(ArtifactError):
        activate("v-new", registry)
    assert active_version(registry) == "v-old"
