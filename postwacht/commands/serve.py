"""`postwacht serve [--host 127.0.0.1] [--port 8000] [--workers N]`: the page and the HTTP API.

One worker process by default. `--workers N` (or POSTWACHT_WORKERS) runs N processes on the same
socket (uvicorn's supervisor), each with its own model in memory (about 300 MB each): on a machine
with N cores that scores about N times as many drafts per second. The database is migrated once by
the parent before the workers start.

The port (--port, else POSTWACHT_PORT, else 8000) is bound first, before the protocol check and
the model: a taken port fails at once with a Dutch message, and the URL is printed only once the
service listens on it.

Refuses to start when a school's protocol file cannot be used (POSTWACHT_PROTOCOL,
POSTWACHT_PROTOCOL_DIR): every problem is printed and the exit status is 1, before anything binds.
Trains a model first when none is active (the README's run command on a fresh machine).
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
from collections.abc import Callable
from typing import Any


def _service_logging(verbose: bool) -> None:
    # The CLI and the model quiet the root logger; the service's own lines (ids, sizes, timings,
    # never text) and uvicorn's start-up lines should still show.
    # Alembic stays quiet (serve.store.database) unless -v; the store logs one line on its schema.
    level = logging.DEBUG if verbose else logging.INFO
    for name in ("postwacht", "postwacht.db", "uvicorn"):
        logging.getLogger(name).setLevel(level)
    if verbose:
        logging.getLogger("alembic").setLevel(logging.INFO)


def check_protocols() -> bool:
    """Every school's protocol, validated before the service binds; prints the problems of a bad one."""
    from corpus.protocol import ProtocolError, load_all_protocols

    try:
        load_all_protocols()
    except ProtocolError as exc:
        print(f"FOUT: het protocol {exc.source} is niet bruikbaar; de dienst start niet. "
              f"(The protocol {exc.source} cannot be used; the service does not start.)", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        print("Controleer het bestand met `postwacht protocol check BESTAND`. "
              "(Check the file with `postwacht protocol check FILE`.)", file=sys.stderr)
        return False
    return True


def _announcing_server(config: Any, announce: Callable[[], None]) -> Any:
    """uvicorn's Server that calls `announce` once it listens (never before the bind succeeded)."""
    import uvicorn

    class AnnouncingServer(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started and not self.should_exit:
                announce()

    return AnnouncingServer(config)


def serve_on(app: Any, sock: socket.socket, announce: Callable[[], None]) -> None:
    """Run the app on an already bound socket; `announce` runs once the socket listens."""
    import uvicorn

    # One worker: the model is loaded once; our own middleware writes the access log (no bodies).
    # Keep-alive longer than common clients' idle expiry (httpx: 5 s), so a reused connection is not
    # closed under the client's feet.
    config = uvicorn.Config(app, workers=1, access_log=False, log_config=None, server_header=False,
                            timeout_keep_alive=15)
    _announcing_server(config, announce).run(sockets=[sock])


def serve_workers(sock: socket.socket, host: str, workers: int, announce: Callable[[], None]) -> None:
    """Run `workers` server processes on the bound socket (uvicorn's Multiprocess supervisor)."""
    import os

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from serve.http.app import SERVE_HOST_ENV

    os.environ[SERVE_HOST_ENV] = host
    config = uvicorn.Config("serve.http.app:create_worker_app", factory=True, workers=workers, access_log=False,
                            log_config=None, server_header=False, timeout_keep_alive=15)
    announce()
    Multiprocess(config, sockets=[sock]).run()


def _workers(args: argparse.Namespace) -> int:
    import os

    value = args.workers if args.workers is not None else os.environ.get("POSTWACHT_WORKERS", "1")
    try:
        workers = int(value)
    except ValueError:
        workers = 0
    if workers < 1:
        raise ValueError(f"--workers/POSTWACHT_WORKERS moet een heel getal van 1 of meer zijn, niet {value!r}. "
                         f"(must be a whole number of 1 or more)")
    return workers


def run(args: argparse.Namespace) -> int:
    from model.artifacts import ArtifactError
    from postwacht.port import PortError, bind_socket, default_port, display_url
    from serve.config import ConfigError, Settings
    from training.ensure import ensure_active_model

    try:
        port = args.port if args.port is not None else default_port()
    except PortError as exc:
        print(f"FOUT: {exc}", file=sys.stderr)
        return 2
    try:
        settings = Settings.from_env(host=args.host)
    except ConfigError as exc:
        print(f"FOUT: {exc}", file=sys.stderr)
        return 2
    try:
        workers = _workers(args)
    except ValueError as exc:
        print(f"FOUT: {exc}", file=sys.stderr)
        return 2
    _service_logging(getattr(args, "verbose", False))
    # The port first: a taken port is reported at once, not after the model has been trained.
    try:
        sock = bind_socket(args.host, port)
    except PortError as exc:
        print(f"FOUT: {exc}", file=sys.stderr)
        return 1
    with sock:
        if not check_protocols():
            return 1
        try:
            version = ensure_active_model()
        except ArtifactError as exc:
            print(f"FOUT: {exc}", file=sys.stderr)
            return 1

        if workers > 1:
            from serve.store.database import Database

            Database(settings.database_url).migrate()  # once, before the workers start
        else:
            from serve.http.app import create_app

            app = create_app(settings)

        def announce() -> None:
            print(f"Postwacht: {display_url(args.host, port)}  (API-documentatie: /docs, model {version})",
                  flush=True)
            if settings.require_token_for_scoring:
                print("Scoren vraagt een reviewertoken (POSTWACHT_REQUIRE_TOKEN_FOR_SCORING of een publiek "
                      "adres).", flush=True)

        if workers > 1:
            serve_workers(sock, args.host, workers, announce)
        else:
            serve_on(app, sock, announce)
    return 0


def _port_arg(value: str) -> int:
    from postwacht.port import PortError, parse_port

    try:
        return parse_port(value)
    except PortError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="de pagina en de HTTP-API aanbieden; traint bij de eerste keer een model "
                                     "(serve the staff page and the HTTP API; trains a model on first run)")
    p.add_argument("--host", default="127.0.0.1", help="adres om op te luisteren (address to listen on), "
                                                        "standaard (default) 127.0.0.1")
    p.add_argument("--port", type=_port_arg, default=None,
                   help="poort (port), standaard (default) POSTWACHT_PORT of 8000")
    p.add_argument("--workers", type=int, default=None,
                   help="aantal serverprocessen (server processes), standaard (default) POSTWACHT_WORKERS of 1; "
                        "elk laadt het model (each loads the model, ~300 MB)")
    p.set_defaults(func=run)
