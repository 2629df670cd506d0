"""`postwacht` command line: one subcommand module per area, each with register(subparsers).

Help and argument errors are Dutch with the English in brackets (postwacht/help_nl.py holds the
Dutch for the command modules' English help). Logging is quiet by default: the database
migrations' INFO lines only show with -v/--verbose.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import re
import sys
from typing import NoReturn

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
    "postwacht.commands.docs",
)

# argparse's own messages (Python 3.11) -> Dutch; the English stays in brackets.
_ARGPARSE_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"the following arguments are required: (?P<x>.+)"), "deze argumenten ontbreken: {x}"),
    (re.compile(r"unrecognized arguments: (?P<x>.+)"), "onbekende argumenten: {x}"),
    (re.compile(r"argument (?P<a>[^:]+): invalid choice: (?P<x>'[^']*')(?: \(choose from (?P<c>.+)\))?"),
     "{a}: ongeldige keuze {x}; kies uit {c}"),
    (re.compile(r"argument (?P<a>[^:]+): expected one argument"), "{a}: verwacht één waarde"),
    (re.compile(r"argument (?P<a>[^:]+): expected (?P<x>.+) arguments?"), "{a}: verwacht {x} waarden"),
    (re.compile(r"argument (?P<a>[^:]+): invalid int value: (?P<x>.+)"), "{a}: geen geheel getal: {x}"),
    (re.compile(r"argument (?P<a>[^:]+): invalid float value: (?P<x>.+)"), "{a}: geen getal: {x}"),
    (re.compile(r"argument (?P<a>[^:]+): invalid (?P<t>\w+) value: (?P<x>.+)"), "{a}: ongeldige waarde {x}"),
    (re.compile(r"argument (?P<a>[^:]+): not allowed with argument (?P<x>.+)"), "{a}: niet samen met {x}"),
    (re.compile(r"ambiguous option: (?P<x>\S+) could match (?P<c>.+)"), "optie {x} is niet eenduidig: {c}"),
)


def dutch_error(message: str) -> str:
    """`NL (EN)` for an argparse error message; messages that are already bilingual stay as they are."""
    for pattern, dutch in _ARGPARSE_ERRORS:
        match = pattern.fullmatch(message)
        if match:
            parts = {k: v or "?" for k, v in match.groupdict().items()}
            return f"{dutch.format(**parts)} ({message})"
    # Our own argument types already answer in Dutch with English in brackets.
    own = re.fullmatch(r"(?:argument [^:]+: )?(?P<m>.+ \(.+\)\.?)", message)
    if own:
        return own.group("m")
    return f"ongeldige invoer ({message})"


class DutchHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage: str | None, actions: object, groups: object, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, prefix="gebruik (usage): " if prefix is None else prefix)  # type: ignore[arg-type]


class DutchArgumentParser(argparse.ArgumentParser):
    """ArgumentParser whose headings, -h and errors are Dutch with English in brackets.

    Sub-parsers inherit it (argparse creates them with the parent's class)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        add_help = bool(kwargs.pop("add_help", True))
        kwargs.setdefault("formatter_class", DutchHelpFormatter)
        super().__init__(*args, add_help=False, **kwargs)  # type: ignore[arg-type]
        self._positionals.title = "argumenten (positional arguments)"
        self._optionals.title = "opties (options)"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help="deze hulp tonen en stoppen (show this help and exit)")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: FOUT: {dutch_error(message)}\n"
                     f"Meer hulp: {self.prog} --help (more help: {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from postwacht.help_nl import localize

    parser = DutchArgumentParser(
        prog="postwacht",
        description="Postwacht: denk na voordat je post. Controleert concepten en berichten aan de hand van "
                    "het socialemediaprotocol van de school. (Checks drafts and messages against the "
                    "school's social media protocol.)",
        epilog="Hulp per opdracht (help per command): postwacht OPDRACHT --help")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="uitgebreide logregels, ook van de databasemigraties; nooit tekst "
                             "(debug logging, database migrations included; never logs text)")
    sub = parser.add_subparsers(dest="command", metavar="OPDRACHT", title="opdrachten (commands)")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(sub)
    localize(parser)
    return parser


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("spacy").setLevel(logging.WARNING)
    if verbose:
        # serve.store.database quiets alembic unless its logger was configured: -v asks for it.
        logging.getLogger("alembic").setLevel(logging.INFO)
    else:
        # "database schema up to date" on every command that opens the review store is noise here;
        # the service shows it (postwacht/commands/serve.py).
        logging.getLogger("postwacht.db").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.verbose)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
