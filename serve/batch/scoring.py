"""Scoring one chunk of input rows, in whatever process holds the scorer.

Both engines (local worker processes, Dask workers) call `score_chunk`, so they produce the
same bytes. A worker returns its chunk already encoded plus a chunk summary: the main process
only appends bytes and merges counts, and never sees the full result objects.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.scorer import Scorer, error_result
from serve.batch.readers import InputRow
from serve.batch.summary import Summary
from serve.batch.writers import encode_results
from serve.store.review_memory import process_memory

log = logging.getLogger("postwacht.batch")

INTERNAL_ERROR = "Interne fout bij het scoren van deze rij. (Internal error while scoring this row.)"


@dataclass
class ChunkOutput:
    first_row: int
    rows: int
    data: bytes
    summary: Summary
    cpu_seconds: float = 0.0  # CPU time the scoring process spent on this chunk (benchmarks)


def score_rows(scorer: Scorer, rows: Sequence[InputRow], school: str | None = None) -> list[dict[str, Any]]:
    """One result per row, in order: error rows pass through, the rest go to the scorer, each with
    its own school or else `school` (None: the default protocol)."""
    results: list[dict[str, Any] | None] = [None] * len(rows)
    todo: list[int] = []
    for i, row in enumerate(rows):
        if row.error is not None:
            results[i] = error_result(row.id, row.role, row.error, scorer.version)
        else:
            todo.append(i)
    items = [{"id": rows[i].id, "text": rows[i].text, "role": rows[i].role,
              "school": school if rows[i].school in (None, "") else rows[i].school} for i in todo]
    try:
        scored = scorer.score_many(items)
    except Exception as exc:  # one bad draft must not sink its chunk: score one by one
        log.warning("chunk from row %d failed (%s); scoring its rows one by one",
                    rows[0].number if rows else 0, type(exc).__name__)
        scored = [_score_one(scorer, rows[i], item) for i, item in zip(todo, items, strict=True)]
    scored = process_memory().apply(items, scored, scorer.protocol)  # reviewed drafts: the reviewer's labels
    for i, result in zip(todo, scored, strict=True):
        results[i] = result
    return [r for r in results if r is not None]


def _score_one(scorer: Scorer, row: InputRow, item: dict[str, Any]) -> dict[str, Any]:
    try:
        return scorer.score_many([item])[0]
    except Exception as exc:
        log.error("row %d (id %r) could not be scored: %s", row.number, row.id, type(exc).__name__)
        return error_result(row.id, row.role, INTERNAL_ERROR, scorer.version)


def score_chunk(scorer: Scorer, rows: Sequence[InputRow], out_format: str, school: str | None = None
                ) -> ChunkOutput:
    cpu0 = time.process_time()
    results = score_rows(scorer, rows, school)
    summary = Summary()
    for row, result in zip(rows, results, strict=True):
        summary.add_result(row.number, result)
    data = encode_results(results, out_format)
    return ChunkOutput(first_row=rows[0].number if rows else 0, rows=len(rows), data=data, summary=summary,
                       cpu_seconds=time.process_time() - cpu0)


class NoActiveModelError(RuntimeError):
    """No model has been trained yet; the message says how to train one (Dutch, English)."""


def load_frozen_scorer(version_dir: Path) -> Any:
    """load_scorer, then move its millions of long-lived objects (deduce's lookup tables) out of
    the garbage collector's reach: without that, interpreter exit spends ~10 s collecting them."""
    from model.scorer import load_scorer

    scorer = load_scorer(version_dir)
    gc.freeze()
    return scorer
