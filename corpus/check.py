"""`postwacht corpus check`: schema, ids, spans, splits and leakage of corpus/data/."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from corpus.dataset import SOURCES, SPLITS, data_files
from corpus.neardup import near_duplicate_pairs
from corpus.protocol import annotation_protocol
from corpus.settings import DATA_DIR
from corpus.vocabulary import AUTHOR_ROLES, LABEL_SPECS, LABELS, PII_TYPES, labels_with

REQUIRED = {"id": str, "text": str, "role": str, "labels": list, "pii": list, "hard_negative": bool,
            "group": str, "split": str, "source": str}


def check_example(ex: dict[str, Any]) -> list[str]:
    """Problems of one example (empty list when fine)."""
    problems = []
    for key, typ in REQUIRED.items():
        if key not in ex:
            problems.append(f"missing field {key!r}")
        elif not isinstance(ex[key], typ):
            problems.append(f"field {key!r} should be {typ.__name__}")
    if problems:
        return problems
    if not ex["text"].strip():
        problems.append("empty text")
    if ex["role"] not in AUTHOR_ROLES:
        problems.append(f"unknown role {ex['role']!r}")
    unknown = [lab for lab in ex["labels"] if lab not in LABELS]
    if unknown:
        problems.append(f"unknown labels {unknown}")
    if len(set(ex["labels"])) != len(ex["labels"]):
        problems.append("repeated label")
    for lab in ex["labels"]:
        if lab in LABEL_SPECS and ex["role"] not in LABEL_SPECS[lab].author_roles:
            problems.append(f"{lab} on a {ex['role']} author (spec allows {LABEL_SPECS[lab].author_roles})")
    sub_articles = {a for lab in labels_with("sub_articles") for a in annotation_protocol().sub_article_ids(lab)}
    for art in ex.get("boundary_articles", []):
        if art not in sub_articles:
            problems.append(f"unknown boundary article {art!r}")
    if ex["hard_negative"] and ex["labels"]:
        problems.append("hard_negative with labels")
    if ex["split"] not in SPLITS:
        problems.append(f"unknown split {ex['split']!r}")
    if ex["source"] not in SOURCES:
        problems.append(f"unknown source {ex['source']!r}")
    if ex["source"] == "augmented" and ex["split"] != "train":
        problems.append("augmented example outside train")
    n = len(ex["text"])
    for p in ex["pii"]:
        if p.get("type") not in PII_TYPES:
            problems.append(f"unknown PII type {p.get('type')!r}")
        s, e = p.get("start"), p.get("end")
        if not (isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= n):
            problems.append(f"PII span {s}-{e} outside the text (length {n})")
    return problems


def check_corpus(directory: Path = DATA_DIR) -> tuple[list[str], list[dict[str, Any]]]:
    """All problems of the corpus, and the examples read."""
    problems: list[str] = []
    examples: list[dict[str, Any]] = []
    for path in data_files(directory):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path.name}:{n}"
            try:
                ex = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"{where}: not JSON ({exc.msg})")
                continue
            if not isinstance(ex, dict):
                problems.append(f"{where}: not an object")
                continue
            problems.extend(f"{where} [{ex.get('id')}]: {p}" for p in check_example(ex))
            ex["_where"] = where
            examples.append(ex)
    if not examples:
        problems.append(f"no examples in {directory}")
        return problems, examples
    ids = Counter(ex.get("id") for ex in examples)
    problems.extend(f"duplicate id {i!r} ({c}x)" for i, c in ids.items() if c > 1)
    group_splits: dict[str, set[str]] = defaultdict(set)
    for ex in examples:
        group_splits[ex.get("group", "")].add(ex.get("split", ""))
    problems.extend(f"group {g} spans splits {sorted(s)}" for g, s in group_splits.items() if len(s) > 1)
    problems.extend(_leakage(examples))
    return problems, examples


def _leakage(examples: list[dict[str, Any]]) -> list[str]:
    """Near-duplicates (5-gram Jaccard >= 0.6) across splits, written and augmented alike."""
    written = [ex for ex in examples if isinstance(ex.get("text"), str)]
    texts = [ex["text"] for ex in written]
    out = []
    for i, j, sim in near_duplicate_pairs(texts):
        a, b = written[i], written[j]
        if a.get("split") != b.get("split"):
            out.append(f"near-duplicates across splits: {a.get('id')} ({a.get('split')}) ~ "
                       f"{b.get('id')} ({b.get('split')}), Jaccard {sim:.2f}")
    return out
