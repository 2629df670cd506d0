"""`make test` runs the PostgreSQL tests against a throwaway server when PostgreSQL's server binaries
are installed (.ci/test-postgres.sh), uses POSTWACHT_TEST_POSTGRES_URL when CI exports one, and
says clearly when it skips."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / ".ci" / "test-postgres.sh"
PRINT_URL = "import os, sys; print(os.environ.get('POSTWACHT_TEST_POSTGRES_URL', '')); sys.exit(7)"


def _run(env_extra: dict[str, str], *command: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "POSTWACHT_TEST_POSTGRES_URL"}
    env.update(env_extra)
    return subprocess.run(["bash", str(SCRIPT), *command], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False, timeout=300)


def test_a_given_url_is_used_as_it_is() -> None:
    done = _run({"POSTWACHT_TEST_POSTGRES_URL": "postgresql://u:p@db/x"}, sys.executable, "-c", PRINT_URL)
    assert done.returncode == 7  # the command's own exit status
    assert done.stdout.strip() == "postgresql://u:p@db/x"


def test_a_skip_is_announced_before_and_after_the_run() -> None:
    done = _run({"POSTWACHT_TEST_POSTGRES": "0"}, sys.executable, "-c", PRINT_URL)
    assert done.returncode == 7
    assert done.stdout.strip() == ""
    assert "PostgreSQL-tests worden OVERGESLAGEN" in done.stderr
    assert "(note: the PostgreSQL tests were skipped" in done.stderr


def _server_binaries() -> bool:
    have = shutil.which("initdb") and shutil.which("pg_ctl")
    return bool(have or glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))


@pytest.mark.skipif(not _server_binaries(), reason="PostgreSQL server binaries (initdb, pg_ctl) not installed")
@pytest.mark.skipif(os.geteuid() == 0 and shutil.which("runuser") is None, reason="root without runuser")
def test_a_throwaway_server_is_started_and_removed() -> None:
    probe = ("import os, sys\n"
             "from sqlalchemy import create_engine, text\n"
             "url = os.environ['POSTWACHT_TEST_POSTGRES_URL']\n"
             "engine = create_engine(url)\n"
             "with engine.connect() as c:\n"
             "    print(c.execute(text('select current_database()')).scalar())\n"
             "print(url.split('host=')[1].split('&')[0])\n"
             "sys.exit(5)\n")
    done = _run({}, sys.executable, "-c", probe)
    assert done.returncode == 5, done.stderr
    database, directory = done.stdout.split()
    assert database == "postwacht_test"
    assert "tijdelijke PostgreSQL-server" in done.stderr
    assert not Path(directory).exists()  # stopped and removed afterwards
