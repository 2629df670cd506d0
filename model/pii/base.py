"""Personal data spans and the recognizer interface (in the manner of Presidio)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


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
