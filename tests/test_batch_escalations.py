"""Escalations in `postwacht batch`: counted and listed first in the printed summary (ids, roles,
labels, levels; never text) and in the HTML report (with the redacted text only), and written on
their own with `--escalations FILE`: one row per escalated input row, as the output writes it.

Only ESCALATING (role leerling: a threat at level hoog) is known to escalate with every model, so
the expected rows are read from the output itself; ESCALATING must be among them.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from model import Scorer
from serve.batch.report import render_report
from serve.batch.runner import BatchConfig, BatchInterrupted, run_batch
from serve.batch.summary import ESCALATION_LIST_ROWS, Summary, render_text
from serve.batch.writers import CSV_COLUMNS, OutputError

ESCALATING = "ik wacht je morgen op na school en dan maak ik je af"
ROWS = [
    {"id": "x-1", "text": "Morgen is de sportdag, neem je gymtas mee!", "role": "medewerker"},
    {"id": "x-2", "text": ESCALATING, "role": "leerling"},
    {"id": "x-3", "text": "Wat een mooie dag op het schoolplein vandaag!", "role": "ouder"},
    {"id": "x-4", "role": "ouder"},  # no text: an error row
    {"id": "x-5", "text": ESCALATING + "!!", "role": "leerling"},
    {"id": "x-6", "text": "Trots op onze Lina, groep 8 klaar en straks naar de brugklas!", "role": "ouder"},
    {"id": "x-7", "text": ESCALATING + " echt", "role": "leerling"},
]


def write_input(path: Path, rows: list[dict[str, Any]] = ROWS) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def cfg(inp: Path, out: Path, **kw: Any) -> BatchConfig:
    return BatchConfig(input=inp, output=out, workers=1, progress=False, **kw)


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def csv_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_escalations_file_holds_the_escalated_rows_of_the_output(tmp_path: Path, scorer: Scorer) -> None:
    inp = write_input(tmp_path / "in.jsonl")
    out, esc = tmp_path / "out.jsonl", tmp_path / "escalaties.jsonl"
    outcome = run_batch(cfg(inp, out, escalations=esc), scorer=scorer)
    results = jsonl(out)
    assert len(results) == len(ROWS)  # the output itself is unchanged: rows in = rows out
    expected = [line for line, r in zip(out.read_text(encoding="utf-8").splitlines(), results, strict=True)
                if r["escalate"] is True]
    assert {"x-2", "x-5", "x-7"} <= {json.loads(line)["id"] for line in expected}
    assert esc.read_text(encoding="utf-8").splitlines() == expected  # same rows, same bytes, input order
    assert outcome.escalations_written == len(expected) == outcome.summary.escalations
    assert all(r["escalation"] for r in jsonl(esc))


def test_escalations_as_csv_from_a_jsonl_or_csv_output(tmp_path: Path, scorer: Scorer) -> None:
    inp = write_input(tmp_path / "in.jsonl")
    run_batch(cfg(inp, tmp_path / "out.jsonl", escalations=tmp_path / "esc-a.csv"), scorer=scorer)
    run_batch(cfg(inp, tmp_path / "out.csv", escalations=tmp_path / "esc-b.csv"), scorer=scorer)
    from_jsonl, from_csv = csv_rows(tmp_path / "esc-a.csv"), csv_rows(tmp_path / "esc-b.csv")
    assert tuple(from_jsonl[0]) == tuple(from_csv[0]) == CSV_COLUMNS
    at = CSV_COLUMNS.index("escalate")
    output = csv_rows(tmp_path / "out.csv")
    assert from_csv[1:] == [row for row in output[1:] if row[at] == "1"]
    assert from_jsonl == from_csv
    assert {"x-2", "x-5", "x-7"} <= {row[0] for row in from_csv[1:]}
    assert (tmp_path / "esc-b.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8


def test_a_jsonl_escalations_file_cannot_come_from_a_csv_output(tmp_path: Path, scorer: Scorer) -> None:
    inp = write_input(tmp_path / "in.jsonl")
    out = tmp_path / "out.csv"
    with pytest.raises(OutputError, match="--escalations"):
        run_batch(cfg(inp, out, escalations=tmp_path / "esc.jsonl"), scorer=scorer)
    assert not out.exists()  # refused before anything was written
    with pytest.raises(OutputError, match=r"\.jsonl of \.csv"):
        run_batch(cfg(inp, tmp_path / "out.jsonl", escalations=tmp_path / "esc.txt"), scorer=scorer)


def test_an_interrupted_run_leaves_no_escalations_file_and_resume_writes_all(tmp_path: Path,
                                                                           scorer: Scorer) -> None:
    inp = write_input(tmp_path / "in.jsonl")
    out, esc = tmp_path / "out.jsonl", tmp_path / "esc.jsonl"
    esc.write_text("an older run's file\n", encoding="utf-8")

    def stop(rows: int) -> None:
        if rows >= 2:
            raise KeyboardInterrupt

    with pytest.raises(BatchInterrupted):
        run_batch(cfg(inp, out, escalations=esc, chunk_rows=2), scorer=scorer, on_commit=stop)
    assert not esc.exists()  # no stale or partial list passes for this run's
    outcome = run_batch(cfg(inp, out, escalations=esc, chunk_rows=2, resume=True), scorer=scorer)
    assert outcome.resumed_from == 2
    escalated = [r["id"] for r in jsonl(out) if r["escalate"] is True]
    assert [r["id"] for r in jsonl(esc)] == escalated
    assert outcome.summary.escalations == len(escalated)  # the resumed summary counts the earlier rows too
    assert [e["id"] for e in outcome.summary.escalated] == escalated


def test_the_printed_summary_starts_with_the_escalations_and_holds_no_text(
        tmp_path: Path, scorer: Scorer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from corpus.settings import models_dir
    from model import scorer as scorer_module
    from postwacht.cli import main
    from serve.batch import runner

    version_dir = models_dir() / scorer.version
    monkeypatch.setattr(runner, "resolve_model", lambda _: version_dir)
    monkeypatch.setitem(scorer_module._SCORERS, str(version_dir), scorer)
    inp = write_input(tmp_path / "in.jsonl")
    esc = tmp_path / "esc.csv"
    code = main(["batch", str(inp), "-o", str(tmp_path / "out.jsonl"), "--workers", "1", "--no-progress",
                 "--escalations", str(esc)])
    out = capsys.readouterr().out
    assert code == 0
    escalated = [r for r in jsonl(tmp_path / "out.jsonl") if r["escalate"] is True]
    lines = out.splitlines()
    assert lines[0].startswith(f"ESCALATIES: {len(escalated)} bericht(en)")
    first_count = next(i for i, line in enumerate(lines) if line.startswith("Rijen:"))
    listed = [line for line in lines[:first_count] if line.lstrip().startswith("rij ")]
    assert len(listed) == len(escalated)
    for line, result in zip(listed, escalated, strict=True):  # a work list: row, id, role, level, labels
        assert f"id {result['id']}" in line and "rol leerling" in line and "niveau hoog" in line
        assert "threat" in line
    assert f"Escalaties: {len(escalated)} rij(en) in {esc}" in out
    assert "maak ik je af" not in out and "sportdag" not in out  # never draft text on the terminal


def test_a_run_without_escalations_says_so_first(tmp_path: Path, scorer: Scorer) -> None:
    inp = write_input(tmp_path / "in.jsonl", [ROWS[0], ROWS[3]])
    esc = tmp_path / "esc.jsonl"
    outcome = run_batch(cfg(inp, tmp_path / "out.jsonl", escalations=esc), scorer=scorer)
    assert outcome.summary.escalations == 0 and outcome.escalations_written == 0
    assert esc.exists() and esc.read_bytes() == b""
    assert render_text(outcome.summary).splitlines()[0].startswith("Escalaties: 0")


def test_the_report_opens_with_the_escalation_list(tmp_path: Path, scorer: Scorer) -> None:
    inp = write_input(tmp_path / "in.jsonl")
    report = tmp_path / "rapport.html"
    run_batch(cfg(inp, tmp_path / "out.jsonl", report=report), scorer=scorer)
    html = report.read_text(encoding="utf-8")
    escalated = [r for r in jsonl(tmp_path / "out.jsonl") if r["escalate"] is True]
    section = html.index('<section class="esc"')
    # first: before the counts, the charts and the highest-risk rows
    assert section < html.index('<div class="kpis">') < html.index("<h2>Risiconiveau</h2>")
    assert section < html.index('<section id="cases"')
    assert f"Eerst doen: {len(escalated)} escalaties" in html
    items = html[section:html.index("</section>", section)]
    rows = [i + 1 for i, r in enumerate(jsonl(tmp_path / "out.jsonl")) if r["escalate"] is True]
    assert [int(n) for n in re.findall(r'data-row="(\d+)"', items)] == rows  # a work list, in input order
    for result in escalated:
        assert f"id {result['id']}" in items
    assert items.count("Meld dit bij de directie") + items.count("Zorgsignaal: vertel het iemand") == len(rows)
    assert "Wat u doet" in items
    page = html.replace('xmlns="http://www.w3.org/2000/svg"', "")  # a namespace, not a fetch
    for external in ("<script src", "<link", "src=", "url(", "@import", "http://", "https://"):
        assert external not in page


def synthetic(row_id: str, *, escalate: bool, redacted: str = "bel [TELEFOONNUMMER]") -> dict[str, Any]:
    from corpus.vocabulary import LABELS

    flagged = {"threat"} if escalate else set()
    return {"id": row_id, "role": "leerling", "risk": 0.99 if escalate else 0.01,
            "level": "hoog" if escalate else "geen",
            "labels": {lab: {"score": 0.99 if lab in flagged else 0.01, "flagged": lab in flagged} for lab in LABELS},
            "escalate": escalate, "escalation": "Vertel het je juf." if escalate else None,
            "findings": [], "articles": [], "consequences": [], "advice": [],
            # a result may carry its raw text (results imported with text): it is never shown
            "text": "RAUWE TEKST 06-12345678", "redacted_text": redacted, "model_version": "t", "error": None}


def test_the_report_shows_only_redacted_text_and_the_summary_is_bounded() -> None:
    first, second = Summary(), Summary()
    first.add_result(1, synthetic("a", escalate=True))
    first.add_result(2, synthetic("b", escalate=False))
    for n in range(3, ESCALATION_LIST_ROWS + 10):
        second.add_result(n, synthetic(f"r{n}", escalate=True))
    first.merge(second)
    restored = Summary.from_state(json.loads(json.dumps(first.to_state())))  # as in the resume sidecar
    for summary in (first, restored):
        assert summary.escalations == ESCALATION_LIST_ROWS + 8
        assert len(summary.escalated) == ESCALATION_LIST_ROWS
        assert [e["id"] for e in summary.escalated[:3]] == ["a", "r3", "r4"]  # input order
        assert summary.escalation_labels["threat"] == summary.escalations
    html = render_report(restored, "in.jsonl", "t", generated="2026-12-02 12:00")
    assert "[TELEFOONNUMMER]" in html and "RAUWE TEKST" not in html and "06-12345678" not in html
    assert f"eerste {ESCALATION_LIST_ROWS} van {ESCALATION_LIST_ROWS + 8}" in html
    text = render_text(restored)
    assert "[TELEFOONNUMMER]" not in text and "RAUWE" not in text
    assert "en nog" in text and "--escalations" in text
