"""Which words drove a label: linear contributions mapped back to tokens and text spans."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from model.analysis import Analysis
from model.classifier import LabelModel, MultiLabelModel


@dataclass(frozen=True)
class TokenWeight:
    token: int
    weight: float


class Explainer:
    """Precomputed column offsets of the feature union, for per-token contributions."""

    def __init__(self, model: MultiLabelModel) -> None:
        parts = dict(model.features.transformer_list)
        self.word_vocab: dict[str, int] = parts["words"].vocabulary_
        self.char_vocab: dict[str, int] = parts["chars"].vocabulary_
        self.char_offset = len(self.word_vocab)
        ngram_range = parts["chars"].ngram_range
        self.char_n = range(ngram_range[0], ngram_range[1] + 1)

    def _char_grams(self, word: str) -> list[str]:
        padded = f" {word} "
        return [padded[i:i + n] for n in self.char_n for i in range(len(padded) - n + 1)]

    def token_weights(self, an: Analysis, row: sparse.csr_matrix, lm: LabelModel) -> list[TokenWeight]:
        """Contribution of each word token to the label's margin (positive = towards the label)."""
        values = dict(zip(row.indices, row.data, strict=True))
        coef = lm.coef
        tokens = [t for t in an.doc if not (t.is_punct or t.is_space)]
        lemmas = [t.lemma_.lower() or t.norm_ for t in tokens]
        weights = np.zeros(len(tokens))
        for k, lemma in enumerate(lemmas):
            col = self.word_vocab.get(lemma)
            if col is not None and col in values:
                weights[k] += coef[col] * values[col]
            if k + 1 < len(lemmas):
                col = self.word_vocab.get(f"{lemma} {lemmas[k + 1]}")
                if col is not None and col in values:
                    share = coef[col] * values[col] / 2
                    weights[k] += share
                    weights[k + 1] += share
        # character n-grams: each n-gram's contribution is shared by the tokens holding it
        grams_per_token = [self._char_grams(an.char_token(t.i)) for t in tokens]
        holders = Counter(g for grams in grams_per_token for g in set(grams))
        for k, grams in enumerate(grams_per_token):
            for g in set(grams):
                col = self.char_vocab.get(g)
                if col is None:
                    continue
                col += self.char_offset
                if col in values:
                    weights[k] += coef[col] * values[col] / holders[g]
        return [TokenWeight(t.i, float(w)) for t, w in zip(tokens, weights, strict=True)]

    def top_spans(self, an: Analysis, row: sparse.csr_matrix, lm: LabelModel, k: int = 3,
                  min_weight: float = 0.15) -> list[tuple[int, int, float]]:
        """Up to k original-text spans of the most label-positive tokens (adjacent ones merged)."""
        weights = [w for w in self.token_weights(an, row, lm) if w.weight >= min_weight]
        weights.sort(key=lambda w: -w.weight)
        chosen = sorted(weights[:k], key=lambda w: w.token)
        spans: list[tuple[int, int, float]] = []
        last_token = -10
        for w in chosen:
            s, e = an.token_spans[w.token]
            if e <= s:
                continue
            if spans and w.token == last_token + 1:
                ps, _, pw = spans[-1]
                spans[-1] = (ps, e, max(pw, w.weight))
            else:
                spans.append((s, e, w.weight))
            last_token = w.token
        return spans
