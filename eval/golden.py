"""Golden outputs: what the shipping model decides on the corpus test split and the functional suites.

A structural change (moving code, a faster path) must not change judgement by accident. The model
trained from this repository with its fixed seed is compared with `eval/golden/outputs.jsonl`: for
every draft the flagged labels, the level and the findings (label, type, span). Differences are listed
so each can be explained; an intended change of judgement rewrites the file (`postwacht eval --golden
write`) in its own commit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from corpus.dataset import load_split
from corpus.settings import REPO_ROOT
from eval.functional import load_cases

GOLDEN_PATH = REPO_ROOT / "eval" / "golden" / "outputs.jsonl"


def golden_items() -> list[dict[str, Any]]:
    items = [{"id": ex["id"], "text": ex["text"], "role": ex["role"]} for ex in load_split("test")
             if ex.get("source") == "written"]
    items += [{"id": f"fn-{i:04d}", "text": c["text"], "role": c.get("role")} for i, c in enumerate(load_cases())]
    return items


def decisions(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": result["id"],
        "flags": sorted(lab for lab, v in (result["labels"] or {}).items() if v["flagged"]),
        "level": result["level"],
        "escalate": result.get("escalate", False),
        "findings": sorted([f.get("label") or "", f["type"], f["start"], f["end"]] for f in result["findings"]),
    }


def current_decisions(scorer: Any) -> list[dict[str, Any]]:
    return [decisions(r) for r in scorer.score_many(golden_items())]


def write_golden(scorer: Any, path: Path = GOLDEN_PATH) -> int:
    rows = current_decisions(scorer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return len(rows)


def compare_golden(scorer: Any, path: Path = GOLDEN_PATH) -> dict[str, Any]:
    """{'n', 'same_flags', 'same_all', 'differences': [...]} against the golden file."""
    golden = {r["id"]: r for r in (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
                                   if line.strip())}
    now = current_decisions(scorer)
    diffs, same_flags, same_all = [], 0, 0
    for row in now:
        old = golden.get(row["id"])
        if old is None:
            diffs.append({"id": row["id"], "new": True})
            continue
        same_flags += old["flags"] == row["flags"]
        if old == row:
            same_all += 1
        else:
            diffs.append({"id": row["id"], **{k: [old.get(k), row[k]] for k in row if old.get(k) != row[k]}})
    n = len(now)
    return {"n": n, "same_flags": same_flags / n if n else 1.0, "same_all": same_all / n if n else 1.0,
            "differences": diffs}
