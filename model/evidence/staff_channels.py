"""Channel and relationship cues in a staff member's post (`staff&<category>`)."""

from __future__ import annotations

from model.evidence import evidence_rule

STAFF_CUES = ("private_channel", "befriend", "group_with_pupils", "mission_views", "relation_exception",
              "official_channels", "platforms")


@evidence_rule("staff_channels")
def staff_channels(an, ctx) -> None:  # type: ignore[no-untyped-def]
    if an.role != "medewerker":
        return
    for cat in STAFF_CUES:
        if ctx.hits(cat):
            an.features[f"staff&{cat}"] = 1.0
