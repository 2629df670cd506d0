"""Small helpers the per-label tests share."""

from __future__ import annotations

from typing import Any

from corpus.protocol import annotation_protocol


def flagged(result: dict[str, Any]) -> set[str]:
    return {lab for lab, v in result["labels"].items() if v["flagged"]}


def articles_for(label: str, role: str) -> list[str]:
    return annotation_protocol().article_ids_for(label, role)
