"""Safeguarding signals (wellbeing): a signal word about the author ("ik", "me", "mijn") or about
someone else (a name, "hij", "ze"), and the contexts that make the same words harmless in the same
sentence: hyperbole ("ik ga dood van het lachen"), a game or a story, ordinary grief, a school
notice about a lesson or helpline, or a negation ("ik wil niet dood")."""

from __future__ import annotations

from model.evidence import evidence_rule
from model.evidence.context import near

SIGNALS = ("wellbeing_suicidal", "wellbeing_self_harm", "wellbeing_hopeless", "wellbeing_eating", "wellbeing_home")
FIRST_PERSON_WORDS = frozenset({"ik", "k", "me", "mij", "mijn", "mn", "m'n", "mezelf", "ikke"})
OTHER_PERSON_WORDS = frozenset({"hij", "ze", "zij", "hem", "haar", "zijn", "zichzelf", "hun"})


@evidence_rule("wellbeing_signals")
def wellbeing_signals(an, ctx) -> None:  # type: ignore[no-untyped-def]
    hits = ctx.hits(*SIGNALS)
    if not hits:
        return
    f, norm = an.features, an.tok_norm
    contexts = {
        "hyperbole": ctx.hits("hyperbole"), "game": ctx.hits("game_context"), "grief": ctx.hits("grief"),
        "notice": ctx.hits("mental_health_notice"),
    }
    self_hits = other_hits = plain = 0
    for ev in hits:
        sentence = ctx.sentence_of(ev)
        words = [norm[i] for i in range(len(norm)) if ctx.sent[i] == sentence]
        about_self = any(w in FIRST_PERSON_WORDS for w in words)
        about_other = near(ev, ctx.names, 12, 12) or any(w in OTHER_PERSON_WORDS for w in words)
        self_hits += about_self
        other_hits += about_other and not about_self
        softened = ctx.negated(ev) or any(ctx.sentence_of(c) == sentence for cs in contexts.values() for c in cs)
        plain += not softened
    f["wellbeing_signal"] = min(len(hits), 3) / 3.0
    f["wellbeing_self"] = 1.0 if self_hits else 0.0
    f["wellbeing_other"] = 1.0 if other_hits else 0.0
    f["wellbeing_plain"] = plain / len(hits)
    for name, found in contexts.items():
        if found:
            f[f"wellbeing_with_{name}"] = 1.0
