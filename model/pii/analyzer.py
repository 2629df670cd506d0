"""Runs every registered recognizer, resolves overlaps and decides whose data it is."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from corpus.protocol import get_protocol, school_ids
from model.pii.base import PiiSpan, Recognizer
from model.pii.registry import load_registry

# The writer's own data: "bel mij", "mijn nummer", "mijn zoon heeft ...", "ik ben Fatima".
_OWN_BEFORE = re.compile(
    r"(?:\b(?:mijn|m'n|mn|mijne|ons|onze|me|mij|ik|wij|we)\b[^.!?\n]{0,30}$)", re.IGNORECASE)
_OWN_STRONG = re.compile(
    r"(?:\b(?:mijn|m'n|mn)\s+(?:eigen\s+)?(?:nieuwe\s+)?(?:nummer|telefoonnummer|mobiel|mobiele nummer|06|"
    r"mail|e-?mail(?:adres)?|mailadres|adres|insta|snap|tiktok|account|naam|rekening(?:nummer)?|iban|"
    r"zoon|dochter|kind|kinderen|zoontje|dochtertje|jongste|oudste|man|vrouw)\b"
    r"|\b(?:bel|app|mail|sms|whatsapp|bereik|contact)\s+(?:me|mij|ons)\b|\bbereikbaar\b|\bik\s+ben\b"
    r"|\bmijn\s+naam\s+is\b|\bik\s+woon\b|\bvoeg\s+me\b|\bvolg\s+me\b|\b(?:me|mij)\s+(?:bellen|appen|mailen)\b"
    r"|\bwij\s+wonen\b|\bons\s+adres\b|\bmijn\s+(?:\w+\s+){0,2}is\b)[^.!?\n]{0,35}$",
    re.IGNORECASE)
_SIGN_OFF = re.compile(
    r"(?:groet(?:jes|en)?|gr\.?|liefs|mvg|met vriendelijke groet|hartelijke groet|xx+|doei|dank je wel|"
    r"bedankt)[\s,!.-]*$", re.IGNORECASE)
_OTHER_CUE = re.compile(r"\b(?:van|zijn|haar|hun|die|diens)\s*$", re.IGNORECASE)


def _is_authors(text: str, span: PiiSpan) -> bool:
    before = text[max(0, span.start - 60): span.start]
    if _OTHER_CUE.search(before[-12:]) and not re.search(r"\bmijn\s+\w+\s+van\s*$", before, re.I):
        return False
    if _OWN_STRONG.search(before):
        return True
    if span.type == "person_name":
        # "Groetjes, Fatima" closing the message, or "- juf Anouk" as the last words
        tail = text[span.end:].strip()
        if not tail or len(tail) <= 4:
            lead = text[max(0, span.start - 40): span.start]
            if _SIGN_OFF.search(lead.strip(" ,\n-")) or "\n" in lead[-3:] or lead.strip().endswith(("-", ",")):
                return True
        return False
    # short distance to a first-person word in the same clause ("ik heb dyslexie")
    near = text[max(0, span.start - 20): span.start]
    return bool(re.search(r"\b(?:ik|mijn|m'n|mn)\b[^.!?,\n]*$", near, re.IGNORECASE))


class PiiAnalyzer:
    """Finds personal data spans; one instance per process (deduce and lexicons load once)."""

    def __init__(self, recognizers: Sequence[Recognizer]) -> None:
        self.recognizers = list(recognizers)
        self.priority: dict[str, int] = {}
        for recognizer in self.recognizers:
            self.priority.update(getattr(recognizer, "span_priorities", {}))
            self.priority[recognizer.name] = recognizer.priority

    def analyze(self, text: str) -> list[PiiSpan]:
        found: list[PiiSpan] = []
        for recognizer in self.recognizers:
            for span in recognizer.analyze(text):
                span.reasons.append(recognizer.name)
                found.append(span)
        spans = resolve_overlaps(found, self.priority)
        for span in spans:
            span.owner = "author" if _is_authors(text, span) else "other"
        return spans


def resolve_overlaps(spans: Iterable[PiiSpan], priority: dict[str, int]) -> list[PiiSpan]:
    """Keep the higher-priority (then longer) span where spans overlap."""
    ranked = sorted(spans, key=lambda s: (-priority.get(s.recognizer, 0), -s.length, s.start))
    kept: list[PiiSpan] = []
    for span in ranked:
        if all(span.end <= k.start or span.start >= k.end for k in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)


def school_names() -> tuple[str, ...]:
    """How the schools this install serves write their own name (the protocols' `school.names`):
    the default protocol and every school's in POSTWACHT_PROTOCOL_DIR."""
    names = list(get_protocol().school_names)
    for school in school_ids():
        names += get_protocol(school).school_names
    return tuple(dict.fromkeys(names))


def default_analyzer(health_terms: Iterable[str], schools: Iterable[str] | None = None) -> PiiAnalyzer:
    """The recognizers of the registry (corpus/pii/recognizers.yaml, read once per process), with
    the lexicon's health terms and the school's own names (default: from the protocols). Adding a
    PII type or pattern means adding an entry there."""
    names = school_names() if schools is None else tuple(schools)
    return PiiAnalyzer(load_registry().build({"health": list(health_terms)}, school_names=names))
