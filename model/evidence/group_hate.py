"""A group of people in a hateful frame (generalisation, derogation, hate verb or insult in
the same sentence), negated hate, and violence or death wishes in a sentence about a group."""

from __future__ import annotations

from model.evidence import evidence_rule


@evidence_rule("group_hate")
def group_hate(an, ctx) -> None:  # type: ignore[no-untyped-def]
    f = an.features
    groups = ctx.hits("protected_groups")
    if groups:
        frame = ctx.hits("hate_generalisation", "hate_derogation", "hate_verbs") + ctx.insults
        hateful = [g for g in groups if any(ctx.sentence_of(g) == ctx.sentence_of(h) for h in frame)]
        f["hate_frame"] = 1.0 if hateful else 0.0
        f["hate_negated"] = 1.0 if hateful and any(ctx.negated(h) for h in frame) else 0.0
    group_sentences = {ctx.sentence_of(g) for g in groups}
    if group_sentences and any(ctx.sentence_of(v) in group_sentences
                               for v in ctx.hits("violent_verb", "death_wish")):
        f["group_violence"] = 1.0
