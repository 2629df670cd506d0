"""One draft analysed: normalised text, spaCy doc, PII spans and the evidence features.

`Analysis` is what the classifier's feature transformers read, so training and scoring
share one code path. Evidence features are structured signals that generalise beyond the
corpus vocabulary: an insult aimed at "je"/"jij" or at a name, a negated or quoted insult,
a protected group in a hateful frame, a threat phrase aimed at someone, media + sharing
verb without stated consent, someone else's phone number, and so on.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

from spacy.tokens import Doc

from model.nlp import Evidence
from model.normalize import Normalized
from model.pii.base import PiiSpan

INSULT_CATEGORIES = frozenset({
    "disease_curse", "general_insult", "ableist", "sexist", "racist", "homophobic", "antireligious",
    "animal_insult", "appearance", "intellect", "english_insult", "insult_emoji",
})
# PII types whose words are replaced by a placeholder in the n-gram features
PLACEHOLDER_PII = frozenset({"person_name", "phone_number", "email", "street_address", "postcode", "bsn",
                             "iban", "date_of_birth", "social_handle", "credential"})
CONTACT_PII = frozenset({"phone_number", "email", "street_address", "postcode", "bsn", "iban",
                         "date_of_birth", "social_handle", "credential"})
_QUOTE_CHARS = "\"“”„«»'‘’`"
_SENTENCE_END = {".", "!", "?", "\n"}
# Single-word negators and the reach of their scope (tokens before, after) within a clause
NEGATORS = frozenset({"niet", "nie", "geen", "nooit", "niks", "niets", "nergens", "niemand", "never", "not"})
NEGATION_REACH = (3, 4)
FIRST_PERSON = frozenset({"ik", "k", "wij", "we", "ikke"})
TARGET_PRONOUNS = frozenset({"je", "jou", "jullie", "hem", "haar", "u", "ze", "jij"})
INTENT_VERBS = frozenset({"ga", "gaan", "zal", "zullen", "wil", "willen", "kom", "komen", "gaat", "zou", "zouden"})
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

    # per-token data read once from the doc (spaCy token access is slow in Python loops)
    tok_text: list[str] = field(default_factory=list)
    tok_norm: list[str] = field(default_factory=list)
    tok_lemma: list[str] = field(default_factory=list)
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
            lemma = self.placeholders.get(i) or self.tok_lemma[i]
            mark = self.scope.get(i)
            out.append(f"{mark}_{lemma}" if mark else lemma)
        return out

    def char_token(self, i: int) -> str:
        """A token as the character n-gram features see it: upper case inside a negation or
        quotation scope, which gives those words n-grams of their own."""
        text = self.placeholders.get(i) or self.tok_text[i]
        return text.upper() if i in self.scope else text

    @cached_property
    def char_text(self) -> str:
        return " ".join(self.char_token(i) for i in range(len(self.tok_text)) if self.tok_text[i].strip())


def _window(center: tuple[int, int], others: list[Evidence], before: int, after: int) -> bool:
    s, e = center
    return any(o.end > s - before and o.start < e + after and not (o.start >= s and o.end <= e)
               for o in others)


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


def mark_scopes(an: Analysis) -> None:
    """Negation scope (a few tokens around "niet", "geen", ... within the clause) and
    quotation scope (tokens inside quotation marks)."""
    norms, texts = an.tok_norm, an.tok_text
    n = len(norms)
    before, after = NEGATION_REACH
    for i, norm in enumerate(norms):
        if norm not in NEGATORS:
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


def compute_features(an: Analysis) -> None:
    """Fill an.features (name -> value) and an.negated_tokens from the doc and PII spans."""
    doc, f = an.doc, an.features
    norm = an.normalized
    for t in doc:
        an.tok_text.append(t.text)
        an.tok_norm.append(t.norm_)
        an.tok_lemma.append(t.lemma_.lower() or t.norm_)
        if not (t.is_punct or t.is_space):
            an.word_tokens.append(t.i)
        an.token_spans.append(norm.span(t.idx, t.idx + len(t.text)))
    by_cat: dict[str, list[Evidence]] = {}
    for ev in doc._.evidence or []:
        by_cat.setdefault(ev.category, []).append(ev)

    for cat, hits in by_cat.items():
        f[f"lex={cat}"] = min(len(hits), 3) / 3.0
    mark_scopes(an)

    sent = _sentence_ids(an.tok_text)
    insults = [ev for cat in INSULT_CATEGORIES for ev in by_cat.get(cat, [])]
    second = by_cat.get("second_person", [])
    third = by_cat.get("third_person_target", [])
    negation = by_cat.get("negation", [])
    quoted = _quoted_chars(an.text)

    # PII spans as token ranges
    pii_tokens: dict[str, list[Evidence]] = {}
    for span in an.pii:
        toks = [i for i, (s, e) in enumerate(an.token_spans) if s < span.end and e > span.start]
        if toks:
            pii_tokens.setdefault(span.type, []).append(Evidence(span.type, toks[0], toks[-1] + 1))
            if span.type in PLACEHOLDER_PII:
                word = "xnaamx" if span.type == "person_name" else f"x{span.type.replace('_', '')}x"
                if span.owner == "author" and span.type != "person_name":
                    word = "xeigen" + word[1:]
                for i in toks:
                    an.placeholders[i] = word
    names = pii_tokens.get("person_name", [])

    def negated(ev: Evidence) -> bool:
        for n in negation:
            if sent[min(n.start, len(sent) - 1)] != sent[min(ev.start, len(sent) - 1)]:
                continue
            if ev.start - 4 <= n.start < ev.start or ev.end <= n.start < ev.end + 3:
                return True
        return False

    def in_quotes(ev: Evidence) -> bool:
        s, e = an.token_spans[ev.start][0], an.token_spans[ev.end - 1][1]
        return any(qs <= s and e <= qe for qs, qe in quoted)

    if insults:
        f["insult"] = 1.0
        targeted_2p = [ev for ev in insults if _window((ev.start, ev.end), second, 6, 3)]
        targeted_3p = [ev for ev in insults if _window((ev.start, ev.end), third, 6, 2)]
        targeted_name = [ev for ev in insults if _window((ev.start, ev.end), names, 6, 4)]
        neg = [ev for ev in insults if negated(ev)]
        quoted_insults = [ev for ev in insults if in_quotes(ev)]
        f["insult_2p"] = 1.0 if targeted_2p else 0.0
        f["insult_3p"] = 1.0 if targeted_3p else 0.0
        f["insult_named"] = 1.0 if targeted_name else 0.0
        f["insult_negated"] = len(neg) / len(insults)
        f["insult_quoted"] = len(quoted_insults) / len(insults)
        plain = [ev for ev in insults if ev not in neg and ev not in quoted_insults]
        f["insult_plain_targeted"] = 1.0 if any(
            ev in targeted_2p or ev in targeted_3p or ev in targeted_name for ev in plain) else 0.0
        f["insult_count"] = min(len(insults), 5) / 5.0
        for ev in neg:
            an.negated_tokens.update(range(ev.start, ev.end))

    groups = by_cat.get("protected_groups", [])
    if groups:
        frame = by_cat.get("hate_generalisation", []) + by_cat.get("hate_verbs", []) + insults
        hateful = [g for g in groups if any(sent[min(g.start, len(sent) - 1)] == sent[min(h.start, len(sent) - 1)]
                                            for h in frame)]
        f["hate_frame"] = 1.0 if hateful else 0.0
        f["hate_negated"] = 1.0 if hateful and any(negated(h) for h in frame) else 0.0

    # announced violence: "ik ga ... vermoorden", "we zullen je slaan" (first person + intent + verb)
    for ev in by_cat.get("violent_verb", []):
        lo = max(0, ev.start - 7)
        window = [i for i in range(lo, ev.start) if sent[i] == sent[min(ev.start, len(sent) - 1)]]
        subjects = [i for i in window if an.tok_norm[i] in FIRST_PERSON]
        intents = [i for i in window if an.tok_norm[i] in INTENT_VERBS]
        after = an.tok_norm[ev.end:ev.end + 3]  # inverted order: "morgen sla ik je ..."
        inverted = bool(after) and after[0] in FIRST_PERSON and any(w in TARGET_PRONOUNS for w in after[1:])
        if subjects or inverted or (intents and ev.start - intents[-1] <= 5):
            span_start = window[0] if window else ev.start
            is_negated = any(an.tok_norm[i] in NEGATORS for i in range(span_start, min(ev.end + 3, len(an.tok_norm))))
            f["threat_intent_negated" if is_negated else "threat_intent"] = 1.0
    groups_in = {sent[min(g.start, len(sent) - 1)] for g in by_cat.get("protected_groups", [])}
    if groups_in and any(sent[min(v.start, len(sent) - 1)] in groups_in
                         for v in by_cat.get("violent_verb", []) + by_cat.get("death_wish", [])):
        f["group_violence"] = 1.0

    threats = by_cat.get("threat_phrase", [])
    if threats:
        f["threat_2p"] = 1.0 if any(_window((t.start, t.end), second, 3, 5) for t in threats) else 0.0
        f["threat_negated"] = 1.0 if all(negated(t) for t in threats) else 0.0
        f["threat_with_condition"] = 1.0 if by_cat.get("threat_conditional") else 0.0
        f["threat_named"] = 1.0 if any(_window((t.start, t.end), names, 8, 8) for t in threats) else 0.0

    if by_cat.get("media_noun") and by_cat.get("media_share_verb"):
        f["media_shared"] = 1.0
        f["media_shared_no_consent"] = 0.0 if by_cat.get("consent") else 1.0

    if by_cat.get("report_meeting"):
        f["meeting_content"] = 0.0 if by_cat.get("meeting_logistics") and len(by_cat["report_meeting"]) < 2 else 1.0

    # personal data: whose, what
    own = Counter(s.type for s in an.pii if s.owner == "author")
    other = Counter(s.type for s in an.pii if s.owner != "author")
    for t, c in other.items():
        f[f"pii_other={t}"] = min(c, 3) / 3.0
    for t, c in own.items():
        f[f"pii_own={t}"] = min(c, 3) / 3.0
    other_contact = sum(c for t, c in other.items() if t in CONTACT_PII)
    f["pii_other_contact"] = 1.0 if other_contact else 0.0
    f["pii_name_with_detail"] = 1.0 if other.get("person_name") and (
        other_contact or other.get("health") or by_cat.get("family_circumstances") or by_cat.get("alone_home")
    ) else 0.0
    if other.get("health") and not own.get("health"):
        f["health_other"] = 1.0

    if by_cat.get("reporting") or by_cat.get("counter_speech"):
        f["counter_or_report"] = 1.0
    f["question"] = 1.0 if "?" in an.text else 0.0

    role = an.role
    f[f"role={role}"] = 1.0
    if role == "medewerker":
        for cat in ("private_channel", "befriend", "group_with_pupils", "mission_views", "relation_exception",
                    "official_channels", "platforms"):
            if by_cat.get(cat):
                f[f"staff&{cat}"] = 1.0
    n_chars = len(an.text)
    f["log_length"] = min(math.log1p(n_chars) / 8.0, 1.5)
