"""Announced violence: a violent verb with a first-person subject or an intent auxiliary
before it ("ik ga je slaan", "we zullen ..."), or inverted ("morgen sla ik je")."""

from __future__ import annotations

from model.evidence import evidence_rule
from model.evidence.context import FIRST_PERSON, INTENT_VERBS, TARGET_PRONOUNS
from model.lexicons import scope_words


@evidence_rule("threat_intent")
def announced_violence(an, ctx) -> None:  # type: ignore[no-untyped-def]
    norm, sent = an.tok_norm, ctx.sent
    negators = scope_words(ctx.lexicon, "negation")
    for ev in ctx.hits("violent_verb"):
        lo = max(0, ev.start - 7)
        window = [i for i in range(lo, ev.start) if sent[i] == ctx.sentence_of(ev)]
        subjects = [i for i in window if norm[i] in FIRST_PERSON]
        intents = [i for i in window if norm[i] in INTENT_VERBS]
        after = norm[ev.end:ev.end + 3]
        inverted = bool(after) and after[0] in FIRST_PERSON and any(w in TARGET_PRONOUNS for w in after[1:])
        if subjects or inverted or (intents and ev.start - intents[-1] <= 5):
            span_start = window[0] if window else ev.start
            is_negated = any(norm[i] in negators for i in range(span_start, min(ev.end + 3, len(norm))))
            an.features["threat_intent_negated" if is_negated else "threat_intent"] = 1.0
