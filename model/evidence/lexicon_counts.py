"""How often each lexicon category was hit (capped): `lex=<category>`."""

from __future__ import annotations

from model.evidence import evidence_rule


@evidence_rule("lexicon_counts")
def lexicon_counts(an, ctx) -> None:  # type: ignore[no-untyped-def]
    for cat, hits in ctx.by_cat.items():
        an.features[f"lex={cat}"] = min(len(hits), 3) / 3.0
