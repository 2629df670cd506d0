"""`postwacht` command line: one subcommand module per area, each with register(subparsers)."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

# Each module defines register(subparsers) and attaches a `func(args) -> int` to its parsers.
COMMAND_MODULES = (
    "postwacht.commands.setup",
    "postwacht.commands.corpus",
    "postwacht.commands.train",
    "postwacht.commands.retrain",
    "postwacht.commands.score",
    "postwacht.commands.batch",
    "postwacht.commands.evaluate",
    "postwacht.commands.models",
    "postwacht.commands.serve",
    "postwacht.commands.protocol",
    "postwacht.commands.reviews",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="postwacht", description="Postwacht: denk na voordat je post.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging (never logs text)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("spacy").setLevel(logging.WARNING)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
