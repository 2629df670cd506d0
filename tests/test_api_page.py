"""The staff page in a real headless browser (Debian's Chromium driven by Playwright): paste a
draft, see the level and highlighted evidence, sign in as reviewer, submit a review.
Screenshots go to test-artifacts/: page.png (after the review), page-result.png, page-phone.png."""

from __future__ import annotations

from collections.abc import Iterator

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

DRAFT = "Kijk hoe dik Romy is 😂 ze is echt een kankerlijer, bel haar moeder op 06-12345678"

sync_api = require_browser()



@pytest.fixture(scope="module")
def server(scorer, tmp_path_factory) -> Iterator[tuple[str, str]]:
    """The app on a loopback port (uvicorn in a thread); yields (base URL, database URL)."""
    url = sqlite_url(tmp_path_factory.mktemp("page"))
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
    expected = ("status of 401", "status of 403")  # the wrong-token sign-in is meant to fail
    page.goto(server[0] + "/")
    page.wait_for_selector("body[data-ready='true']")
    yield page
    context.close()
    assert [e for e in errors if not any(x in e for x in expected)] == []


def reviews_total(base: str, token: str) -> int:
    return httpx.get(f"{base}/v1/reviews", headers=bearer(token)).json()["total"]


def test_check_a_draft_sign_in_and_review(page, server):
    base, db_url = server
    _, token = new_token(db_url, name="juf Anna")
    ARTIFACTS.mkdir(exist_ok=True)

    # paste a draft, choose a role, Ctrl+Enter
    page.check("input[name='role'][value='leerling']")
    page.fill("#draft", DRAFT)
    page.press("#draft", "Control+Enter")
    page.wait_for_selector("#result:not([hidden]) #level.level-hoog, #result:not([hidden]) #level.level-midden")
    word = page.inner_text("#level .level-word")
    assert word in ("Hoog risico", "Midden risico")
    assert "Uitslag" in page.inner_text("#status")

    # one bar per label, flagged ones say so
    assert page.locator("#bars li").count() == len(LABELS)
    assert "Pesten en beledigen" in page.inner_text("#bars li.flagged >> nth=0")

    # evidence is highlighted and explains itself on focus (keyboard) and hover
    marks = page.locator("#highlighted mark.ev")
    assert marks.count() >= 2
    assert "kankerlijer" in page.inner_text("#highlighted")  # the draft itself, emoji offsets intact
    insult = page.locator("#highlighted mark.ev", has_text="kankerlijer")
    insult.focus()
    tip = insult.locator(".tip")
    assert tip.is_visible() and "Pesten en beledigen" in tip.inner_text()
    phone = page.locator("#highlighted mark.ev", has_text="06-12345678")
    phone.hover()
    assert "Persoonsgegevens" in phone.locator(".tip").inner_text()

    # articles with full text, advice, redacted copy with a copy button
    assert page.locator("#articles .article").count() >= 1
    assert "Leerlingen" in page.inner_text("#articles")
    assert page.locator("#advice li").count() >= 1
    assert "[TELEFOONNUMMER]" in page.input_value("#redacted")
    page.click("#copy")
    page.wait_for_selector("#copy-status:has-text('Gekopieerd')")

    # nothing was stored by checking
    assert reviews_total(base, token) == 0
    assert page.is_hidden("#review")
    page.screenshot(path=str(ARTIFACTS / "page-result.png"), full_page=True)

    # a wrong token is refused with a Dutch message
    page.fill("#token", "pwt_fout")
    page.click("#signin")
    page.wait_for_selector("#signin-status.error")
    assert "onbekend" in page.inner_text("#signin-status")

    # sign in and correct the labels
    page.fill("#token", token)
    page.click("#signin")
    page.wait_for_selector("#signed-in:not([hidden])")
    assert page.inner_text("#reviewer-name") == "juf Anna"
    page.wait_for_selector("#review:not([hidden])")
    page.click("#review-wrong")
    page.check("#review-labels input[value='threat']")
    page.fill("#review-note", "ook dreigend")
    page.click("#review-save")
    page.wait_for_selector("#review-status:has-text('opgeslagen')")
    assert page.is_disabled("#review-right")  # one review per check

    stored = httpx.get(f"{base}/v1/reviews", headers=bearer(token)).json()["items"]
    assert len(stored) == 1
    assert stored[0]["text"] == DRAFT and stored[0]["role"] == "leerling"
    assert "threat" in stored[0]["labels"] and "bullying" in stored[0]["labels"]
    assert stored[0]["agrees"] is False and stored[0]["note"] == "ook dreigend"

    # the token lives in this tab only; the draft is not kept in the browser
    storage = page.evaluate("JSON.stringify([localStorage, sessionStorage])")
    assert "Romy" not in storage and "localStorage" not in storage
    page.screenshot(path=str(ARTIFACTS / "page.png"), full_page=True)


def test_page_works_at_phone_width_with_the_keyboard(page):
    page.set_viewport_size({"width": 375, "height": 740})
    page.focus("#draft")
    page.keyboard.type("Lotte won de tekenwedstrijd, gefeliciteerd!")
    page.keyboard.press("Tab")  # to the role group
    page.keyboard.press("ArrowDown")  # medewerker -> ouder
    assert page.is_checked("input[value='ouder']")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#result:not([hidden])")
    assert page.inner_text("#level .level-word") in ("Geen risico", "Laag risico")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "page-phone.png"), full_page=True)


def test_every_control_has_a_label(page):
    unlabeled = page.evaluate("""() => Array.from(document.querySelectorAll('input, textarea, select'))
        .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(el => el.id)""")
    assert unlabeled == []
    assert page.get_attribute("html", "lang") == "nl"


def test_an_empty_draft_asks_for_text(page):
    page.click("#check")
    assert "Typ of plak" in page.inner_text("#status")
    assert page.is_hidden("#result")


def test_one_school_shows_no_school_choice(page):
    assert page.is_hidden("#school-field")
    assert page.inner_text("#school-name") == "Kindcentrum De Marel"
