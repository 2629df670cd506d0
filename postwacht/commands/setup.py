"""`postwacht setup`: one-time machine set-up (deduce's lookup cache, spaCy lookups)."""

from __future__ import annotations

import argparse
import time


def run(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    print("deduce: opzoektabellen bouwen of laden (eerste keer ongeveer een minuut)...", flush=True)
    from model.pii.deduce_names import get_deduce

    get_deduce()
    print(f"deduce klaar in {time.perf_counter() - t0:.1f} s", flush=True)
    from model.lexicons import load_lexicon
    from model.nlp import build_pipeline

    build_pipeline(load_lexicon())
    print("spaCy-pijplijn klaar.")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("setup", help="one-time set-up: build deduce caches, check the spaCy pipeline")
    p.set_defaults(func=run)
