"""Media of people shared or announced, with or without stated consent."""

from __future__ import annotations

from model.evidence import evidence_rule


@evidence_rule("media_sharing")
def media_sharing(an, ctx) -> None:  # type: ignore[no-untyped-def]
    if ctx.hits("media_noun") and ctx.hits("media_share_verb"):
        an.features["media_shared"] = 1.0
        an.features["media_shared_no_consent"] = 0.0 if ctx.hits("consent") else 1.0
