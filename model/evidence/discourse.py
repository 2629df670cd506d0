"""What kind of message it is: reporting or countering, a question, the author's role, length."""

from __future__ import annotations

import math

from model.evidence import evidence_rule


@evidence_rule("discourse")
def discourse(an, ctx) -> None:  # type: ignore[no-untyped-def]
    f = an.features
    if ctx.hits("reporting") or ctx.hits("counter_speech"):
        f["counter_or_report"] = 1.0
    f["question"] = 1.0 if "?" in an.text else 0.0
    f[f"role={an.role}"] = 1.0
    f["log_length"] = min(math.log1p(len(an.text)) / 8.0, 1.5)
