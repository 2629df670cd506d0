"""`postwacht train`: train a model version from corpus/ and activate it."""

from __future__ import annotations

import argparse
import json


def run(args: argparse.Namespace) -> int:
    from training.train import TrainConfig, train

    result = train(TrainConfig(), activate_it=not args.no_activate)
    test = result.manifest["metrics"].get("test", {})
    print(f"model {result.version} -> {result.path}")
    print(f"test macro-F1 {test.get('macro_f1', 0):.3f}  any-risk F1 {test.get('any_risk', {}).get('f1', 0):.3f}")
    if args.json:
        print(json.dumps(result.manifest, indent=2, ensure_ascii=False))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a model from corpus/ (deterministic) and activate it")
    p.add_argument("--no-activate", action="store_true", help="write the version but keep the active one")
    p.add_argument("--json", action="store_true", help="print the manifest")
    p.set_defaults(func=run)
