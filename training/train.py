"""Train a model version from corpus/ (deterministic: fixed seed, sorted data).

    postwacht train            # train, evaluate on dev/test, write models/<version>, activate it

Fits on `train` (+ augmented rows of train), calibrates each label with a Platt sigmoid
and picks its threshold on `dev`, measures on `test`, and writes the artifact + manifest.
Retraining (training/retrain.py) uses the same function with reviewed cases as extra examples,
corpus rows they override excluded, and without activating; tests pass a smaller `data_dir`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
import spacy

from corpus.dataset import corpus_hash, iter_examples
from corpus.protocol import annotation_protocol
from corpus.settings import (
    BACKGROUND_THRESHOLD_WEIGHT,
    DATA_DIR,
    RANDOM_SEED,
    RETRAIN_THRESHOLD_ALPHA,
    SOURCE_WEIGHTS,
    models_dir,
)
from corpus.vocabulary import LABEL_SPECS, LABELS, labels_with
from eval.metrics import label_matrix, multilabel_metrics
from model.analysis import Analysis
from model.classifier import (
    MultiLabelModel,
    build_features,
    calibrate,
    drop_stop_words,
    evidence_mask,
    fit_boundary,
    fit_label,
    tune_threshold,
)
from model.inference import calibrated, label_margins, thresholds
from model.lexicons import Lexicon, lexicon_digest, load_lexicon
from model.nlp import glue_vocabulary
from model.normalize import normalize
from model.pipeline import TextAnalyzer
from training.registry import activate, write_version

log = logging.getLogger("postwacht.train")


@dataclass
class TrainConfig:
    C: float = 4.0
    evidence_weight: float = 1.5
    boundary_C: float = 4.0
    seed: int = RANDOM_SEED
    use_augmented: bool = True
    # Dev-optimal thresholds below ~0.35 buy recall on our own writers at the cost of false
    # alarms on everything else (measured on the functional suite); the search starts there.
    threshold_range: tuple[float, float] = (0.35, 0.8)
    per_label_C: dict[str, float] = field(default_factory=dict)
    # a false alarm on a real background sentence of dev counts this many times in the threshold's F1
    background_threshold_weight: float = BACKGROUND_THRESHOLD_WEIGHT
    # how much a training row weighs, by its source: real background text and reviewed cases
    # (a reviewer's correction) count more than one written corpus row
    source_weights: dict[str, float] = field(default_factory=lambda: dict(SOURCE_WEIGHTS))
    evidence_families: bool = True
    # retraining: keep these thresholds (the active model's) unless a new one is clearly better
    # on the cross-validated criterion (model.classifier.tune_threshold); empty for a first training
    keep_thresholds: dict[str, float] = field(default_factory=dict)
    threshold_keep_margin: float = 0.0
    threshold_max_step: float = 1.0


@dataclass
class TrainResult:
    version: str
    path: Path
    manifest: dict[str, Any]


def split_examples(split: str, use_augmented: bool, extra: Sequence[dict[str, Any]] = (),
                   data_dir: Path | None = None, exclude_ids: Collection[str] = ()) -> list[dict[str, Any]]:
    """The rows of one split: corpus rows (minus excluded ids and their augmented variants) plus
    the extra examples of that split, sorted by id."""
    excluded = set(exclude_ids)
    rows = [ex for ex in iter_examples(data_dir or DATA_DIR, include_augmented=use_augmented)
            if ex.get("split") == split and ex["id"] not in excluded
            and ex.get("augmented_from") not in excluded]
    rows.extend(ex for ex in extra if ex.get("split") == split)
    return sorted(rows, key=lambda ex: ex["id"])


def extra_digest(extra_examples: Sequence[dict[str, Any]], exclude_ids: Collection[str] = ()) -> str:
    """sha256 over the extra examples (text, role, labels, split) and the excluded corpus ids."""
    digest = hashlib.sha256()
    for ex in sorted(extra_examples, key=lambda e: e["id"]):
        digest.update(json.dumps([ex["id"], ex["text"], ex["role"], ex["labels"], ex.get("split")],
                                 ensure_ascii=False).encode())
    digest.update(json.dumps(sorted(exclude_ids)).encode())
    return digest.hexdigest()


def _new_version(data_hash: str, root: Path | None) -> str:
    """pw-<time>-<corpus hash>; a suffix keeps two versions made in the same second apart."""
    base = time.strftime("pw-%Y%m%d-%H%M%S") + f"-{data_hash[:8]}"
    root = root or models_dir()
    version, n = base, 1
    while (root / version).exists():
        n += 1
        version = f"{base}-{n}"
    return version


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
    weights = np.array([config.source_weights.get(ex.get("source", "written"), 1.0) for ex in train])
    for j, lab in enumerate(LABELS):
        mask = evidence_mask(names, lab) if config.evidence_families else None
        model.label_models[lab] = fit_label(X_train, Y_train[:, j], config.per_label_C.get(lab, config.C),
                                            config.seed, mask, weights)
    # calibration and thresholds on dev, through the same path as scoring (windows included)
    dev_margins, _ = label_margins(model, analyzer, dev_an)
    # a false alarm on real background text weighs more when the threshold is chosen
    dev_weights = np.array([config.background_threshold_weight if ex.get("source") == "background" else 1.0
                            for ex in dev])
    grid = np.round(np.arange(config.threshold_range[0], config.threshold_range[1] + 1e-9, 0.01), 2)
    for j, lab in enumerate(LABELS):
        lm = model.label_models[lab]
        lm.calibrator = calibrate(dev_margins[:, j], Y_dev[:, j])
        lm.threshold = tune_threshold(lm.calibrator, dev_margins[:, j], Y_dev[:, j], dev_weights, grid, config.seed,
                                      beta=LABEL_SPECS[lab].threshold_beta, keep=config.keep_thresholds.get(lab),
                                      keep_margin=config.threshold_keep_margin,
                                      max_step=config.threshold_max_step, alpha=RETRAIN_THRESHOLD_ALPHA)
    # the sub-article model (staff_boundary: which of medewerkers.2/4/6/7/8), on annotation ids
    sub_label = next(iter(labels_with("sub_articles")), None)
    boundary_rows = [i for i, ex in enumerate(train) if ex.get("boundary_articles")]
    if boundary_rows and sub_label is not None:
        model.boundary = fit_boundary(X_train[boundary_rows], [train[i]["boundary_articles"] for i in boundary_rows],
                                      annotation_protocol().sub_article_ids(sub_label), config.boundary_C,
                                      config.seed)
    info = {"seconds_analyze": round(t_analyze, 1), "seconds_total": round(time.perf_counter() - t0, 1),
            "n_features": int(X_train.shape[1])}
    return model, info


def predict_rows(model: MultiLabelModel, analyzer: TextAnalyzer, rows: Sequence[dict[str, Any]],
                 analyses: Sequence[Analysis] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Flags (n, 8) and calibrated probabilities (n, 8), the way the scorer computes them.
    Analyses made by an analyzer with the same lexicon may be passed in to save the work."""
    if analyses is None:
        analyses = analyzer.analyze_many([ex["text"] for ex in rows], [ex["role"] for ex in rows])
    margins, _ = label_margins(model, analyzer, analyses)
    model_probs = calibrated(model, margins, analyses)
    # columns in the order of LABELS; a label the model was not trained on scores 0
    probs = np.zeros((len(analyses), len(LABELS)))
    limits = np.full(len(LABELS), np.inf)
    for j, lab in enumerate(model.labels):
        if lab in LABELS:
            probs[:, LABELS.index(lab)] = model_probs[:, j]
            limits[LABELS.index(lab)] = thresholds(model)[j]
    return (probs >= limits).astype(int), probs


def evaluate_model(model: MultiLabelModel, analyzer: TextAnalyzer, rows: list[dict[str, Any]]) -> dict[str, Any]:
    y_pred, probs = predict_rows(model, analyzer, rows)
    return multilabel_metrics(label_matrix([ex["labels"] for ex in rows]), y_pred, probs)


def train(config: TrainConfig | None = None, activate_it: bool = True, root: Path | None = None,
          extra_examples: Sequence[dict[str, Any]] = (), lexicon: Lexicon | None = None,
          note: str = "", data_dir: Path | None = None, exclude_ids: Collection[str] = (),
          manifest_extra: dict[str, Any] | None = None,
          progress: Callable[[str], None] | None = None) -> TrainResult:
    """Train, evaluate on dev/test, write models/<version> (and activate it unless told not to).

    data_dir: the corpus to read (default corpus/data); exclude_ids: corpus ids left out (with
    their augmented variants); manifest_extra: extra manifest fields; progress: called with the
    stage name ("fit", "evaluate", "write") as training goes on.
    """
    config = config or TrainConfig()
    lexicon = lexicon or load_lexicon()
    train_rows = split_examples("train", config.use_augmented, extra_examples, data_dir, exclude_ids)
    glue_vocab = glue_vocabulary(spacy.blank("nl"), [normalize(ex["text"]).text for ex in train_rows
                                                     if ex.get("source") != "augmented"], lexicon)
    analyzer = TextAnalyzer(lexicon, glue_vocab=glue_vocab)
    dev_rows = split_examples("dev", False, extra_examples, data_dir, exclude_ids)
    test_rows = split_examples("test", False, extra_examples, data_dir, exclude_ids)
    if not train_rows or not dev_rows:
        raise RuntimeError("corpus has no train or dev examples; run `postwacht corpus build`")
    log.info("training on %d rows (dev %d, test %d)", len(train_rows), len(dev_rows), len(test_rows))
    if progress:
        progress("fit")
    model, info = fit_model(analyzer, train_rows, dev_rows, config)
    if progress:
        progress("evaluate")
    metrics = {"dev": evaluate_model(model, analyzer, dev_rows)}
    if test_rows:
        metrics["test"] = evaluate_model(model, analyzer, test_rows)
    data_hash = corpus_hash(data_dir or DATA_DIR)
    version = _new_version(data_hash, root)
    manifest = {
        "version": version,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "corpus_hash": data_hash,
        "lexicon_hash": lexicon_digest(lexicon),
        "n_train": len(train_rows), "n_dev": len(dev_rows), "n_test": len(test_rows),
        "n_extra_examples": len(extra_examples),
        **({"extra_hash": extra_digest(extra_examples, exclude_ids), "n_excluded": len(set(exclude_ids))}
           if extra_examples or exclude_ids else {}),
        "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(config).items()},
        "thresholds": {lab: model.label_models[lab].threshold for lab in LABELS},
        "metrics": metrics,
        "training": info,
        "note": note,
        "environment": {"python": platform.python_version(), "scikit_learn": sklearn.__version__},
        **(manifest_extra or {}),
    }
    if progress:
        progress("write")
    path = write_version({"model": model, "lexicon": lexicon, "glue_vocab": glue_vocab}, manifest, root)
    if activate_it:
        activate(version, root)
    return TrainResult(version, path, manifest)
