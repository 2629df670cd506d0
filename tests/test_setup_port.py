"""`make run` / `postwacht serve`: a taken port fails at once (before the long set-up steps) with a
Dutch message, and the URL is printed only once the service listens."""

from __future__ import annotations

import io
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import postwacht.commands.serve as serve_cmd
from postwacht.cli import main
from postwacht.port import PortError, bind_socket, default_port

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port another program listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


@pytest.fixture
def no_setup(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records the long set-up steps instead of running them."""
    calls: list[str] = []

    def ensure() -> str:
        calls.append("ensure_active_model")
        return "pw-test"

    monkeypatch.setattr("training.ensure.ensure_active_model", ensure)
    monkeypatch.setattr(serve_cmd, "check_protocols", lambda: calls.append("check_protocols") or True)
    return calls


def test_serve_refuses_a_taken_port_before_loading_anything(
        taken_port: int, no_setup: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", str(taken_port)]) == 1
    out, err = capsys.readouterr()
    assert f"poort {taken_port} op 127.0.0.1 is al in gebruik" in err
    assert f"(Port {taken_port} on 127.0.0.1 is already in use" in err
    assert "PORT=" in err and "POSTWACHT_PORT" in err
    assert "http://" not in out
    assert no_setup == []  # neither the protocol check nor the model ran


def test_postwacht_port_env_is_the_default_port(
        taken_port: int, no_setup: list[str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("POSTWACHT_PORT", str(taken_port))
    assert default_port() == taken_port
    assert main(["serve"]) == 1
    assert f"poort {taken_port}" in capsys.readouterr().err
    assert no_setup == []


def test_a_bad_port_value_is_refused_in_dutch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTWACHT_PORT", "achtduizend")
    with pytest.raises(PortError, match=r"poortnummer van 1 tot en met 65535.*\(POSTWACHT_PORT must be"):
        default_port()
    with pytest.raises(SystemExit):
        main(["serve", "--port", "70000"])


def test_the_standalone_check_make_uses_fails_on_a_taken_port(taken_port: int) -> None:
    # Standard library only: make calls it with the system Python before the venv exists.
    done = subprocess.run([sys.executable, "-S", "-E", "-m", "postwacht.port", "--port", str(taken_port)],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "al in gebruik" in done.stderr and "(Port" in done.stderr
    free = bind_socket("127.0.0.1", 0)
    port = free.getsockname()[1]
    free.close()
    ok = subprocess.run([sys.executable, "-S", "-E", "-m", "postwacht.port", "--port", str(port)],
                        cwd=ROOT, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="make not installed")
def test_make_run_with_a_taken_port_stops_before_the_set_up(taken_port: int, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    done = subprocess.run(["make", "--no-print-directory", "run", f"PORT={taken_port}", f"VENV={venv}",
                           f"PYTHON={sys.executable}"],
                          cwd=ROOT, capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode != 0
    assert f"poort {taken_port} op 127.0.0.1 is al in gebruik" in done.stderr
    assert not venv.exists()  # no venv, no install, no deduce cache, no training
    assert "http://" not in done.stdout


class _Announcements(io.StringIO):
    """stdout that, when the URL line is written, checks that the port already accepts connections."""

    def __init__(self, port: int) -> None:
        super().__init__()
        self.port = port
        self.connectable: bool | None = None
        self.printed = threading.Event()

    def write(self, text: str) -> int:
        if "http://" in text and self.connectable is None:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=5).close()
                self.connectable = True
            except OSError:
                self.connectable = False
            self.printed.set()
        return super().write(text)


def _asgi_app(scope: dict[str, Any], receive: Any, send: Any) -> Any:
    async def app() -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    return app()


def test_the_url_is_printed_after_the_service_listens(
        no_setup: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    probe = bind_socket("127.0.0.1", 0)
    port = probe.getsockname()[1]
    probe.close()
    servers: list[Any] = []
    original = serve_cmd._announcing_server

    def recording(config: Any, announce: Any) -> Any:
        servers.append(original(config, announce))
        return servers[-1]

    monkeypatch.setattr(serve_cmd, "_announcing_server", recording)
    monkeypatch.setattr("serve.http.app.create_app", lambda settings: _asgi_app)
    out = _Announcements(port)
    monkeypatch.setattr(sys, "stdout", out)
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(main(["serve", "--port", str(port)])), daemon=True)
    thread.start()
    try:
        assert out.printed.wait(120), "the URL line was never printed"
    finally:
        for server in servers:
            server.should_exit = True
        thread.join(60)
    assert out.connectable is True  # bound and listening before the line appeared
    assert f"Postwacht: http://127.0.0.1:{port}/" in out.getvalue()
    assert no_setup == ["check_protocols", "ensure_active_model"]
    assert codes == [0]
