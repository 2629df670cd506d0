"""The reviewed-case memory: a draft a reviewer already judged is answered with the reviewer's labels.

Before any retrain, a reviewer's correction takes effect the same day: a draft that is the same
normalised text as a reviewed case, or a near-duplicate of it (character 5-gram Jaccard as in
corpus/neardup.py, at least REVIEW_MEMORY_MIN_SIMILARITY), gets the reviewer's labels instead of
the model's flags, and its result says so in an optional field:

    "reviewed": {"by_reviewer": true, "note": "beoordeeld door een reviewer", "review_id": "r-…",
                 "match": "exact" | "near_duplicate", "similarity": 0.93,
                 "reviewer_labels": [...], "model_labels": [...]}

The scores stay the model's (what it thinks); `flagged`, level, risk, articles, advice and
escalation follow the reviewer's labels, so risk and level keep telling the same story. A review
applies to drafts of its own role (or when either role is `onbekend`): the labels are a verdict on
that text from that author.

The memory is read from the review store (nothing is stored beyond what the reviewer stored; the
texts stay in memory only) once, and again when a review is stored or deleted through this
process (serve/store/reviews.py counts committed changes) or, for reviews stored by another
process, when the store's review count or newest id changed at the next check
(REVIEW_MEMORY_CHECK_SECONDS). Logs carry counts and ids, never text.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from corpus.protocol import Protocol, UnknownSchoolError, get_protocol
from corpus.settings import (
    FLAG_LEVEL,
    REVIEW_MEMORY_CHECK_SECONDS,
    REVIEW_MEMORY_MIN_SIMILARITY,
    SEVERITY_WEIGHT,
)
from corpus.vocabulary import LABEL_SPECS, LABELS
from model.scorer import band_floor, level_for_risk
from serve.store.database import Database
from serve.store.models_db import Review
from serve.store.reviews import corpus_row, reviews_generation

log = logging.getLogger("postwacht.review_memory")

NOTE = "beoordeeld door een reviewer"
ANY_ROLE = "onbekend"
GRAM = 5
_NOT_WORD = re.compile(r"[^\w\s]+", re.UNICODE)


def exact_key(text: str) -> str:
    """The text as compared for an exact match: case-folded, punctuation and emoji dropped,
    whitespace collapsed ("Haha!!" and "haha" are the same text)."""
    return " ".join(_NOT_WORD.sub(" ", text.casefold()).split())


def shingles(text: str) -> frozenset[str]:
    """Character 5-grams of the lower-cased, whitespace-collapsed text (corpus/neardup.py's)."""
    key = " ".join(text.lower().split())
    return frozenset(key[i:i + GRAM] for i in range(len(key) - GRAM + 1))


@dataclass(frozen=True)
class ReviewedCase:
    review_id: str
    role: str
    labels: tuple[str, ...]
    key: str
    grams: frozenset[str]


@dataclass(frozen=True)
class Match:
    case: ReviewedCase
    kind: str          # "exact" or "near_duplicate"
    similarity: float


class ReviewMemory:
    """Reviewed cases, oldest first; of cases with the same normalised text the newest verdict wins."""

    def __init__(self, rows: Iterable[dict[str, Any]] = (), min_similarity: float = REVIEW_MEMORY_MIN_SIMILARITY
                 ) -> None:
        self.min_similarity = min_similarity
        by_key: dict[tuple[str, str], ReviewedCase] = {}
        for row in rows:
            key = exact_key(row["text"])
            if not key:
                continue
            case = ReviewedCase(str(row["id"]), str(row.get("role") or ANY_ROLE),
                                tuple(lab for lab in LABELS if lab in row["labels"]), key, shingles(row["text"]))
            by_key.pop((key, case.role), None)
            by_key[(key, case.role)] = case  # newest last
        self.cases: list[ReviewedCase] = list(by_key.values())
        self._exact: dict[str, list[int]] = {}
        self._index: dict[str, list[int]] = {}
        for i, case in enumerate(self.cases):
            self._exact.setdefault(case.key, []).append(i)
            for g in case.grams:
                self._index.setdefault(g, []).append(i)

    def __len__(self) -> int:
        return len(self.cases)

    @staticmethod
    def _role_fits(case: ReviewedCase, role: str) -> bool:
        return case.role == role or ANY_ROLE in (case.role, role)

    def lookup(self, text: str, role: str) -> Match | None:
        """The reviewed case that answers this draft, if any: an exact match first (the same role
        before another fitting one, then the newest), else the most similar near-duplicate."""
        if not self.cases or not isinstance(text, str):
            return None
        exact = [i for i in self._exact.get(exact_key(text), []) if self._role_fits(self.cases[i], role)]
        if exact:
            best = max(exact, key=lambda i: (self.cases[i].role == role, i))
            return Match(self.cases[best], "exact", 1.0)
        grams = shingles(text)
        if not grams:
            return None
        shared: Counter[int] = Counter()
        for g in grams:
            shared.update(self._index.get(g, ()))
        best_match: tuple[float, bool, int] | None = None
        for i, common in shared.items():
            case = self.cases[i]
            if not self._role_fits(case, role):
                continue
            similarity = common / (len(grams) + len(case.grams) - common)
            if similarity >= self.min_similarity:
                candidate = (similarity, case.role == role, i)
                if best_match is None or candidate > best_match:
                    best_match = candidate
        if best_match is None:
            return None
        return Match(self.cases[best_match[2]], "near_duplicate", round(best_match[0], 3))

    def apply(self, items: Sequence[Any], results: list[dict[str, Any]], default_protocol: Protocol
              ) -> list[dict[str, Any]]:
        """Results (one per item, in order) with reviewed drafts answered by the reviewer's labels."""
        if not self.cases:
            return results
        out = []
        hits = 0
        for item, result in zip(items, results, strict=True):
            if result.get("error") is None and isinstance(item, dict):
                match = self.lookup(item.get("text"), str(result.get("role") or ANY_ROLE))
                if match is not None:
                    protocol = _protocol_for(item, default_protocol)
                    if protocol is not None:
                        result = answered_by_reviewer(result, match, protocol)
                        hits += 1
            out.append(result)
        if hits:
            log.info("review memory answered %d of %d drafts", hits, len(results))
        return out


def _protocol_for(item: dict[str, Any], default: Protocol) -> Protocol | None:
    school = item.get("school")
    if school in (None, ""):
        return default
    try:
        return get_protocol(str(school))
    except UnknownSchoolError:
        return None


def _articles(flagged: Sequence[str], role: str, protocol: Protocol, model_articles: list[dict[str, Any]]
              ) -> list[dict[str, Any]]:
    """The articles of the reviewer's labels for the author role (as the scorer chooses them; for a
    label with sub-articles, those the model cited if it flagged the label too, else the first)."""
    by_id: dict[str, list[str]] = {}
    for lab in flagged:
        if LABEL_SPECS[lab].sub_articles:
            ids = [a["id"] for a in model_articles if lab in a.get("labels", [])]
            ids = ids or list(protocol.sub_article_by_kind(lab).values())[:1]
        else:
            ids = list(protocol.article_ids_for(lab, role))
        for art_id in ids:
            by_id.setdefault(art_id, []).append(lab)
    order = list(protocol.articles)
    out = []
    for art_id in sorted(by_id, key=order.index):
        art = protocol.articles[art_id]
        out.append({"id": art.id, "section": art.section, "number": art.number, "text": art.text,
                    "labels": by_id[art_id]})
    return out


def _findings(findings: list[dict[str, Any]], flagged: set[str], pii_label: str | None) -> list[dict[str, Any]]:
    """Findings of the reviewer's labels only; personal data of others supports the PII label when
    the reviewer gave it and is informational when not (as the scorer does)."""
    out = []
    for f in findings:
        f = dict(f)
        if f.get("source") not in ("lexicon", "model") and f.get("owner") not in (None, "author") \
                and pii_label is not None:
            if pii_label in flagged:
                f["label"] = pii_label
                f["severity"] = "midden" if f["type"] == "person_name" else "hoog"
            else:
                f["label"], f["severity"] = None, "info"
        if f.get("label") is not None and f["label"] not in flagged:
            continue
        out.append(f)
    return out


def answered_by_reviewer(result: dict[str, Any], match: Match, protocol: Protocol) -> dict[str, Any]:
    """The model's result for a reviewed draft, with the reviewer's labels in charge."""
    result = dict(result)
    flagged = list(match.case.labels)
    model_labels = [lab for lab in LABELS if result["labels"][lab]["flagged"]]
    result["labels"] = {lab: {**v, "flagged": lab in flagged} for lab, v in result["labels"].items()}
    role = str(result["role"])
    weighted = [result["labels"][lab]["score"] * SEVERITY_WEIGHT[LABEL_SPECS[lab].severity] for lab in flagged]
    if flagged:
        floor = "hoog" if any(FLAG_LEVEL[LABEL_SPECS[lab].severity] == "hoog" for lab in flagged) \
            or len(flagged) >= 2 else "midden"
        risk = max([*weighted, band_floor(floor)])
    else:
        risk = min(float(result["risk"]), band_floor("laag") - 0.001)
    level = level_for_risk(risk)
    pii_label = next((lab for lab in LABELS if LABEL_SPECS[lab].pii_findings), None)
    escalate = any(LABEL_SPECS[lab].escalates or (LABEL_SPECS[lab].escalates_at_high and level == "hoog")
                   for lab in flagged)
    result.update(
        risk=round(float(risk), 4), level=level, escalate=escalate,
        escalation=protocol.escalation_for(role) if escalate else None,
        findings=_findings(result["findings"], set(flagged), pii_label),
        articles=_articles(flagged, role, protocol, result["articles"]),
        consequences=([{"id": art.id, "section": art.section, "number": art.number, "text": art.text}
                       for art in (protocol.articles[a] for a in protocol.consequence_ids_for(role))]
                      if flagged else []),
        advice=[a for a in (protocol.advice_for(lab, role) for lab in flagged) if a],
        reviewed={"by_reviewer": True, "note": NOTE, "review_id": match.case.review_id, "match": match.kind,
                  "similarity": match.similarity, "reviewer_labels": flagged, "model_labels": model_labels},
    )
    return result


# ---- the memory of a review store ------------------------------------------------------------------
def load_memory(database: Database, min_similarity: float = REVIEW_MEMORY_MIN_SIMILARITY) -> ReviewMemory:
    """Every review in the store, oldest first (the ids are the export's: r-<uid>)."""
    with database.session() as session:
        reviews = session.scalars(select(Review).order_by(Review.created_at, Review.id))
        return ReviewMemory((corpus_row(r) for r in reviews), min_similarity)


class StoreMemory:
    """The memory of one review store, refreshed when it may have changed (see the module docstring).
    Thread-safe; a store that cannot be read leaves the last memory (or an empty one) in place."""

    def __init__(self, database: Database, check_seconds: float = REVIEW_MEMORY_CHECK_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.database = database
        self.check_seconds = check_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._memory = ReviewMemory()
        self._generation: int | None = None
        self._signature: tuple[int, int] | None = None
        self._checked = float("-inf")

    def _store_signature(self) -> tuple[int, int]:
        with self.database.session() as session:
            count, newest = session.execute(select(func.count(Review.id), func.max(Review.id))).one()
        return int(count or 0), int(newest or 0)

    def current(self) -> ReviewMemory:
        with self._lock:
            now = self.clock()
            generation = reviews_generation()
            try:
                if self._generation != generation or now - self._checked >= self.check_seconds:
                    signature = self._store_signature()
                    self._checked = now
                    if signature != self._signature or self._generation != generation:
                        self._memory = load_memory(self.database, self._memory.min_similarity)
                        log.info("review memory loaded: %d reviewed cases", len(self._memory))
                    self._signature, self._generation = signature, generation
            except Exception as exc:  # the store is down: score with what we have
                log.warning("review memory not refreshed (%s)", type(exc).__name__)
                self._checked = now
            return self._memory

    def apply(self, items: Sequence[Any], results: list[dict[str, Any]], default_protocol: Protocol
              ) -> list[dict[str, Any]]:
        return self.current().apply(items, results, default_protocol)


# ---- the batch engine's memory ---------------------------------------------------------------------
_PROCESS_MEMORY: ReviewMemory | None = None


def process_memory(database_url: str | None = None) -> ReviewMemory:
    """The memory of the configured review store (POSTWACHT_DATABASE_URL), read once per process,
    for `postwacht batch` and its workers. A store that does not exist is never created: an absent
    SQLite file, a store without the reviews table or one that cannot be reached gives an empty
    memory (the model answers alone), with a warning for the last two."""
    global _PROCESS_MEMORY
    if _PROCESS_MEMORY is not None and database_url is None:
        return _PROCESS_MEMORY
    from sqlalchemy.engine import make_url

    from serve.config import Settings

    url = database_url or Settings.from_env().database_url
    memory = ReviewMemory()
    parsed = make_url(url)
    absent = parsed.get_backend_name() == "sqlite" and (
        not parsed.database or parsed.database == ":memory:" or not Path(parsed.database).exists())
    if not absent:
        database = Database(url)
        try:
            memory = load_memory(database)
            log.info("review memory loaded: %d reviewed cases", len(memory))
        except Exception as exc:
            log.warning("review memory not available (%s); the model answers alone", type(exc).__name__)
        finally:
            database.dispose()
    if database_url is None:
        _PROCESS_MEMORY = memory
    return memory
