"""setuptools' package discovery matches the tree: no "importable package absent from `packages`"
warnings, and an installed copy carries alembic's migrations and the data the code reads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOP_LEVEL = ("postwacht", "model", "training", "serve", "eval", "corpus")
NOT_INSTALLED = ("corpus/raw", "corpus/data")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("build-lib")
    done = subprocess.run([sys.executable, "-W", "always", "-c", "from setuptools import setup; setup()",
                           "-q", "build_py", "-d", str(out)],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return out, done.stdout + done.stderr


def test_no_package_is_installed_as_data(built: tuple[Path, str]) -> None:
    _, log = built
    assert "as data is deprecated" not in log
    assert "absent from the `packages`" not in log and "Package would be ignored" not in log


def test_every_code_directory_is_installed(built: tuple[Path, str]) -> None:
    out, _ = built
    for top in TOP_LEVEL:
        for source in (ROOT / top).rglob("*.py"):
            rel = source.relative_to(ROOT)
            if "__pycache__" in rel.parts or any(rel.as_posix().startswith(p + "/") for p in NOT_INSTALLED):
                continue
            assert (out / rel).exists(), f"{rel} is not installed"


def test_migrations_and_data_files_are_installed(built: tuple[Path, str]) -> None:
    from alembic.script import ScriptDirectory

    out, _ = built
    migrations = out / "serve" / "store" / "migrations"
    assert (migrations / "script.py.mako").exists() and (migrations / "env.py").exists()
    installed = ScriptDirectory(str(migrations))
    source = ScriptDirectory(str(ROOT / "serve" / "store" / "migrations"))
    assert installed.get_heads() == source.get_heads()
    assert {s.revision for s in installed.walk_revisions()} == {s.revision for s in source.walk_revisions()}
    for rel in ("serve/http/static/index.html", "corpus/protocol.yaml", "corpus/vocabulary.yaml",
                "corpus/labels/bullying.yaml", "corpus/pii/recognizers.yaml"):
        assert (out / rel).exists(), rel
    assert sorted(p.name for p in (out / "corpus" / "lexicons").glob("*.yaml")) == \
        sorted(p.name for p in (ROOT / "corpus" / "lexicons").glob("*.yaml"))
    assert not (out / "corpus" / "raw").exists() and not (out / "corpus" / "data").exists()
