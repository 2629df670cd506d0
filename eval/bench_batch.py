"""Benchmark of `postwacht batch` (the "batch at scale" issue). Prints a table of numbers.

    python -m eval.bench_batch                      # a few minutes: 10,000 drafts, memory at 10k vs 40k
    python -m eval.bench_batch --n 100000 --mem-sizes 10000,1000000     # the issue's full sizes

Measures, on the same generated drafts (corpus texts sampled and lightly mutated, mixed lengths):
  1. deduce alone: deduce's default `Deduce().deidentify(text)`, one process, docs/s;
  2. our batch with one worker (in-process, model already loaded), docs/s, and the ratio to 1;
  3. two worker processes vs one (speed-up), end to end and in steady state;
  4. the Dask engine on a 2-worker local cluster vs the local engine with 2 workers (time ratio);
  5. peak RSS of a one-worker run as the input grows (each size in a fresh process).
"Steady" rates leave out the start-up (worker model loading) by timing from the first chunk
written to the end (local engine only: the Dask engine returns whole windows of chunks).
Wall-clock numbers need a quiet machine. The table also projects them from CPU time (scoring
CPU wherever it ran, plus the main process), which other load on the machine barely moves. The machine's load average is printed with the numbers: other work on a
2-core machine moves them.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from corpus.settings import DATA_DIR, models_dir

_NAMES = ["Daan", "Sanne", "Noah", "Emma", "Mohammed", "Fenna", "Lucas", "Yara", "Sem", "Julia", "Bram", "Aylin"]
_EMOJI = ["😂", "😭", "🙈", "👍", "😡", "❤️", "📸", "🎉"]
_TAILS = ["echt waar", "haha", "wtf", "zeg het voort", "groetjes", "!!!", "ofzo", "lol", "#DeMarel"]


def corpus_drafts() -> list[tuple[str, str]]:
    out = []
    for path in sorted(DATA_DIR.glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                out.append((row["text"], row.get("role") or "onbekend"))
    return out


def _mutate(rng: random.Random, text: str, pool: list[tuple[str, str]]) -> str:
    kind = rng.random()
    if kind < 0.10:  # long: several drafts in one post
        parts = [text] + [rng.choice(pool)[0] for _ in range(rng.randint(2, 6))]
        return " ".join(parts)
    if kind < 0.20:
        return text[: max(5, int(len(text) * rng.uniform(0.3, 0.9)))]
    if kind < 0.35:
        return re.sub(r"\b[A-Z][a-z]{2,}\b", lambda m: rng.choice(_NAMES), text, count=1)
    if kind < 0.50:
        return f"{text} {rng.choice(_TAILS)}"
    if kind < 0.60:
        return f"{text} {rng.choice(_EMOJI)}"
    if kind < 0.70:
        return text.lower()
    if kind < 0.75:
        return re.sub(r"\d", lambda m: str(rng.randint(0, 9)), text)
    return text


def generate_drafts(n: int, seed: int = 20261125) -> Iterator[dict[str, Any]]:
    pool = corpus_drafts()
    rng = random.Random(seed)
    for i in range(n):
        text, role = rng.choice(pool)
        yield {"id": f"bench-{i}", "text": _mutate(rng, text, pool), "role": role}


def write_drafts(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for row in generate_drafts(n):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _texts(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh]


def bench_deduce(path: Path) -> dict[str, float]:
    from model.pii.deduce_names import get_deduce

    deduce = get_deduce()  # deduce's own `Deduce()`, default configuration, built once
    texts = _texts(path)
    deduce.deidentify(texts[0])
    t0, cpu0 = time.perf_counter(), time.process_time()
    for text in texts:
        deduce.deidentify(text)  # deduce's default: every annotator enabled
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    return {"docs": len(texts), "seconds": elapsed, "docs_per_s": len(texts) / elapsed,
            "cpu_seconds": cpu, "docs_per_cpu_s": len(texts) / cpu}


def bench_batch(path: Path, out: Path, version_dir: Path, scorer: Any = None, **kw: Any) -> dict[str, Any]:
    from serve.batch.runner import BatchConfig, run_batch

    t0 = time.perf_counter()
    outcome = run_batch(BatchConfig(input=path, output=out, version_dir=version_dir, progress=False, **kw),
                        scorer=scorer)
    wall = time.perf_counter() - t0
    rows = outcome.rows_total
    return {"rows": rows, "seconds": wall, "docs_per_s": rows / wall, "steady_docs_per_s": outcome.steady_rate,
            "workers": outcome.workers, "load": _load(), "cpu_main": outcome.cpu_main,
            "cpu_scoring": outcome.cpu_scoring, "cpu_total": outcome.cpu_total,
            "docs_per_cpu_s": rows / outcome.cpu_total, "scoring_docs_per_cpu_s": rows / outcome.cpu_scoring}


class StubScorer:
    """Answers every draft with a fixed, realistic result: isolates the batch machinery (reader,
    chunks, writer, summary, sidecar) from the model when measuring memory at millions of rows."""

    def __init__(self, version: str) -> None:
        from corpus.vocabulary import LABELS

        self.version = version
        self.labels = {lab: {"score": 0.9 if lab == "bullying" else 0.01, "flagged": lab == "bullying"}
                       for lab in LABELS}

    def score_many(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for item in items:
            text = item["text"]
            out.append({
                "id": item.get("id"), "role": item.get("role") or "onbekend", "risk": 0.9, "level": "hoog",
                "labels": self.labels,
                "findings": [{"label": "bullying", "type": "insult", "start": 0, "end": min(4, len(text)),
                              "text": text[:4], "explanation": "Scheldwoord"}],
                "articles": [{"id": "leerlingen.1", "section": "Voor leerlingen", "number": 1, "text": "..."}],
                "consequences": [], "advice": ["Haal de beledigende woorden weg."], "redacted_text": text,
                "model_version": self.version, "error": None,
            })
        return out


def mem_run(path: Path, version_dir: Path, stub: bool = False) -> None:
    """Child process: one in-process run, then print peak RSS (MB)."""
    logging.disable(logging.WARNING)
    from serve.batch.runner import BatchConfig, run_batch

    out = path.with_suffix(".out.jsonl")
    t0 = time.perf_counter()
    scorer = StubScorer(version_dir.name) if stub else None
    outcome = run_batch(BatchConfig(input=path, output=out, workers=1, version_dir=version_dir, progress=False),
                        scorer=scorer)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": outcome.rows_total, "peak_rss_mb": round(peak_mb, 1),
                      "seconds": round(time.perf_counter() - t0, 1)}), flush=True)
    out.unlink(missing_ok=True)
    os._exit(0)  # skip tearing down the model


def bench_memory(workdir: Path, sizes: list[int], version_dir: Path, stub: bool = False) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        path = write_drafts(workdir / f"mem-{n}.jsonl", n)
        cmd = [sys.executable, "-m", "eval.bench_batch", "--mem-run", str(path), "--model", str(version_dir)]
        proc = subprocess.run(cmd + (["--stub"] if stub else []), capture_output=True, text=True, check=True)
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        result["input_mb"] = round(path.stat().st_size / 1e6, 1)
        rows.append(result)
        path.unlink()
        what = "machinery (stub scorer)" if stub else "memory"
        print(f"  {what} {n:>9} rows: peak RSS {result['peak_rss_mb']} MB ({result['seconds']} s)", flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=10_000, help="drafts for the throughput runs (issue: 100000)")
    p.add_argument("--mem-sizes", default="10000,40000", help="input sizes for the memory runs (issue: 10000,1000000)")
    p.add_argument("--machinery-sizes", default="10000,200000",
                   help="input sizes for memory runs with a stub scorer (reader/writer/summary only)")
    p.add_argument("--skip-throughput", action="store_true", help="only the memory runs")
    p.add_argument("--skip-dask", action="store_true")
    p.add_argument("--skip-memory", action="store_true")
    p.add_argument("--json", help="also write the numbers to this file")
    p.add_argument("--mem-run", help=argparse.SUPPRESS)
    p.add_argument("--stub", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--model", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("distributed").setLevel(logging.ERROR)

    if args.mem_run:
        mem_run(Path(args.mem_run), Path(args.model), stub=args.stub)
        return 0

    from model.artifacts import active_version
    from serve.batch.scoring import load_frozen_scorer

    if active_version() is None:
        print("no active model: run `postwacht train` (or `make run`) first", file=sys.stderr)
        return 2
    version_dir = models_dir() / str(active_version())  # pinned for every run below
    numbers: dict[str, Any] = {"model": version_dir.name, "cores": os.cpu_count(), "load_before": _load()}
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        work = Path(tmp)
        if not args.skip_memory:
            sizes = [int(x) for x in args.machinery_sizes.split(",") if x]
            numbers["machinery"] = bench_memory(work, sizes, version_dir, stub=True)
        if args.skip_throughput:
            numbers["load_after"] = _load()
            print(json.dumps(numbers, indent=2))
            if args.json:
                Path(args.json).write_text(json.dumps(numbers, indent=2), encoding="utf-8")
            return 0
        drafts = write_drafts(work / "drafts.jsonl", args.n)
        lengths = sorted(len(t) for t in _texts(drafts))
        numbers["drafts"] = {"n": len(lengths), "mean_chars": round(sum(lengths) / len(lengths)),
                             "median_chars": lengths[len(lengths) // 2], "max_chars": lengths[-1]}
        print(f"drafts: {numbers['drafts']}  model {version_dir.name}  load {_load()}", flush=True)

        # load first and freeze: the first garbage collections after deduce is built walk its
        # millions of objects (seconds), which would land in whichever timing came first
        scorer = load_frozen_scorer(version_dir)
        numbers["deduce"] = bench_deduce(drafts)
        print(f"  deduce alone: {numbers['deduce']['docs_per_s']:.0f} docs/s", flush=True)

        numbers["w1"] = bench_batch(drafts, work / "w1.jsonl", version_dir, scorer=scorer, workers=1)
        print(f"  batch, 1 worker: {numbers['w1']['docs_per_s']:.0f} docs/s (load {_load()})", flush=True)
        numbers["w2"] = bench_batch(drafts, work / "w2.jsonl", version_dir, workers=2)
        print(f"  batch, 2 workers: {numbers['w2']['seconds']:.1f} s (load {_load()})", flush=True)
        same = (work / "w1.jsonl").read_bytes() == (work / "w2.jsonl").read_bytes()
        numbers["w2_identical_to_w1"] = same
        if not args.skip_dask:
            numbers["dask"] = bench_batch(drafts, work / "dask.jsonl", version_dir, engine="dask", workers=2)
            numbers["dask_identical_to_local"] = (work / "dask.jsonl").read_bytes() == (work / "w1.jsonl").read_bytes()
            print(f"  dask, 2 workers: {numbers['dask']['seconds']:.1f} s (load {_load()})", flush=True)
        if not args.skip_memory:
            sizes = [int(x) for x in args.mem_sizes.split(",") if x]
            numbers["memory"] = bench_memory(work, sizes, version_dir)
    numbers["load_after"] = _load()
    print_table(numbers)
    if args.json:
        Path(args.json).write_text(json.dumps(numbers, indent=2), encoding="utf-8")
    os._exit(0)  # the loaded model needs no teardown


def print_table(n: dict[str, Any]) -> None:
    ded, w1, w2 = n["deduce"], n["w1"], n["w2"]
    steady1, steady2 = w1.get("steady_docs_per_s"), w2.get("steady_docs_per_s")
    rows = [
        ("drafts", f"{n['drafts']['n']} (mean {n['drafts']['mean_chars']} chars, max {n['drafts']['max_chars']})", ""),
        ("deduce alone, docs/s", f"{ded['docs_per_s']:.0f}", f"per CPU-s {ded['docs_per_cpu_s']:.0f}"),
        ("batch per worker, docs/s", f"{w1['docs_per_s']:.0f}",
         f"steady {steady1:.0f}; per CPU-s {w1['docs_per_cpu_s']:.0f}" if steady1 else ""),
        ("ratio batch/deduce (target >= 0.5)", f"{w1['docs_per_s'] / ded['docs_per_s']:.2f}",
         f"per CPU-s {w1['docs_per_cpu_s'] / ded['docs_per_cpu_s']:.2f}"),
        ("2 workers, docs/s end to end", f"{w2['docs_per_s']:.0f}", f"steady {steady2:.0f}" if steady2 else ""),
        ("speed-up 2 vs 1 worker (target >= 1.7)", f"{w2['docs_per_s'] / w1['docs_per_s']:.2f}",
         f"steady {steady2 / steady1:.2f}" if steady1 and steady2 else ""),
        # on an idle 2-core machine: 2 cores shared by the workers and the main process
        ("  projected from CPU time, idle 2 cores", f"{2 * w2['docs_per_cpu_s'] / w1['docs_per_cpu_s']:.2f}",
         f"CPU/doc {1000 / w1['docs_per_cpu_s']:.2f} ms (1) vs {1000 / w2['docs_per_cpu_s']:.2f} ms (2, incl. main)"),
        ("2 workers output identical to 1", str(n["w2_identical_to_w1"]), ""),
    ]
    if "dask" in n:
        d = n["dask"]
        rows += [
            ("dask 2 workers, seconds", f"{d['seconds']:.1f}", f"local 2 workers {w2['seconds']:.1f}"),
            ("dask / local time (target <= 1.5)", f"{d['seconds'] / w2['seconds']:.2f}", "end to end"),
            ("  projected from CPU time, idle 2 cores", f"{w2['docs_per_cpu_s'] / d['docs_per_cpu_s']:.2f}",
             f"CPU/doc {1000 / d['docs_per_cpu_s']:.2f} ms (dask, incl. client+scheduler)"),
            ("dask output identical to local", str(n["dask_identical_to_local"]), ""),
        ]
    for m in n.get("memory", []):
        rows.append((f"peak RSS, {m['rows']} rows ({m['input_mb']} MB in)", f"{m['peak_rss_mb']:.0f} MB", ""))
    if len(n.get("memory", [])) >= 2:
        first, last = n["memory"][0], n["memory"][-1]
        rows.append(("peak RSS growth, largest vs smallest", f"{last['peak_rss_mb'] / first['peak_rss_mb']:.3f}x",
                     f"+{last['peak_rss_mb'] - first['peak_rss_mb']:.0f} MB"))
    for m in n.get("machinery", []):
        rows.append((f"peak RSS, stub scorer, {m['rows']} rows ({m['input_mb']} MB in)",
                     f"{m['peak_rss_mb']:.0f} MB", f"{m['seconds']} s"))
    rows.append(("load average before / after", f"{n['load_before']} / {n['load_after']}", f"{n['cores']} cores"))
    width = max(len(r[0]) for r in rows)
    print("\n" + "=" * (width + 40))
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>14}  {note}")
    print("=" * (width + 40), flush=True)


if __name__ == "__main__":
    sys.exit(main())
