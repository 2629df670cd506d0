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
    if args.golden:
        return _golden(args.golden, scorer)
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
    g = ev["generalisation"]
    for key, title in (("realnl_held", "real Dutch sentences (held out)"), ("benign_posts", "harmless school posts")):
        v = g.get(key) or {}
        if v.get("n"):
            print(f"{title}: flagged {v['flagged']:.3f}, hoog {v['hoog']:.3f} (n={v['n']})")
    inv = g.get("identity") or {}
    if inv.get("n"):
        print(f"identity invariance: neutral/positive flagged {inv['benign_flagged']:.3f}, hateful found "
              f"{inv['hateful_found']:.3f}, frames over margin {inv['frames_over_margin']:.3f}")
    wb = g.get("safeguarding") or {}
    if wb.get("n"):
        print(f"wellbeing held-out: recall {wb['recall']:.3f}, precision {wb['precision']:.3f}, "
              f"escalated {wb['escalated_share']:.3f}, look-alikes flagged {wb['lookalikes_flagged']:.3f}")
    print(f"report: {path}")
    return 0


def _golden(mode: str, scorer: object) -> int:
    from eval.golden import GOLDEN_PATH, compare_golden, write_golden

    if mode == "write":
        print(f"golden outputs: {write_golden(scorer)} drafts -> {GOLDEN_PATH}")
        return 0
    cmp = compare_golden(scorer)
    print(f"golden: {cmp['n']} drafts, same flags {cmp['same_flags']:.4f}, identical {cmp['same_all']:.4f}")
    for diff in cmp["differences"][:50]:
        print(json.dumps(diff, ensure_ascii=False))
    return 0 if not cmp["differences"] else 1


def register(sub: argparse._SubParsersAction) -> None:
    from pathlib import Path

    p = sub.add_parser("eval", help="evaluate the active model and write eval/REPORT.md")
    p.add_argument("--split", default="test", choices=["dev", "test"])
    p.add_argument("--output", type=Path, default=None)
    p.add_argument("--failures", action="store_true", help="print failing functional cases")
    p.add_argument("--golden", choices=["write", "check"], default=None,
                   help="write or check eval/golden/outputs.jsonl (decisions on test split + functional suites)")
    p.set_defaults(func=run)
