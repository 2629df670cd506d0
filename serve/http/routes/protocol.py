"""GET /v1/protocol (articles and label table), GET /v1/schools (the schools of this install) and
GET /v1/labels (identifiers and Dutch names)."""

from __future__ import annotations

from fastapi import APIRouter, Query

from corpus.protocol import Protocol, get_protocol, school_ids
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
from serve.http.errors import protocol_or_404
from serve.http.schemas import (
    LabelEntry,
    LabelInfo,
    LabelsOut,
    PiiTypeInfo,
    ProtocolArticle,
    ProtocolOut,
    SchoolInfo,
    SchoolsOut,
)

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


def _school(school: str | None, protocol: Protocol) -> SchoolInfo:
    return SchoolInfo(id=school, name=protocol.school_name, title=protocol.title)


@router.get("/schools", response_model=SchoolsOut, summary="The schools this install serves")
def schools() -> SchoolsOut:
    """One protocol file per school in POSTWACHT_PROTOCOL_DIR; the page shows a school choice when there
    is more than one. The files were all checked when the service started."""
    return SchoolsOut(schools=[_school(s, get_protocol(s)) for s in school_ids()],
                      default=_school(None, get_protocol()))


@router.get("/labels", response_model=LabelsOut, summary="Labels, roles, levels and PII types")
def labels() -> LabelsOut:
    return LabelsOut(
        labels=[LabelInfo(id=lab, name=spec.name, severity=spec.severity, explanation=spec.definition,
                          escalates=spec.escalates, escalates_at_high=spec.escalates_at_high)
                for lab, spec in LABEL_SPECS.items()],
        roles=list(ROLES), author_roles=list(AUTHOR_ROLES), default_role=DEFAULT_ROLE, levels=list(LEVELS),
        pii_types=[PiiTypeInfo(id=t, name=PII_NAME_NL[t], placeholder=PII_PLACEHOLDER[t]) for t in PII_TYPES],
    )
