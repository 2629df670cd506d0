"""Metrics shared by training, the report and the retrain gate (sklearn.metrics underneath)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_fscore_support

from corpus.vocabulary import LABELS


def label_matrix(label_lists: Sequence[Sequence[str]], labels: Sequence[str] = LABELS) -> np.ndarray:
    return np.array([[1 if lab in ls else 0 for lab in labels] for ls in label_lists], dtype=int)


def multilabel_metrics(y_true: np.ndarray, y_pred: np.ndarray, y_score: np.ndarray | None = None,
                       labels: Sequence[str] = LABELS) -> dict[str, Any]:
    """Per-label precision/recall/F1/support (+PR-AUC), macro-F1 and any-risk F1."""
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=0,
                                                 labels=list(range(len(labels))))
    per_label: dict[str, dict[str, float]] = {}
    for j, lab in enumerate(labels):
        entry = {"precision": float(p[j]), "recall": float(r[j]), "f1": float(f[j]), "support": int(s[j])}
        if y_score is not None and y_true[:, j].any():
            entry["pr_auc"] = float(average_precision_score(y_true[:, j], y_score[:, j]))
        per_label[lab] = entry
    any_true = y_true.any(axis=1)
    any_pred = y_pred.any(axis=1)
    ap, ar, af, _ = precision_recall_fscore_support(any_true, any_pred, average="binary", zero_division=0)
    with_support = [per_label[lab]["f1"] for lab in labels if per_label[lab]["support"] > 0]
    return {
        "n": len(y_true),
        "macro_f1": float(np.mean(with_support)) if with_support else 0.0,
        "micro_f1": float(precision_recall_fscore_support(y_true, y_pred, average="micro",
                                                          zero_division=0)[2]),
        "any_risk": {"precision": float(ap), "recall": float(ar), "f1": float(af)},
        "labels": per_label,
    }
