"""Evidence components: structured signals computed from one analysed draft.

Each evidence family is a small function in a module named after what it detects, registered
with `@evidence_rule`; `compute_evidence` runs every registered rule in order. A rule reads the
`EvidenceContext` (lexicon hits by category, sentence ids, PII token ranges, scope helpers) and
writes named features into `an.features`. Which label may use which features is declared in
the label specs (`corpus/labels/<label>.yaml`, key `evidence`), never here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from model.evidence.context import EvidenceContext

if TYPE_CHECKING:
    from model.analysis import Analysis

EvidenceRule = Callable[["Analysis", EvidenceContext], None]
EVIDENCE_RULES: dict[str, EvidenceRule] = {}


def evidence_rule(name: str) -> Callable[[EvidenceRule], EvidenceRule]:
    """Register an evidence rule under a name (one per family)."""

    def register(fn: EvidenceRule) -> EvidenceRule:
        if name in EVIDENCE_RULES:
            raise ValueError(f"evidence rule {name!r} registered twice")
        EVIDENCE_RULES[name] = fn
        return fn

    return register


def compute_evidence(an: Analysis, ctx: EvidenceContext) -> None:
    for rule in EVIDENCE_RULES.values():
        rule(an, ctx)


# registration order is the order rules run in
from model.evidence import (  # noqa: E402, F401
    discourse,
    group_hate,
    insults,
    lexicon_counts,
    media_sharing,
    meeting_content,
    personal_data,
    staff_channels,
    threat_intent,
    threat_phrases,
)
