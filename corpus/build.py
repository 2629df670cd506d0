"""Build corpus/data/ from the hand-written slices in corpus/raw/.

Writers mark personal data as exact substrings ({type, value}); this step turns them into
character spans (every whole-word occurrence), gives ids, groups near-duplicates and
assigns each group to one split (deterministic, by a hash of the group id).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from corpus.dataset import write_jsonl
from corpus.neardup import group_ids
from corpus.settings import CORPUS_DIR, DATA_DIR
from corpus.splits import split_for
from corpus.vocabulary import LABEL_SPECS, LABELS

RAW_DIR = CORPUS_DIR / "raw"


def value_spans(text: str, value: str) -> list[tuple[int, int]]:
    """Every occurrence of value in text that does not cut a word in two."""
    left = r"(?<!\w)" if value[:1].isalnum() else ""
    right = r"(?!\w)" if value[-1:].isalnum() else ""
    spans = [m.span() for m in re.finditer(left + re.escape(value) + right, text)]
    if not spans:  # writers sometimes mark part of a word ("Sem" in "Sems"); keep the raw hit
        spans = [m.span() for m in re.finditer(re.escape(value), text)]
    return spans


def pii_spans(text: str, marks: list[dict[str, str]]) -> list[dict[str, Any]]:
    found = []
    for mark in marks:
        for s, e in value_spans(text, mark["value"]):
            found.append({"type": mark["type"], "start": s, "end": e})
    # drop spans inside a longer span ("Daan" inside "Daan de Vries")
    found.sort(key=lambda p: (p["start"], -(p["end"] - p["start"])))
    kept: list[dict[str, Any]] = []
    for p in found:
        if any(k["start"] <= p["start"] and p["end"] <= k["end"] for k in kept):
            continue
        kept.append(p)
    return kept


def build(raw_dir: Path = RAW_DIR, out_dir: Path = DATA_DIR) -> dict[str, int]:
    rows: list[dict[str, Any]] = []
    files: list[str] = []
    seen_texts: set[str] = set()
    for path in sorted(raw_dir.glob("*.jsonl")):
        prefix = path.stem.split("_", 1)[0]
        n = 0
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            raw = json.loads(line)
            text = raw["text"]
            key = " ".join(text.split()).lower()
            if key in seen_texts:
                continue
            seen_texts.add(key)
            n += 1
            row: dict[str, Any] = {
                "id": f"{prefix}-{n:04d}",
                "text": text,
                "role": raw["role"],
                "labels": sorted(set(raw.get("labels", [])), key=_label_order),
                "pii": pii_spans(text, raw.get("pii", [])),
                "hard_negative": bool(raw.get("hard_negative")) and not raw.get("labels"),
                "group": "",
                "split": "",
                "source": "written",
                "slice": path.stem,
            }
            if raw.get("boundary_articles") and any(LABEL_SPECS[lab].sub_articles for lab in row["labels"]):
                row["boundary_articles"] = sorted(set(raw["boundary_articles"]))
            rows.append(row)
        files.append(path.stem)
    groups = group_ids([r["id"] for r in rows], [r["text"] for r in rows])
    for row, group in zip(rows, groups, strict=True):
        row["group"] = group
        row["split"] = split_for(group)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for stem in files:
        slice_rows = [r for r in rows if r["slice"] == stem]
        counts[stem] = write_jsonl(out_dir / f"{stem}.jsonl", slice_rows)
    return counts


def _label_order(label: str) -> int:

    return LABELS.index(label) if label in LABELS else len(LABELS)


if __name__ == "__main__":
    print(build())
