"""Single drafts never wait behind a batch: the scoring thread serves them between two slices of a
batch; a second batch, or too many waiting drafts, get 429 with Retry-After; a slice the engine
fails on does not fail the batch. The order is observed with a scorer that holds its first batch
slice until the test releases it (events, no timing)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from serve_support import live_server, make_app, sqlite_url

from model import Scorer
from serve.http.scoring import ScoringService, ServiceBusy, slices
from serve.http.state import ScorerHolder

WAIT = 60  # seconds an event may take at most on a loaded machine (never reached when all is well)


class HeldScorer:
    """The real scorer, recording what each call scored; the first call whose items are all batch
    items ("b…") blocks until `release` is set. `fail_on` makes any call holding that id raise."""

    def __init__(self, real: Scorer, fail_on: str | None = None) -> None:
        self.real = real
        self.version, self.protocol = real.version, real.protocol
        self.calls: list[list[str]] = []
        self.held = threading.Event()
        self.release = threading.Event()
        self.fail_on = fail_on
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def score_many(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        ids = [str(item.get("id")) for item in items]
        with self._lock:
            self.calls.append(ids)
            first_batch_call = not self.held.is_set() and all(i.startswith("b") for i in ids)
            if first_batch_call:
                self.held.set()
        if first_batch_call:
            assert self.release.wait(WAIT)
        if self.fail_on in ids:
            raise RuntimeError("engine failure")
        return self.real.score_many(items)


def batch(n: int, text: str = "Fijne dag allemaal") -> list[dict[str, Any]]:
    return [{"id": f"b{i}", "text": text} for i in range(n)]


def test_slices_are_bounded_in_items_and_characters():
    items = [{"text": "a" * 300}] * 5 + [{"text": "b" * 5000}] + [{"text": "c"}] * 40
    parts = list(slices(items, max_items=16, max_chars=1000))
    assert [len(p) for p in parts] == [3, 2, 1, 16, 16, 8]
    assert [item for part in parts for item in part] == items
    assert all(sum(len(i["text"]) for i in p) <= 1000 or len(p) == 1 for p in parts)


def test_a_single_draft_is_scored_before_the_rest_of_a_running_batch(scorer):
    held = HeldScorer(scorer)
    service = ScoringService(ScorerHolder(held), slice_items=4)  # type: ignore[arg-type]

    async def run() -> tuple[list[dict], dict]:
        batch_task = asyncio.create_task(service.score_many(batch(12)))
        assert await asyncio.to_thread(held.held.wait, WAIT)  # slice 1 is on the scoring thread
        single_task = asyncio.create_task(service.score({"id": "single", "text": "jij bent zo dom"}))
        await asyncio.sleep(0)
        held.release.set()
        return await batch_task, await single_task

    try:
        results, single = asyncio.run(run())
    finally:
        service.close()
    assert held.calls == [["b0", "b1", "b2", "b3"], ["single"], ["b4", "b5", "b6", "b7"],
                          ["b8", "b9", "b10", "b11"]]
    assert [r["id"] for r in results] == [f"b{i}" for i in range(12)]
    assert single["id"] == "single" and single["error"] is None


def test_a_second_batch_while_one_runs_is_busy_with_a_retry_time(scorer):
    held = HeldScorer(scorer)
    service = ScoringService(ScorerHolder(held), slice_items=4)  # type: ignore[arg-type]

    async def run() -> ServiceBusy:
        first = asyncio.create_task(service.score_many(batch(8)))
        assert await asyncio.to_thread(held.held.wait, WAIT)
        with pytest.raises(ServiceBusy) as refused:
            await service.score_many(batch(2))
        held.release.set()
        assert len(await first) == 8
        assert len(await service.score_many(batch(2))) == 2  # free again once the first is done
        return refused.value

    try:
        busy = asyncio.run(run())
    finally:
        service.close()
    assert busy.batch is True and 1 <= busy.retry_after <= 60
    assert service.batches_running == 0


def test_too_many_waiting_drafts_are_busy(scorer):
    held = HeldScorer(scorer)
    service = ScoringService(ScorerHolder(held), max_waiting=2)  # type: ignore[arg-type]

    async def run() -> ServiceBusy:
        running = asyncio.create_task(service.score_many(batch(1)))
        assert await asyncio.to_thread(held.held.wait, WAIT)
        waiting = [asyncio.create_task(service.score({"id": f"s{i}", "text": "hoi"})) for i in range(2)]
        await asyncio.sleep(0)
        with pytest.raises(ServiceBusy) as refused:
            await service.score({"id": "s2", "text": "hoi"})
        held.release.set()
        await running
        assert [r["id"] for r in await asyncio.gather(*waiting)] == ["s0", "s1"]
        return refused.value

    try:
        busy = asyncio.run(run())
    finally:
        service.close()
    assert busy.batch is False and busy.retry_after >= 1


def test_a_slice_the_engine_fails_on_gives_one_error_row_not_a_failed_batch(scorer):
    held = HeldScorer(scorer, fail_on="b2")
    held.held.set()  # nothing is held
    service = ScoringService(ScorerHolder(held), slice_items=4)  # type: ignore[arg-type]
    try:
        results = asyncio.run(service.score_many(batch(6)))
    finally:
        service.close()
    assert [r["id"] for r in results] == [f"b{i}" for i in range(6)]
    assert [r["error"] is None for r in results] == [True, True, False, True, True, True]
    assert "internal error" in results[2]["error"] and results[2]["labels"] is None


def wait_until(condition: Any) -> None:
    """Poll a condition of the running server (bounded by WAIT; a test's order, never its speed)."""
    done = threading.Event()
    for _ in range(WAIT * 100):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError("condition not reached")


@pytest.fixture()
def held_server(scorer, tmp_path) -> Iterator[tuple[str, HeldScorer, Any]]:
    held = HeldScorer(scorer)
    app = make_app(held, sqlite_url(tmp_path))  # type: ignore[arg-type]
    try:
        with live_server(app) as base:
            yield base, held, app
    finally:
        held.release.set()


def test_over_http_a_second_batch_is_429_and_a_single_draft_is_answered_meanwhile(held_server):
    base, held, app = held_server
    outcome: dict[str, Any] = {}

    def post(key: str, path: str, body: Any) -> threading.Thread:
        def run() -> None:
            outcome[key] = httpx.post(f"{base}{path}", json=body, timeout=WAIT)
        thread = threading.Thread(target=run)
        thread.start()
        return thread

    first = post("batch", "/v1/score/batch", batch(40))
    try:
        assert held.held.wait(WAIT)  # slice 1 of the batch is on the scoring thread
        second = httpx.post(f"{base}/v1/score/batch", json=batch(2), timeout=WAIT)
        assert second.status_code == 429
        assert 1 <= int(second.headers["retry-after"]) <= 60
        body = second.json()
        assert body["code"] == "busy" and "opnieuw" in body["message_nl"] and body["retry_after"] >= 1
        single = post("single", "/v1/score", {"id": "single", "text": "hoi"})
        wait_until(lambda: app.state.scoring.drafts_waiting == 1)
        held.release.set()
        single.join(WAIT)
    finally:
        held.release.set()
        first.join(WAIT)
    assert outcome["single"].status_code == 200 and outcome["single"].json()["id"] == "single"
    assert outcome["batch"].status_code == 200
    assert [r["id"] for r in outcome["batch"].json()] == [f"b{i}" for i in range(40)]
    # the single draft went right after the slice that was running, before the rest of the batch
    assert [len(c) for c in held.calls] == [16, 1, 16, 8] and held.calls[1] == ["single"]
