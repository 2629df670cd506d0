"""One draft analysed: normalised text, spaCy doc, PII spans and the evidence features.

`Analysis` is what the classifier's feature transformers read, so training and scoring
share one code path. Evidence features are structured signals that generalise beyond the
corpus vocabulary: an insult aimed at "je"/"jij" or at a name, a negated or quoted insult,
a protected group in a hateful frame, a threat phrase aimed at someone, media + sharing
verb without stated consent, someone else's phone number, and so on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LEMMA, NORM, ORTH
from spacy.tokens import Doc

from model.evidence import compute_evidence
from model.evidence.context import EvidenceContext
from model.lexicons import Lexicon, categories_of_kind, scope_words
from model.nlp import Evidence
from model.normalize import Normalized
from model.pii.base import PiiSpan

# PII types whose words are replaced by a placeholder in the n-gram features
PLACEHOLDER_PII = frozenset({"person_name", "phone_number", "email", "street_address", "postcode", "bsn",
                             "iban", "date_of_birth", "social_handle", "credential"})
_SENTENCE_END = {".", "!", "?", "\n"}
# The one placeholder word every group-of-people term becomes in the n-gram features
GROUP_PLACEHOLDER = "xgroepx"
# Lexicon category whose terms (groups of people) are replaced by one placeholder word
GROUP_CATEGORY = "protected_groups"
# The reach of a negation scope (tokens before, after) within a clause
NEGATION_REACH = (3, 4)
CLAUSE_BREAKS = frozenset({",", ".", "!", "?", ";", ":", "maar", "want", "omdat", "dus", "toch", "alleen"})


@dataclass
class Analysis:
    """Everything the model knows about one draft."""

    text: str
    role: str
    normalized: Normalized
    doc: Doc
    pii: list[PiiSpan]
    features: dict[str, float] = field(default_factory=dict)
    # token index -> original [start, end)
    token_spans: list[tuple[int, int]] = field(default_factory=list)
    negated_tokens: set[int] = field(default_factory=set)
    # token index -> scope marker: "neg" (inside a negation's reach) or "q" (inside quotes)
    scope: dict[int, str] = field(default_factory=dict)
    # token index -> PII placeholder word: names and numbers are not vocabulary to learn
    placeholders: dict[int, str] = field(default_factory=dict)
    # later tokens of a multi-word placeholder ("Anna de Vries", "mensen met een beperking")
    merged: set[int] = field(default_factory=set)
    # tokens the n-gram features do not see at all: person names. A name is never evidence on its
    # own; it counts only through composed evidence (an insult aimed at a name, a name with a
    # health detail, media of a named child)
    silent: set[int] = field(default_factory=set)

    # per-token data read once from the doc (spaCy token access is slow in Python loops)
    tok_text: list[str] = field(default_factory=list)
    tok_norm: list[str] = field(default_factory=list)
    tok_lemma: list[str] = field(default_factory=list)
    tok_idx: list[int] = field(default_factory=list)  # character offset of each token in the normalised text
    word_tokens: list[int] = field(default_factory=list)  # indices of non-punctuation tokens

    @property
    def norm_text(self) -> str:
        return self.normalized.text

    @cached_property
    def word_list(self) -> list[str]:
        """Lemmas of word tokens for the word n-gram features (aligned with word_tokens);
        negated or quoted words get a scope prefix, so "slaan" and "niet ... slaan" differ."""
        out = []
        for i in self.word_tokens:
            if i in self.silent:
                continue
            lemma = self.placeholders.get(i) or self.tok_lemma[i]
            mark = self.scope.get(i)
            out.append(f"{mark}_{lemma}" if mark else lemma)
        return out

    def char_token(self, i: int) -> str:
        """A token as the character n-gram features see it: upper case inside a negation or
        quotation scope, which gives those words n-grams of their own."""
        text = self.placeholders.get(i) or self.tok_text[i]
        if text.startswith("emoji_"):
            # the emoji itself, not its name: "emoji_grinning_face" would give a short draft
            # dozens of meaningless n-grams and dilute the others (a leading 😀 hid an insult)
            s, e = self.token_spans[i]
            text = self.text[s:e].strip() or text
        return text.upper() if i in self.scope else text

    @cached_property
    def char_text(self) -> str:
        return " ".join(self.char_token(i) for i in range(len(self.tok_text))
                        if self.tok_text[i].strip() and i not in self.merged and i not in self.silent)


def _sentence_ids(texts: list[str]) -> list[int]:
    ids, current = [], 0
    for text in texts:
        ids.append(current)
        if text in _SENTENCE_END or "\n" in text:
            current += 1
    return ids


def _quoted_chars(text: str) -> list[tuple[int, int]]:
    """Original-text ranges inside quotation marks."""
    spans = []
    for m in re.finditer(r"[\"“„«]([^\"“”„«»]{1,200})[\"”»]|(?<!\w)'([^']{2,120})'(?!\w)", text):
        spans.append(m.span())
    return spans


def mark_scopes(an: Analysis, negators: frozenset[str]) -> None:
    """Negation scope (a few tokens around "niet", "geen", ... within the clause) and
    quotation scope (tokens inside quotation marks)."""
    norms, texts = an.tok_norm, an.tok_text
    n = len(norms)
    before, after = NEGATION_REACH
    for i, norm in enumerate(norms):
        if norm not in negators:
            continue
        j = i - 1
        while j >= max(0, i - before) and norms[j] not in CLAUSE_BREAKS and "\n" not in texts[j]:
            an.scope[j] = "neg"
            j -= 1
        j = i + 1
        while j < min(n, i + after + 1) and norms[j] not in CLAUSE_BREAKS and "\n" not in texts[j]:
            an.scope[j] = "neg"
            j += 1
    for qs, qe in _quoted_chars(an.text):
        for i, (s, e) in enumerate(an.token_spans):
            if qs < s and e < qe:
                an.scope[i] = "q"


_TOKEN_ATTRS = [ORTH, NORM, LEMMA, IDX, IS_PUNCT, IS_SPACE]
_LOWER_LEMMA: dict[int, str] = {}  # LEMMA hash -> its lower-case string (memo)
LEMMA_CACHE_SIZE = 500_000


def read_tokens(an: Analysis) -> None:
    """The per-token lists of an analysis, read from the doc's attribute arrays in one call
    (iterating Token objects cost more than the tokenizer)."""
    doc, norm = an.doc, an.normalized
    if not len(doc):
        return
    strings = doc.vocab.strings
    lemma_memo = _LOWER_LEMMA
    for i, (orth, nrm, lemma, idx, punct, space) in enumerate(doc.to_array(_TOKEN_ATTRS).tolist()):
        text = strings[orth]
        norm_text = strings[nrm]
        low = lemma_memo.get(lemma)
        if low is None:
            low = strings[lemma].lower() if lemma else ""
            if len(lemma_memo) < LEMMA_CACHE_SIZE:
                lemma_memo[lemma] = low
        an.tok_text.append(text)
        an.tok_norm.append(norm_text)
        an.tok_lemma.append(low or norm_text)
        an.tok_idx.append(idx)
        if not (punct or space):
            an.word_tokens.append(i)
        an.token_spans.append(norm.span(idx, idx + len(text)))


def compute_features(an: Analysis, lexicon: Lexicon) -> None:
    """Read the doc's tokens once, mark scopes and PII placeholders, then run every registered
    evidence rule (model.evidence), which fill an.features and an.negated_tokens."""
    doc = an.doc
    read_tokens(an)
    by_cat: dict[str, list[Evidence]] = {}
    for ev in doc._.evidence or []:
        by_cat.setdefault(ev.category, []).append(ev)
    mark_scopes(an, scope_words(lexicon, "negation"))

    groups = by_cat.get(GROUP_CATEGORY, [])
    if groups:
        # a group term is never a person's name ("Roma", "Polen")
        group_chars = [(an.token_spans[g.start][0], an.token_spans[g.end - 1][1]) for g in groups]
        an.pii = [p for p in an.pii if p.type != "person_name"
                  or not any(p.start < ge and gs < p.end for gs, ge in group_chars)]
    pii_tokens: dict[str, list[Evidence]] = {}
    for span in an.pii:
        toks = [i for i, (s, e) in enumerate(an.token_spans) if s < span.end and e > span.start]
        if toks:
            pii_tokens.setdefault(span.type, []).append(Evidence(span.type, toks[0], toks[-1] + 1))
            if span.type in PLACEHOLDER_PII:
                word = "xnaamx" if span.type == "person_name" else f"x{span.type.replace('_', '')}x"
                if span.owner == "author" and span.type != "person_name":
                    word = "xeigen" + word[1:]
                an.placeholders[toks[0]] = word
                an.merged.update(toks[1:])
                if span.type == "person_name":
                    an.silent.update(toks)
    # Group terms become one placeholder word too: which group a statement is about must not move
    # its score (identity invariance), only what is said about the group
    for ev in groups:
        an.placeholders[ev.start] = GROUP_PLACEHOLDER
        an.merged.update(range(ev.start + 1, ev.end))
    # a multi-word name or group is one placeholder token in the n-gram features
    if an.merged or an.silent:
        an.word_tokens = [i for i in an.word_tokens if i not in an.merged and i not in an.silent]
    ctx = EvidenceContext(an=an, by_cat=by_cat, sent=_sentence_ids(an.tok_text), pii_tokens=pii_tokens,
                          quoted=_quoted_chars(an.text), lexicon=lexicon,
                          insult_categories=categories_of_kind(lexicon, "insult"))
    compute_evidence(an, ctx)
