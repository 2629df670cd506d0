"""GET /v1/protocol (articles and label table) and GET /v1/labels (identifiers and Dutch names)."""

from __future__ import annotations

from fastapi import APIRouter

from model.labels import (
    AUTHOR_ROLES,
    DEFAULT_ROLE,
    LABELS,
    LEVELS,
    PII_NAME_NL,
    PII_PLACEHOLDER,
    PII_TYPES,
    ROLES,
)
from model.protocol import get_protocol
from serve.schemas import LabelEntry, LabelInfo, LabelsOut, PiiTypeInfo, ProtocolArticle, ProtocolOut

router = APIRouter(prefix="/v1", tags=["protocol"])


@router.get("/protocol", response_model=ProtocolOut, summary="The Social Media Protocol as data")
def protocol() -> ProtocolOut:
    p = get_protocol()
    return ProtocolOut(
        title=p.raw.get("title", ""),
        articles=[ProtocolArticle(id=a.id, section=a.section, number=a.number, text=a.text, roles=list(a.roles))
                  for a in p.articles.values()],
        labels=[LabelEntry(id=lab, **{k: v for k, v in p.labels[lab].items() if k in LabelEntry.model_fields})
                for lab in LABELS],
        sanctions=p.sanctions,
    )


@router.get("/labels", response_model=LabelsOut, summary="Labels, roles, levels and PII types")
def labels() -> LabelsOut:
    p = get_protocol()
    return LabelsOut(
        labels=[LabelInfo(id=lab, name=p.label_name(lab), severity=p.severity(lab),
                          explanation=p.labels[lab].get("explanation", "")) for lab in LABELS],
        roles=list(ROLES), author_roles=list(AUTHOR_ROLES), default_role=DEFAULT_ROLE, levels=list(LEVELS),
        pii_types=[PiiTypeInfo(id=t, name=PII_NAME_NL[t], placeholder=PII_PLACEHOLDER[t]) for t in PII_TYPES],
    )
