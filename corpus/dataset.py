"""The labelled corpus on disk: corpus/data/*.jsonl, one example per line.

Fields: id, text, role, labels, pii [{type, start, end}], hard_negative, group, split,
source (written | augmented); staff_boundary examples also carry boundary_articles.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from corpus.settings import DATA_DIR

SPLITS = ("train", "dev", "test")
SOURCES = ("written", "augmented", "reviewed", "background")
AUGMENTED_FILE = "augmented.jsonl"


def data_files(directory: Path = DATA_DIR) -> list[Path]:
    return sorted(directory.glob("*.jsonl"))


def iter_examples(directory: Path = DATA_DIR, include_augmented: bool = True) -> Iterator[dict[str, Any]]:
    for path in data_files(directory):
        if not include_augmented and path.name == AUGMENTED_FILE:
            continue
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)


def load_split(split: str, directory: Path = DATA_DIR, include_augmented: bool = False) -> list[dict[str, Any]]:
    return [ex for ex in iter_examples(directory, include_augmented) if ex.get("split") == split]


def corpus_hash(directory: Path = DATA_DIR) -> str:
    """sha256 over all data files (names and bytes): the training data's identity."""
    digest = hashlib.sha256()
    for path in data_files(directory):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    n = 0
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    tmp.replace(path)
    return n


def read_jsonl_objects(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-empty line; ValueError naming the first bad line."""
    rows = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                raise ValueError(f"{path.name} regel {n}: geen geldige JSON (invalid JSON)") from None
            if not isinstance(row, dict):
                raise ValueError(f"{path.name} regel {n}: geen JSON-object (not a JSON object)")
            rows.append((n, row))
    return rows
