"""`postwacht serve --workers 2`: two server processes on one socket, each scoring, the database
migrated once by the parent; a bad worker count is refused with a Dutch message."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from postwacht.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc to count worker processes")
def test_two_workers_serve_the_same_port(tmp_path: Path) -> None:
    port = _free_port()
    env = dict(os.environ, POSTWACHT_VAR_DIR=str(tmp_path))
    proc = subprocess.Popen([sys.executable, "-m", "postwacht.cli", "serve", "--port", str(port), "--workers", "2"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        ready = False
        while time.monotonic() < deadline and not ready:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
            except httpx.HTTPError:
                time.sleep(0.5)
        assert ready, "the workers did not become ready"
        # both workers answer: keep asking until each has had a request (distinct connections)
        for _ in range(20):
            r = httpx.post(f"http://127.0.0.1:{port}/v1/score", json={"text": "Ik vind jou stom.", "role": "leerling"},
                           timeout=30)
            assert r.status_code == 200
            assert r.json()["labels"]["bullying"]["score"] >= 0
        # the supervisor itself plus its worker processes (spawned: each also has a resource tracker)
        workers = [c for c in _children(proc.pid)
                   if "spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes().decode(errors="replace")]
        assert len(workers) >= 2
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    text = out.decode(errors="replace")
    assert text.count("Postwacht: http://") == 1  # announced once, by the parent
    assert text.count("database schema migrated") <= 1


def test_a_bad_worker_count_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", str(_free_port()), "--workers", "0"]) == 2
    assert "moet een heel getal van 1 of meer zijn" in capsys.readouterr().err
