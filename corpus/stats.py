"""`postwacht corpus stats`: counts per label, role, split, source, length, hard negatives,
and the minimums the corpus issue asks for."""

from __future__ import annotations

from collections import Counter
from typing import Any

from corpus.vocabulary import AUTHOR_ROLES, LABELS

LENGTH_BINS = ((0, 40, "<40"), (40, 120, "40-119"), (120, 300, "120-299"), (300, 600, "300-599"),
               (600, 1000, "600-999"), (1000, 10**9, ">=1000"))

MINIMUMS = {
    "written examples": 5000,
    "no label": 2000,
    "hard negatives": 800,
    "multi-label": 400,
    "label bullying": 500, "label personal_info": 500, "label report_meeting": 500,
    "label threat": 250, "label media_consent": 250, "label reputation": 250, "label sexual": 250,
    "label staff_boundary": 250,
}
ROLE_SHARE_MIN = {"leerling": 0.30, "ouder": 0.30, "medewerker": 0.25}


def corpus_stats(examples: list[dict[str, Any]]) -> dict[str, Any]:
    written = [ex for ex in examples if ex.get("source") != "augmented"]
    stats: dict[str, Any] = {
        "total rows": len(examples),
        "written examples": len(written),
        "augmented rows": len(examples) - len(written),
        "no label": sum(1 for ex in written if not ex["labels"]),
        "hard negatives": sum(1 for ex in written if ex.get("hard_negative")),
        "multi-label": sum(1 for ex in written if len(ex["labels"]) > 1),
        "with PII spans": sum(1 for ex in written if ex["pii"]),
        "groups": len({ex["group"] for ex in written}),
    }
    labels = Counter(lab for ex in written for lab in ex["labels"])
    for lab in LABELS:
        stats[f"label {lab}"] = labels[lab]
    roles = Counter(ex["role"] for ex in written)
    for role in AUTHOR_ROLES:
        stats[f"role {role}"] = roles[role]
        stats[f"role share {role}"] = round(roles[role] / max(len(written), 1), 3)
    splits = Counter(ex["split"] for ex in written)
    for split in ("train", "dev", "test"):
        stats[f"split {split}"] = splits[split]
    for lo, hi, name in LENGTH_BINS:
        stats[f"length {name}"] = sum(1 for ex in written if lo <= len(ex["text"]) < hi)
    pii = Counter(p["type"] for ex in written for p in ex["pii"])
    for t, c in sorted(pii.items()):
        stats[f"pii {t}"] = c
    per_split_label = {s: Counter(lab for ex in written if ex["split"] == s for lab in ex["labels"])
                       for s in ("train", "dev", "test")}
    stats["per split"] = {s: dict(c) for s, c in per_split_label.items()}
    return stats


def shortfalls(stats: dict[str, Any]) -> list[str]:
    out = [f"{k}: {stats.get(k, 0)} < {v}" for k, v in MINIMUMS.items() if stats.get(k, 0) < v]
    out += [f"role share {r}: {stats.get(f'role share {r}', 0)} < {v}" for r, v in ROLE_SHARE_MIN.items()
            if stats.get(f"role share {r}", 0) < v]
    return out


def stats_table(stats: dict[str, Any]) -> str:
    rows = ["| statistic | value |", "|---|---|"]
    for k, v in stats.items():
        if k == "per split":
            continue
        rows.append(f"| {k} | {v} |")
    rows += ["", "| label | train | dev | test |", "|---|---|---|---|"]
    for lab in LABELS:
        rows.append(f"| {lab} | " + " | ".join(str(stats["per split"][s].get(lab, 0))
                                                for s in ("train", "dev", "test")) + " |")
    return "\n".join(rows)
