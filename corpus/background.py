"""Real published Dutch text as background negatives (never positives).

`../shared/data/realnl-dev.jsonl` holds 2,260 sentences of the UD_Dutch-LassySmall (Wikipedia)
and UD_Dutch-Alpino (news) treebanks, CC BY-SA 4.0. Half of them (by a hash of source and
sent_id) become `corpus/data/background_realnl.jsonl`: rows with no label, `source: background`,
split 75/25 over train and dev so that thresholds are also chosen against real text. The other half
is never trained on: `postwacht eval` measures the false-alarm rate on it. Each row keeps its
`source_treebank` and `sent_id`, which is the attribution the licence asks for.

    postwacht corpus background [--from ../shared/data/realnl-dev.jsonl]
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from corpus.dataset import write_jsonl
from corpus.settings import DATA_DIR, REPO_ROOT
from corpus.vocabulary import AUTHOR_ROLES

REALNL_PATH = REPO_ROOT.parent / "shared" / "data" / "realnl-dev.jsonl"
BACKGROUND_FILE = "background_realnl.jsonl"
LICENCE = "CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/)"


def _hash(key: str) -> int:
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)


def realnl_part(row: dict[str, Any]) -> str:
    """'train' (background negatives in the corpus) or 'held' (false-alarm measurement only)."""
    key = f"{row.get('source', '')}/{row.get('sent_id', row.get('id', ''))}"
    return "train" if _hash(key) % 2 == 0 else "held"


def read_realnl(path: Path = REALNL_PATH) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def background_rows(source_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in source_rows:
        if realnl_part(r) != "train":
            continue
        h = _hash(r["id"])
        out.append({
            "id": f"bg-{r['id']}", "text": r["text"], "role": AUTHOR_ROLES[h % len(AUTHOR_ROLES)], "labels": [],
            "pii": [], "hard_negative": False, "group": f"g-bg-{r['id']}",
            "split": "dev" if (h >> 4) % 4 == 0 else "train", "source": "background", "slice": "background_realnl",
            "source_treebank": r.get("source", ""), "sent_id": r.get("sent_id", ""), "licence": LICENCE,
        })
    return sorted(out, key=lambda r: r["id"])


def build_background(src: Path = REALNL_PATH, out_dir: Path = DATA_DIR) -> int:
    rows = background_rows(read_realnl(src))
    if not rows:
        raise FileNotFoundError(f"no real-text sentences in {src}")
    return write_jsonl(out_dir / BACKGROUND_FILE, rows)
