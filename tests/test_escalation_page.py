"""Escalations in a real headless browser (Debian's Chromium driven by Playwright).

The staff page shows an escalating result's alert first, above the verdict and every score, in a
live region (role="alert"), focused, with tel: links for a pupil; the queue marks escalated items;
the batch report opens with the escalation list.
Screenshots: test-artifacts/page-escalation.png, report-escalations.png, page-queue-escalation.png.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from serve_support import (
    ARTIFACTS,
    chromium_browser,
    live_server,
    make_app,
    new_token,
    require_browser,
    sqlite_url,
)

from serve.batch.runner import BatchConfig, run_batch
from serve.store.database import Database
from serve.store.queue import import_results

ESCALATING = "ik wacht je morgen op na school en dan maak ik je af"
HARMLESS = "Morgen is de sportdag, neem je gymtas mee!"
HEADINGS = ("Meld dit bij de directie", "Zorgsignaal: vertel het iemand")

sync_api = require_browser()


@pytest.fixture(scope="module")
def server(scorer, tmp_path_factory) -> Iterator[tuple[str, str]]:
    url = sqlite_url(tmp_path_factory.mktemp("escalation-page"))
    messages = [{"id": "q-1", "text": "Tot morgen bij de musical!", "role": "ouder"},
                {"id": "q-2", "text": ESCALATING, "role": "leerling"},
                {"id": "q-3", "text": "die juf is echt dom", "role": "leerling"}]
    database = Database(url)
    database.migrate()
    with database.session() as session:
        import_results(session, scorer.score_many(messages), "meldingen.jsonl",
                       texts={m["id"]: (m["text"], m["role"]) for m in messages},
                       thresholds_for=lambda _v: {lab: lm.threshold for lab, lm in scorer.model.label_models.items()})
    database.dispose()
    with live_server(make_app(scorer, url)) as base:
        yield base, url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium_browser(sync_api) as browser:
        yield browser


@pytest.fixture()
def page(browser, server):
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="nl-NL")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(server[0] + "/")
    page.wait_for_selector("body[data-ready='true']")
    yield page
    context.close()
    assert errors == []


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


def check(page, text: str, role: str) -> None:
    page.check(f"input[name='role'][value='{role}']")
    page.fill("#draft", text)
    page.press("#draft", "Control+Enter")
    page.wait_for_selector("#status:has-text('Uitslag')")


def test_the_escalation_comes_first_and_unmistakably(page):
    assert page.get_attribute("#escalation", "role") == "alert"  # a live region, there before any result
    assert page.locator("#escalation > *").count() == 0

    check(page, ESCALATING, "leerling")
    box = page.locator("#escalation .escalation")
    box.wait_for(state="visible")
    heading = page.inner_text("#escalation-title")
    assert heading in HEADINGS
    assert page.inner_text("#escalation .escalation-text").strip()
    assert page.get_attribute("#escalation-box", "aria-labelledby") == "escalation-title"

    # above the verdict and every score: first in the DOM and on screen
    order = page.evaluate("""() => {
        const alert = document.getElementById('escalation');
        return ['level', 'bars', 'result-title'].map(id =>
            Boolean(alert.compareDocumentPosition(document.getElementById(id)) & Node.DOCUMENT_POSITION_FOLLOWING));
    }""")
    assert order == [True, True, True]
    assert box.bounding_box()["y"] + box.bounding_box()["height"] <= page.locator("#level").bounding_box()["y"]
    assert page.is_visible("#level")

    # the pupil gets the helplines as tel: links, reachable with the keyboard
    hrefs = page.eval_on_selector_all("#escalation a", "links => links.map(a => a.getAttribute('href'))")
    assert hrefs == ["tel:08000432", "tel:08000113", "tel:112"]
    links = page.inner_text("#escalation .helplines")
    for number in ("0800-0432", "0800-0113", "112"):
        assert number in links
    assert page.evaluate("document.activeElement.id") == "escalation-box"  # focus lands on the alert
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "tel:08000432"
    assert heading.split(":")[0] in page.inner_text("#status")

    # strong contrast: light text on a dark background
    colours = page.evaluate("""() => { const s = getComputedStyle(document.getElementById('escalation-box'));
        return [s.color, s.backgroundColor]; }""")
    assert colours[0] == "rgb(255, 255, 255)" and colours[1] != "rgba(0, 0, 0, 0)"
    page.screenshot(path=str(artifact("page-escalation.png")), full_page=True)

    # a harmless draft clears the alert; staff get no pupil helplines
    check(page, HARMLESS, "medewerker")
    assert page.locator("#escalation > *").count() == 0
    check(page, ESCALATING, "medewerker")
    page.wait_for_selector("#escalation .escalation")
    hrefs = page.eval_on_selector_all("#escalation a", "links => links.map(a => a.getAttribute('href'))")
    assert hrefs == ["tel:112"]


def test_the_queue_marks_escalated_items_and_shows_them_first(page, server):
    _, db_url = server
    _, token = new_token(db_url, name="meester Bas")
    page.fill("#token", token)
    page.click("#signin")
    page.wait_for_selector("#queue-item:not([hidden])")
    assert page.inner_text("#queue-text") == ESCALATING  # first, whatever the model's certainty
    assert page.is_visible("#queue-escalation")
    assert page.inner_text("#queue-escalation-heading").startswith("Escalatie:")
    assert "escalatie" in page.inner_text("#queue-meta")
    page.screenshot(path=str(artifact("page-queue-escalation.png")), full_page=True)
    page.focus("#queue-item")
    page.keyboard.press("j")
    assert page.inner_text("#queue-text") != ESCALATING
    assert page.is_hidden("#queue-escalation")


def test_the_batch_report_opens_with_the_escalations(browser, scorer, tmp_path):
    rows = [{"id": "r-1", "text": HARMLESS, "role": "medewerker"},
            {"id": "r-2", "text": ESCALATING, "role": "leerling"},
            {"id": "r-3", "text": "Het nummer van Daan is 06-12345678, bel hem maar", "role": "ouder"},
            {"id": "r-4", "text": ESCALATING + ", echt waar", "role": "ouder"}]
    inp = tmp_path / "meldingen.jsonl"
    inp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    report = tmp_path / "rapport.html"
    outcome = run_batch(BatchConfig(input=inp, output=tmp_path / "out.jsonl", workers=1, progress=False,
                                    report=report), scorer=scorer)
    assert outcome.summary.escalations >= 2
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="nl-NL")
    page = context.new_page()
    page.goto(report.as_uri())
    first_h2 = page.locator("h2").first
    assert first_h2.get_attribute("id") == "esc-title"
    assert f"Eerst doen: {outcome.summary.escalations} escalaties" in first_h2.inner_text()
    items = page.locator("#escalaties li")
    assert items.count() == outcome.summary.escalations
    assert "id r-2" in items.first.inner_text() and "Wat u doet" in page.inner_text("#escalaties")
    assert page.locator("#escalaties").bounding_box()["y"] < page.locator(".kpis").bounding_box()["y"]
    page.screenshot(path=str(artifact("report-escalations.png")), full_page=True)
    context.close()
