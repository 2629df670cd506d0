"""What every evidence rule reads: lexicon hits by category, sentences, names, scopes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from model.lexicons import Lexicon
from model.nlp import Evidence

if TYPE_CHECKING:
    from model.analysis import Analysis

# Single-word first-person subjects, pronouns that make a target, intent auxiliaries
FIRST_PERSON = frozenset({"ik", "k", "wij", "we", "ikke"})
TARGET_PRONOUNS = frozenset({"je", "jou", "jullie", "hem", "haar", "u", "ze", "jij"})
INTENT_VERBS = frozenset({"ga", "gaan", "zal", "zullen", "wil", "willen", "kom", "komen", "gaat", "zou", "zouden"})


@dataclass
class EvidenceContext:
    an: Analysis
    by_cat: dict[str, list[Evidence]]
    sent: list[int]                        # token index -> sentence id
    pii_tokens: dict[str, list[Evidence]]  # PII type -> token ranges
    quoted: list[tuple[int, int]]          # original-text ranges inside quotation marks
    lexicon: Lexicon = field(default_factory=dict)
    insult_categories: frozenset[str] = field(default_factory=frozenset)

    def hits(self, *categories: str) -> list[Evidence]:
        return [ev for cat in categories for ev in self.by_cat.get(cat, [])]

    @property
    def names(self) -> list[Evidence]:
        return self.pii_tokens.get("person_name", [])

    @property
    def insults(self) -> list[Evidence]:
        return [ev for cat in sorted(self.insult_categories) for ev in self.by_cat.get(cat, [])]

    def sentence_of(self, ev: Evidence) -> int:
        return self.sent[min(ev.start, len(self.sent) - 1)] if self.sent else 0

    def negated(self, ev: Evidence) -> bool:
        """A negation word shortly before or right after the hit, in the same sentence."""
        for n in self.by_cat.get("negation", []):
            if self.sentence_of(n) != self.sentence_of(ev):
                continue
            if ev.start - 4 <= n.start < ev.start or ev.end <= n.start < ev.end + 3:
                return True
        return False

    def in_quotes(self, ev: Evidence) -> bool:
        s, e = self.an.token_spans[ev.start][0], self.an.token_spans[ev.end - 1][1]
        return any(qs <= s and e <= qe for qs, qe in self.quoted)


def near(center: Evidence, others: list[Evidence], before: int, after: int) -> bool:
    """Another hit within `before` tokens before or `after` tokens after the center (not inside it)."""
    s, e = center.start, center.end
    return any(o.end > s - before and o.start < e + after and not (o.start >= s and o.end <= e)
               for o in others)
