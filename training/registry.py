"""Model registry: write versions atomically, switch the ACTIVE pointer in one rename.

models/
  ACTIVE                 name of the active version (one line)
  HISTORY                activation log, one "timestamp version" per line (for rollback)
  <version>/model.joblib
  <version>/manifest.json
A version directory is complete (files + manifest with checksums) before it gets its final
name, so a crash at any moment leaves either no version or a whole one, and the pointer
always names a loadable version.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import joblib

from model.artifacts import (
    ACTIVE_POINTER,
    MANIFEST_FILE,
    MODEL_FILE,
    ArtifactError,
    active_version,
    read_manifest,
    sha256_file,
    verify_version,
)
from model.settings import models_dir

HISTORY_FILE = "HISTORY"


def write_version(payload: dict[str, Any], manifest: dict[str, Any], root: Path | None = None) -> Path:
    """Write a complete version directory; returns its path. Does not activate it."""
    root = root or models_dir()
    root.mkdir(parents=True, exist_ok=True)
    version = manifest["version"]
    final = root / version
    if final.exists():
        raise ArtifactError(f"model version {version} already exists")
    tmp = root / f".tmp-{version}-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        joblib.dump(payload, tmp / MODEL_FILE, compress=3)
        manifest = dict(manifest)
        manifest["files"] = {MODEL_FILE: sha256_file(tmp / MODEL_FILE)}
        with (tmp / MANIFEST_FILE).open("w", encoding="utf-8") as fh:
            json.dump(manifest, fh, indent=2, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def activate(version: str, root: Path | None = None) -> None:
    """Point ACTIVE at a verified version, atomically (write temp file, then rename)."""
    root = root or models_dir()
    verify_version(root / version)
    tmp = root / f".{ACTIVE_POINTER}.tmp-{os.getpid()}"
    tmp.write_text(version + "\n", encoding="utf-8")
    os.replace(tmp, root / ACTIVE_POINTER)
    with (root / HISTORY_FILE).open("a", encoding="utf-8") as fh:
        fh.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {version}\n")


def list_versions(root: Path | None = None) -> list[dict[str, Any]]:
    root = root or models_dir()
    if not root.exists():
        return []
    active = active_version(root)
    out = []
    for d in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            manifest = read_manifest(d)
        except ArtifactError:
            continue
        out.append({"version": d.name, "active": d.name == active, "created": manifest.get("created"),
                    "corpus_hash": manifest.get("corpus_hash", "")[:12],
                    "macro_f1": (manifest.get("metrics", {}).get("test", {}) or {}).get("macro_f1")})
    return out


def previous_version(root: Path | None = None) -> str | None:
    """The version active before the current one (from HISTORY)."""
    root = root or models_dir()
    path = root / HISTORY_FILE
    if not path.exists():
        return None
    current = active_version(root)
    history = [line.split()[-1] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for version in reversed(history):
        if version != current and (root / version).is_dir():
            return version
    return None
