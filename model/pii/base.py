"""Personal data spans and the recognizer interface (in the manner of Presidio)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class PiiSpan:
    """One piece of personal data in the original text."""

    type: str
    start: int
    end: int
    text: str
    recognizer: str
    score: float = 0.85
    owner: str = "other"  # "author" when it is the writer's own (or own child's) data
    reasons: list[str] = field(default_factory=list)

    @property
    def length(self) -> int:
        return self.end - self.start


class Recognizer(Protocol):
    """Finds one kind of personal data in a draft.

    `priority` breaks overlaps: a checksum-validated number beats a name guess.
    """

    name: str
    entity: str
    priority: int

    def analyze(self, text: str) -> list[PiiSpan]: ...


class RegistryError(ValueError):
    """A recognizer registry file (corpus/pii/recognizers.yaml) that cannot be used."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source = source
        self.problems = problems


_FRAGMENT = re.compile(r"\{\{(\w+)\}\}")


@dataclass(frozen=True)
class BuildContext:
    """What a recognizer kind needs besides its own entry to build itself from the registry."""

    fragments: Mapping[str, str]
    trim_trailing: str
    not_names: frozenset[str]
    validators: Mapping[str, Callable[[str], bool]]
    terms: Mapping[str, Iterable[str]] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)  # top-level sections of the registry
    judge: Any = None  # the NameJudge (model/pii/names.py) name recognizers share

    def source(self, value: str | list[str]) -> str:
        """A regex as written in the registry: one string or a list of pieces, with {{fragments}}."""
        text = "".join(value) if isinstance(value, list) else str(value)
        return _FRAGMENT.sub(lambda m: self.fragments[m.group(1)], text)

    def regex(self, value: str | list[str], ignore_case: bool = False) -> re.Pattern[str]:
        return re.compile(self.source(value), re.IGNORECASE if ignore_case else 0)

    def alternatives(self, words: Iterable[str], ignore_case: bool = False) -> re.Pattern[str]:
        """Context words (regexes) as one whole-word alternation."""
        return self.regex(r"\b(?:" + "|".join(self.source(w) for w in words) + r")\b", ignore_case)
