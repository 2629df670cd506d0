"""The fitted feature union compiled for scoring: the same rows as its `transform`, without the
per-call work that does not depend on the draft.

scikit-learn's `TfidfVectorizer.transform` validates its input and parameters on every call and
rebuilds every character n-gram of every word; for one draft that costs more than the features
themselves. The compiled path keeps each fitted part's vocabulary, idf weights and options and
computes the same tf-idf rows: word n-grams looked up in the vocabulary, character n-grams of a
word looked up once per distinct word (a cache, since chat and school text repeat their words),
sublinear tf, idf, L2 norm; the evidence dictionaries through the DictVectorizer's vocabulary.

Training and evaluation fit and check with scikit-learn's own estimators; this module is only the
scorer's path, and tests/test_compiled_features.py checks it gives the same matrix.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

WORD_CACHE_SIZE = 200_000  # distinct words whose character n-gram columns are kept per process


class CompiledTfidf:
    """One fitted TfidfVectorizer: (columns, counts) per document, then tf-idf and norm."""

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.n_features = len(self.vocabulary)
        self.idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        self.sublinear = bool(vectorizer.sublinear_tf)
        self.norm = vectorizer.norm
        self.char_wb = vectorizer.analyzer == "char_wb"
        if self.char_wb:
            self.preprocess: Callable[[Any], str] = vectorizer.build_preprocessor()
            self.ngram_range = tuple(vectorizer.ngram_range)
            self._word_cache: dict[str, dict[int, int]] = {}
        else:
            self.analyze = vectorizer.build_analyzer()

    def _word_columns(self, word: str) -> tuple[np.ndarray, np.ndarray]:
        """Columns and counts of the vocabulary's character n-grams in one word padded with
        spaces (scikit-learn's `char_wb` n-grams: a word shorter than n gives itself once)."""
        cached = self._word_cache.get(word)
        if cached is not None:
            return cached
        vocab = self.vocabulary
        padded = f" {word} "
        length = len(padded)
        counts: dict[int, int] = {}
        lo, hi = self.ngram_range
        for n in range(lo, hi + 1):
            grams = [padded] if length <= n else [padded[i:i + n] for i in range(length - n + 1)]
            for gram in grams:
                col = vocab.get(gram)
                if col is not None:
                    counts[col] = counts.get(col, 0) + 1
            if length <= n:
                break
        cached = (np.fromiter(counts, dtype=np.int32, count=len(counts)),
                  np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
        if len(self._word_cache) < WORD_CACHE_SIZE:
            self._word_cache[word] = cached
        return cached

    def _char_counts(self, docs: Sequence[Any]) -> Triplets:
        cols, counts, rows, lengths = [], [], [], []
        for r, doc in enumerate(docs):
            for word in self.preprocess(doc).split():
                c, n = self._word_columns(word)
                cols.append(c)
                counts.append(n)
                rows.append(r)
                lengths.append(len(c))
        if not cols:
            return _empty()
        # an n-gram found in several words of a draft: its counts are summed per (row, column)
        keys = np.repeat(np.asarray(rows, dtype=np.int64), lengths) * self.n_features + np.concatenate(cols)
        unique, inverse = np.unique(keys, return_inverse=True)
        sums = np.bincount(inverse, weights=np.concatenate(counts)).astype(np.float64, copy=False)
        return unique // self.n_features, unique % self.n_features, sums

    def _word_counts(self, docs: Sequence[Any]) -> Triplets:
        rows, indices, values = [], [], []
        vocab = self.vocabulary
        for r, doc in enumerate(docs):
            counts: dict[int, int] = {}
            for feature in self.analyze(doc):
                col = vocab.get(feature)
                if col is not None:
                    counts[col] = counts.get(col, 0) + 1
            rows.extend([r] * len(counts))
            indices.extend(counts)
            values.extend(counts.values())
        return (np.asarray(rows, dtype=np.int64), np.asarray(indices, dtype=np.int64),
                np.asarray(values, dtype=np.float64))

    def triplets(self, docs: Sequence[Any]) -> Triplets:
        """(row, column, tf-idf value) of every non-zero entry."""
        rows, cols, data = self._char_counts(docs) if self.char_wb else self._word_counts(docs)
        if self.sublinear:
            np.log(data, out=data)
            data += 1.0
        data *= self.idf[cols]
        if self.norm == "l2":
            norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=len(docs)))
            norms[norms == 0.0] = 1.0
            data /= norms[rows]
        elif self.norm is not None:  # pragma: no cover - the model uses l2
            raise ValueError(f"unsupported norm {self.norm!r}")
        return rows, cols, data

    def transform(self, docs: Sequence[Any]) -> sparse.csr_matrix:
        return _csr(self.triplets(docs), len(docs), self.n_features)


Triplets = tuple[np.ndarray, np.ndarray, np.ndarray]


def _empty() -> Triplets:
    return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)


def _csr(triplets: Triplets, n_rows: int, n_cols: int) -> sparse.csr_matrix:
    """One CSR matrix from (row, column, value) entries without duplicates (one constructor call:
    scipy's checks cost more than the arithmetic on a single draft)."""
    rows, cols, data = triplets
    order = np.argsort(rows * n_cols + cols, kind="stable")
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    return sparse.csr_matrix((data[order], cols[order], indptr), shape=(n_rows, n_cols))


class CompiledEvidence:
    """The EvidenceFeatures part: numeric feature dicts through the DictVectorizer's vocabulary,
    times the part's weight."""

    def __init__(self, step: Any) -> None:
        self.vocabulary: dict[str, int] = step.vectorizer_.vocabulary_
        self.n_features = len(self.vocabulary)
        self.weight = float(step.weight)

    def triplets(self, analyses: Sequence[Any]) -> Triplets:
        rows, indices, values = [], [], []
        vocab = self.vocabulary
        for r, an in enumerate(analyses):
            for name, value in an.features.items():
                col = vocab.get(name)
                if col is not None and value:
                    rows.append(r)
                    indices.append(col)
                    values.append(float(value))
        return (np.asarray(rows, dtype=np.int64), np.asarray(indices, dtype=np.int64),
                np.asarray(values, dtype=np.float64) * self.weight)

    def transform(self, analyses: Sequence[Any]) -> sparse.csr_matrix:
        return _csr(self.triplets(analyses), len(analyses), self.n_features)


class CompiledFeatures:
    """The whole FeatureUnion: each part compiled, blocks stacked in the union's order."""

    def __init__(self, parts: Sequence[CompiledTfidf | CompiledEvidence]) -> None:
        self.parts = list(parts)

    @classmethod
    def compile(cls, union: FeatureUnion) -> CompiledFeatures | None:
        """The compiled union, or None when a part is of a kind this module does not know (the
        caller then uses the union itself)."""
        if union.transformer_weights or union.n_jobs not in (None, 1):
            return None
        parts: list[CompiledTfidf | CompiledEvidence] = []
        for _, step in union.transformer_list:
            if isinstance(step, TfidfVectorizer) and (step.analyzer == "char_wb" or callable(step.analyzer)):
                parts.append(CompiledTfidf(step))
            elif hasattr(step, "vectorizer_") and hasattr(step, "weight"):
                parts.append(CompiledEvidence(step))
            else:
                return None
        return cls(parts)

    def transform(self, analyses: Sequence[Any]) -> sparse.csr_matrix:
        """The stacked blocks as one CSR matrix: each part's entries with its column offset."""
        rows, cols, data = [], [], []
        offset = 0
        for part in self.parts:
            r, c, d = part.triplets(analyses)
            rows.append(r)
            cols.append(c + offset)
            data.append(d)
            offset += part.n_features
        return _csr((np.concatenate(rows), np.concatenate(cols), np.concatenate(data)), len(analyses), offset)
