"""The service's listening address: checked (and bound) before the long set-up steps.

Standard library only, so `make run` can call it with the system Python before the virtual
environment exists:  python3 -m postwacht.port --host 127.0.0.1 --port 8000
"""

from __future__ import annotations

import argparse
import errno
import os
import socket
import sys

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
PORT_ENV = "POSTWACHT_PORT"


class PortError(RuntimeError):
    """The address cannot be used; the message is Dutch with English in brackets."""


def default_port(environ: dict[str, str] | None = None) -> int:
    """POSTWACHT_PORT when set, else 8000."""
    value = (os.environ if environ is None else environ).get(PORT_ENV, "").strip()
    if not value:
        return DEFAULT_PORT
    return parse_port(value, source=PORT_ENV)


def parse_port(value: str, source: str = "--port") -> int:
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 < port < 65536:
        raise PortError(f"{source} moet een poortnummer van 1 tot en met 65535 zijn, niet {value!r}. "
                        f"({source} must be a port number from 1 to 65535, not {value!r}.)")
    return port


def display_url(host: str, port: int) -> str:
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def _free_port_near(host: str, port: int, family: int) -> int | None:
    for candidate in range(port + 1, min(port + 50, 65535)):
        probe = socket.socket(family, socket.SOCK_STREAM)
        try:
            probe.bind((host, candidate))
        except OSError:
            continue
        finally:
            probe.close()
        return candidate
    return None


def bind_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to host:port, not yet listening (uvicorn listens on it at start-up).

    Binding early reserves the port during model loading; clients are not queued meanwhile
    because nothing listens yet. Raises PortError with a Dutch (English) message."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    bare = host.strip("[]")
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    # As uvicorn does: a port in TIME_WAIT from a previous run may be reused; one that another
    # process listens on may not.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((bare, port))
    except OSError as exc:
        sock.close()
        raise PortError(_bind_message(bare, port, exc, family)) from exc
    return sock


def _bind_message(host: str, port: int, exc: OSError, family: int) -> str:
    where = f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        free = _free_port_near(host, port, family)
        hint_nl = f" Poort {free} is vrij." if free else ""
        hint_en = f" Port {free} is free." if free else ""
        example = free or port + 1
        return (f"poort {port} op {host} is al in gebruik; Postwacht start niet. Kies een andere poort: "
                f"`make run PORT={example}`, `postwacht serve --port {example}` of POSTWACHT_PORT={example}."
                f"{hint_nl} "
                f"(Port {port} on {host} is already in use; Postwacht does not start. Choose another port: "
                f"`make run PORT={example}`, `postwacht serve --port {example}` or POSTWACHT_PORT={example}."
                f"{hint_en})")
    if exc.errno == errno.EACCES:
        return (f"geen toestemming om op {where} te luisteren (poorten onder 1024 vragen beheerdersrechten). "
                f"(No permission to listen on {where}; ports below 1024 need administrator rights.)")
    if exc.errno == errno.EADDRNOTAVAIL:
        return (f"het adres {host} hoort niet bij deze machine. "
                f"(The address {host} does not belong to this machine.)")
    if isinstance(exc, socket.gaierror):
        return f"onbekend adres {host!r}. (Unknown address {host!r}.)"
    return f"kan niet luisteren op {where}: {exc.strerror or exc}. (Cannot listen on {where}.)"


def check_port(host: str, port: int) -> None:
    """Raise PortError when host:port cannot be bound right now (the socket is released again)."""
    bind_socket(host, port).close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m postwacht.port",
        description="Controleert of de dienst op dit adres kan luisteren. "
                    "(Checks that the service can listen on this address.)")
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", default="")
    args = parser.parse_args(argv)
    try:
        port = parse_port(args.port) if args.port else default_port()
        check_port(args.host, port)
    except PortError as exc:
        print(f"FOUT: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
