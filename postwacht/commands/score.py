"""`postwacht score "tekst" --role ouder [--school S] [--json]`: one draft, readable Dutch summary.

The command line takes drafts of up to MAX_CHARS_CLI characters (corpus/settings.py), as batch files do.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from corpus.settings import MAX_CHARS_CLI
from corpus.vocabulary import ROLES

LEVEL_WORD = {"geen": "GEEN RISICO", "laag": "LAAG RISICO", "midden": "MIDDEN RISICO", "hoog": "HOOG RISICO"}
LEVEL_COLOUR = {"geen": "32", "laag": "36", "midden": "33", "hoog": "31"}


def _highlight(text: str, findings: list[dict[str, Any]], colour: bool) -> str:
    spans = sorted({(f["start"], f["end"]) for f in findings if f["end"] > f["start"]})
    out, last = [], 0
    for s, e in spans:
        if s < last:
            continue
        out.append(text[last:s])
        out.append(f"\x1b[1;4m{text[s:e]}\x1b[0m" if colour else f"[[{text[s:e]}]]")
        last = e
    out.append(text[last:])
    return "".join(out)


def summary(result: dict[str, Any], text: str, colour: bool = False) -> str:
    from corpus.protocol import get_protocol

    protocol = get_protocol()
    level = result["level"]
    head = f"{LEVEL_WORD[level]} (risico {result['risk']:.2f})"
    if colour:
        head = f"\x1b[1;{LEVEL_COLOUR[level]}m{head}\x1b[0m"
    lines = [head, ""]
    flagged = [lab for lab, v in result["labels"].items() if v["flagged"]]
    if result.get("escalate") and result.get("escalation"):
        lines += ["LET OP - IEMAND ANDERS MOET HANDELEN:", "  " + result["escalation"], ""]
    if flagged:
        lines.append("Gevonden:")
        for lab in flagged:
            lines.append(f"  - {protocol.label_name(lab)} ({result['labels'][lab]['score']:.2f})")
    elif level == "laag":
        # nothing flagged, but one label came close to its threshold: say which, without a verdict
        close = max(result["labels"], key=lambda lab: result["labels"][lab]["score"])
        lines.append(f"Geen onderwerp gemarkeerd; {protocol.label_name(close)} kwam in de buurt van de grens. "
                     "Lees het bericht nog eens na.")
    else:
        lines.append("Geen problemen gevonden volgens het protocol.")
    evidence = [f for f in result["findings"] if f.get("label")]
    other = [f for f in result["findings"] if not f.get("label")]
    if evidence:
        lines += ["", "Tekst met bewijs gemarkeerd:", "  " + _highlight(text, evidence, colour), ""]
        for f in evidence:
            lines.append(f"  '{f['text']}': {f['explanation']}")
    if other:
        lines += ["", "Persoonsgegevens (alleen weggelaten in de versie zonder persoonsgegevens):"]
        for f in other:
            lines.append(f"  '{f['text']}': {f['explanation']}")
    if result["articles"]:
        lines += ["", "Artikelen uit het Social Media Protocol:"]
        for a in result["articles"]:
            lines.append(f"  [{a['id']}] {a['section']} {a['number']}: {a['text']}")
    if result["consequences"]:
        lines += ["", "Mogelijke gevolgen: " + ", ".join(c["id"] for c in result["consequences"])]
    if result["advice"]:
        lines += ["", "Advies:"] + [f"  - {a}" for a in result["advice"]]
    if result["redacted_text"] != text:
        lines += ["", "Versie zonder persoonsgegevens:", "  " + result["redacted_text"]]
    lines += ["", f"(model {result['model_version']})"]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from model import ScoringError, load_scorer
    from model.artifacts import ArtifactError
    from serve.batch.readers import is_blank

    text = args.text if args.text != "-" else sys.stdin.read()
    if is_blank(text):
        print("FOUT: de tekst is leeg; geef een bericht om te controleren. (Text is empty.)", file=sys.stderr)
        return 2
    if len(text) > MAX_CHARS_CLI:
        print(f"FOUT: tekst te lang: {len(text)} tekens, maximaal {MAX_CHARS_CLI}. "
              f"(Text too long: {len(text)} characters, at most {MAX_CHARS_CLI}.)", file=sys.stderr)
        return 2
    try:
        scorer = load_scorer()
        result = scorer.score(text, role=args.role, id=args.id, school=args.school or None)
    except (ScoringError, ArtifactError) as exc:
        print(f"FOUT: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(summary(result, text, colour=sys.stdout.isatty()))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("score", help="score one draft (use - to read it from standard input)")
    p.add_argument("text")
    p.add_argument("--role", default="onbekend", help=f"author role: {', '.join(ROLES)}")
    p.add_argument("--id", default=None)
    p.add_argument("--school", default=None,
                   help="a school of POSTWACHT_PROTOCOL_DIR whose protocol applies (default: the default one)")
    p.add_argument("--json", action="store_true", help="print the result object as JSON")
    p.set_defaults(func=run)
