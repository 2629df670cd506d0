"""`postwacht corpus build|augment|check|stats`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _check(args: argparse.Namespace) -> int:
    from corpus.check import check_corpus

    problems, examples = check_corpus()
    if problems:
        print(f"corpus check: {len(problems)} problem(s) in {len(examples)} rows", file=sys.stderr)
        for p in problems[: args.limit]:
            print(f"  - {p}", file=sys.stderr)
        if len(problems) > args.limit:
            print(f"  ... and {len(problems) - args.limit} more", file=sys.stderr)
        return 1
    print(f"corpus check: OK ({len(examples)} rows)")
    return 0


def _stats(args: argparse.Namespace) -> int:
    from corpus.dataset import iter_examples
    from corpus.stats import corpus_stats, shortfalls, stats_table

    stats = corpus_stats(list(iter_examples()))
    if args.json:
        print(json.dumps(stats, indent=2, ensure_ascii=False))
    else:
        print(stats_table(stats))
    short = shortfalls(stats)
    if short:
        print("\nBelow the corpus minimums:", file=sys.stderr)
        for s in short:
            print(f"  - {s}", file=sys.stderr)
        return 1 if args.strict else 0
    return 0


def _build(args: argparse.Namespace) -> int:
    from corpus.augment import augment
    from corpus.build import build

    counts = build()
    print(f"built {sum(counts.values())} written examples: {counts}")
    if not args.no_augment:
        print(f"augmented rows: {augment()}")
    return 0


def _augment(args: argparse.Namespace) -> int:
    from corpus.augment import augment

    print(f"augmented rows: {augment()}")
    return 0


def _background(args: argparse.Namespace) -> int:
    from corpus.background import build_background

    try:
        n = build_background(args.source) if args.source else build_background()
    except FileNotFoundError as exc:
        print(f"FOUT: {exc}", file=sys.stderr)
        return 2
    print(f"background rows: {n}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("corpus", help="build, check and describe the labelled corpus")
    csub = p.add_subparsers(dest="corpus_command", metavar="ACTION", required=True)
    c = csub.add_parser("check", help="schema, ids, spans, splits, near-duplicate leakage")
    c.add_argument("--limit", type=int, default=50, help="problems to list")
    c.set_defaults(func=_check)
    s = csub.add_parser("stats", help="counts per label, role, split, source, length")
    s.add_argument("--json", action="store_true")
    s.add_argument("--strict", action="store_true", help="exit 1 when below the minimums")
    s.set_defaults(func=_stats)
    b = csub.add_parser("build", help="rebuild corpus/data from corpus/raw (+ augmentation)")
    b.add_argument("--no-augment", action="store_true")
    b.set_defaults(func=_build)
    csub.add_parser("augment", help="regenerate corpus/data/augmented.jsonl").set_defaults(func=_augment)
    g = csub.add_parser("background", help="real Dutch sentences (realnl-dev, CC BY-SA) as background negatives")
    g.add_argument("--from", dest="source", type=Path, default=None, help="default: ../shared/data/realnl-dev.jsonl")
    g.set_defaults(func=_background)
