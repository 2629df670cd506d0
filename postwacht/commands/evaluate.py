"""`postwacht eval`: evaluate the active model, write eval/REPORT.md and plots."""

from __future__ import annotations

import argparse
import json
import sys


def run(args: argparse.Namespace) -> int:
    from eval.report import REPORT_PATH, run_evaluation, write_report
    from model import load_scorer
    from model.artifacts import ArtifactError

    try:
        scorer = load_scorer()
    except ArtifactError as exc:
        print(f"FOUT: {exc}", file=sys.stderr)
        return 2
    ev = run_evaluation(scorer, split=args.split)
    path = write_report(ev, REPORT_PATH if args.output is None else args.output)
    m = ev["metrics"]
    print(f"macro-F1 {m['macro_f1']:.3f}  any-risk F1 {m['any_risk']['f1']:.3f}  "
          f"articles exact {ev['articles']['exact_match']:.3f}")
    if ev["functional"]:
        f = ev["functional"]
        print(f"functional accuracy {f['accuracy']:.3f} over {f['n_cases']} cases, "
              f"lowest capability {f['min_capability']:.3f}")
        if args.failures:
            for fail in f["failures"]:
                print(json.dumps(fail, ensure_ascii=False))
    print(f"report: {path}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    from pathlib import Path

    p = sub.add_parser("eval", help="evaluate the active model and write eval/REPORT.md")
    p.add_argument("--split", default="test", choices=["dev", "test"])
    p.add_argument("--output", type=Path, default=None)
    p.add_argument("--failures", action="store_true", help="print failing functional cases")
    p.set_defaults(func=run)
