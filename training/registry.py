"""Model registry: write versions atomically, switch the ACTIVE pointer in one rename.

models/
  ACTIVE                 name of the active version (one line)
  HISTORY                activation log, one "timestamp version" per line (for rollback)
  <version>/model.joblib
  <version>/manifest.json
  <version>/retrain.json, retrain_report.md   (versions made by `postwacht retrain`: the gate's verdict)
  .retrain.lock          held by a running retrain (training/retrain.py)
A version directory is complete (files + manifest with checksums) before it gets its final
name, so a crash at any moment leaves either no version or a whole one, and the pointer
always names a loadable version.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

import joblib

from corpus.settings import models_dir
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

HISTORY_FILE = "HISTORY"
RETRAIN_FILE = "retrain.json"
RETRAIN_REPORT_FILE = "retrain_report.md"
TMP_DIR = re.compile(r"^\.tmp-.+-(\d+)$")
TMP_POINTER = re.compile(rf"^\.{ACTIVE_POINTER}\.tmp-(\d+)$")


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
                    "macro_f1": (manifest.get("metrics", {}).get("test", {}) or {}).get("macro_f1"),
                    "gate": retrain_verdict(d)})
    return out


def retrain_verdict(version_dir: Path) -> str | None:
    """'promoted' or 'refused' for a version made by `postwacht retrain`, else None."""
    path = version_dir / RETRAIN_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return "promoted" if data.get("promoted") else "refused"


def write_side_file(version_dir: Path, name: str, text: str) -> Path:
    """Add a file that is not part of the model (a report) to a finished version, atomically."""
    final = version_dir / name
    tmp = version_dir / f".{name}.tmp-{os.getpid()}"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, final)
    return final


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(root: Path | None = None) -> list[str]:
    """Delete half-written versions and pointer files left by a process that died (killed while
    writing). Those of live processes are left alone. Returns the names removed."""
    root = root or models_dir()
    if not root.exists():
        return []
    removed = []
    for path in root.iterdir():
        m = TMP_DIR.match(path.name) or TMP_POINTER.match(path.name)
        if m is None or _pid_alive(int(m.group(1))):
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path.name)
    return removed


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
