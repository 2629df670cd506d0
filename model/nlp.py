"""The spaCy text layer: Dutch tokenizer, lookup lemmatizer and lexicon/pattern matchers.

Pipeline (assembled from the component names below, loaded once per process):
  postwacht_glue_splitter  unknown glued chat words split into known words
  postwacht_norm     token.norm_ = squeezed lower-case form (the key lexicon terms match on)
  postwacht_lemmatizer  spaCy's Dutch lookup lemmatizer (table of spacy-lookups-data), set through arrays
  postwacht_lexicon  PhraseMatcher over every lexicon category (attr NORM), plus curse roots
                     inside compounds ("kankerlijer", "tyfushoer"); writes doc._.evidence
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import spacy
from spacy.attrs import LEMMA, LOWER, NORM, ORTH
from spacy.errors import Errors
from spacy.lang.nl.lemmatizer import DutchLemmatizer
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from model.lexicons import Lexicon
from model.normalize import squeeze, zipf

# Roots of categories marked `compound_roots` count inside longer words if at least this long
COMPOUND_MIN_LEN = 5


@dataclass(frozen=True)
class Evidence:
    """A lexicon or pattern hit: category, token span [start, end)."""

    category: str
    start: int
    end: int


if not Doc.has_extension("evidence"):
    Doc.set_extension("evidence", default=None)


GLUE_MIN_LEN = 7     # only longer unknown words are tried ("jijbentdom", "#teamhaatfenna")
GLUE_MAX_PARTS = 5
GLUE_CACHE_SIZE = 500_000  # distinct words whose split is kept per process
# a word this frequent in Dutch (wordfreq Zipf) is a word, not glued chat: "onderscheiden" is not
# "onder scheiden", "staatshervorming" not "staat sh ervorming"
GLUE_KNOWN_ZIPF = 2.0
# two-letter parts of a glued word must be one of these ("ikhaatje", "jijbentdom"); otherwise
# "gedoseerde" became "ge do se er de" and "linkshander" "link sh ander"
GLUE_SHORT_WORDS = frozenset({"ik", "je", "ze", "we", "is", "en", "of", "op", "in", "nu", "da", "wa", "me",
                              "te", "om", "al", "zo", "ga", "er", "ff", "kk", "jy", "xd"})
# a token this frequent in Dutch is matched as written ("deel" is not the slur "del", "verdelen"
# does not hold "dellen"); rarer tokens are squeezed ("stommm", "kannker")
NORM_KNOWN_ZIPF = 3.0
NORM_CACHE_SIZE = 500_000  # distinct lower-case words whose norm is kept per process


class GlueSplitter:
    """Splits glued chat words into known words: "jijbenteenloser" -> jij bent een loser.

    Known words come from the training corpus and the lexicon (stored with the model);
    a word is split only if it is unknown and every part is known, into the fewest parts.
    """

    def __init__(self) -> None:
        self.vocab: frozenset[str] = frozenset()
        self._parts: dict[int, list[str] | None] = {}  # ORTH hash -> its split (memo)

    def set_vocab(self, vocab: frozenset[str]) -> None:
        self.vocab = vocab
        self._parts = {}

    def _split_word(self, text: str) -> list[str] | None:
        if (len(text) >= GLUE_MIN_LEN and text.isalpha() and text.islower() and text not in self.vocab
                and zipf(text) < GLUE_KNOWN_ZIPF):
            return self.segment(text)
        return None

    def segment(self, word: str) -> list[str] | None:
        n = len(word)
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for end in range(2, n + 1):
            for start in range(max(0, end - 20), end - 1):
                prev = best[start]
                piece = word[start:end]
                if prev is None or len(prev) >= GLUE_MAX_PARTS or piece not in self.vocab:
                    continue
                if len(piece) < 3 and piece not in GLUE_SHORT_WORDS:
                    continue
                if best[end] is None or len(prev) + 1 < len(best[end]):
                    best[end] = [*prev, piece]
        parts = best[n]
        return parts if parts and len(parts) > 1 else None

    def __call__(self, doc: Doc) -> Doc:
        if not self.vocab:
            return doc
        splits = []
        strings = doc.vocab.strings
        for i, orth in enumerate(doc.to_array(ORTH).tolist()):
            parts = self._parts.get(orth, False)
            if parts is False:
                parts = self._split_word(strings[orth])
                if len(self._parts) < GLUE_CACHE_SIZE:
                    self._parts[orth] = parts
            if parts:
                splits.append((doc[i], parts))
        if splits:
            with doc.retokenize() as retokenizer:
                for token, parts in splits:
                    retokenizer.split(token, parts, heads=[(token, 0)] * len(parts))
        return doc


@Language.factory("postwacht_glue_splitter")
def make_glue_splitter(nlp: Language, name: str) -> GlueSplitter:
    return GlueSplitter()


def glue_vocabulary(nlp: Language, texts: list[str], lexicon: Lexicon, min_count: int = 2) -> frozenset[str]:
    """Known words for the glue splitter: corpus words seen min_count times, single-word
    lexicon terms (without their compounds) and short function words."""
    counts: dict[str, int] = {}
    for doc in nlp.tokenizer.pipe(texts):
        for token in doc:
            if token.is_alpha and len(token.text) >= 2:
                counts[token.lower_] = counts.get(token.lower_, 0) + 1
    vocab = {w for w, c in counts.items() if c >= min_count}
    for category in lexicon.values():
        vocab.update(t for t in category.terms if " " not in t and t.isalpha() and len(t) >= 2)
    return frozenset(vocab)


def token_norm(lower: str) -> str:
    """The matching key of a token: as written when it is a frequent Dutch word, else squeezed."""
    return lower if zipf(lower) >= NORM_KNOWN_ZIPF else squeeze(lower)


# lower-case form's hash -> its norm (a string: the hash of a string is the same in every Vocab, but
# a string is in a Vocab's StringStore only once added there, and a process may hold several pipelines)
_NORM_OF_LOWER: dict[int, str] = {}


@Language.component("postwacht_norm")
def set_squeezed_norm(doc: Doc) -> Doc:
    """token.norm_ = token_norm(token.lower_), set for all tokens at once through the doc's
    attribute arrays (a Python loop over Token objects cost more than the tokenizer)."""
    if not len(doc):
        return doc
    strings = doc.vocab.strings
    lowers = doc.to_array(LOWER)
    norms = np.empty(len(lowers), dtype=np.uint64)
    for k, h in enumerate(lowers.tolist()):
        norm = _NORM_OF_LOWER.get(h)
        if norm is None:
            norm = token_norm(strings[h])
            if len(_NORM_OF_LOWER) < NORM_CACHE_SIZE:
                _NORM_OF_LOWER[h] = norm
        norms[k] = strings.add(norm)
    doc.from_array([NORM], norms.reshape(-1, 1))
    return doc


def fully_squeezed(doc: Doc) -> Doc:
    for token in doc:
        token.norm_ = squeeze(token.lower_)
    return doc


class LexiconMatcher:
    """Finds every lexicon term (by squeezed norm) and curse roots inside longer words."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp
        self.matcher = PhraseMatcher(nlp.vocab, attr="NORM")
        self.compound_roots: re.Pattern[str] | None = None
        self.root_category: dict[str, str] = {}
        self.compound_categories: frozenset[str] = frozenset()
        self._root_of_lower: dict[int, str] = {}  # LOWER hash -> compound category or "" (memo)

    def set_lexicon(self, lexicon: Lexicon) -> None:
        self._root_of_lower = {}
        make = self.nlp.make_doc
        for name, category in lexicon.items():
            # each term as a frequent word is written and as an elongated spelling squeezes
            patterns = []
            for term in category.terms:
                written, squeezed = set_squeezed_norm(make(term)), fully_squeezed(make(term))
                patterns.append(written)
                if [t.norm_ for t in squeezed] != [t.norm_ for t in written]:
                    patterns.append(squeezed)
            self.matcher.add(name, [p for p in patterns if len(p)])
        self.compound_categories = frozenset(n for n, c in lexicon.items() if c.compound_roots)
        for name in sorted(self.compound_categories, key=list(lexicon).index):
            for term in lexicon[name].terms:
                root = squeeze(term)
                if root != term and zipf(root) >= NORM_KNOWN_ZIPF:
                    continue  # "dellen" squeezes to the verb "delen"
                if " " not in root and len(root) >= COMPOUND_MIN_LEN and root.isalpha():
                    self.root_category.setdefault(root, name)
        if self.root_category:
            body = "|".join(sorted(map(re.escape, self.root_category), key=len, reverse=True))
            self.compound_roots = re.compile(body)

    def _compound_category(self, lower: str) -> str:
        """The category of a curse root inside this (lower-case) word, or "" for none."""
        norm = token_norm(lower)
        if self.compound_roots is None or len(norm) <= COMPOUND_MIN_LEN or zipf(lower) >= NORM_KNOWN_ZIPF:
            return ""  # a frequent word is that word, not a compound insult
        m = self.compound_roots.search(norm)
        return self.root_category[m.group()] if m else ""

    def __call__(self, doc: Doc) -> Doc:
        vocab_strings = self.nlp.vocab.strings
        evidence = [Evidence(vocab_strings[mid], s, e) for mid, s, e in self.matcher(doc)]
        if self.compound_roots is not None:
            # a word that is already a lexicon term as a whole is that term, not a compound insult
            # ("autisten" is a group of people, not the root "autist" used as an insult)
            covered = {i for ev in evidence for i in range(ev.start, ev.end)}
            memo = self._root_of_lower
            for i, lower in enumerate(doc.to_array(LOWER).tolist()):
                if i in covered:
                    continue
                category = memo.get(lower)
                if category is None:
                    category = self._compound_category(vocab_strings[lower])
                    if len(memo) < NORM_CACHE_SIZE:
                        memo[lower] = category
                if category:
                    evidence.append(Evidence(category, i, i + 1))
        doc._.evidence = evidence
        return doc


@Language.factory("postwacht_lexicon")
def make_lexicon_matcher(nlp: Language, name: str) -> LexiconMatcher:
    return LexiconMatcher(nlp)


class LookupLemmatizer(DutchLemmatizer):
    """spaCy's Dutch lookup lemmatizer (the table of spacy-lookups-data, lemma of the lower-case
    form), setting all lemmas of a doc at once through its arrays with a memo per word, instead
    of its per-Token loop. Same lemmas (tests/test_compiled_path.py)."""

    def __call__(self, doc: Doc) -> Doc:
        if self.mode != "lookup" or not len(doc):
            return super().__call__(doc)
        if not self._validated:
            self._validate_tables(Errors.E1004)
        table = self.lookups.get_table("lemma_lookup", {})
        strings = doc.vocab.strings
        memo = self._lemma_of_lower
        lowers = doc.to_array(LOWER).tolist()
        lemmas = np.empty(len(lowers), dtype=np.uint64)
        for k, h in enumerate(lowers):
            lemma = memo.get(h)
            if lemma is None:
                string = strings[h]
                lemma = strings.add(table.get(string, string))
                if len(memo) < NORM_CACHE_SIZE:
                    memo[h] = lemma
            lemmas[k] = lemma
        doc.from_array([LEMMA], lemmas.reshape(-1, 1))
        return doc

    @property
    def _lemma_of_lower(self) -> dict[int, int]:
        memo = self.__dict__.get("_memo")
        if memo is None:
            memo = self.__dict__["_memo"] = {}
        return memo


@Language.factory("postwacht_lemmatizer", default_config={"model": None, "mode": "lookup", "overwrite": False,
                                                          "scorer": {"@scorers": "spacy.lemmatizer_scorer.v1"}})
def make_lookup_lemmatizer(nlp: Language, model: object, name: str, mode: str, overwrite: bool,
                           scorer: object) -> LookupLemmatizer:
    return LookupLemmatizer(nlp.vocab, model, name, mode=mode, overwrite=overwrite, scorer=scorer)


def build_pipeline(lexicon: Lexicon, glue_vocab: frozenset[str] = frozenset()) -> Language:
    """A blank Dutch pipeline with our components; call once per process (it is cached
    by the scorer that owns it)."""
    nlp = spacy.blank("nl")
    splitter = nlp.add_pipe("postwacht_glue_splitter")
    splitter.set_vocab(glue_vocab)
    nlp.add_pipe("postwacht_norm")
    nlp.add_pipe("postwacht_lemmatizer", config={"mode": "lookup"})
    matcher = nlp.add_pipe("postwacht_lexicon")
    nlp.initialize()
    matcher.set_lexicon(lexicon)
    return nlp
