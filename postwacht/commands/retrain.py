"""`postwacht retrain`: learn from reviewed cases, behind the quality gate (training/retrain.py).

Exit status: 0 the candidate was promoted (or, with --if-new N, fewer than N reviews are new), 3 the
gate kept the active model, 1 retraining could not run (another retrain holds the lock, no active
model, no reviewed cases, bad input).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from corpus.settings import (
    RETRAIN_GATE_ALPHA,
    RETRAIN_HOLDOUT_SHARE,
    RETRAIN_MAX_MACRO_DROP,
    RETRAIN_MAX_RECALL_DROP,
    RETRAIN_MIN_FROZEN_REVIEWED,
    RETRAIN_REVIEW_WEIGHT,
)

EXIT_REFUSED = 3


def _from_store() -> list[dict[str, Any]]:
    """Every review in the service's database, oldest first, in the corpus format."""
    from serve.config import Settings
    from serve.store import Database, iter_corpus_rows
    from training.retrain import reviewed_row

    database = Database(Settings.from_env().database_url)
    try:
        database.migrate()
        with database.session() as session:
            return [reviewed_row(row, f"review {row['id']}", row["id"]) for row in iter_corpus_rows(session)]
    finally:
        database.dispose()


def run(args: argparse.Namespace) -> int:
    from model.artifacts import ArtifactError
    from training.gate import GateLimits
    from training.retrain import RetrainError, RetrainOptions, load_reviewed_jsonl, new_reviews, retrain

    try:
        limits = GateLimits(args.max_macro_drop, args.max_recall_drop, alpha=args.alpha)
    except ValueError as exc:
        print(f"FOUT: {exc}", file=sys.stderr)
        return 2
    if args.review_weight <= 0:
        print("FOUT: --review-weight moet groter dan 0 zijn (must be positive)", file=sys.stderr)
        return 2
    options = RetrainOptions(limits=limits, holdout=args.holdout, review_weight=args.review_weight,
                             data_dir=Path(args.corpus) if args.corpus else None,
                             source=str(args.reviews) if args.reviews else "reviewstore (database)")
    try:
        reviewed = load_reviewed_jsonl(Path(args.reviews)) if args.reviews else _from_store()
        if args.if_new is not None:
            fresh = new_reviews(reviewed)
            if len(fresh) < args.if_new:
                print(f"Niets te doen: {len(fresh)} nieuwe beoordeling(en) sinds de vorige retrain, "
                      f"minder dan {args.if_new}. (Fewer than {args.if_new} new reviews; not retraining.)")
                return 0
            print(f"{len(fresh)} nieuwe beoordeling(en) sinds de vorige retrain: retrainen.")
        result = retrain(reviewed, options)
    except (RetrainError, ArtifactError) as exc:
        print(f"FOUT: {exc}", file=sys.stderr)
        return 1
    print(result.summary)
    if args.json:
        print(json.dumps(result.data, indent=2, ensure_ascii=False))
    return 0 if result.promoted else EXIT_REFUSED


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "retrain", help="train a candidate with reviewed cases; promote it only if it is not worse",
        description="Merges the corpus with reviewed cases (reviewer labels win), trains a candidate and "
                    "compares it with the active model on the corpus test split, the functional suite and "
                    "the newest reviewed cases, with paired statistics. Exit 0: promoted (or nothing new "
                    "with --if-new); 3: refused by the gate; 1: could not run.")
    p.add_argument("--reviews", metavar="FILE",
                   help="reviewed cases as JSONL (GET /v1/reviews/export); default: the review store")
    p.add_argument("--max-macro-drop", type=float, default=RETRAIN_MAX_MACRO_DROP, metavar="X",
                   help=f"largest allowed fall of macro-F1 on any frozen set (default {RETRAIN_MAX_MACRO_DROP})")
    p.add_argument("--max-recall-drop", type=float, default=RETRAIN_MAX_RECALL_DROP, metavar="X",
                   help=f"largest allowed fall of a label's recall on any frozen set "
                        f"(default {RETRAIN_MAX_RECALL_DROP})")
    p.add_argument("--holdout", type=float, default=None, metavar="SHARE",
                   help=f"share of the newest reviewed cases held back as a frozen set (default: "
                        f"{RETRAIN_HOLDOUT_SHARE}, only once that makes {RETRAIN_MIN_FROZEN_REVIEWED} cases; a "
                        f"held-back set smaller than that is shown but does not gate)")
    p.add_argument("--review-weight", type=float, default=RETRAIN_REVIEW_WEIGHT, metavar="W",
                   help=f"a reviewed case weighs W corpus rows in training (default {RETRAIN_REVIEW_WEIGHT:g})")
    p.add_argument("--alpha", type=float, default=RETRAIN_GATE_ALPHA, metavar="A",
                   help=f"significance level of the gate's paired tests (default {RETRAIN_GATE_ALPHA})")
    p.add_argument("--if-new", type=int, default=None, metavar="N",
                   help="only retrain when at least N reviews are new since the last retrain (for cron/systemd); "
                        "otherwise exit 0 with a message")
    p.add_argument("--corpus", metavar="DIR", help="base corpus directory (default corpus/data)")
    p.add_argument("--json", action="store_true", help="also print the run's data (retrain.json)")
    p.set_defaults(func=run)
