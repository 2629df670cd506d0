"""Speed and memory of the scoring engine (prints numbers; not a test).

    .venv/bin/python eval/bench_engine.py [--n 2000] [--rounds 3] [--write]

In one run, on the same drafts: model load time; resident memory while scoring; single-draft
latency (p50, p99) for drafts <= 500 chars; then interleaved rounds of the whole pipeline and of
deduce's default `Deduce().deidentify` (the reference the speed target is set against) and of the
names-only deduce postwacht runs, with the medians of the rounds and the time ratios.
Interleaving keeps the ratio honest on a shared machine: load that slows one round slows both.
`--write` keeps the printed lines in eval/performance/engine.txt for eval/REPORT.md.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus.dataset import iter_examples

TARGET_RATIO = 1.5  # pipeline time / default deduce time (issue: speed)
PERFORMANCE_DIR = Path(__file__).resolve().parent / "performance"


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def drafts(n: int, seed: int = 7) -> list[dict]:
    rows = [ex for ex in iter_examples(include_augmented=False)]
    rng = random.Random(seed)
    return [{"id": i, "text": rng.choice(rows)["text"], "role": rng.choice(["medewerker", "ouder", "leerling"])}
            for i in range(n)]


def timed(fn: Callable[..., object], *args: object) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000, help="drafts per throughput round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--single", type=int, default=500, help="drafts for the latency run")
    parser.add_argument("--write", action="store_true", help="keep the output in eval/performance/engine.txt")
    args = parser.parse_args()

    t0 = time.perf_counter()
    from model import load_scorer
    from model.pii.deduce_names import get_deduce, import_deduce

    scorer = load_scorer()  # deduce's lean lookup cache, spaCy pipeline, model artifact
    load_s = time.perf_counter() - t0
    items = drafts(args.n)
    texts = [it["text"] for it in items]

    def pipeline() -> None:
        for start in range(0, len(items), 256):
            scorer.score_many(items[start:start + 256])

    scorer.score_many(items[:200])
    short = [it for it in drafts(args.single * 3, seed=11) if len(it["text"]) <= 500][: args.single]
    lat = []
    for it in short:
        t0 = time.perf_counter()
        scorer.score(it["text"], role=it["role"])
        lat.append((time.perf_counter() - t0) * 1000)
    lat.sort()
    pipeline()
    rss = rss_mb()  # before the default deduce below loads its street and institution lists

    lean = get_deduce()
    default = import_deduce().Deduce()
    default.deidentify("warm up")

    def run(d: Any) -> None:
        for t in texts:
            d.deidentify(t)

    rounds: dict[str, list[float]] = {"pipeline": [], "default": [], "lean": []}
    for _ in range(args.rounds):
        rounds["pipeline"].append(timed(pipeline))
        rounds["default"].append(timed(run, default))
        rounds["lean"].append(timed(run, lean))
    med = {k: statistics.median(v) for k, v in rounds.items()}
    ratio = statistics.median(p / d for p, d in zip(rounds["pipeline"], rounds["default"], strict=True))
    mean_chars = statistics.mean(len(t) for t in texts)
    lines = [
        f"drafts: {len(texts)} (mean {mean_chars:.0f} chars), {args.rounds} interleaved rounds (medians); "
        f"latency run: {len(lat)} drafts <= 500 chars; load average {os.getloadavg()[0]:.2f}",
        f"model load (imports, deduce, spaCy pipeline, artifact): {load_s:.2f} s",
        f"whole pipeline:          {len(texts) / med['pipeline']:8.0f} drafts/s (batches of 256)",
        f"deduce Deduce() default: {len(texts) / med['default']:8.0f} docs/s",
        f"deduce names only:       {len(texts) / med['lean']:8.0f} docs/s",
        f"pipeline / default deduce time ratio: {ratio:.2f}x (target <= {TARGET_RATIO})",
        f"pipeline / names-only deduce time ratio: {med['pipeline'] / med['lean']:.2f}x",
        f"single draft: p50 {statistics.median(lat):.2f} ms, p99 {lat[int(len(lat) * 0.99) - 1]:.2f} ms",
        f"resident memory while scoring: {rss:.0f} MB",
    ]
    print("\n".join(lines))
    if args.write:
        PERFORMANCE_DIR.mkdir(exist_ok=True)
        stamp = time.strftime("%Y-%m-%d %H:%M")
        (PERFORMANCE_DIR / "engine.txt").write_text(
            f"# .venv/bin/python eval/bench_engine.py --write ({stamp}, {os.cpu_count()} cores)\n"
            + "\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
