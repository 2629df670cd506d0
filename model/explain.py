"""Which words drove a label: linear contributions mapped back to tokens and text spans.

For one draft, a token matrix T (tokens x features) holds each token's share of every
n-gram feature value: a word unigram belongs to its token, a bigram is split between its
two tokens, a character n-gram is split between the tokens that contain it. A label's
per-token contribution is then T @ coef; T is built once per draft and reused per label.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from scipy import sparse

from model.analysis import Analysis
from model.classifier import LabelModel, MultiLabelModel


class Explainer:
    """Precomputed vocabularies and column offsets of the feature union."""

    def __init__(self, model: MultiLabelModel) -> None:
        parts = dict(model.features.transformer_list)
        self.word_vocab: dict[str, int] = parts["words"].vocabulary_
        self.char_vocab: dict[str, int] = parts["chars"].vocabulary_
        self.char_offset = len(self.word_vocab)
        lo, hi = parts["chars"].ngram_range
        self.char_n = range(lo, hi + 1)
        self._cache: dict[int, tuple[Any, sparse.csr_matrix]] = {}

    def _char_grams(self, word: str) -> list[str]:
        padded = f" {word} "
        return [padded[i:i + n] for n in self.char_n for i in range(len(padded) - n + 1)]

    def token_matrix(self, an: Analysis, row: sparse.csr_matrix) -> sparse.csr_matrix:
        """T with T[k, col] = token k's share of feature col's value (k over an.word_tokens)."""
        values = dict(zip(row.indices.tolist(), row.data.tolist(), strict=True))
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        words = an.word_list
        for k, word in enumerate(words):
            col = self.word_vocab.get(word)
            if col is not None and col in values:
                rows.append(k)
                cols.append(col)
                vals.append(values[col])
            if k + 1 < len(words):
                col = self.word_vocab.get(f"{word} {words[k + 1]}")
                if col is not None and col in values:
                    half = values[col] / 2
                    rows += [k, k + 1]
                    cols += [col, col]
                    vals += [half, half]
        grams_per_token = [set(self._char_grams(an.char_token(i))) for i in an.word_tokens]
        holders = Counter(g for grams in grams_per_token for g in grams)
        for k, grams in enumerate(grams_per_token):
            for g in grams:
                col = self.char_vocab.get(g)
                if col is None:
                    continue
                col += self.char_offset
                value = values.get(col)
                if value is not None:
                    rows.append(k)
                    cols.append(col)
                    vals.append(value / holders[g])
        return sparse.csr_matrix((vals, (rows, cols)), shape=(len(words), row.shape[1]))

    def top_spans(self, an: Analysis, row: sparse.csr_matrix, lm: LabelModel, k: int = 3,
                  min_weight: float = 0.25) -> list[tuple[int, int, float]]:
        """Up to k original-text spans of the most label-positive tokens (adjacent ones merged)."""
        cached = an.__dict__.get("_token_matrix")
        if cached is None:
            cached = self.token_matrix(an, row)
            an.__dict__["_token_matrix"] = cached
        weights = np.asarray(cached @ lm.coef).ravel()
        order = [j for j in np.argsort(-weights)[:k] if weights[j] >= min_weight]
        spans: list[tuple[int, int, float]] = []
        last = -10
        for j in sorted(order):
            s, e = an.token_spans[an.word_tokens[j]]
            if e <= s:
                continue
            if spans and j == last + 1:
                ps, _, pw = spans[-1]
                spans[-1] = (ps, e, max(pw, float(weights[j])))
            else:
                spans.append((s, e, float(weights[j])))
            last = j
        return spans
