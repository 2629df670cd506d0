"""The quality gate of retraining: may a candidate model replace the active one?

A pure function over paired decisions: for every frozen set, the true labels and the flags of the
active model (old) and of the candidate (new) on the same cases. A drop refuses the candidate only
when it is both larger than the tolerance and unlikely to be noise:

- recall of a label: the point drop exceeds `max_recall_drop` and McNemar's exact test on the
  label's positives (cases the old model found and the new one misses, against the reverse) says
  the new model is worse at significance `alpha` (one-sided), after Holm's correction over every
  recall test of the decision (nine labels on two or three sets are a family of up to 27 tests;
  uncorrected, a candidate as good as the active model would be refused by chance most of the time);
- macro-F1 of a set: the drop exceeds `max_macro_drop` and the upper end of the one-sided paired
  bootstrap interval (cases resampled, seeded) is below zero.

Labels with fewer than `min_positives` positives in a set are not judged one by one: their
positives are pooled (micro recall over those labels), and the pool is judged the same way. Each
label's change is reported with its bootstrap interval and its number of positives. A set that
does not gate (too few held-back reviewed cases) is measured and shown, never judged.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import binomtest

from corpus.settings import (
    RANDOM_SEED,
    RETRAIN_GATE_ALPHA,
    RETRAIN_GATE_BOOTSTRAP,
    RETRAIN_GATE_MIN_POSITIVES,
    RETRAIN_MAX_MACRO_DROP,
    RETRAIN_MAX_RECALL_DROP,
)
from corpus.vocabulary import LABELS

# Metrics are means over a few hundred cases; compare with a little slack for float noise.
EPSILON = 1e-9
POOLED = "pooled"  # the name of the pool of labels with few positives


@dataclass(frozen=True)
class GateLimits:
    max_macro_drop: float = RETRAIN_MAX_MACRO_DROP
    max_recall_drop: float = RETRAIN_MAX_RECALL_DROP
    alpha: float = RETRAIN_GATE_ALPHA
    min_positives: int = RETRAIN_GATE_MIN_POSITIVES
    bootstrap: int = RETRAIN_GATE_BOOTSTRAP
    seed: int = RANDOM_SEED

    def __post_init__(self) -> None:
        if self.max_macro_drop < 0 or self.max_recall_drop < 0:
            raise ValueError("gate limits are allowed drops and must be 0 or more")
        if not 0 < self.alpha < 1:
            raise ValueError("alpha must lie between 0 and 1")
        if self.min_positives < 1 or self.bootstrap < 100:
            raise ValueError("min_positives must be 1 or more and bootstrap 100 or more")


@dataclass(frozen=True)
class PairedSet:
    """Both models' flags on the same cases of one frozen set: arrays of shape (n, len(LABELS))."""

    y_true: np.ndarray
    old_pred: np.ndarray
    new_pred: np.ndarray

    def __post_init__(self) -> None:
        if not (self.y_true.shape == self.old_pred.shape == self.new_pred.shape):
            raise ValueError("old and new were measured on different rows")
        if self.y_true.ndim != 2 or self.y_true.shape[1] != len(LABELS):
            raise ValueError(f"expected (n, {len(LABELS)}) arrays")

    @property
    def n(self) -> int:
        return int(self.y_true.shape[0])


@dataclass(frozen=True)
class Violation:
    """One reason to refuse: a metric on a frozen set fell by more than allowed, credibly."""

    frozen_set: str
    metric: str               # "macro_f1" or "recall"
    label: str | None         # None for macro-F1; "pooled" for the pool of labels with few positives
    old: float
    new: float
    limit: float
    interval: tuple[float, float] = (float("nan"), float("nan"))
    p_value: float | None = None
    positives: int | None = None
    lost: int | None = None    # positives the old model found and the new one misses
    gained: int | None = None  # the reverse
    pooled_labels: tuple[str, ...] = ()

    @property
    def drop(self) -> float:
        return self.old - self.new

    def describe(self) -> str:
        if self.label is None:
            what = "macro-F1"
        elif self.label == POOLED:
            what = f"gepoolde recall van {', '.join(self.pooled_labels)}"
        else:
            what = f"recall van {self.label}"
        lo, hi = self.interval
        stat = f"interval {lo:+.3f} .. {hi:+.3f}"
        if self.p_value is not None:
            stat += f"; McNemar p = {self.p_value:.3f} (Holm), {self.lost} kwijt / {self.gained} erbij"
        if self.positives is not None:
            stat += f"; {self.positives} positief"
        return (f"{self.frozen_set}: {what} daalt van {self.old:.3f} naar {self.new:.3f} "
                f"(-{self.drop:.3f}; toegestaan -{self.limit:.3f}; {stat})")

    def to_dict(self) -> dict[str, Any]:
        return {"frozen_set": self.frozen_set, "metric": self.metric, "label": self.label, "old": self.old,
                "new": self.new, "drop": self.drop, "limit": self.limit, "interval": list(self.interval),
                "p_value": self.p_value, "positives": self.positives, "lost": self.lost, "gained": self.gained,
                "pooled_labels": list(self.pooled_labels)}


@dataclass
class GateDecision:
    promote: bool
    violations: list[Violation]
    deltas: dict[str, dict[str, Any]]
    limits: GateLimits
    skipped_sets: list[str] = field(default_factory=list)
    not_gating: list[str] = field(default_factory=list)

    def reasons(self) -> list[str]:
        return [v.describe() for v in self.violations]

    def to_dict(self) -> dict[str, Any]:
        lim = self.limits
        return {
            "promote": self.promote,
            "limits": {"max_macro_drop": lim.max_macro_drop, "max_recall_drop": lim.max_recall_drop,
                       "alpha": lim.alpha, "min_positives": lim.min_positives, "bootstrap": lim.bootstrap,
                       "seed": lim.seed},
            "violations": [v.to_dict() for v in self.violations],
            "reasons": self.reasons(),
            "deltas": self.deltas,
            "skipped_sets": self.skipped_sets,
            "not_gating": self.not_gating,
        }


# ---- figures ---------------------------------------------------------------------------------------
def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    denom = 2 * tp + fp + fn
    return np.divide(2 * tp, denom, out=np.zeros_like(denom, dtype=float), where=denom > 0)


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.divide(a, b, out=np.zeros_like(b, dtype=float), where=b > 0)


def _counts(weights: np.ndarray, y: np.ndarray, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TP, FP, FN per label, for each row of case weights (bootstrap counts): shape (B, labels)."""
    tp = weights @ (y & pred).astype(float)
    fp = weights @ (~y & pred).astype(float)
    fn = weights @ (y & ~pred).astype(float)
    return tp, fp, fn


def _macro(f1: np.ndarray, support: np.ndarray) -> np.ndarray:
    """Mean F1 over the labels with positives in the (resampled) set, as eval.metrics does."""
    has = support > 0
    n = has.sum(axis=-1)
    return np.divide((f1 * has).sum(axis=-1), n, out=np.zeros(n.shape, dtype=float), where=n > 0)


def mcnemar_worse(lost: int, gained: int) -> float:
    """One-sided exact McNemar p-value that the new model loses more positives than it gains:
    among the discordant positives, P(X >= lost) for X ~ Binomial(lost + gained, 1/2)."""
    if lost + gained == 0:
        return 1.0
    return float(binomtest(lost, lost + gained, 0.5, alternative="greater").pvalue)


def _interval(samples: np.ndarray, alpha: float) -> tuple[float, float]:
    lo, hi = np.quantile(samples, [alpha, 1 - alpha])
    return float(lo), float(hi)


def set_figures(paired: PairedSet, limits: GateLimits) -> dict[str, Any]:
    """Old, new, change and paired bootstrap interval of macro-F1 and of each label's recall and
    F1, with each label's positives and the discordant positives (lost, gained, McNemar p); the
    labels with fewer than `min_positives` positives also as one pool."""
    y = paired.y_true.astype(bool)
    old, new = paired.old_pred.astype(bool), paired.new_pred.astype(bool)
    n = paired.n
    rng = np.random.default_rng(limits.seed)
    boot = rng.multinomial(n, np.full(n, 1.0 / n), size=limits.bootstrap).astype(float)
    ones = np.ones((1, n))
    support = y.sum(axis=0)
    out_labels: dict[str, Any] = {}
    full = {}
    for name, pred in (("old", old), ("new", new)):
        full[name] = _counts(ones, y, pred)
        boot_counts = _counts(boot, y, pred)
        full[name + "_boot"] = boot_counts
    bsupport = boot @ y.astype(float)
    f1 = {k: _f1(*full[k]) for k in ("old", "new", "old_boot", "new_boot")}
    rec = {k: _ratio(full[k][0], full[k][0] + full[k][2]) for k in ("old", "new", "old_boot", "new_boot")}
    prec = {k: _ratio(full[k][0], full[k][0] + full[k][1]) for k in ("old", "new")}
    lost_all = (y & old & ~new).sum(axis=0)
    gained_all = (y & ~old & new).sum(axis=0)
    pooled = [j for j, _ in enumerate(LABELS) if 0 < support[j] < limits.min_positives]
    for j, lab in enumerate(LABELS):
        entry: dict[str, Any] = {"support": int(support[j]), "pooled": j in pooled,
                                 "precision": {"old": float(prec["old"][0, j]), "new": float(prec["new"][0, j]),
                                               "delta": float(prec["new"][0, j] - prec["old"][0, j])}}
        for metric, values in (("recall", rec), ("f1", f1)):
            o, nw = float(values["old"][0, j]), float(values["new"][0, j])
            entry[metric] = {"old": o, "new": nw, "delta": nw - o}
            if support[j] > 0:
                entry[metric]["interval"] = list(_interval(values["new_boot"][:, j] - values["old_boot"][:, j],
                                                           limits.alpha))
        if support[j] > 0:
            lost, gained = int(lost_all[j]), int(gained_all[j])
            entry.update(lost=lost, gained=gained, p_worse=mcnemar_worse(lost, gained))
        out_labels[lab] = entry
    macro_old = float(_macro(f1["old"], support[None, :])[0])
    macro_new = float(_macro(f1["new"], support[None, :])[0])
    macro_boot = _macro(f1["new_boot"], bsupport) - _macro(f1["old_boot"], bsupport)
    figures: dict[str, Any] = {
        "n": n,
        "macro_f1": {"old": macro_old, "new": macro_new, "delta": macro_new - macro_old,
                     "interval": list(_interval(macro_boot, limits.alpha))},
        "labels": out_labels,
    }
    if pooled:
        idx = np.array(pooled)
        pos = int(support[idx].sum())
        tp_old, tp_new = float(full["old"][0][0, idx].sum()), float(full["new"][0][0, idx].sum())
        b_pos = bsupport[:, idx].sum(axis=1)
        b_old = _ratio(full["old_boot"][0][:, idx].sum(axis=1), b_pos)
        b_new = _ratio(full["new_boot"][0][:, idx].sum(axis=1), b_pos)
        lost, gained = int(lost_all[idx].sum()), int(gained_all[idx].sum())
        figures[POOLED] = {"labels": [LABELS[j] for j in pooled], "support": pos,
                           "recall": {"old": tp_old / pos, "new": tp_new / pos, "delta": (tp_new - tp_old) / pos,
                                      "interval": list(_interval(b_new - b_old, limits.alpha))},
                           "lost": lost, "gained": gained, "p_worse": mcnemar_worse(lost, gained)}
    return figures


# ---- the decision ----------------------------------------------------------------------------------
def _recall_violation(name: str, label: str, entry: dict[str, Any], limits: GateLimits,
                      pooled_labels: tuple[str, ...] = ()) -> Violation | None:
    r = entry["recall"]
    p_value = entry.get("p_holm", entry["p_worse"])
    if r["old"] - r["new"] <= limits.max_recall_drop + EPSILON or p_value >= limits.alpha:
        return None
    return Violation(name, "recall", label, r["old"], r["new"], limits.max_recall_drop,
                     tuple(r["interval"]), p_value, entry["support"], entry["lost"], entry["gained"],
                     pooled_labels)


def holm(p_values: list[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (step-down, monotone), in the order given."""
    m = len(p_values)
    adjusted = [1.0] * m
    running = 0.0
    for rank, i in enumerate(sorted(range(m), key=lambda k: p_values[k])):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def _adjust_recall_tests(figures_of_sets: list[dict[str, Any]]) -> None:
    """Write each recall test's Holm-adjusted p-value (`p_holm`) next to its own, over all sets."""
    entries = [figures["labels"][lab] for figures in figures_of_sets for lab in LABELS
               if figures["labels"][lab]["support"] and not figures["labels"][lab]["pooled"]]
    entries += [figures[POOLED] for figures in figures_of_sets if POOLED in figures]
    for entry, adjusted in zip(entries, holm([e["p_worse"] for e in entries]), strict=True):
        entry["p_holm"] = adjusted


def judge_set(name: str, figures: dict[str, Any], limits: GateLimits) -> list[Violation]:
    """The reasons to refuse on one set's figures (see the module docstring)."""
    violations: list[Violation] = []
    macro = figures["macro_f1"]
    if macro["old"] - macro["new"] > limits.max_macro_drop + EPSILON and macro["interval"][1] < 0:
        violations.append(Violation(name, "macro_f1", None, macro["old"], macro["new"], limits.max_macro_drop,
                                    tuple(macro["interval"])))
    for lab in LABELS:
        entry = figures["labels"][lab]
        if entry["support"] == 0 or entry["pooled"]:
            continue
        v = _recall_violation(name, lab, entry, limits)
        if v:
            violations.append(v)
    if POOLED in figures:
        pool = figures[POOLED]
        v = _recall_violation(name, POOLED, pool, limits, tuple(pool["labels"]))
        if v:
            violations.append(v)
    return violations


def decide(sets: Mapping[str, PairedSet], limits: GateLimits | None = None,
           not_gating: Collection[str] = ()) -> GateDecision:
    """Compare the active model (old) with the candidate (new), set by set, on paired decisions.

    A set with no rows is skipped (and listed as such); a set named in `not_gating` is measured
    and reported but cannot refuse the candidate.
    """
    limits = limits or GateLimits()
    violations: list[Violation] = []
    deltas: dict[str, dict[str, Any]] = {}
    skipped: list[str] = []
    shown_only: list[str] = []
    for name, paired in sets.items():
        if paired.n == 0:
            skipped.append(name)
            continue
        deltas[name] = set_figures(paired, limits)
        if name in not_gating:
            shown_only.append(name)
            deltas[name]["gating"] = False
            continue
        deltas[name]["gating"] = True
    gating = [name for name in deltas if deltas[name]["gating"]]
    _adjust_recall_tests([deltas[name] for name in gating])
    for name in gating:
        violations.extend(judge_set(name, deltas[name], limits))
    return GateDecision(promote=not violations, violations=violations, deltas=deltas, limits=limits,
                        skipped_sets=skipped, not_gating=shown_only)


# ---- advice ----------------------------------------------------------------------------------------
def advice(decision: GateDecision) -> list[dict[str, Any]]:
    """What to do after a refusal, per label: roughly how many more reviewed examples would help.

    For a credible recall drop the candidate lost `lost - gained` positives net; examples of that
    kind (cases with the label the candidate now misses) are what it lacks. We suggest about twice
    the net loss, at least 5, rounded up to 5; a pool names its labels. Macro-F1 drops without a
    recall drop point at false alarms: reviewed cases without the label, where the candidate flags it.
    """
    out: list[dict[str, Any]] = []
    for v in decision.violations:
        if v.metric == "recall":
            net = max(1, (v.lost or 0) - (v.gained or 0))
            n = max(5, -(-2 * net // 5) * 5)
            labels = list(v.pooled_labels) if v.label == POOLED else [v.label]
            out.append({"frozen_set": v.frozen_set, "labels": labels, "kind": "missed", "examples": n})
        else:
            deltas = decision.deltas[v.frozen_set]["labels"]
            worst = sorted((lab for lab in LABELS if deltas[lab]["support"] > 0),
                           key=lambda lab: deltas[lab]["f1"]["delta"])[:3]
            worst = [lab for lab in worst if deltas[lab]["f1"]["delta"] < 0]
            out.append({"frozen_set": v.frozen_set, "labels": worst, "kind": "f1", "examples": 10})
    return out


def describe_advice(item: dict[str, Any]) -> str:
    labels = ", ".join(item["labels"]) or "de gedaalde labels"
    if item["kind"] == "missed":
        return (f"{labels}: beoordeel nog ongeveer {item['examples']} gevallen met dit label die het nieuwe "
                f"model mist (op {item['frozen_set']} raakte het er meer kwijt dan het won), en retrain opnieuw")
    return (f"{labels}: beoordeel nog ongeveer {item['examples']} gevallen van deze labels, vooral valse "
            f"meldingen en missers (macro-F1 op {item['frozen_set']} daalde), en retrain opnieuw")
