"""Model artifacts on disk: models/<version>/{model.joblib, manifest.json} and the ACTIVE pointer.

Every file of a version is listed in its manifest with a sha256; loading checks each one
first and refuses a mismatch, so a truncated or tampered artifact is never unpickled.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib

from corpus.settings import models_dir

MODEL_FILE = "model.joblib"
MANIFEST_FILE = "manifest.json"
ACTIVE_POINTER = "ACTIVE"


class ArtifactError(RuntimeError):
    """A model version is missing, incomplete or fails its checksum."""


@dataclass
class ModelBundle:
    """What a model file holds: the learned model and the lexicon snapshot it was trained with."""

    model: Any  # model.classifier.MultiLabelModel
    lexicon: Any  # model.lexicons.Lexicon
    manifest: dict[str, Any]
    glue_vocab: frozenset[str] = frozenset()

    @property
    def version(self) -> str:
        return str(self.manifest["version"])


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(version_dir: Path) -> dict[str, Any]:
    path = version_dir / MANIFEST_FILE
    if not path.exists():
        raise ArtifactError(f"no manifest in {version_dir}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ArtifactError(f"manifest of {version_dir.name} is not valid JSON: {exc}") from exc


def verify_version(version_dir: Path) -> dict[str, Any]:
    """Check every file of the manifest against its sha256; return the manifest."""
    manifest = read_manifest(version_dir)
    files = manifest.get("files") or {}
    if MODEL_FILE not in files:
        raise ArtifactError(f"manifest of {version_dir.name} does not list {MODEL_FILE}")
    for name, expected in files.items():
        path = version_dir / name
        if not path.exists():
            raise ArtifactError(f"model {version_dir.name}: file {name} is missing")
        actual = sha256_file(path)
        if actual != expected:
            raise ArtifactError(
                f"model {version_dir.name}: checksum mismatch for {name} "
                f"(expected {expected[:12]}…, found {actual[:12]}…); refusing to load")
    return manifest


def load_version_dir(version_dir: Path) -> ModelBundle:
    manifest = verify_version(version_dir)
    payload = joblib.load(version_dir / MODEL_FILE)
    return ModelBundle(model=payload["model"], lexicon=payload["lexicon"], manifest=manifest,
                       glue_vocab=payload.get("glue_vocab", frozenset()))


def active_version(root: Path | None = None) -> str | None:
    root = root or models_dir()
    pointer = root / ACTIVE_POINTER
    if not pointer.exists():
        return None
    name = pointer.read_text(encoding="utf-8").strip()
    return name or None


def load_active(root: Path | None = None) -> ModelBundle:
    root = root or models_dir()
    version = active_version(root)
    if version is None:
        raise ArtifactError(f"no active model in {root}; run `postwacht train` first")
    return load_version_dir(root / version)
