"""The recognizer registry: corpus/pii/recognizers.yaml read once per process and turned into
recognizers, one class per kind (in the manner of Presidio's RecognizerRegistry)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from corpus.settings import CORPUS_DIR
from corpus.vocabulary import PII_TYPES
from model.pii.base import BuildContext, Recognizer, RegistryError
from model.pii.deduce_names import DeduceRecognizer
from model.pii.names import NameJudge
from model.pii.recognizers import (
    ChatNameRecognizer,
    ChecksumPatternRecognizer,
    ContextNameRecognizer,
    ContextPatternRecognizer,
    CueValueRecognizer,
    PatternRecognizer,
    PhoneRecognizer,
    TermRecognizer,
    TitledNameRecognizer,
)
from model.pii.validators import VALIDATORS

RECOGNIZERS_PATH = CORPUS_DIR / "pii" / "recognizers.yaml"

# kind (as written in the registry) -> the class that builds it from its entry
KINDS: dict[str, Any] = {
    "pattern": PatternRecognizer,
    "checksum_pattern": ChecksumPatternRecognizer,
    "phonenumbers": PhoneRecognizer,
    "context_pattern": ContextPatternRecognizer,
    "cue_value": CueValueRecognizer,
    "terms": TermRecognizer,
    "titled_name": TitledNameRecognizer,
    "deduce": DeduceRecognizer,
    "chat_name": ChatNameRecognizer,
    "context_name": ContextNameRecognizer,
}
_REQUIRED = ("name", "kind", "entity", "priority")


@dataclass(frozen=True)
class Registry:
    """The parsed and checked registry file; `build` makes the recognizers."""

    entries: tuple[dict[str, Any], ...]
    settings: dict[str, Any]
    source: str

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(e["name"] for e in self.entries)

    def entry(self, name: str) -> dict[str, Any]:
        for e in self.entries:
            if e["name"] == name:
                return e
        raise KeyError(name)

    def context(self, terms: Mapping[str, Iterable[str]] | None = None,
                school_names: Iterable[str] = ()) -> BuildContext:
        not_names = frozenset(str(w).lower() for w in self.settings.get("not_names") or ())
        return BuildContext(
            fragments=dict(self.settings.get("fragments") or {}),
            trim_trailing=str(self.settings.get("trim_trailing", "")),
            not_names=not_names,
            validators=VALIDATORS,
            terms=dict(terms or {}),
            settings=self.settings,
            judge=NameJudge(self.settings.get("names") or {}, school_names, not_names),
        )

    def build(self, terms: Mapping[str, Iterable[str]] | None = None,
              only: Iterable[str] | None = None, school_names: Iterable[str] = ()) -> list[Recognizer]:
        """The recognizers in registry order (`only`: just these names), with the caller's term lists
        (`terms`: list name -> terms, e.g. {"health": lexicon health terms}) and the school's own
        names (never a person's name)."""
        ctx = self.context(terms, school_names)
        wanted = set(only) if only is not None else None
        return [KINDS[e["kind"]].from_spec(e, ctx) for e in self.entries
                if wanted is None or e["name"] in wanted]


def _strings(value: object) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def validate_registry(data: object) -> list[str]:
    """Every problem of a registry document (empty when it can be used)."""
    if not isinstance(data, dict):
        return ["the file is not a YAML mapping"]
    problems: list[str] = []
    fragments = data.get("fragments") or {}
    entries = data.get("recognizers")
    if not isinstance(entries, list) or not entries:
        return ["'recognizers' is missing or empty"]
    seen: set[str] = set()
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            problems.append(f"recognizer {n} is not a mapping")
            continue
        where = f"recognizer {entry.get('name', n)!s}"
        problems += [f"{where}: '{key}' is missing" for key in _REQUIRED if key not in entry]
        name = entry.get("name")
        if name in seen:
            problems.append(f"{where}: the name is not unique")
        seen.add(name)
        if entry.get("kind") not in KINDS:
            problems.append(f"{where}: unknown kind {entry.get('kind')!r} (known: {', '.join(KINDS)})")
        if "entity" in entry and entry["entity"] not in PII_TYPES:
            problems.append(f"{where}: entity {entry['entity']!r} is not a PII type of corpus/vocabulary.yaml")
        if entry.get("validator") and entry["validator"] not in VALIDATORS:
            problems.append(f"{where}: unknown validator {entry['validator']!r} (known: {', '.join(VALIDATORS)})")
        if entry.get("kind") == "checksum_pattern" and not entry.get("validator"):
            problems.append(f"{where}: a checksum_pattern needs a validator")
        for used in sorted({f for text in _strings(entry) for f in re.findall(r"\{\{(\w+)\}\}", text)}):
            if used not in fragments:
                problems.append(f"{where}: unknown fragment {used!r}")
    for kind in {e.get("kind") for e in entries if isinstance(e, dict)}:
        extra = getattr(KINDS.get(kind), "location_entities", ())
        problems += [f"kind {kind}: emits {t!r}, not a PII type" for t in extra if t not in PII_TYPES]
    return problems


def read_registry(path: Path) -> Registry:
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    problems = validate_registry(data)
    if problems:
        raise RegistryError(str(path), problems)
    settings = {k: v for k, v in data.items() if k != "recognizers"}
    return Registry(tuple(data["recognizers"]), settings, str(path))


@lru_cache(maxsize=4)
def load_registry(path: str | None = None) -> Registry:
    """The registry file (default corpus/pii/recognizers.yaml), read once per process."""
    return read_registry(Path(path) if path else RECOGNIZERS_PATH)
