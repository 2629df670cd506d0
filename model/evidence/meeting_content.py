"""Content of a school conversation, as opposed to its logistics only."""

from __future__ import annotations

from model.evidence import evidence_rule


@evidence_rule("meeting_content")
def meeting_content(an, ctx) -> None:  # type: ignore[no-untyped-def]
    meetings = ctx.hits("report_meeting")
    if meetings:
        logistics_only = ctx.hits("meeting_logistics") and len(meetings) < 2
        an.features["meeting_content"] = 0.0 if logistics_only else 1.0
        if ctx.names and not logistics_only:
            an.features["meeting_about_named"] = 1.0
