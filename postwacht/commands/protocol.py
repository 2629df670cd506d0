"""`postwacht protocol check FILE` and `postwacht protocol show [--school S]`: a school's protocol.

A school that adapted the Digiwijzer template supplies its own protocol file (corpus/protocol.yaml
shows the shape). `check` lists every problem of such a file in Dutch with English in brackets and
exits 0 when the file can be used, 1 when not. `show` prints the protocol a school is served with:
the default one (POSTWACHT_PROTOCOL, else De Marel's) or one of POSTWACHT_PROTOCOL_DIR's schools.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path
from typing import Any


def _problems_text(source: str, problems: list[str]) -> str:
    n = len(problems)
    head = (f"Protocol {source} is niet bruikbaar: {n} {'probleem' if n == 1 else 'problemen'}. "
            f"(Protocol {source} cannot be used: {n} problem{'' if n == 1 else 's'}.)")
    return "\n".join([head, *(f"  - {p}" for p in problems)])


def _check(args: argparse.Namespace) -> int:
    from corpus.protocol import Protocol, ProtocolError, read_protocol_document, validate_protocol

    path = Path(args.file)
    try:
        data = read_protocol_document(path)
    except ProtocolError as exc:
        print(_problems_text(str(path), exc.problems), file=sys.stderr)
        return 1
    problems = validate_protocol(data)
    if problems:
        print(_problems_text(str(path), problems), file=sys.stderr)
        return 1
    protocol = Protocol(data, source=str(path))  # type: ignore[arg-type]  (validated: a mapping)
    school = protocol.school_name or "?"
    print(f"Protocol {path} is in orde: {len(protocol.articles)} artikelen, school {school}. "
          f"(Protocol {path} is valid: {len(protocol.articles)} articles, school {school}.)")
    return 0


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(" ".join(text.split()), width=100, initial_indent=indent, subsequent_indent=indent)


def render_protocol(protocol: Any, school: str | None) -> str:
    """The protocol as readable text: articles, the label -> article table per role, sanctions."""
    from corpus.vocabulary import AUTHOR_ROLES, LABELS

    lines = [protocol.title or "Social Media Protocol",
             f"School: {protocol.school_name or '-'}" + (f" ({school})" if school else " (standaard/default)"),
             f"Bestand (file): {protocol.source}"]
    section = None
    for art in protocol.articles.values():
        if art.section != section:
            section = art.section
            lines += ["", f"{section}"]
        lines.append(_wrap(f"[{art.id}] {art.text}", "  "))
    lines += ["", "Labels -> artikelen per rol (labels -> articles per role):"]
    for lab in LABELS:
        per_role = "; ".join(f"{role}: {', '.join(protocol.article_ids_for(lab, role)) or '-'}"
                             for role in AUTHOR_ROLES)
        lines.append(f"  {lab} ({protocol.label_name(lab)}): {per_role}")
    lines += ["", "Sancties (sanctions):"]
    for role in AUTHOR_ROLES:
        lines.append(f"  {role}: {', '.join(protocol.consequence_ids_for(role)) or '-'}")
    return "\n".join(lines)


def _show(args: argparse.Namespace) -> int:
    from corpus.protocol import ProtocolError, UnknownSchoolError, get_protocol, school_ids

    try:
        protocol = get_protocol(args.school or None)
    except UnknownSchoolError as exc:
        print(f"FOUT: {exc}", file=sys.stderr)
        return 2
    except ProtocolError as exc:
        print(_problems_text(exc.source, exc.problems), file=sys.stderr)
        return 1
    print(render_protocol(protocol, args.school or None))
    schools = school_ids()
    if schools:
        print(f"\nScholen van deze installatie (schools of this install): {', '.join(schools)}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("protocol", help="check or show a school's social media protocol")
    psub = p.add_subparsers(dest="protocol_command", metavar="ACTION", required=True)
    check = psub.add_parser(
        "check", help="validate a protocol file (exit 0: valid, 1: not)",
        description="Checks a school's protocol file: unique article ids, every label mapped for every "
                    "role, no reference to a missing article, Dutch advice for every label and role.")
    check.add_argument("file", help="the protocol file (.yaml), e.g. a copy of corpus/protocol.yaml")
    check.set_defaults(func=_check)
    show = psub.add_parser("show", help="print the protocol a school is served with")
    show.add_argument("--school", default=None,
                      help="a school of POSTWACHT_PROTOCOL_DIR (default: the default protocol)")
    show.set_defaults(func=_show)
