"""Scoring for the service: every draft goes through one worker thread.

The scorer is CPU-bound Python, so threads would not run it in parallel anyway; one thread means
the Scorer is never used by two threads at once. Drafts that arrive while the thread is busy are
scored together with `Scorer.score_many` (spaCy's `nlp.pipe`), which costs about half as much per
draft as scoring them one by one; an idle service scores a lone draft at once, without waiting.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from corpus.settings import SERVICE_BATCH_CHUNK_ITEMS, SERVICE_MICRO_BATCH_ITEMS
from serve.http.state import ScorerHolder
from serve.store.review_memory import StoreMemory

Result = dict[str, Any]


class ScoringService:
    # reviewed drafts are answered with the reviewer's labels (serve/store/review_memory.py); set by the app
    memory: StoreMemory | None = None

    def __init__(self, holder: ScorerHolder, max_batch: int = SERVICE_MICRO_BATCH_ITEMS) -> None:
        self.holder = holder
        self.max_batch = max_batch
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="postwacht-score")
        self._pending: list[tuple[dict[str, Any], asyncio.Future[Result]]] = []
        self._drain_task: asyncio.Task[None] | None = None

    def _score_many(self, items: list[dict[str, Any]]) -> list[Result]:
        # runs on the worker thread; the holder is read per batch so a swapped model is picked up
        scorer = self.holder.get()
        results = scorer.score_many(items)
        return self.memory.apply(items, results, scorer.protocol) if self.memory else results

    def _score_model(self, items: list[dict[str, Any]]) -> list[Result]:
        # the model's own answer, without the review memory (what a new review records as predicted)
        return self.holder.get().score_many(items)

    async def score(self, item: dict[str, Any]) -> Result:
        """Score one draft (dict with text, role, id), together with any drafts waiting alongside it."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Result] = loop.create_future()
        self._pending.append((item, future))
        if self._drain_task is None or self._drain_task.done():
            self._drain_task = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            batch = [(item, fut) for item, fut in self._pending[: self.max_batch] if not fut.done()]
            del self._pending[: self.max_batch]
            if not batch:
                continue
            try:
                results = await loop.run_in_executor(self._executor, self._score_many, [i for i, _ in batch])
            except Exception as exc:
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc)
                continue
            for (_, fut), result in zip(batch, results, strict=True):
                if not fut.done():
                    fut.set_result(result)

    async def score_many(self, items: list[Any]) -> list[Result]:
        """Score a batch request, in order, one result per item."""
        loop = asyncio.get_running_loop()
        results: list[Result] = []
        # in chunks, so that single drafts queued meanwhile are not held up long
        for start in range(0, len(items), SERVICE_BATCH_CHUNK_ITEMS):
            chunk = items[start : start + SERVICE_BATCH_CHUNK_ITEMS]
            results.extend(await loop.run_in_executor(self._executor, self._score_many, chunk))
        return results

    def score_blocking(self, item: dict[str, Any]) -> Result:
        """For plain `def` routes (run in the threadpool): wait for the worker thread."""
        return self._executor.submit(self._score_model, [item]).result()[0]

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
