"""How the model does on text the team did not write into its corpus.

- Real published Dutch sentences (`../shared/data/realnl-dev.jsonl`, UD_Dutch-LassySmall and
  UD_Dutch-Alpino, CC BY-SA 4.0): none is a risky school post, so every flag is a false alarm.
  Half of the file (by a hash of `sent_id`) is used in training as background negatives; the
  other half is never trained on and gives the honest false-alarm rate (`held`).
- Harmless school posts that name people (`eval/benign/school_posts.jsonl`), written by a writer
  who did not write the training corpus.
- Identity invariance (CheckList INV/MFT): hand-written frames x group terms
  (`eval/invariance/`): neutral and positive statements about any group are never flagged,
  hateful ones about any group are, and swapping one group term for another moves no score by
  more than a small margin.
- Held-out safeguarding cases (`eval/wellbeing/heldout.jsonl`), written apart from the corpus.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from corpus.background import REALNL_PATH, realnl_part
from corpus.settings import REPO_ROOT
from corpus.vocabulary import LABELS

EVAL_DIR = REPO_ROOT / "eval"
BENIGN_PATH = EVAL_DIR / "benign" / "school_posts.jsonl"
FRAMES_PATH = EVAL_DIR / "invariance" / "identity.jsonl"
GROUPS_PATH = EVAL_DIR / "invariance" / "groups.json"
WELLBEING_PATH = EVAL_DIR / "wellbeing" / "heldout.jsonl"
# a group term swap may move a label's score by at most this much
INVARIANCE_MARGIN = 0.10


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def realnl_rows(part: str | None = None, path: Path = REALNL_PATH) -> list[dict[str, Any]]:
    rows = read_jsonl(path)
    return [r for r in rows if part is None or realnl_part(r) == part]


def _flags(result: dict[str, Any]) -> list[str]:
    return [lab for lab, v in (result.get("labels") or {}).items() if v["flagged"]]


def false_alarms(scorer: Any, rows: list[dict[str, Any]], default_role: str = "onbekend",
                 examples: int = 8) -> dict[str, Any]:
    """Share of harmless texts flagged at all, at level hoog, and per label."""
    if not rows:
        return {"n": 0}
    results = scorer.score_many([{"id": i, "text": r["text"], "role": r.get("role") or default_role}
                                 for i, r in enumerate(rows)])
    per_label: dict[str, int] = defaultdict(int)
    flagged, high, shown = 0, 0, []
    labelled_names = 0
    for row, res in zip(rows, results, strict=True):
        flags = _flags(res)
        for lab in flags:
            per_label[lab] += 1
        if flags:
            flagged += 1
            if len(shown) < examples:
                shown.append({"text": row["text"][:160], "flags": flags, "level": res["level"]})
        if res["level"] == "hoog":
            high += 1
        labelled_names += sum(1 for f in res["findings"] if f["type"] == "person_name" and f.get("label"))
    n = len(rows)
    return {"n": n, "flagged": flagged / n, "hoog": high / n, "per_label": {k: v / n for k, v in per_label.items()},
            "labelled_name_findings": labelled_names, "examples": shown}


def identity_invariance(scorer: Any, frames_path: Path = FRAMES_PATH, groups_path: Path = GROUPS_PATH
                        ) -> dict[str, Any]:
    frames = read_jsonl(frames_path)
    if not frames or not groups_path.exists():
        return {"n": 0}
    groups = json.loads(groups_path.read_text(encoding="utf-8"))
    items, meta = [], []
    for fi, frame in enumerate(frames):
        for group in groups:
            items.append({"id": len(items), "text": frame["frame"].replace("{group}", group),
                          "role": frame.get("role") or "onbekend"})
            meta.append((fi, group))
    results = scorer.score_many(items)
    by_frame: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for (fi, _), res in zip(meta, results, strict=True):
        by_frame[fi].append(res)
    benign_n = benign_flagged = hate_n = hate_found = 0
    spreads, unstable, failures = [], 0, []
    for fi, frame in enumerate(frames):
        res_list = by_frame[fi]
        expected = set(frame.get("expected") or [])
        for res, group in zip(res_list, groups, strict=True):
            flags = set(_flags(res))
            if frame["kind"] in ("neutral", "positive"):
                benign_n += 1
                if flags:
                    benign_flagged += 1
                    failures.append({"text": frame["frame"].replace("{group}", group), "flags": sorted(flags)})
            else:
                hate_n += 1
                if expected & flags:
                    hate_found += 1
                elif len(failures) < 40:
                    failures.append({"text": frame["frame"].replace("{group}", group), "flags": sorted(flags),
                                     "expected": sorted(expected)})
        spread = max(max(r["labels"][lab]["score"] for r in res_list) - min(r["labels"][lab]["score"] for r in res_list)
                     for lab in LABELS)
        spreads.append(spread)
        unstable += spread > INVARIANCE_MARGIN
    return {
        "n_frames": len(frames), "n_groups": len(groups), "n": len(items),
        "benign_flagged": benign_flagged / benign_n if benign_n else 0.0, "benign_n": benign_n,
        "hateful_found": hate_found / hate_n if hate_n else 0.0, "hateful_n": hate_n,
        "frames_over_margin": unstable / len(frames), "max_spread": max(spreads), "margin": INVARIANCE_MARGIN,
        "failures": failures[:40],
    }


def wellbeing_heldout(scorer: Any, path: Path = WELLBEING_PATH) -> dict[str, Any]:
    rows = read_jsonl(path)
    if not rows or "wellbeing" not in LABELS:
        return {"n": 0}
    results = scorer.score_many([{"id": i, "text": r["text"], "role": r.get("role")} for i, r in enumerate(rows)])
    tp = fp = fn = 0
    escalated = flagged_wb = lookalike_any = lookalikes = 0
    for row, res in zip(rows, results, strict=True):
        gold = "wellbeing" in row.get("labels", [])
        got = res["labels"]["wellbeing"]["flagged"]
        tp += gold and got
        fp += (not gold) and got
        fn += gold and not got
        if got:
            flagged_wb += 1
            escalated += bool(res.get("escalate"))
        if not row.get("labels"):
            lookalikes += 1
            lookalike_any += bool(_flags(res))
    return {"n": len(rows), "recall": tp / (tp + fn) if tp + fn else 0.0,
            "precision": tp / (tp + fp) if tp + fp else 0.0,
            "escalated_share": escalated / flagged_wb if flagged_wb else 0.0,
            "lookalikes_flagged": lookalike_any / lookalikes if lookalikes else 0.0, "lookalikes": lookalikes}


def run_generalisation(scorer: Any) -> dict[str, Any]:
    return {
        "realnl_held": false_alarms(scorer, realnl_rows("held")),
        "realnl_all": false_alarms(scorer, realnl_rows(None)),
        "benign_posts": false_alarms(scorer, read_jsonl(BENIGN_PATH)),
        "identity": identity_invariance(scorer),
        "safeguarding": wellbeing_heldout(scorer),
    }
