"""The quality gate of retraining: may a candidate model replace the active one?

A pure function over metric dicts (eval.metrics.multilabel_metrics), one per frozen set for each
model. The candidate passes only if, on every frozen set, macro-F1 falls by at most
`max_macro_drop` and no label's recall falls by more than `max_recall_drop`. Labels without
positive cases in a set have no recall there and are not judged on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from corpus.settings import RETRAIN_MAX_MACRO_DROP, RETRAIN_MAX_RECALL_DROP
from corpus.vocabulary import LABELS

# Metrics are means over a few hundred cases; compare with a little slack for float noise.
EPSILON = 1e-9


@dataclass(frozen=True)
class GateLimits:
    max_macro_drop: float = RETRAIN_MAX_MACRO_DROP
    max_recall_drop: float = RETRAIN_MAX_RECALL_DROP

    def __post_init__(self) -> None:
        if self.max_macro_drop < 0 or self.max_recall_drop < 0:
            raise ValueError("gate limits are allowed drops and must be 0 or more")


@dataclass(frozen=True)
class Violation:
    """One reason to refuse: a metric on a frozen set fell by more than allowed."""

    frozen_set: str
    metric: str               # "macro_f1" or "recall"
    label: str | None         # None for macro-F1
    old: float
    new: float
    limit: float

    @property
    def drop(self) -> float:
        return self.old - self.new

    def describe(self) -> str:
        what = "macro-F1" if self.label is None else f"recall van {self.label}"
        return (f"{self.frozen_set}: {what} daalt van {self.old:.3f} naar {self.new:.3f} "
                f"(-{self.drop:.3f}; toegestaan -{self.limit:.3f})")


@dataclass
class GateDecision:
    promote: bool
    violations: list[Violation]
    deltas: dict[str, dict[str, Any]]
    limits: GateLimits
    skipped_sets: list[str] = field(default_factory=list)

    def reasons(self) -> list[str]:
        return [v.describe() for v in self.violations]

    def to_dict(self) -> dict[str, Any]:
        return {
            "promote": self.promote,
            "limits": {"max_macro_drop": self.limits.max_macro_drop,
                       "max_recall_drop": self.limits.max_recall_drop},
            "violations": [{"frozen_set": v.frozen_set, "metric": v.metric, "label": v.label, "old": v.old,
                            "new": v.new, "drop": v.drop, "limit": v.limit} for v in self.violations],
            "reasons": self.reasons(),
            "deltas": self.deltas,
            "skipped_sets": self.skipped_sets,
        }


def set_deltas(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """Old, new and new - old of macro-F1 and of each label's precision, recall and F1."""
    labels: dict[str, Any] = {}
    for lab in LABELS:
        o, n = old["labels"][lab], new["labels"][lab]
        entry: dict[str, Any] = {"support": int(o["support"])}
        for metric in ("precision", "recall", "f1"):
            entry[metric] = {"old": o[metric], "new": n[metric], "delta": n[metric] - o[metric]}
        labels[lab] = entry
    return {"n": int(old["n"]),
            "macro_f1": {"old": old["macro_f1"], "new": new["macro_f1"],
                         "delta": new["macro_f1"] - old["macro_f1"]},
            "labels": labels}


def decide(old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]],
           limits: GateLimits | None = None) -> GateDecision:
    """Compare the active model (old) with the candidate (new), set by set.

    `old` and `new` map a frozen set's name to its metrics; both must hold the same sets,
    measured on the same rows. A set with no rows is skipped (and listed as such).
    """
    limits = limits or GateLimits()
    if set(old) != set(new):
        raise ValueError(f"old and new metrics cover different frozen sets: {sorted(old)} vs {sorted(new)}")
    violations: list[Violation] = []
    deltas: dict[str, dict[str, Any]] = {}
    skipped: list[str] = []
    for name in old:
        o, n = old[name], new[name]
        if int(o.get("n", 0)) == 0:
            skipped.append(name)
            continue
        if int(o["n"]) != int(n["n"]):
            raise ValueError(f"frozen set {name}: old and new were measured on different rows")
        deltas[name] = set_deltas(o, n)
        if o["macro_f1"] - n["macro_f1"] > limits.max_macro_drop + EPSILON:
            violations.append(Violation(name, "macro_f1", None, o["macro_f1"], n["macro_f1"],
                                        limits.max_macro_drop))
        for lab in LABELS:
            if int(o["labels"][lab]["support"]) == 0:
                continue
            r_old, r_new = o["labels"][lab]["recall"], n["labels"][lab]["recall"]
            if r_old - r_new > limits.max_recall_drop + EPSILON:
                violations.append(Violation(name, "recall", lab, r_old, r_new, limits.max_recall_drop))
    return GateDecision(promote=not violations, violations=violations, deltas=deltas, limits=limits,
                        skipped_sets=skipped)
