"""The coordinator's case list (issue 13): every flagged row in the report, escalations first,
`--flagged` CSV/XLSX, and links from the report into the review queue after `reviews import`."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from corpus.settings import BATCH_TOP_ROWS
from corpus.vocabulary import LABELS
from serve.batch import report as report_module
from serve.batch.cases import FLAGGED_COLUMNS, collect_cases, write_flagged
from serve.batch.report import write_report
from serve.batch.summary import Summary


def result(row_id: str, flagged: set[str], *, level: str, risk: float, escalate: bool = False,
           role: str = "leerling", redacted: str = "tekst", findings: list[dict[str, Any]] | None = None
           ) -> dict[str, Any]:
    return {"id": row_id, "role": role, "risk": risk, "level": level,
            "labels": {lab: {"score": 0.9 if lab in flagged else 0.02, "flagged": lab in flagged} for lab in LABELS},
            "escalate": escalate, "escalation": "Vertel het." if escalate else None,
            "findings": findings or [], "articles": [{"id": "leerlingen.1"}] if flagged else [],
            "consequences": [], "advice": [], "text": "RAUWE TEKST 06-12345678", "redacted_text": redacted,
            "model_version": "t", "error": None}


def synthetic_output(path: Path, n_flagged: int = 60) -> list[dict[str, Any]]:
    """More flagged rows than the old report's top 25: a mix of labels, roles and levels."""
    rows: list[dict[str, Any]] = []
    for i in range(n_flagged):
        lab = ("bullying", "personal_info", "reputation")[i % 3]
        level = ("laag", "midden", "hoog")[i % 3]
        rows.append(result(f"f{i}", {lab}, level=level, risk=0.3 + i / 200, role=("leerling", "ouder")[i % 2],
                           redacted=f"bericht {i} met [TELEFOONNUMMER]"))
        rows.append(result(f"g{i}", set(), level="geen", risk=0.01))
    rows.insert(7, result("esc-1", {"threat"}, level="hoog", risk=0.99, escalate=True))
    rows.insert(30, result("esc-2", {"wellbeing"}, level="hoog", risk=0.95, escalate=True))
    rows.append({"id": "err", "role": None, "risk": None, "level": None, "labels": None, "escalate": False,
                 "findings": [], "articles": [], "consequences": [], "advice": [], "redacted_text": None,
                 "model_version": "t", "error": "Tekst is leeg. (Text is empty.)"})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return rows


def summary_of(rows: list[dict[str, Any]]) -> Summary:
    summary = Summary()
    for number, row in enumerate(rows, start=1):
        summary.add_result(number, row)
    return summary


def test_the_report_lists_every_flagged_row_escalations_first(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    rows = synthetic_output(out)
    flagged_ids = [r["id"] for r in rows if r.get("labels") and any(v["flagged"] for v in r["labels"].values())]
    assert len(flagged_ids) == 62 > BATCH_TOP_ROWS
    page = tmp_path / "rapport.html"
    total = write_report(page, summary_of(rows), "in.jsonl", "t", output=out, output_format="jsonl",
                         import_hint="postwacht reviews import out.jsonl --input in.jsonl --report rapport.html")
    html = page.read_text(encoding="utf-8")
    assert total == 62
    table = html[html.index('id="case-table"'):html.index("</table>", html.index('id="case-table"'))]
    ids = re.findall(r'data-id="([^"]+)"', table)
    assert sorted(ids) == sorted(flagged_ids)
    assert ids[:2] == ["esc-1", "esc-2"]  # escalations first, then the highest level and risk
    levels = re.findall(r'data-rank="(\d)"', table)[2:]
    assert levels == sorted(levels, reverse=True)
    assert "RAUWE TEKST" not in html and "06-12345678" not in html and "[TELEFOONNUMMER]" in html
    assert "Alle gemarkeerde berichten (62)" in html
    assert "nog niet in de wachtrij" in html and "postwacht reviews import out.jsonl" in html
    # the filters offer exactly what the rows hold
    assert re.findall(r'<select id="f-role">(.*?)</select>', html)[0].count("<option") == 3  # alle, leerling, ouder
    assert 'value="threat"' in html and 'value="staff_boundary"' not in html
    # the inline data behind the download has one row per case, in the same order
    data = json.loads(re.search(r'<script type="application/json" id="case-data">(.*?)</script>', html, re.S)
                      .group(1))
    assert data["columns"] == list(FLAGGED_COLUMNS)
    assert [row[2] for row in data["rows"]] == ids


def test_the_page_shows_at_most_the_case_limit_and_says_so(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out.jsonl"
    rows = synthetic_output(out)
    monkeypatch.setattr(report_module, "BATCH_REPORT_MAX_CASES", 10)
    page = tmp_path / "rapport.html"
    write_report(page, summary_of(rows), "in.jsonl", "t", output=out, output_format="jsonl")
    html = page.read_text(encoding="utf-8")
    assert "eerste 10 van 62" in html and "--flagged" in html
    cases, total = collect_cases(out, "jsonl", 10)
    assert total == 62 and [c["id"] for c in cases[:2]] == ["esc-1", "esc-2"]


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_flagged_file_holds_every_flagged_row_escalations_first(tmp_path: Path, ext: str) -> None:
    out = tmp_path / "out.jsonl"
    rows = synthetic_output(out)
    rows.append(result("=cmd", {"bullying"}, level="laag", risk=0.3, redacted="=HYPERLINK(\"x\")"))
    out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    target = tmp_path / f"gemarkeerd.{ext}"
    assert write_flagged(out, "jsonl", target) == 63
    if ext == "csv":
        with target.open(encoding="utf-8-sig", newline="") as fh:
            table = list(csv.reader(fh))
    else:
        from openpyxl import load_workbook

        wb = load_workbook(target, read_only=True)
        table = [["" if v is None else str(v) for v in row] for row in wb.worksheets[0].iter_rows(values_only=True)]
        wb.close()
    assert tuple(table[0]) == FLAGGED_COLUMNS
    body = table[1:]
    assert len(body) == 63
    assert [r[2] for r in body[:2]] == ["esc-1", "esc-2"]
    assert [r[4] for r in body[2:]] == sorted((r[4] for r in body[2:]), key=["hoog", "midden", "laag"].index)
    assert body[0][6] == "Meld dit bij de directie" and body[1][6] == "Zorgsignaal: vertel het iemand"
    hostile = next(r for r in body if r[2] == "'=cmd")  # never a formula in a spreadsheet
    assert hostile[9].startswith("'=")
    assert not any("RAUWE" in cell for r in body for cell in r)


def test_batch_flagged_option_writes_the_case_list(tmp_path: Path, scorer: Any) -> None:
    from serve.batch.runner import BatchConfig, run_batch

    inp = tmp_path / "in.jsonl"
    drafts = ["jij bent een sukkel", "Morgen is de sportdag, neem je gymtas mee!",
              "ik wacht je morgen op na school en dan maak ik je af"]
    inp.write_text("".join(json.dumps({"id": f"d{i}", "text": t, "role": "leerling"}) + "\n"
                           for i, t in enumerate(drafts)), encoding="utf-8")
    outcome = run_batch(BatchConfig(input=inp, output=tmp_path / "out.jsonl", workers=1, progress=False,
                                    flagged=tmp_path / "f.csv"), scorer=scorer)
    with (tmp_path / "f.csv").open(encoding="utf-8-sig", newline="") as fh:
        body = list(csv.reader(fh))[1:]
    assert outcome.flagged_written == len(body) >= 1
    results = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    expected = {r["id"] for r in results if any(v["flagged"] for v in r["labels"].values())}
    assert {r[2] for r in body} == expected


def test_reviews_import_rewrites_the_report_with_links_to_queue_items(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from postwacht.cli import main
    from serve.store.database import Database
    from serve.store.models_db import QueueItem

    url = f"sqlite:///{tmp_path / 'q.db'}"
    monkeypatch.setenv("POSTWACHT_DATABASE_URL", url)
    out = tmp_path / "out.jsonl"
    rows = synthetic_output(out, n_flagged=6)
    for i, row in enumerate(rows):
        row["text"] = f"bericht nummer {i}"  # results that carry their text queue on their own
    out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    page = tmp_path / "rapport.html"
    assert main(["reviews", "import", str(out), "--report", str(page), "--flagged", str(tmp_path / "f.csv"),
                 "--url", "http://school.example:8000/"]) == 0
    assert "Rapport met links naar de wachtrij" in capsys.readouterr().out
    database = Database(url)
    with database.session() as session:
        items = {item.source_id: item.id for item in session.scalars(select(QueueItem))}
    database.dispose()
    html = page.read_text(encoding="utf-8")
    table = html[html.index('id="case-table"'):html.index("</table>", html.index('id="case-table"'))]
    linked = re.findall(r'data-id="([^"]+)".*?href="http://school\.example:8000/wachtrij\?item=(\d+)"', table)
    assert linked and len(linked) == 8  # every flagged row (6 + 2 escalations) links to its own item
    assert all(items[row_id] == int(item) for row_id, item in linked)
    assert "nog niet in de wachtrij" not in html
    with (tmp_path / "f.csv").open(encoding="utf-8-sig", newline="") as fh:
        body = list(csv.DictReader(fh))
    assert all(r["wachtrij"] == f"http://school.example:8000/wachtrij?item={items[r['id']]}" for r in body)
