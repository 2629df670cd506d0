"""Where a draft's time goes: cProfile of `score_many` on corpus drafts (prints; not a test).

    .venv/bin/python eval/profile_engine.py [--n 1000] [--single] [--top 25] [--write]

`--single` profiles drafts scored one at a time (the staff page's path) instead of one batch.
`--write` keeps the output in eval/performance/profile_{batch,single}.txt, which `postwacht eval`
puts into eval/REPORT.md's performance section beside the profile from before the speed work
(profile_before_*.txt, commit a3e5857).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval.bench_engine import PERFORMANCE_DIR, drafts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--single", action="store_true", help="score drafts one at a time")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--write", action="store_true", help="keep the output in eval/performance/")
    args = parser.parse_args()
    from model import load_scorer

    scorer = load_scorer()
    items = drafts(args.n)
    scorer.score_many(items[:50])  # warm caches
    profile = cProfile.Profile()
    profile.enable()
    if args.single:
        for it in items:
            scorer.score(it["text"], role=it["role"])
    else:
        scorer.score_many(items)
    profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.strip_dirs().sort_stats("cumulative").print_stats(args.top)
    print(out.getvalue())
    if args.write:
        PERFORMANCE_DIR.mkdir(exist_ok=True)
        name = "profile_single.txt" if args.single else "profile_batch.txt"
        (PERFORMANCE_DIR / name).write_text(out.getvalue().strip() + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
