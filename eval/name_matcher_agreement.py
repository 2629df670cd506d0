"""Agreement and speed of `NameMatcher` against the names-only deduce it re-implements.

    .venv/bin/python eval/name_matcher_agreement.py [--rounds 3] [--examples 15] [--no-memory]
                                                    [--fuzz N]

Texts: the corpus drafts (`iter_examples(include_augmented=False)`) and the real Dutch sentences
of /work/shared/data/realnl-dev.jsonl. For every text, both `get_deduce().deidentify(text)
.annotations` and `NameMatcher.annotations(text)` as (start, end, text, tag) lists; prints the
number of texts, the share of texts with identical lists (same order too), recall and precision of
the matcher's annotations against deduce's (identical span and tag), the time per draft of each,
the matcher's construction time and memory, and up to --examples disagreeing texts.

--fuzz N adds N synthetic texts (fixed seed) strung together from deduce's own lists (prefixes,
initials, interfixes, first names, surnames, eponymous diseases, whitelist words), punctuation,
odd spacing, case changes and emoji: edge cases the drafts seldom have (context chains, skip
tokens, merge terms, overlaps, pseudo names).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from corpus.dataset import iter_examples
from model.pii.deduce_names import get_deduce
from model.pii.name_matcher import Annotation, NameMatcher

REALNL = Path("/work/shared/data/realnl-dev.jsonl")


def load_texts() -> list[tuple[str, str]]:
    """(source, text): corpus drafts, then the real Dutch sentences."""
    texts = [("corpus", ex["text"]) for ex in iter_examples(include_augmented=False)]
    if REALNL.exists():
        with REALNL.open(encoding="utf-8") as fh:
            texts += [("realnl", json.loads(line)["text"]) for line in fh if line.strip()]
    return texts


_FUZZ_EXTRA = (".", "-", "'", ",", "/", ":", "(", ")", "!", "?", "&", "juf", "groep", "8", "A1", "O'Neill",
               "Jan-Peter", "É", "één", "café", "😀", "👩‍❤️‍👨", "🅰️", "x́y", "²", "_",
               "DE", "Van", "Der", "de heer", "Dr.h.c.", "v.d.", "'t", "’t")
_FUZZ_GAPS = ("", " ", " ", " ", "  ", "   ", "    ", "\n", "\t", " \n ")


def _trie_items(node: Any, path: tuple[str, ...] = ()) -> list[str]:
    items = [" ".join(path)] if node.is_terminal and path else []
    for key, child in node.children.items():
        items += _trie_items(child, (*path, key))
    return items


def fuzz_texts(deduce: Any, n: int, seed: int = 7) -> list[tuple[str, str]]:
    """n synthetic texts from deduce's own lists (see the module docstring)."""
    ds = deduce.lookup_structs
    vocab = [sorted(ds[name].items()) for name in ("prefix", "initial", "interfix", "interfix_surname")]
    vocab.append(sorted(ds["whitelist"].items())[::3])
    vocab += [_trie_items(ds[name]) for name in ("first_name", "surname", "eponymous_disease")]
    vocab.append(list(_FUZZ_EXTRA))
    weights = (4, 5, 5, 3, 3, 6, 6, 2, 4)
    rng = random.Random(seed)
    cases = (str.lower, str.upper, str.title)
    texts = []
    for _ in range(n):
        words = []
        for _ in range(rng.randint(1, 40)):
            word = rng.choice(rng.choices(vocab, weights)[0])
            if rng.random() < 0.2:
                word = rng.choice(cases)(word)
            words += [word, rng.choice(_FUZZ_GAPS) if rng.random() < 0.85 else ""]
        texts.append(("fuzz", "".join(words)))
    return texts


def deduce_annotations(deduce: Any, text: str) -> list[Annotation]:
    return [(int(a.start_char), int(a.end_char), a.text, a.tag) for a in deduce.deidentify(text).annotations]


def build_matcher(deduce: Any, measure_memory: bool) -> tuple[NameMatcher, float, float | None]:
    """The matcher, its construction time (s) and retained memory (MB, under tracemalloc)."""
    start = time.perf_counter()
    matcher = NameMatcher.from_deduce(deduce)
    seconds = time.perf_counter() - start
    if not measure_memory:
        return matcher, seconds, None
    del matcher
    gc.collect()
    tracemalloc.start()
    matcher = NameMatcher.from_deduce(deduce)
    gc.collect()
    retained = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    return matcher, seconds, retained


def time_per_text(func: Callable[[str], Any], texts: Sequence[str], rounds: int) -> float:
    """Median over rounds of the mean seconds per text."""
    results = []
    for _ in range(rounds):
        start = time.perf_counter()
        for text in texts:
            func(text)
        results.append((time.perf_counter() - start) / len(texts))
    return statistics.median(results)


def snippet(text: str, anns: Sequence[Annotation], width: int = 220) -> str:
    """The text around the first annotation (or its start), on one line."""
    first = min((a[0] for a in anns), default=0)
    lo = max(0, first - 60)
    out = text[lo:lo + width].replace("\n", "⏎")
    return ("…" if lo else "") + out + ("…" if lo + width < len(text) else "")


def compare(texts: list[tuple[str, str]], ref: list[list[Annotation]], got: list[list[Annotation]],
            max_examples: int) -> None:
    n = len(texts)
    exact = sum(r == g for r, g in zip(ref, got, strict=True))
    as_set = sum(sorted(r) == sorted(g) for r, g in zip(ref, got, strict=True))
    found = total_ref = total_got = 0
    for r, g in zip(ref, got, strict=True):
        common = Counter((a[0], a[1], a[3]) for a in r) & Counter((a[0], a[1], a[3]) for a in g)
        found += sum(common.values())
        total_ref += len(r)
        total_got += len(g)
    with_names = sum(bool(r) for r in ref)
    sources = Counter(s for s, _ in texts)
    fuzz = f", {sources['fuzz']} fuzz texts" if sources["fuzz"] else ""
    print(f"texts: {n} ({sources['corpus']} corpus drafts, {sources['realnl']} real Dutch sentences{fuzz}); "
          f"{with_names} with deduce annotations")
    print(f"identical annotation lists (same order): {exact}/{n} = {exact / n:.4%}")
    print(f"identical annotation sets (any order):   {as_set}/{n} = {as_set / n:.4%}")
    print(f"recall    (deduce annotations the matcher has, same span and tag): "
          f"{found}/{total_ref} = {found / max(total_ref, 1):.4%}")
    print(f"precision (matcher annotations deduce has):                       "
          f"{found}/{total_got} = {found / max(total_got, 1):.4%}")
    shown = 0
    for (source, text), r, g in zip(texts, ref, got, strict=True):
        if r == g or shown >= max_examples:
            continue
        shown += 1
        print(f"\n--- disagreement {shown} ({source}, {len(text)} chars): {snippet(text, r + g)}")
        print(f"    deduce:  {r}")
        print(f"    matcher: {g}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="timing rounds of the matcher")
    parser.add_argument("--examples", type=int, default=15, help="disagreeing texts to print")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc build")
    parser.add_argument("--fuzz", type=int, default=0, help="synthetic texts from deduce's lists to add")
    args = parser.parse_args()

    texts = load_texts()
    deduce = get_deduce()
    matcher, build_s, build_mb = build_matcher(deduce, not args.no_memory)
    memory = f", {build_mb:.1f} MB retained (tracemalloc)" if build_mb is not None else ""
    print(f"matcher construction: {build_s:.2f} s{memory}")
    texts += fuzz_texts(deduce, args.fuzz)

    plain = [t for _, t in texts]
    drafts = [t for s, t in texts if s == "corpus"]
    start = time.perf_counter()
    ref = [deduce_annotations(deduce, t) for t in plain]
    deduce_all = (time.perf_counter() - start) / len(plain)
    got = [matcher.annotations(t) for t in plain]
    compare(texts, ref, got, args.examples)

    deduce_s = time_per_text(deduce.deidentify, drafts, 1)
    matcher_s = time_per_text(matcher.annotations, drafts, args.rounds)
    matcher_all = time_per_text(matcher.annotations, plain, args.rounds)
    mean_chars = statistics.mean(map(len, drafts)) if drafts else 0.0
    print(f"\ntime per corpus draft (mean {mean_chars:.0f} chars): deduce {deduce_s * 1e3:.4f} ms, "
          f"matcher {matcher_s * 1e3:.4f} ms, speed-up {deduce_s / matcher_s:.1f}x")
    print(f"time per text, all texts: deduce {deduce_all * 1e3:.4f} ms (with list conversion), "
          f"matcher {matcher_all * 1e3:.4f} ms")


if __name__ == "__main__":
    main()
