"""`postwacht serve [--host 127.0.0.1] [--port 8000]`: the page and the HTTP API (one worker).

Refuses to start when a school's protocol file cannot be used (POSTWACHT_PROTOCOL,
POSTWACHT_PROTOCOL_DIR): every problem is printed and the exit status is 1, before anything binds.
Trains a model first when none is active (the README's run command on a fresh machine).
"""

from __future__ import annotations

import argparse
import logging
import sys


def _service_logging(verbose: bool) -> None:
    # The CLI and the model quiet the root logger; the service's own lines (ids, sizes, timings,
    # never text) and uvicorn's start-up lines should still show.
    level = logging.DEBUG if verbose else logging.INFO
    for name in ("postwacht", "uvicorn", "alembic.runtime.migration"):
        logging.getLogger(name).setLevel(level)


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


def run(args: argparse.Namespace) -> int:
    from model.artifacts import ArtifactError
    from serve.config import ConfigError, Settings
    from training.ensure import ensure_active_model

    try:
        settings = Settings.from_env(host=args.host)
    except ConfigError as exc:
        print(f"FOUT: {exc}", file=sys.stderr)
        return 2
    _service_logging(getattr(args, "verbose", False))
    if not check_protocols():
        return 1
    try:
        version = ensure_active_model()
    except ArtifactError as exc:
        print(f"FOUT: {exc}", file=sys.stderr)
        return 1

    import uvicorn

    from serve.http.app import create_app

    app = create_app(settings)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"Postwacht: http://{shown}:{args.port}/  (API-documentatie: /docs, model {version})", flush=True)
    if settings.require_token_for_scoring:
        print("Scoren vraagt een reviewertoken (POSTWACHT_REQUIRE_TOKEN_FOR_SCORING of een publiek adres).",
              flush=True)
    # One worker: the model is loaded once; our own middleware writes the access log (no bodies).
    # Keep-alive longer than common clients' idle expiry (httpx: 5 s), so a reused connection is not
    # closed under the client's feet.
    uvicorn.run(app, host=args.host, port=args.port, workers=1, access_log=False, log_config=None,
                server_header=False, timeout_keep_alive=15)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="serve the staff page and the HTTP API (trains a model on first run)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.set_defaults(func=run)
