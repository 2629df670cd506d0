"""From analyses to calibrated label probabilities: one code path for scoring, training's
calibration and evaluation.

Long drafts are also scored per sentence window (model.windows); a label's margin is the
maximum of the whole-text margin and its window margins, so one risky sentence in a long
newsletter is not diluted.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from corpus.vocabulary import LABEL_SPECS
from model.analysis import Analysis
from model.classifier import MultiLabelModel
from model.pipeline import TextAnalyzer
from model.windows import sentence_windows, window_analysis

# A label whose required evidence is absent loses this much margin: the n-grams alone must then be
# very sure (gossip about a family in words no lexicon knows still counts; formal text about named
# people does not)
MISSING_EVIDENCE_PENALTY = 2.5


def label_margins(model: MultiLabelModel, analyzer: TextAnalyzer, analyses: Sequence[Analysis]
                  ) -> tuple[np.ndarray, sparse.csr_matrix]:
    """Margins (n, 8) with window maxima for long drafts, and the whole-text feature rows."""
    X = model.transform(analyses)
    margins = model.margins(X)
    windows, owner = [], []
    for i, an in enumerate(analyses):
        for s, e in sentence_windows(an.text):
            windows.append(window_analysis(an, s, e, analyzer.lexicon))
            owner.append(i)
    if windows:
        window_margins = model.margins(model.transform(windows))
        for k, i in enumerate(owner):
            np.maximum(margins[i], window_margins[k], out=margins[i])
    apply_evidence_gates(model, analyses, margins)
    return margins, X


def has_evidence(an: Analysis, prefixes: tuple[str, ...]) -> bool:
    return any(v > 0 and name.startswith(prefixes) for name, v in an.features.items())


def apply_evidence_gates(model: MultiLabelModel, analyses: Sequence[Analysis], margins: np.ndarray) -> None:
    """Evidence before a flag: a label whose spec `requires_evidence` loses margin on a draft without
    that evidence (calibration and thresholds are fitted on the same penalised margins)."""
    for j, lab in enumerate(model.labels):
        spec = LABEL_SPECS.get(lab)
        if spec is None or not spec.requires_evidence:
            continue
        for i, an in enumerate(analyses):
            if not has_evidence(an, spec.requires_evidence):
                margins[i, j] -= MISSING_EVIDENCE_PENALTY


def calibrated(model: MultiLabelModel, margins: np.ndarray, analyses: Sequence[Analysis]) -> np.ndarray:
    """Platt-calibrated probabilities; policy zeroes: a label only for the author roles its spec
    names (staff_boundary: staff, and unknown authors), nothing at all for an empty draft."""
    probs = model.probabilities(margins)
    specs = [LABEL_SPECS[lab] for lab in model.labels]
    applies: dict[str, np.ndarray] = {}
    for i, an in enumerate(analyses):
        mask = applies.get(an.role)
        if mask is None:
            mask = applies[an.role] = np.array([spec.applies_to(an.role) for spec in specs])
        probs[i] *= mask
        if not an.text.strip():
            probs[i, :] = 0.0
    return probs


def thresholds(model: MultiLabelModel) -> np.ndarray:
    return np.array([model.label_models[lab].threshold for lab in model.labels])
