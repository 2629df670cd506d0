"""Scoring for the service: every draft goes through one worker thread, fed from two queues.

The scorer is CPU-bound Python, so threads would not run it in parallel anyway; one thread means
the Scorer is never used by two threads at once. Single drafts (the page, POST /v1/score) always
go first: drafts that arrive while the thread is busy are scored together with `Scorer.score_many`
(spaCy's `nlp.pipe`), which costs about half as much per draft as scoring them one by one; an idle
service scores a lone draft at once, without waiting.

A batch request (POST /v1/score/batch) has a queue of its own: it is scored in slices of at most
SERVICE_BATCH_SLICE_ITEMS items and SERVICE_BATCH_SLICE_CHARS characters, and between two slices
the thread serves every single draft that arrived meanwhile, so a single draft waits for one slice
at most, never behind the rest of a batch. At most SERVICE_MAX_BATCH_REQUESTS batches are scored at
once and at most SERVICE_MAX_WAITING_DRAFTS single drafts wait; past that the caller gets
`ServiceBusy` (a 429) with the estimated wait in seconds.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from corpus.settings import (
    SERVICE_BATCH_SLICE_CHARS,
    SERVICE_BATCH_SLICE_ITEMS,
    SERVICE_MAX_BATCH_REQUESTS,
    SERVICE_MAX_WAITING_DRAFTS,
    SERVICE_MICRO_BATCH_ITEMS,
    SERVICE_RETRY_AFTER_MAX_SECONDS,
    SERVICE_RETRY_AFTER_MIN_SECONDS,
)
from model.scorer import error_result
from serve.http.state import ScorerHolder
from serve.store.review_memory import StoreMemory

log = logging.getLogger("postwacht.serve")

Result = dict[str, Any]
# The scoring speed assumed until one slice has been measured (corpus/settings.py: 10,000
# characters take about a second).
DEFAULT_CHARS_PER_SECOND = 10_000.0
SLICE_FAILED = ("Deze tekst kon niet worden beoordeeld door een fout aan onze kant. "
                "(This text could not be scored: internal error.)")


class ServiceBusy(Exception):
    """The scoring queue is full; retry after `retry_after` seconds. `batch`: the batch queue."""

    def __init__(self, retry_after: int, batch: bool) -> None:
        super().__init__(f"busy, retry after {retry_after} s")
        self.retry_after, self.batch = retry_after, batch


def text_chars(item: Any) -> int:
    text = item.get("text") if isinstance(item, dict) else None
    return len(text) if isinstance(text, str) else 0


def slices(items: list[Any], max_items: int, max_chars: int) -> Iterator[list[Any]]:
    """Consecutive slices of at most max_items items and max_chars characters (a longer item alone)."""
    current: list[Any] = []
    chars = 0
    for item in items:
        n = text_chars(item)
        if current and (len(current) >= max_items or chars + n > max_chars):
            yield current
            current, chars = [], 0
        current.append(item)
        chars += n
    if current:
        yield current


class ScoringService:
    # reviewed drafts are answered with the reviewer's labels (serve/store/review_memory.py); set by the app
    memory: StoreMemory | None = None

    def __init__(self, holder: ScorerHolder, max_batch: int = SERVICE_MICRO_BATCH_ITEMS, *,
                 slice_items: int = SERVICE_BATCH_SLICE_ITEMS, slice_chars: int = SERVICE_BATCH_SLICE_CHARS,
                 max_batch_requests: int = SERVICE_MAX_BATCH_REQUESTS,
                 max_waiting: int = SERVICE_MAX_WAITING_DRAFTS) -> None:
        self.holder = holder
        self.max_batch = max_batch
        self.slice_items, self.slice_chars = slice_items, slice_chars
        self.max_batch_requests, self.max_waiting = max_batch_requests, max_waiting
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="postwacht-score")
        self._pending: list[tuple[dict[str, Any], asyncio.Future[Result]]] = []
        self._slices: deque[tuple[list[Any], asyncio.Future[list[Result]]]] = deque()
        self._drain_task: asyncio.Task[None] | None = None
        self._batch_requests = 0
        self._batch_chars_left = 0  # characters of accepted batch requests not scored yet
        self._chars_per_second = DEFAULT_CHARS_PER_SECOND

    def _score_many(self, items: list[dict[str, Any]]) -> list[Result]:
        # runs on the worker thread; the holder is read per batch so a swapped model is picked up
        scorer = self.holder.get()
        results = scorer.score_many(items)
        return self.memory.apply(items, results, scorer.protocol) if self.memory else results

    def _score_model(self, items: list[dict[str, Any]]) -> list[Result]:
        # the model's own answer, without the review memory (what a new review records as predicted)
        return self.holder.get().score_many(items)

    # ---- what callers see ------------------------------------------------------------------------
    @property
    def batches_running(self) -> int:
        return self._batch_requests

    @property
    def drafts_waiting(self) -> int:
        return len(self._pending)

    def retry_after(self, chars: int) -> int:
        """Seconds until `chars` characters of queued work are likely scored, within the 429 bounds."""
        seconds = math.ceil(chars / max(self._chars_per_second, 1.0))
        return max(SERVICE_RETRY_AFTER_MIN_SECONDS, min(SERVICE_RETRY_AFTER_MAX_SECONDS, seconds))

    async def score(self, item: dict[str, Any]) -> Result:
        """Score one draft (dict with text, role, id), together with any drafts waiting alongside it.
        Raises ServiceBusy when SERVICE_MAX_WAITING_DRAFTS drafts are already waiting."""
        if len(self._pending) >= self.max_waiting:
            raise ServiceBusy(self.retry_after(sum(text_chars(i) for i, _ in self._pending)), batch=False)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Result] = loop.create_future()
        self._pending.append((item, future))
        self._kick(loop)
        return await future

    async def score_many(self, items: list[Any]) -> list[Result]:
        """Score a batch request, in order, one result per item, slice by slice in the batch queue.
        Raises ServiceBusy when SERVICE_MAX_BATCH_REQUESTS batches are being scored already."""
        if self._batch_requests >= self.max_batch_requests:
            raise ServiceBusy(self.retry_after(self._batch_chars_left), batch=True)
        loop = asyncio.get_running_loop()
        left = sum(map(text_chars, items))
        self._batch_requests += 1
        self._batch_chars_left += left
        results: list[Result] = []
        try:
            for part in slices(items, self.slice_items, self.slice_chars):
                future: asyncio.Future[list[Result]] = loop.create_future()
                self._slices.append((part, future))
                self._kick(loop)
                results.extend(await future)  # a cancelled request cancels its slice: never scored
                done = sum(map(text_chars, part))
                left -= done
                self._batch_chars_left -= done
            return results
        finally:
            self._batch_requests -= 1
            self._batch_chars_left -= left

    def score_blocking(self, item: dict[str, Any]) -> Result:
        """For plain `def` routes (run in the threadpool): wait for the worker thread."""
        return self._executor.submit(self._score_model, [item]).result()[0]

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    # ---- the scheduler ---------------------------------------------------------------------------
    def _kick(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._drain_task is None or self._drain_task.done():
            self._drain_task = loop.create_task(self._drain())

    async def _drain(self) -> None:
        """Single drafts first, then one batch slice, then the single drafts again, until both are empty."""
        while self._pending or self._slices:
            if self._pending:
                await self._score_drafts()
            else:
                await self._score_slice(*self._slices.popleft())

    async def _score_drafts(self) -> None:
        loop = asyncio.get_running_loop()
        batch = [(item, fut) for item, fut in self._pending[: self.max_batch] if not fut.done()]
        del self._pending[: self.max_batch]
        if not batch:
            return
        try:
            results = await loop.run_in_executor(self._executor, self._score_many, [i for i, _ in batch])
        except Exception as exc:
            for _, fut in batch:
                if not fut.done():
                    fut.set_exception(exc)
            return
        for (_, fut), result in zip(batch, results, strict=True):
            if not fut.done():
                fut.set_result(result)

    async def _score_slice(self, items: list[Any], future: asyncio.Future[list[Result]]) -> None:
        if future.done():  # the request went away
            return
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        try:
            results = await loop.run_in_executor(self._executor, self._score_many, items)
        except Exception as exc:
            # One item the engine cannot handle must not fail the whole batch: score one by one,
            # and the items that still fail get an error row.
            log.error("batch slice of %d items failed (%s); scoring them one by one", len(items),
                      type(exc).__name__)
            results = await loop.run_in_executor(self._executor, self._score_each, items)
        else:
            elapsed = time.perf_counter() - started
            chars = sum(map(text_chars, items))
            if elapsed > 0 and chars >= 1000:  # short slices say little about the speed
                self._chars_per_second = 0.7 * self._chars_per_second + 0.3 * (chars / elapsed)
        if not future.done():
            future.set_result(results)

    def _score_each(self, items: list[Any]) -> list[Result]:
        out: list[Result] = []
        for item in items:
            try:
                out.extend(self._score_many([item]))
            except Exception as exc:
                log.error("batch item failed (%s)", type(exc).__name__)
                out.append(error_result(item.get("id") if isinstance(item, dict) else None,
                                        item.get("role") if isinstance(item, dict) else None,
                                        SLICE_FAILED, self.holder.get().version))
        return out
