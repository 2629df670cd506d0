"""Long drafts are also scored sentence by sentence: one risky sentence in a long, calm
newsletter is diluted in whole-text features, so a label's score is the maximum over the
whole text and its windows."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import replace

import numpy as np
from spacy.attrs import LEMMA, NORM, SPACY
from spacy.tokens import Doc

from model.analysis import Analysis, compute_features
from model.lexicons import Lexicon
from model.nlp import Evidence
from model.normalize import Normalized

LONG_TEXT = 280          # drafts longer than this (characters) also get window scores
WINDOW_MAX = 260         # a window collects sentences up to about this many characters
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+[\"')\]]*|\n+|$)")


def sentence_windows(text: str) -> list[tuple[int, int]]:
    """[start, end) spans of windows of whole sentences, each at most ~WINDOW_MAX chars
    (a single longer sentence is its own window)."""
    if len(text) <= LONG_TEXT:
        return []
    sentences = [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if text[m.start():m.end()].strip()]
    windows: list[tuple[int, int]] = []
    cur_start, cur_end = None, None
    for s, e in sentences:
        if cur_start is None:
            cur_start, cur_end = s, e
        elif e - cur_start <= WINDOW_MAX:
            cur_end = e
        else:
            windows.append((cur_start, cur_end))
            cur_start, cur_end = s, e
    if cur_start is not None:
        windows.append((cur_start, cur_end))
    return windows if len(windows) > 1 else []


def _sub_doc(doc: Doc, start: int, end: int, words: list[str]) -> Doc:
    """Tokens [start, end) of a doc as a doc of their own, with their norms and lemmas: what
    Span.as_doc gives for the attributes the analysis reads, without its per-token copying."""
    arrays = doc.to_array([SPACY, NORM, LEMMA])[start:end]
    spaces = [bool(v) for v in arrays[:, 0].tolist()]
    spaces[-1] = False
    sub = Doc(doc.vocab, words=words[start:end], spaces=spaces)
    sub.from_array([NORM, LEMMA], np.ascontiguousarray(arrays[:, 1:]))
    return sub


def window_analysis(an: Analysis, start: int, end: int, lexicon: Lexicon) -> Analysis:
    """The analysis of the window [start, end) of a draft, cut from the draft's own analysis:
    its tokens, lexicon hits and personal data are those of the whole draft (one tokenisation,
    one PII pass per draft), shifted to the window; only the evidence features are computed anew.
    A name's owner is decided in the whole draft's context."""
    norm = an.normalized
    # normalised characters come from original ones in order: both offset lists are sorted
    first = bisect_left(norm.starts, start)
    last = bisect_right(norm.ends, end)
    doc = an.doc
    tokens = []
    for i in range(bisect_left(an.tok_idx, first), len(an.tok_idx)):
        tok = an.tok_text[i]
        if an.tok_idx[i] + len(tok) > last:
            break
        if tok.strip():
            tokens.append(i)
    text = an.text[start:end]
    if not tokens:
        sub_norm = Normalized(text, "", [], [])
        sub_doc = doc[0:0].as_doc()
        ta = 0
    else:
        ta, tb = tokens[0], tokens[-1] + 1
        sub_doc = _sub_doc(doc, ta, tb, an.tok_text)
        n0, n1 = an.tok_idx[ta], an.tok_idx[tb - 1] + len(an.tok_text[tb - 1])
        sub_norm = Normalized(text, norm.text[n0:n1], [s - start for s in norm.starts[n0:n1]],
                              [e - start for e in norm.ends[n0:n1]])
        sub_doc._.evidence = [Evidence(ev.category, ev.start - ta, ev.end - ta) for ev in doc._.evidence or []
                              if ev.start >= ta and ev.end <= tb]
    pii = [replace(p, start=p.start - start, end=p.end - start, reasons=list(p.reasons))
           for p in an.pii if p.start >= start and p.end <= end]
    sub = Analysis(text=text, role=an.role, normalized=sub_norm, doc=sub_doc, pii=pii)
    compute_features(sub, lexicon)
    return sub
