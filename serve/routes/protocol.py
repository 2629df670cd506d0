"""GET /v1/protocol (articles and label table) and GET /v1/labels (identifiers and Dutch names)."""

from __future__ import annotations

from fastapi import APIRouter, Query

from corpus.vocabulary import (
    AUTHOR_ROLES,
    DEFAULT_ROLE,
    LABEL_SPECS,
    LABELS,
    LEVELS,
    PII_NAME_NL,
    PII_PLACEHOLDER,
    PII_TYPES,
    ROLES,
)
from serve.errors import protocol_or_404
from serve.schemas import LabelEntry, LabelInfo, LabelsOut, PiiTypeInfo, ProtocolArticle, ProtocolOut

router = APIRouter(prefix="/v1", tags=["protocol"])


@router.get("/protocol", response_model=ProtocolOut, summary="The school's Social Media Protocol as data")
def protocol(school: str | None = Query(default=None, description="A school of this install (default: the one school)")
             ) -> ProtocolOut:
    p = protocol_or_404(school)
    return ProtocolOut(
        title=p.title,
        school=p.school_name,
        articles=[ProtocolArticle(id=a.id, section=a.section, number=a.number, text=a.text, roles=list(a.roles))
                  for a in p.articles.values()],
        labels=[LabelEntry(id=lab, name=LABEL_SPECS[lab].name, severity=LABEL_SPECS[lab].severity,
                           explanation=LABEL_SPECS[lab].definition, articles=p.labels[lab]["articles"],
                           advice=p.labels[lab].get("advice", {}), sub_articles=p.sub_article_by_kind(lab))
                for lab in LABELS],
        sanctions=p.sanctions,
    )


@router.get("/labels", response_model=LabelsOut, summary="Labels, roles, levels and PII types")
def labels() -> LabelsOut:
    return LabelsOut(
        labels=[LabelInfo(id=lab, name=spec.name, severity=spec.severity, explanation=spec.definition)
                for lab, spec in LABEL_SPECS.items()],
        roles=list(ROLES), author_roles=list(AUTHOR_ROLES), default_role=DEFAULT_ROLE, levels=list(LEVELS),
        pii_types=[PiiTypeInfo(id=t, name=PII_NAME_NL[t], placeholder=PII_PLACEHOLDER[t]) for t in PII_TYPES],
    )
