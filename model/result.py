"""The scoring result as one type: what `Scorer.score` returns, per shared/guide/interface.md.

The Python API (`model.scorer`) keeps returning plain dicts; this module says what those dicts
hold. The HTTP service validates every result it sends against `ScoreResult` (and documents it in
OpenAPI from here), and the batch CSV writer derives its columns from these fields and the labels
of corpus/vocabulary.py. Field names are stable: add fields, never rename or drop one. Every model
allows extra fields, so what the engine adds passes through unchanged.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from corpus.vocabulary import FINDING_SEVERITIES, LABELS, LEVELS

LabelId = Literal[LABELS]  # type: ignore[valid-type]
Level = Literal[LEVELS]  # type: ignore[valid-type]
FindingSeverity = Literal[FINDING_SEVERITIES]  # type: ignore[valid-type]
# An id is echoed as given: a JSON scalar (bool before int, so that true stays true).
ResultId = bool | int | float | str | None

_OPEN = ConfigDict(extra="allow")


class LabelScore(BaseModel):
    model_config = _OPEN

    score: float = Field(ge=0, le=1, description="Calibrated probability.")
    flagged: bool = Field(description="score >= the model's threshold for this label.")


class Finding(BaseModel):
    """One piece of evidence: a span of the draft, why it matters, how much."""

    model_config = _OPEN

    label: LabelId | None = Field(
        default=None, description="The flagged label this finding supports; null for an informational one.")
    type: str = Field(description="A PII type of labels.md, a lexicon category, or 'model'.")
    start: int = Field(ge=0, description="Character offset (Python string index) into the draft.")
    end: int = Field(ge=0, description="text == draft[start:end].")
    text: str
    explanation: str = Field(description="Dutch explanation for the author.")
    # interface.md: every finding has one. Optional here until the engine sets it on every kind of
    # finding (today: PII findings); informational findings have "info".
    severity: FindingSeverity | None = Field(default=None, description="info, laag, midden or hoog.")


class ArticleRef(BaseModel):
    """A protocol article of the school's protocol, cited for one or more flagged labels."""

    model_config = _OPEN

    id: str = Field(description="Article id of the protocol, e.g. ouders.1.")
    section: str
    number: int
    text: str
    labels: list[LabelId] = Field(default=[], description="The flagged labels that cite this article.")


class Consequence(BaseModel):
    """A sanction article for the author's role."""

    model_config = _OPEN

    id: str
    text: str
    section: str | None = None
    number: int | None = None


class ScoreResult(BaseModel):
    """The result object for one draft. A draft that could not be scored has `error` set and
    no scores (risk, level and labels are null)."""

    model_config = _OPEN

    id: ResultId = Field(default=None, description="The caller's reference, echoed.")
    role: str | None = Field(description="The author role the draft was scored for.")
    risk: float | None = Field(ge=0, le=1, description="Highest severity-weighted label score.")
    level: Level | None = Field(description="geen, laag, midden or hoog; never lower for a higher risk.")
    labels: dict[LabelId, LabelScore] | None = Field(description="Every label, always all of them.")
    escalate: bool = Field(default=False, description="Someone besides the author must act.")
    escalation: str | None = Field(default=None, description="Dutch: who to tell and how (when escalate).")
    findings: list[Finding]
    articles: list[ArticleRef]
    consequences: list[Consequence]
    advice: list[str] = Field(description="Dutch advice, one per flagged label.")
    redacted_text: str | None = Field(description="The draft with personal data replaced by [TYPE].")
    model_version: str | None
    error: str | None = Field(description="Set (and no scores) when this item could not be scored.")

    @field_validator("labels")
    @classmethod
    def _every_label(cls, value: dict[str, LabelScore] | None) -> dict[str, LabelScore] | None:
        if value is not None and set(value) != set(LABELS):
            missing = [lab for lab in LABELS if lab not in value]
            raise ValueError(f"labels must hold every label id; missing {missing}")
        return value

    @model_validator(mode="after")
    def _scores_or_error(self) -> ScoreResult:
        scored = [self.risk is not None, self.level is not None, self.labels is not None]
        if self.error is None and not all(scored):
            raise ValueError("a result without error has risk, level and labels")
        if self.error is not None and any(scored):
            raise ValueError("a result with error has no risk, level or labels")
        return self


def result_fields() -> dict[str, Any]:
    """The declared fields of ScoreResult, in order (name -> pydantic FieldInfo)."""
    return dict(ScoreResult.model_fields)
