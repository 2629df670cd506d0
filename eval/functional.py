"""The functional test suite (eval/functional/cases.jsonl): CheckList/HateCheck-style cases
grouped by capability. Never used for training; run by `postwacht eval`."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from corpus.settings import FUNCTIONAL_DIR
from corpus.vocabulary import LABELS

CASES_FILE = FUNCTIONAL_DIR / "cases.jsonl"


def case_files(directory: Path = FUNCTIONAL_DIR) -> list[Path]:
    """Every case file: cases.jsonl (the first writer's 62 capabilities) and cases_<topic>.jsonl
    (groups and hate speech, implicit harm, wellbeing; written apart from the corpus)."""
    return sorted(directory.glob("cases*.jsonl"))


def load_cases(path: Path | None = None) -> list[dict[str, Any]]:
    """The cases of one file, or of every case file when no path is given."""
    paths = [path] if path is not None else case_files()
    out: list[dict[str, Any]] = []
    for p in paths:
        if p.exists():
            out.extend(json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip())
    return out


def run_suite(scorer: Any, cases: list[dict[str, Any]]) -> dict[str, Any]:
    """Per capability: share of cases whose flagged label set equals the expected set,
    and a per-label view (a case passes a label when flagged == expected for that label)."""
    results = scorer.score_many([{"id": i, "text": c["text"], "role": c.get("role")} for i, c in enumerate(cases)])
    by_cap: dict[str, list[bool]] = defaultdict(list)
    failures: list[dict[str, Any]] = []
    for case, res in zip(cases, results, strict=True):
        expected = set(case.get("labels", []))
        got = {lab for lab, v in (res["labels"] or {}).items() if v["flagged"]}
        ok = expected == got
        by_cap[case["capability"]].append(ok)
        if not ok:
            failures.append({"capability": case["capability"], "text": case["text"], "role": case.get("role"),
                             "expected": sorted(expected), "got": sorted(got)})
    per_cap = {cap: {"n": len(v), "accuracy": sum(v) / len(v)} for cap, v in sorted(by_cap.items())}
    n = sum(len(v) for v in by_cap.values())
    accuracy = sum(sum(v) for v in by_cap.values()) / n if n else 0.0
    return {
        "n_cases": n,
        "n_capabilities": len(per_cap),
        "accuracy": accuracy,
        "min_capability": min((v["accuracy"] for v in per_cap.values()), default=0.0),
        "capabilities": per_cap,
        "failures": failures,
        "labels": list(LABELS),
    }
