"""The learner: scikit-learn features over `Analysis` objects and one linear model per label.

Features (a FeatureUnion, every part a fit/transform transformer):
  words     tf-idf of lemma uni- and bigrams
  chars     tf-idf of character 2-5-grams (within word boundaries) of the normalised text,
            which carries chat spelling, compounds and unseen inflections
  evidence  the structured evidence features of `model.analysis` (lexicon, targeting,
            negation, quoting, PII ownership, role)
Per label a logistic regression; its document margin is calibrated on the dev split with
scikit-learn's CalibratedClassifierCV (sigmoid), and TunedThresholdClassifierCV chooses the
per-label threshold that turns the probability into a flag.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import sklearn
from scipy import sparse
from scipy.special import expit
from scipy.stats import ttest_rel
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import fbeta_score, make_scorer
from sklearn.model_selection import StratifiedKFold, TunedThresholdClassifierCV
from sklearn.pipeline import FeatureUnion

from corpus.vocabulary import COMMON_EVIDENCE, LABEL_SPECS
from model.analysis import GROUP_PLACEHOLDER, Analysis
from model.compiled import CompiledFeatures


def analysis_words(an: Analysis) -> list[str]:
    words = an.word_list
    grams = list(words)
    grams.extend(f"{a} {b}" for a, b in itertools.pairwise(words))
    return grams


def analysis_norm_text(an: Analysis) -> str:
    return an.char_text


class EvidenceFeatures(BaseEstimator, TransformerMixin):
    """DictVectorizer over Analysis.features, scaled by a weight."""

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = weight

    def fit(self, X: Sequence[Analysis], y: object = None) -> EvidenceFeatures:
        self.vectorizer_ = DictVectorizer(sparse=True)
        self.vectorizer_.fit([an.features for an in X])
        return self

    def transform(self, X: Sequence[Analysis]) -> sparse.csr_matrix:
        return self.vectorizer_.transform([an.features for an in X]) * self.weight

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray([f"ev:{n}" for n in self.vectorizer_.get_feature_names_out()])


def drop_stop_words(features: FeatureUnion) -> None:
    """TfidfVectorizer keeps every term cut by min_df/max_features in `stop_words_`; it is
    only for introspection and makes the artifact large and slow to load."""
    for _, step in features.transformer_list:
        if hasattr(step, "stop_words_"):
            delattr(step, "stop_words_")


def build_features(evidence_weight: float = 1.0) -> FeatureUnion:
    return FeatureUnion([
        ("words", TfidfVectorizer(analyzer=analysis_words, min_df=2, sublinear_tf=True, max_features=60000)),
        ("chars", TfidfVectorizer(analyzer="char_wb", preprocessor=analysis_norm_text, lowercase=False,
                                  ngram_range=(2, 5), min_df=2, sublinear_tf=True, max_features=150000)),
        ("evidence", EvidenceFeatures(weight=evidence_weight)),
    ])


class MarginColumn(ClassifierMixin, BaseEstimator):
    """A fitted label model seen through its document margin. X is one column of margins (the
    whole-text margin, or its maximum over sentence windows), so that scikit-learn's calibration
    and threshold tuning work on exactly what the scorer computes. Fitting learns nothing."""

    def fit(self, X: np.ndarray, y: np.ndarray | None = None, sample_weight: np.ndarray | None = None
            ) -> MarginColumn:
        self.classes_ = np.array([0, 1])
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(X, dtype=float)[:, 0]

    def predict(self, X: np.ndarray) -> np.ndarray:
        return (self.decision_function(X) > 0).astype(int)


@dataclass
class LabelModel:
    """One label: linear weights and intercept, scikit-learn's sigmoid calibration of the margin,
    and the decision threshold chosen by scikit-learn's threshold tuning."""

    coef: np.ndarray
    intercept: float
    calibrator: CalibratedClassifierCV | None = None
    threshold: float = 0.5

    def margin(self, X: sparse.csr_matrix) -> np.ndarray:
        return np.asarray(X @ self.coef).ravel() + self.intercept

    def probability(self, margin: np.ndarray) -> np.ndarray:
        """The calibrated probability of each margin: the mean of the fitted Platt sigmoids of
        `calibrator` (what its predict_proba computes, without its per-call input validation,
        which cost a single draft milliseconds; tests/test_compiled_path.py checks they agree)."""
        a, b = platt_parameters(self.calibrator)
        m = np.asarray(margin, dtype=float)
        return np.mean(expit(-(np.multiply.outer(m, a) + b)), axis=-1)


def platt_parameters(calibrator: CalibratedClassifierCV | None) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) of every sigmoid a CalibratedClassifierCV fitted (one per calibration fold):
    p = 1 / (1 + exp(a * margin + b)); no calibrator is the plain logistic a = -1, b = 0."""
    if calibrator is None:
        return np.array([-1.0]), np.array([0.0])
    sigmoids = [cc.calibrators[0] for cc in calibrator.calibrated_classifiers_]
    return np.array([s.a_ for s in sigmoids], dtype=float), np.array([s.b_ for s in sigmoids], dtype=float)


@dataclass
class MultiLabelModel:
    """The whole learned model: features plus one LabelModel per label."""

    features: FeatureUnion
    labels: tuple[str, ...]
    label_models: dict[str, LabelModel] = field(default_factory=dict)
    boundary: BoundaryArticleModel | None = None

    def transform(self, analyses: Sequence[Analysis]) -> sparse.csr_matrix:
        """The feature rows of the fitted union, through its compiled form (model/compiled.py:
        the same matrix without scikit-learn's per-call validation)."""
        compiled = self._compiled()
        if compiled is None:
            return sparse.csr_matrix(self.features.transform(analyses))
        return compiled.transform(analyses)

    def _compiled(self) -> CompiledFeatures | None:
        cached = self.__dict__.get("_compiled_cache")
        if cached is None or cached[0] is not self.features:
            cached = (self.features, CompiledFeatures.compile(self.features))
            self.__dict__["_compiled_cache"] = cached
        return cached[1]

    def margins(self, X: sparse.csr_matrix) -> np.ndarray:
        """Every label's document margin in one sparse product with the stacked weights."""
        weights, intercepts = self._stacked()
        return np.asarray(X @ weights) + intercepts

    def _stacked(self) -> tuple[np.ndarray, np.ndarray]:
        """The label models' weights as one (n_features, n_labels) matrix, built once per set of
        fitted weights (not pickled: see __getstate__)."""
        models = [self.label_models[lab] for lab in self.labels]
        key = tuple(id(lm.coef) for lm in models)
        cached = self.__dict__.get("_stacked_cache")
        if cached is None or cached[0] != key:
            weights = np.column_stack([lm.coef for lm in models])
            intercepts = np.array([lm.intercept for lm in models], dtype=float)
            cached = (key, weights, intercepts)
            self.__dict__["_stacked_cache"] = cached
        return cached[1], cached[2]

    def probabilities(self, margins: np.ndarray) -> np.ndarray:
        """Calibrated probabilities (n, n_labels) of margins (n, n_labels): every label's
        LabelModel.probability, computed for all labels in one array operation."""
        a, b, w = self._platt()
        m = np.asarray(margins, dtype=float)[:, :, None]
        return np.sum(w * expit(-(a * m + b)), axis=2)

    def _platt(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Platt parameters of all labels, padded to the largest number of sigmoids; w averages
        a label's own sigmoids (0 for padding). Built once per set of calibrators (not pickled)."""
        models = [self.label_models[lab] for lab in self.labels]
        key = tuple(id(lm.calibrator) for lm in models)
        cached = self.__dict__.get("_platt_cache")
        if cached is None or cached[0] != key:
            params = [platt_parameters(lm.calibrator) for lm in models]
            k = max(len(pa) for pa, _ in params)
            a, b, w = (np.zeros((len(models), k)) for _ in range(3))
            for j, (pa, pb) in enumerate(params):
                a[j, :len(pa)], b[j, :len(pb)], w[j, :len(pa)] = pa, pb, 1.0 / len(pa)
            cached = (key, a, b, w)
            self.__dict__["_platt_cache"] = cached
        return cached[1], cached[2], cached[3]

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state.pop("_stacked_cache", None)
        state.pop("_compiled_cache", None)
        state.pop("_platt_cache", None)
        return state



@dataclass
class BoundaryArticleModel:
    """Which staff-boundary sub-articles (medewerkers.2/4/6/7/8) a boundary post points to."""

    articles: tuple[str, ...]
    coefs: np.ndarray  # (n_articles, n_features)
    intercepts: np.ndarray

    def predict(self, X: sparse.csr_matrix) -> list[list[str]]:
        scores = np.asarray(X @ self.coefs.T) + self.intercepts
        out = []
        for row in scores:
            chosen = [a for a, s in zip(self.articles, row, strict=True) if s > 0]
            out.append(chosen or [self.articles[int(np.argmax(row))]])
        return out


# Which evidence features each label may use (prefixes of EvidenceFeatures names): the common
# ones of corpus/vocabulary.yaml plus the label spec's own `evidence`. Word and character n-grams
# are shared by all labels; the structured evidence is not, so that a label cannot lean on
# co-occurrence in the corpus (bullying posts that also hold a phone number) instead of on its
# own kind of evidence.
def evidence_families(label: str) -> tuple[str, ...]:
    return (*COMMON_EVIDENCE, *LABEL_SPECS[label].evidence)


# A group term is one placeholder word (model.analysis); on its own it must carry no weight, for
# any label: a neutral "bij ons wonen ook Friezen" scored as bullying because the placeholder, its
# character n-grams included, was more frequent in hateful posts. What is said about the group
# (the bigrams around the placeholder, the group evidence rules) still counts.
# Its own character n-grams: those holding its first or last two letters ("xg", "px"; upper case
# in a negation or quotation scope), and its edge bigrams (" x", "x ": every placeholder word starts
# and ends with an x).
_PLACEHOLDER_CHAR_MARKS = tuple(m for m in (GROUP_PLACEHOLDER[:2], GROUP_PLACEHOLDER[-2:])
                                for m in (m, m.upper()))
_PLACEHOLDER_CHAR_EDGES = frozenset(e for e in (" " + GROUP_PLACEHOLDER[0], GROUP_PLACEHOLDER[-1] + " ")
                                    for e in (e, e.upper()))


def is_bare_placeholder(name: str) -> bool:
    """Is this column the group placeholder alone: its unigram (in any scope) or a character
    n-gram only the placeholder has?"""
    if name.startswith("words__"):
        gram = name[len("words__"):]
        return " " not in gram and gram.split("_")[-1] == GROUP_PLACEHOLDER
    if name.startswith("chars__"):
        gram = name[len("chars__"):]
        return gram in _PLACEHOLDER_CHAR_EDGES or any(m in gram for m in _PLACEHOLDER_CHAR_MARKS)
    return False


def evidence_mask(feature_names: Sequence[str], label: str) -> np.ndarray:
    """1 for columns the label may use: every n-gram except the bare group placeholder, and its
    own evidence families."""
    allowed = evidence_families(label)
    return np.array([0.0 if (n.startswith("evidence__") and not n[len("evidence__"):].removeprefix("ev:")
                             .startswith(allowed)) or is_bare_placeholder(n) else 1.0 for n in feature_names])


def fit_label(X: sparse.csr_matrix, y: np.ndarray, C: float, seed: int,
              mask: np.ndarray | None = None, sample_weight: np.ndarray | None = None) -> LabelModel:
    if np.unique(y).size < 2:
        # a label with no positive (or no negative) training row: a constant model, never flagged
        # when there are no positives (a small or heavily reviewed training set)
        return LabelModel(coef=np.zeros(X.shape[1]), intercept=-10.0 if not np.any(y) else 10.0)
    if mask is not None:
        X = sparse.csr_matrix(X @ sparse.diags(mask))
    clf = LogisticRegression(C=C, class_weight="balanced", solver="liblinear", max_iter=2000,
                             random_state=seed)
    clf.fit(X, y, sample_weight=sample_weight)
    coef = clf.coef_.ravel().astype(np.float64)
    if mask is not None:
        coef = coef * mask
    return LabelModel(coef=coef, intercept=float(clf.intercept_[0]))


def calibrate(margins: np.ndarray, y: np.ndarray) -> CalibratedClassifierCV | None:
    """Sigmoid (Platt) calibration of held-out margins with CalibratedClassifierCV; None when the
    held-out data has one class only."""
    if y.min() == y.max():
        return None
    X = margins.reshape(-1, 1)
    return CalibratedClassifierCV(FrozenEstimator(MarginColumn().fit(X, y)), method="sigmoid").fit(X, y)


def tune_threshold(calibrator: CalibratedClassifierCV | None, margins: np.ndarray, y: np.ndarray,
                   weights: np.ndarray, grid: np.ndarray, seed: int, folds: int = 5, beta: float = 1.0,
                   keep: float | None = None, keep_margin: float = 0.0, max_step: float = 1.0,
                   alpha: float = 0.05) -> float:
    """The decision threshold with the best F-beta (F1 unless a miss costs more) on held-out data, chosen by
    TunedThresholdClassifierCV: the F1 curve is averaged over stratified folds (a smoothed
    criterion, so one more example does not make the threshold jump), and rows are weighted
    (a false alarm on real background text counts `weights` times).

    `keep` (retraining only; default off): the active model's threshold, returned unless the best
    threshold is clearly better: its F-beta gain over `keep`, paired per fold, must exceed
    `keep_margin` and be significant in a one-sided paired t-test over the folds at `alpha` (on a
    few hundred dev rows a gain of a few points is within noise). Even then it moves at most
    `max_step`, to the best threshold within that distance (a few dozen reviewed rows do not move a
    decision across the scale)."""
    if calibrator is None or y.sum() < folds:
        return 0.5 if keep is None else keep
    X = margins.reshape(-1, 1)
    cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = make_scorer(fbeta_score, beta=beta, zero_division=0.0).set_score_request(sample_weight=True)
        tuner = TunedThresholdClassifierCV(
            FrozenEstimator(calibrator), scoring=scorer, thresholds=grid, cv=cv, refit=True,
            store_cv_results=keep is not None,
        ).fit(X, y, sample_weight=weights)
    best = round(float(tuner.best_threshold_), 2)
    if keep is None:
        return best
    scores, at = tuner.cv_results_["scores"], tuner.cv_results_["thresholds"]
    near = np.abs(at - keep) <= max_step + 1e-9
    if near.any() and not near.all():
        best = round(float(at[near][int(np.argmax(scores[near]))]), 2)
    new_f, old_f = fold_scores(calibrator.predict_proba(X)[:, 1], y, weights, cv, (best, keep), beta)
    gain = float(np.mean(new_f - old_f))
    # (identical gains on every fold give no variance and a NaN p-value: kept)
    clear = gain > keep_margin and bool(ttest_rel(new_f, old_f, alternative="greater").pvalue < alpha)
    return best if clear else round(float(keep), 2)


def fold_scores(proba: np.ndarray, y: np.ndarray, weights: np.ndarray, cv: StratifiedKFold,
                thresholds: Sequence[float], beta: float) -> list[np.ndarray]:
    """F-beta of each threshold on each held-out fold of `cv` (the same folds for all: paired)."""
    folds = list(cv.split(proba.reshape(-1, 1), y))
    return [np.array([fbeta_score(y[test], proba[test] >= t, beta=beta, sample_weight=weights[test],
                                  zero_division=0.0) for _, test in folds]) for t in thresholds]


def fit_boundary(X: sparse.csr_matrix, targets: list[list[str]], articles: Sequence[str], C: float,
                 seed: int) -> BoundaryArticleModel | None:
    if len(targets) < 10:
        return None
    coefs, intercepts = [], []
    for art in articles:
        y = np.array([1 if art in t else 0 for t in targets])
        if y.min() == y.max():
            coefs.append(np.zeros(X.shape[1]))
            intercepts.append(-1.0 if y.max() == 0 else 1.0)
            continue
        clf = LogisticRegression(C=C, class_weight="balanced", solver="liblinear", random_state=seed)
        clf.fit(X, y)
        coefs.append(clf.coef_.ravel())
        intercepts.append(float(clf.intercept_[0]))
    return BoundaryArticleModel(tuple(articles), np.vstack(coefs), np.asarray(intercepts))

