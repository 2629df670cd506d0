"""Insults aimed at someone: at "je/jij", at a third person or at a name; negated or quoted ones
are counted apart, so "ik noem je geen sukkel" and "hij zei 'sukkel'" do not read as insults."""

from __future__ import annotations

from model.evidence import evidence_rule
from model.evidence.context import near


@evidence_rule("insults")
def targeted_insults(an, ctx) -> None:  # type: ignore[no-untyped-def]
    insults = ctx.insults
    if not insults:
        return
    f = an.features
    second, third, names = ctx.hits("second_person"), ctx.hits("third_person_target"), ctx.names
    f["insult"] = 1.0
    targeted_2p = [ev for ev in insults if near(ev, second, 6, 3)]
    targeted_3p = [ev for ev in insults if near(ev, third, 6, 2)]
    targeted_name = [ev for ev in insults if near(ev, names, 6, 4)]
    neg = [ev for ev in insults if ctx.negated(ev)]
    quoted = [ev for ev in insults if ctx.in_quotes(ev)]
    f["insult_2p"] = 1.0 if targeted_2p else 0.0
    f["insult_3p"] = 1.0 if targeted_3p else 0.0
    f["insult_named"] = 1.0 if targeted_name else 0.0
    f["insult_negated"] = len(neg) / len(insults)
    f["insult_quoted"] = len(quoted) / len(insults)
    plain = [ev for ev in insults if ev not in neg and ev not in quoted]
    f["insult_plain_targeted"] = 1.0 if any(
        ev in targeted_2p or ev in targeted_3p or ev in targeted_name for ev in plain) else 0.0
    f["insult_count"] = min(len(insults), 5) / 5.0
    for ev in neg:
        an.negated_tokens.update(range(ev.start, ev.end))
