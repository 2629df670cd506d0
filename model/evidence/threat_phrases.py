"""Threat phrases ("ik wacht je op", "anders zet ik ..."): aimed at "je", at a name,
conditional (blackmail), or all negated."""

from __future__ import annotations

from model.evidence import evidence_rule
from model.evidence.context import near


@evidence_rule("threat_phrases")
def threat_phrases(an, ctx) -> None:  # type: ignore[no-untyped-def]
    threats = ctx.hits("threat_phrase")
    if not threats:
        return
    f, second = an.features, ctx.hits("second_person")
    f["threat_2p"] = 1.0 if any(near(t, second, 3, 5) for t in threats) else 0.0
    f["threat_negated"] = 1.0 if all(ctx.negated(t) for t in threats) else 0.0
    f["threat_with_condition"] = 1.0 if ctx.hits("threat_conditional") else 0.0
    f["threat_named"] = 1.0 if any(near(t, ctx.names, 8, 8) for t in threats) else 0.0
