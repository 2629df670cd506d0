"""Model artifacts on disk: models/<version>/{model.joblib, manifest.json} and the ACTIVE pointer.

Every file of a version is listed in its manifest with a sha256; loading checks each one
first and refuses a mismatch, so a truncated or tampered artifact is never unpickled.
"""

from __future__ import annotations

import hashlib
import json
import re
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


# What ACTIVE may name: one directory of the registry, never a path.
_VERSION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def active_version(root: Path | None = None) -> str | None:
    """The version ACTIVE names, None when there is no pointer (or it is empty). Raises
    ArtifactError when it names anything but a plain version name of this registry (a path,
    `..`, an absolute path, a version that does not exist): the pointer is never followed out."""
    root = root or models_dir()
    pointer = root / ACTIVE_POINTER
    if not pointer.exists():
        return None
    name = pointer.read_text(encoding="utf-8").strip()
    if not name:
        return None
    if not _VERSION_NAME.match(name) or ".." in name:
        raise ArtifactError(f"{pointer} noemt geen versie maar {name[:80]!r}; zet er een versienaam in met "
                            f"`postwacht models promote VERSIE`. (ACTIVE must name a version, not a path.)")
    version_dir = root / name
    if not version_dir.is_dir() or version_dir.resolve().parent != root.resolve():
        raise ArtifactError(f"{pointer} noemt versie {name!r}, maar die staat niet in {root}; kies een "
                            f"bestaande met `postwacht models promote VERSIE`. (ACTIVE names a version "
                            f"that is not in the registry.)")
    return name


def load_active(root: Path | None = None) -> ModelBundle:
    root = root or models_dir()
    version = active_version(root)
    if version is None:
        raise ArtifactError(f"no active model in {root}; run `postwacht train` first")
    return load_version_dir(root / version)
