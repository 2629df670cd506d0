"""`postwacht retrain`: learn from reviewed cases, behind the quality gate (training/retrain.py).

Exit status: 0 the candidate was promoted, 3 the gate kept the active model, 1 retraining could
not run (another retrain holds the lock, no active model, no reviewed cases, bad input).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from corpus.settings import RETRAIN_HOLDOUT_SHARE, RETRAIN_MAX_MACRO_DROP, RETRAIN_MAX_RECALL_DROP

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
    from training.retrain import RetrainError, RetrainOptions, load_reviewed_jsonl, retrain

    try:
        limits = GateLimits(args.max_macro_drop, args.max_recall_drop)
    except ValueError as exc:
        print(f"FOUT: {exc}", file=sys.stderr)
        return 2
    options = RetrainOptions(limits=limits, holdout=args.holdout,
                             data_dir=Path(args.corpus) if args.corpus else None,
                             source=str(args.reviews) if args.reviews else "reviewstore (database)")
    try:
        reviewed = load_reviewed_jsonl(Path(args.reviews)) if args.reviews else _from_store()
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
                    "the newest reviewed cases. Exit 0: promoted; 3: refused by the gate; 1: could not run.")
    p.add_argument("--reviews", metavar="FILE",
                   help="reviewed cases as JSONL (GET /v1/reviews/export); default: the review store")
    p.add_argument("--max-macro-drop", type=float, default=RETRAIN_MAX_MACRO_DROP, metavar="X",
                   help=f"largest allowed fall of macro-F1 on any frozen set (default {RETRAIN_MAX_MACRO_DROP})")
    p.add_argument("--max-recall-drop", type=float, default=RETRAIN_MAX_RECALL_DROP, metavar="X",
                   help=f"largest allowed fall of a label's recall on any frozen set "
                        f"(default {RETRAIN_MAX_RECALL_DROP})")
    p.add_argument("--holdout", type=float, default=RETRAIN_HOLDOUT_SHARE, metavar="SHARE",
                   help=f"share of the newest reviewed cases held back as a frozen set "
                        f"(default {RETRAIN_HOLDOUT_SHARE})")
    p.add_argument("--corpus", metavar="DIR", help="base corpus directory (default corpus/data)")
    p.add_argument("--json", action="store_true", help="also print the run's data (retrain.json)")
    p.set_defaults(func=run)
