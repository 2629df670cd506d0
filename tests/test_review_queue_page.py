"""The reviewer queue on the staff page, keyboard only, in headless Chromium: number keys toggle
labels, Enter saves and moves on, j/k move, s skips. Screenshot: test-artifacts/page-queue.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from serve_support import (
    ARTIFACTS,
    bearer,
    chromium_browser,
    live_server,
    make_app,
    new_token,
    require_browser,
    sqlite_url,
)

from corpus.vocabulary import LABELS
from serve.store.database import Database
from serve.store.queue import import_results

MESSAGES = [
    {"id": "q-1", "text": "hoi vlorpknaak, ga weg", "role": "leerling"},
    {"id": "q-2", "text": "Tot morgen bij de musical!", "role": "ouder"},
    {"id": "q-3", "text": "die juf is echt dom", "role": "leerling"},
]

sync_api = require_browser()



@pytest.fixture()
def server(scorer, tmp_path) -> Iterator[tuple[str, str]]:

    url = sqlite_url(tmp_path)
    database = Database(url)
    database.migrate()
    with database.session() as session:
        import_results(session, scorer.score_many(MESSAGES), "meldingen.jsonl",
                       texts={m["id"]: (m["text"], m["role"]) for m in MESSAGES},
                       thresholds_for=lambda _v: {lab: lm.threshold for lab, lm in scorer.model.label_models.items()})
    database.dispose()
    with live_server(make_app(scorer, url)) as base:
        yield base, url


def test_a_reviewer_works_through_the_queue_with_the_keyboard(server):
    base, db_url = server
    _, token = new_token(db_url, name="meester Bas")
    with chromium_browser(sync_api) as browser:
        page = browser.new_page(viewport={"width": 1100, "height": 1000}, locale="nl-NL")
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(base + "/")
        page.wait_for_selector("body[data-ready='true']")
        assert page.is_hidden("#queue")

        page.fill("#token", token)
        page.click("#signin")
        page.wait_for_selector("#queue-item:not([hidden])")
        assert "3 open" in page.inner_text("#queue-count")
        assert page.locator("#queue-labels button").count() == len(LABELS)
        queue = httpx.get(f"{base}/v1/queue", headers=bearer(token)).json()["items"]
        assert page.inner_text("#queue-text") == queue[0]["text"]  # least certain first

        page.focus("#queue-item")
        page.keyboard.press("j")
        assert page.inner_text("#queue-text") == queue[1]["text"]
        page.keyboard.press("k")
        assert page.inner_text("#queue-text") == queue[0]["text"]

        # the labels start as the model's; make them exactly bullying + reputation
        for i, button in enumerate(page.locator("#queue-labels button").all()):
            if button.get_attribute("aria-pressed") == "true":
                page.keyboard.press(str(i + 1))
        page.keyboard.press("1")
        page.keyboard.press("6")
        pressed = page.locator("#queue-labels button[aria-pressed='true']")
        assert [b.get_attribute("data-label") for b in pressed.all()] == ["bullying", "reputation"]
        page.screenshot(path=str(_artifact("page-queue.png")), full_page=True)
        page.keyboard.press("Enter")
        page.wait_for_selector("#queue-status:has-text('Opgeslagen')")
        assert page.inner_text("#queue-text") == queue[1]["text"]

        page.keyboard.press("s")
        page.wait_for_selector("#queue-status:has-text('Overgeslagen')")
        assert page.inner_text("#queue-text") == queue[2]["text"]
        assert "1 open · 1 beoordeeld · 1 overgeslagen" in page.inner_text("#queue-count")
    assert errors == []

    reviews = httpx.get(f"{base}/v1/reviews", headers=bearer(token)).json()
    assert reviews["total"] == 1
    assert reviews["items"][0]["labels"] == ["bullying", "reputation"]
    assert reviews["items"][0]["text"] == queue[0]["text"]


def _artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


def test_the_queue_page_shows_the_verdict_and_evidence_and_opens_a_linked_item(server, scorer):
    """/wachtrij: the draft with its evidence marked, the level, flagged labels and scores (all of
    them on request); `?item=ID` (the batch report's link) opens that item first.
    Screenshot: test-artifacts/page-queue-evidence.png."""
    base, db_url = server
    _, token = new_token(db_url, name="juf Evi")
    items = httpx.get(f"{base}/v1/queue", headers=bearer(token)).json()["items"]
    target = next(i for i in items if i["source_id"] == "q-3")  # "die juf is echt dom"
    expected = scorer.score(target["text"], role=target["role"])
    detail = httpx.get(f"{base}/v1/queue/{target['id']}", headers=bearer(token))
    assert detail.status_code == 200
    assert detail.json()["result"]["labels"] == expected["labels"] and detail.json()["status"] == "open"
    assert httpx.get(f"{base}/v1/queue/{target['id']}").status_code == 401
    assert httpx.get(f"{base}/v1/queue/999999", headers=bearer(token)).status_code == 404
    flagged = [lab for lab, v in expected["labels"].items() if v["flagged"]]
    assert flagged, "the fixture message must flag something"

    with chromium_browser(sync_api) as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="nl-NL")
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        response = page.goto(f"{base}/wachtrij?item={target['id']}")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_selector("body[data-ready='true']")
        assert page.is_hidden("#queue")
        page.fill("#token", token)
        page.click("#signin")
        page.wait_for_selector(f"body[data-item='{target['id']}']")
        assert page.inner_text("#queue-text") == target["text"]
        assert page.is_hidden("#signin-form") and page.is_visible("#signed-in")
        assert "afstand tot een drempel" not in page.inner_text("#queue-item")
        # the verdict: level and risk, the flagged labels with their scores
        level_word = {"geen": "Geen risico", "laag": "Laag risico", "midden": "Midden risico", "hoog": "Hoog risico"}
        assert page.inner_text("#queue-level") == f"{level_word[expected['level']]} (risico {expected['risk']:.2f})"
        shown = page.eval_on_selector_all("#queue-flagged li[data-label]", "ls => ls.map(l => l.dataset.label)")
        assert shown == flagged
        # the evidence: marked in the draft, exactly the spans of the findings behind a label
        marks = page.eval_on_selector_all("#queue-text mark.ev", "ms => ms.map(m => m.textContent)")
        spans = sorted({(f["start"], f["end"]) for f in expected["findings"] if f["label"]})
        assert marks and set(marks) <= {target["text"][s:e] for s, e in spans}
        assert page.locator("#queue-evidence li[data-label]").count() >= 1
        # every score only on request
        assert not page.is_visible(".q-scores")
        page.click("#queue-scores summary")
        assert page.locator("#queue-score-rows tr").count() == len(LABELS)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "page-queue-evidence.png"), full_page=True)

        # the keyboard works here too: save the item as reviewed, then its link says so
        page.focus("#queue-item")
        page.keyboard.press("Enter")
        page.wait_for_selector("#queue-status:has-text('Opgeslagen')")
        page.goto(f"{base}/wachtrij?item={target['id']}")
        page.wait_for_selector("body[data-ready='true']")
        page.wait_for_selector("#queue-closed:not([hidden])")
        assert "al beoordeeld" in page.inner_text("#queue-closed")
    assert errors == []
