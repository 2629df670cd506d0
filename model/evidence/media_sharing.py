"""Media of people shared or announced, with or without stated consent; media of a named person."""

from __future__ import annotations

from model.evidence import evidence_rule


@evidence_rule("media_sharing")
def media_sharing(an, ctx) -> None:  # type: ignore[no-untyped-def]
    media = ctx.hits("media_noun")
    if media and ctx.hits("media_share_verb"):
        an.features["media_shared"] = 1.0
        an.features["media_shared_no_consent"] = 0.0 if ctx.hits("consent") else 1.0
    if media and ctx.names:
        # media of a named person: a name alone says nothing, a photo of Yara and Tim does
        an.features["media_named"] = 0.5 if ctx.hits("consent") else 1.0
