"""Speed and memory of the scoring engine (prints numbers; not a test).

    .venv/bin/python eval/bench_engine.py [--n 5000]

Prints: model load time; deduce alone vs the whole pipeline on the same drafts (docs/s and
the ratio, the binding figure); single-draft latency (median, p99) for drafts <= 500 chars;
resident memory while scoring.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus.dataset import iter_examples


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000, help="drafts for the throughput run")
    parser.add_argument("--single", type=int, default=500, help="drafts for the latency run")
    args = parser.parse_args()

    t0 = time.perf_counter()
    from model import load_scorer
    from model.pii.deduce_names import get_deduce

    scorer = load_scorer()  # deduce's lean lookup cache, spaCy pipeline, model artifact
    load_s = time.perf_counter() - t0
    items = drafts(args.n)
    texts = [it["text"] for it in items]
    deduce = get_deduce()
    deduce.deidentify("warm up")
    t0 = time.perf_counter()
    for t in texts:
        deduce.deidentify(t)
    deduce_s = time.perf_counter() - t0
    scorer.score_many(items[:50])
    t0 = time.perf_counter()
    for start in range(0, len(items), 256):
        scorer.score_many(items[start:start + 256])
    pipeline_s = time.perf_counter() - t0
    short = [it for it in drafts(args.single * 3, seed=11) if len(it["text"]) <= 500][: args.single]
    lat = []
    for it in short:
        t0 = time.perf_counter()
        scorer.score(it["text"], role=it["role"])
        lat.append((time.perf_counter() - t0) * 1000)
    lat.sort()
    mean_chars = statistics.mean(len(t) for t in texts)
    print(f"drafts: {len(texts)} (mean {mean_chars:.0f} chars); latency run: {len(lat)} drafts <= 500 chars")
    print(f"model load (imports, deduce, spaCy pipeline, artifact): {load_s:.2f} s")
    print(f"deduce alone:   {len(texts) / deduce_s:8.0f} docs/s")
    print(f"whole pipeline: {len(texts) / pipeline_s:8.0f} docs/s (batches of 256)")
    print(f"pipeline / deduce time ratio: {pipeline_s / deduce_s:.2f}x (target <= 2.0)")
    print(f"single draft: median {statistics.median(lat):.2f} ms, p99 {lat[int(len(lat) * 0.99) - 1]:.2f} ms")
    print(f"resident memory while scoring: {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
