"""Which words drove a label: linear contributions mapped back to phrases of the draft.

For one draft, a token matrix T (tokens x features, kept as its entries) holds each token's share
of every n-gram feature: a word unigram belongs to its token, a bigram is split between its two
tokens, a character n-gram is split between the tokens that contain it. A label's per-token
contribution is then T @ coef; T is built once per draft and reused per label.

The shares are tf-idf values scaled by the norm of a fixed reference sentence, not by the
draft's own norm: a word's weight then depends only on the word and its neighbour, so
appending an unrelated sentence never removes a highlight (tests/test_explanations.py). Function words, names, group terms
and numbers are never shown on their own; they are shown only inside a phrase between two
content words that carry the label.
"""

from __future__ import annotations

import math

import numpy as np
from spacy.attrs import IS_STOP, LIKE_NUM

from model.analysis import Analysis
from model.classifier import LabelModel, MultiLabelModel

# Words that carry no decision on their own even when the model leans on them: spaCy's Dutch
# stop words plus a few frequent fillers the stop list lacks
FILLER_WORDS = frozenset({"keer", "gewoon", "echt", "wel", "even", "ff", "nu", "ook", "heel", "zo", "haha",
                          "hahaha", "lol", "hoor", "toch", "hè", "he", "hey", "hee", "hoi", "oké", "ok", "oke",
                          # school words: the setting of almost every draft, never the reason for a flag
                          "juf", "meester", "school", "kindcentrum", "marel", "klas", "groep", "kinderen",
                          "kind", "ouders", "leerling", "leerlingen"})
_SENTENCE_END = frozenset({".", "!", "?"})
# The reference sentence whose tf-idf norm scales every highlight weight: 12 words of 5 letters
REFERENCE_WORDS = 12
WORD_CHARS = 5
COLUMN_CACHE_WORDS = 200_000  # bound on the per-process cache of token -> character n-gram columns


def _sentences(an: Analysis) -> list[int]:
    """Sentence id per word token (aligned with an.word_tokens)."""
    ids, current, k = [], 0, 0
    word_set = an.word_tokens
    for i, text in enumerate(an.tok_text):
        if k < len(word_set) and word_set[k] == i:
            ids.append(current)
            k += 1
        if text in _SENTENCE_END or "\n" in text:
            current += 1
    return ids


class Explainer:
    """Precomputed vocabularies, idf weights and column offsets of the feature union."""

    def __init__(self, model: MultiLabelModel) -> None:
        parts = dict(model.features.transformer_list)
        words, chars = parts["words"], parts["chars"]
        self.word_vocab: dict[str, int] = words.vocabulary_
        self.char_vocab: dict[str, int] = chars.vocabulary_
        self.word_idf = np.asarray(words.idf_, dtype=float)
        self.char_idf = np.asarray(chars.idf_, dtype=float)
        self.char_offset = len(self.word_vocab)
        lo, hi = chars.ngram_range
        self.char_n = range(lo, hi + 1)
        # tf-idf values are L2-normalised per draft; a highlight uses the norm of a reference
        # sentence instead, so a word's weight never depends on the rest of the draft
        grams_per_word = sum(WORD_CHARS + 3 - n for n in self.char_n)
        self.word_ref = math.sqrt(2 * REFERENCE_WORDS - 1) * float(np.median(self.word_idf))
        self.char_ref = math.sqrt(REFERENCE_WORDS * grams_per_word) * float(np.median(self.char_idf))
        self._columns_cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def _char_grams(self, word: str) -> list[str]:
        padded = f" {word} "
        return [padded[i:i + n] for n in self.char_n for i in range(len(padded) - n + 1)]

    def _char_columns(self, word: str) -> tuple[np.ndarray, np.ndarray]:
        """Columns and reference-scaled idf shares of the model's character n-grams in one token
        (cached per word)."""
        cached = self._columns_cache.get(word)
        if cached is None:
            found = [col for col in (self.char_vocab.get(g) for g in set(self._char_grams(word))) if col is not None]
            cols = np.asarray(found, dtype=np.int64)
            cached = (cols + self.char_offset, self.char_idf[cols] / self.char_ref)
            if len(self._columns_cache) < COLUMN_CACHE_WORDS:
                self._columns_cache[word] = cached
        return cached

    def token_entries(self, an: Analysis) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """The token matrix T as entries (token k, column, share) and its number of rows, with
        T[k, col] = token k's share of feature col (k over an.word_tokens): idf values scaled by
        the reference norms; a character n-gram counts fully for each token holding it."""
        words = an.word_list
        sent = _sentences(an)
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        ref = self.word_ref
        for k, word in enumerate(words):
            col = self.word_vocab.get(word)
            if col is not None:
                rows.append(k)
                cols.append(col)
                vals.append(self.word_idf[col] / ref)
            if k + 1 < len(words) and sent[k + 1] == sent[k]:
                col = self.word_vocab.get(f"{word} {words[k + 1]}")
                if col is not None:
                    half = self.word_idf[col] / 2 / ref
                    rows += [k, k + 1]
                    cols += [col, col]
                    vals += [half, half]
        chars = [self._char_columns(an.char_token(i)) for i in an.word_tokens]
        all_rows = np.concatenate([np.asarray(rows, dtype=np.int64),
                                   np.repeat(np.arange(len(chars)), [len(c) for c, _ in chars])])
        all_cols = np.concatenate([np.asarray(cols, dtype=np.int64), *(c for c, _ in chars)])
        all_vals = np.concatenate([np.asarray(vals, dtype=float), *(v for _, v in chars)])
        return all_rows, all_cols, all_vals, len(words)

    def _content(self, an: Analysis) -> list[bool]:
        """Per word token: may it be shown as evidence on its own?"""
        flags = an.doc.to_array([IS_STOP, LIKE_NUM]).tolist() if an.word_tokens else []
        out = []
        for i in an.word_tokens:
            stop, num = flags[i]
            word = an.tok_text[i]
            out.append(not (stop or num or word in FILLER_WORDS or len(word) < 2
                            or i in an.placeholders or word.startswith("emoji_")))
        return out

    def top_spans(self, an: Analysis, lm: LabelModel, k: int = 3,
                  min_weight: float = 0.25) -> list[tuple[int, int, float]]:
        """Up to k original-text phrases of the most label-positive content words, strongest
        first. Neighbouring selected words (or two with one function word between) form one
        phrase. A label's per-token weights are T @ coef, summed per token from T's entries."""
        cached = an.__dict__.get("_token_matrix")
        if cached is None:
            cached = (self.token_entries(an), self._content(an))
            an.__dict__["_token_matrix"] = cached
        (rows, cols, vals, n_tokens), content = cached
        if n_tokens == 0:
            return []
        weights = np.bincount(rows, weights=vals * lm.coef[cols], minlength=n_tokens)
        chosen = sorted(j for j in range(len(weights)) if content[j] and weights[j] >= min_weight)
        phrases: list[list[int]] = []
        for j in chosen:
            if phrases and j - phrases[-1][-1] <= 2:
                phrases[-1].append(j)
            else:
                phrases.append([j])
        spans: list[tuple[int, int, float]] = []
        for phrase in phrases:
            s = an.token_spans[an.word_tokens[phrase[0]]][0]
            e = an.token_spans[an.word_tokens[phrase[-1]]][1]
            if e > s:
                spans.append((s, e, float(max(weights[j] for j in phrase))))
        spans.sort(key=lambda x: -x[2])
        return spans[:k]

