"""Train a model version from corpus/ (deterministic: fixed seed, sorted data).

    postwacht train            # train, evaluate on dev/test, write models/<version>, activate it

Fits on `train` (+ augmented rows of train), calibrates each label with a Platt sigmoid
and picks its threshold on `dev`, measures on `test`, and writes the artifact + manifest.
"""

from __future__ import annotations

import logging
import platform
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sklearn

from corpus.dataset import corpus_hash, iter_examples
from eval.metrics import label_matrix, multilabel_metrics
from model.classifier import (
    MultiLabelModel,
    best_threshold,
    build_features,
    drop_stop_words,
    evidence_mask,
    fit_boundary,
    fit_label,
    fit_platt,
)
from model.inference import calibrated, label_margins, thresholds
from model.labels import BOUNDARY_ARTICLES, LABELS
from model.lexicons import Lexicon, lexicon_digest, load_lexicon
from model.pipeline import TextAnalyzer
from model.settings import DATA_DIR, RANDOM_SEED
from training.registry import activate, write_version

log = logging.getLogger("postwacht.train")


@dataclass
class TrainConfig:
    C: float = 4.0
    evidence_weight: float = 1.5
    boundary_C: float = 4.0
    seed: int = RANDOM_SEED
    use_augmented: bool = True
    threshold_range: tuple[float, float] = (0.2, 0.8)
    per_label_C: dict[str, float] = field(default_factory=dict)
    evidence_families: bool = True


@dataclass
class TrainResult:
    version: str
    path: Path
    manifest: dict[str, Any]


def _examples(split: str, use_augmented: bool, extra: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    rows = [ex for ex in iter_examples(DATA_DIR, include_augmented=use_augmented) if ex.get("split") == split]
    rows.extend(ex for ex in extra if ex.get("split") == split)
    return sorted(rows, key=lambda ex: ex["id"])


def fit_model(analyzer: TextAnalyzer, train: list[dict[str, Any]], dev: list[dict[str, Any]],
              config: TrainConfig) -> tuple[MultiLabelModel, dict[str, Any]]:
    """Fit features and per-label models on train; calibrate and threshold on dev."""
    t0 = time.perf_counter()
    train_an = analyzer.analyze_many([ex["text"] for ex in train], [ex["role"] for ex in train])
    dev_an = analyzer.analyze_many([ex["text"] for ex in dev], [ex["role"] for ex in dev])
    t_analyze = time.perf_counter() - t0
    features = build_features(config.evidence_weight)
    X_train = features.fit_transform(train_an).tocsr()
    drop_stop_words(features)
    model = MultiLabelModel(features=features, labels=LABELS)
    names = features.get_feature_names_out()
    Y_train = label_matrix([ex["labels"] for ex in train])
    Y_dev = label_matrix([ex["labels"] for ex in dev])
    for j, lab in enumerate(LABELS):
        mask = evidence_mask(names, lab) if config.evidence_families else None
        model.label_models[lab] = fit_label(X_train, Y_train[:, j], config.per_label_C.get(lab, config.C),
                                            config.seed, mask)
    # calibration and thresholds on dev, through the same path as scoring (windows included)
    dev_margins, _ = label_margins(model, analyzer, dev_an)
    for j, lab in enumerate(LABELS):
        lm = model.label_models[lab]
        lm.platt_a, lm.platt_b = fit_platt(dev_margins[:, j], Y_dev[:, j])
        lm.threshold = best_threshold(lm.probability(dev_margins[:, j]), Y_dev[:, j], *config.threshold_range)
    boundary_rows = [i for i, ex in enumerate(train) if ex.get("boundary_articles")]
    if boundary_rows:
        model.boundary = fit_boundary(X_train[boundary_rows], [train[i]["boundary_articles"] for i in boundary_rows],
                                      BOUNDARY_ARTICLES, config.boundary_C, config.seed)
    info = {"seconds_analyze": round(t_analyze, 1), "seconds_total": round(time.perf_counter() - t0, 1),
            "n_features": int(X_train.shape[1])}
    return model, info


def evaluate_model(model: MultiLabelModel, analyzer: TextAnalyzer, rows: list[dict[str, Any]]) -> dict[str, Any]:
    analyses = analyzer.analyze_many([ex["text"] for ex in rows], [ex["role"] for ex in rows])
    margins, _ = label_margins(model, analyzer, analyses)
    probs = calibrated(model, margins, analyses)
    y_pred = (probs >= thresholds(model)).astype(int)
    return multilabel_metrics(label_matrix([ex["labels"] for ex in rows]), y_pred, probs)


def train(config: TrainConfig | None = None, activate_it: bool = True, root: Path | None = None,
          extra_examples: Sequence[dict[str, Any]] = (), lexicon: Lexicon | None = None,
          note: str = "") -> TrainResult:
    config = config or TrainConfig()
    lexicon = lexicon or load_lexicon()
    analyzer = TextAnalyzer(lexicon)
    train_rows = _examples("train", config.use_augmented, extra_examples)
    dev_rows = _examples("dev", False, extra_examples)
    test_rows = _examples("test", False, extra_examples)
    if not train_rows or not dev_rows:
        raise RuntimeError("corpus has no train or dev examples; run `postwacht corpus build`")
    log.info("training on %d rows (dev %d, test %d)", len(train_rows), len(dev_rows), len(test_rows))
    model, info = fit_model(analyzer, train_rows, dev_rows, config)
    metrics = {"dev": evaluate_model(model, analyzer, dev_rows)}
    if test_rows:
        metrics["test"] = evaluate_model(model, analyzer, test_rows)
    data_hash = corpus_hash()
    version = time.strftime("pw-%Y%m%d-%H%M%S") + f"-{data_hash[:8]}"
    manifest = {
        "version": version,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "corpus_hash": data_hash,
        "lexicon_hash": lexicon_digest(lexicon),
        "n_train": len(train_rows), "n_dev": len(dev_rows), "n_test": len(test_rows),
        "n_extra_examples": len(extra_examples),
        "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(config).items()},
        "thresholds": {lab: model.label_models[lab].threshold for lab in LABELS},
        "metrics": metrics,
        "training": info,
        "note": note,
        "environment": {"python": platform.python_version(), "scikit_learn": sklearn.__version__},
    }
    path = write_version({"model": model, "lexicon": lexicon}, manifest, root)
    if activate_it:
        activate(version, root)
    return TrainResult(version, path, manifest)
