"""The batch report's case list in headless Chromium: filters by label, role and level, sorting, and
the CSV download of the rows shown, all from the page's own inline script (opened as a file,
offline). Screenshot: test-artifacts/report-cases.png."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from serve_support import ARTIFACTS, chromium_browser, require_browser
from test_batch_cases import summary_of, synthetic_output

from serve.batch.report import write_report

sync_api = require_browser()


def _visible_ids(page) -> list[str]:
    return page.eval_on_selector_all("#case-table tbody tr:not([hidden])", "rows => rows.map(r => r.dataset.id)")


def test_the_coordinator_filters_sorts_and_downloads_the_case_list(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    rows = synthetic_output(out, n_flagged=30)
    report = tmp_path / "rapport.html"
    write_report(report, summary_of(rows), "meldingen.jsonl", "t", output=out, output_format="jsonl")
    by_id = {r["id"]: r for r in rows}

    def flagged(row_id: str) -> list[str]:
        return [lab for lab, v in by_id[row_id]["labels"].items() if v["flagged"]]

    with chromium_browser(sync_api) as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="nl-NL", accept_downloads=True)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(report.as_uri())
        page.wait_for_selector("body[data-cases='ready']")
        everything = _visible_ids(page)
        assert len(everything) == 32 and everything[:2] == ["esc-1", "esc-2"]
        assert page.inner_text("#shown") == "32 van 32 getoond"

        page.select_option("#f-label", "personal_info")
        shown = _visible_ids(page)
        assert shown and all(flagged(i) == ["personal_info"] for i in shown)
        assert len(shown) == sum(1 for i in everything if "personal_info" in flagged(i))

        page.select_option("#f-role", "ouder")
        shown = _visible_ids(page)
        assert shown and all(by_id[i]["role"] == "ouder" and "personal_info" in flagged(i) for i in shown)

        page.select_option("#f-label", "")
        page.select_option("#f-role", "")
        page.select_option("#f-level", "midden")
        shown = _visible_ids(page)
        assert shown and all(by_id[i]["level"] == "midden" for i in shown)
        page.select_option("#f-level", "")

        page.check("#f-esc")
        assert _visible_ids(page) == ["esc-1", "esc-2"]
        page.uncheck("#f-esc")

        page.select_option("#f-sort", "row")
        numbers = page.eval_on_selector_all("#case-table tbody tr:not([hidden])", "rs => rs.map(r => +r.dataset.row)")
        assert numbers == sorted(numbers) and len(numbers) == 32
        page.select_option("#f-sort", "risk")
        risks = page.eval_on_selector_all("#case-table tbody tr:not([hidden])", "rs => rs.map(r => +r.dataset.risk)")
        assert risks == sorted(risks, reverse=True)
        positions = page.eval_on_selector_all("#case-table tbody tr .pos", "cs => cs.map(c => +c.textContent)")
        assert positions == list(range(1, 33))  # the # column follows the order shown

        page.select_option("#f-level", "hoog")
        shown = _visible_ids(page)
        with page.expect_download() as info:
            page.click("#download")
        data = Path(info.value.path()).read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
        assert table[0][:3] == ["volgorde", "rij", "id"]
        assert [r[2] for r in table[1:]] == shown  # the rows shown, in the order shown
        assert all(r[4] == "hoog" for r in table[1:])

        page.select_option("#f-level", "")
        page.select_option("#f-sort", "default")
        page.locator("#cases").scroll_into_view_if_needed()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report-cases.png"), full_page=True)
    assert errors == []
