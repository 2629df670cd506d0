"""`postwacht batch` end to end, in-process: rows in = rows out, in order, resumable."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from model import Scorer
from serve.batch.runner import BatchConfig, BatchInterrupted, run_batch
from serve.batch.writers import CSV_COLUMNS, sidecar_path

DRAFTS = [
    ("b-001", "nummer van sanne haar moeder is 06-28471935 hoor, bel haar maar", "ouder"),
    ("b-002", "jij bent zo'n noob Daan ga dood ofzo je hebt ons hele potje verpest", "leerling"),
    ("b-003", "Wat een mooie dag op het schoolplein vandaag!", "medewerker"),
    ("b-004", "ik weet waar je woont, let maar op", None),
    ("b-005", "Trots op onze Lina, groep 8 klaar en straks naar de brugklas!", "ouder"),
]


def jsonl_input(path: Path, copies: int = 3) -> Path:
    """Good drafts with bad rows between them; returns the path (rows: 5*copies + 4)."""
    lines = []
    for c in range(copies):
        for id_, text, role in DRAFTS:
            obj = {"id": f"{id_}-{c}", "text": text}
            if role:
                obj["role"] = role
            lines.append(json.dumps(obj, ensure_ascii=False).encode())
    lines.insert(2, b'{"id": "no-text", "role": "ouder"}')
    lines.insert(5, b'{"id": "bad-role", "text": "hallo", "role": "directeur"}')
    lines.insert(7, b'{"id": "bad-utf8", "text": "caf\xe9"}')
    lines.insert(9, b'{"text": "zonder id, rij tien"}')
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _results(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _cfg(inp: Path, out: Path, **kw: Any) -> BatchConfig:
    return BatchConfig(input=inp, output=out, workers=1, progress=False, **kw)


def test_every_input_row_gives_one_result_in_order(tmp_path: Path, scorer: Scorer) -> None:
    inp = jsonl_input(tmp_path / "in.jsonl")
    outcome = run_batch(_cfg(inp, tmp_path / "out.jsonl"), scorer=scorer)
    results = _results(tmp_path / "out.jsonl")
    n_in = len(inp.read_bytes().splitlines())
    assert len(results) == n_in == outcome.rows_total == outcome.summary.rows
    ids = [r["id"] for r in results]
    assert ids[2] == "no-text" and ids[5] == "bad-role" and ids[7] == "bad-utf8" and ids[9] == "10"
    errors = {r["id"]: r["error"] for r in results if r["error"]}
    assert set(errors) == {"no-text", "bad-role", "bad-utf8"}
    assert "UTF-8" in errors["bad-utf8"] and "directeur" in errors["bad-role"]
    for r in results:
        assert (r["labels"] is None) == (r["error"] is not None)
    assert outcome.summary.errors == 3
    assert not sidecar_path(tmp_path / "out.jsonl").exists()


def test_batch_results_equal_the_python_api(tmp_path: Path, scorer: Scorer) -> None:
    inp = jsonl_input(tmp_path / "in.jsonl", copies=1)
    run_batch(_cfg(inp, tmp_path / "out.jsonl"), scorer=scorer)
    by_id = {r["id"]: r for r in _results(tmp_path / "out.jsonl")}
    for id_, text, role in DRAFTS:
        expected = scorer.score(text, role=role, id=f"{id_}-0")
        assert json.loads(json.dumps(expected, default=int)) == by_id[f"{id_}-0"]


def test_csv_in_csv_out_keeps_rows_and_flattens(tmp_path: Path, scorer: Scorer) -> None:
    inp = tmp_path / "in.csv"
    body = "".join(f'{i},"{t}",{r or ""}\n' for i, t, r in DRAFTS)
    inp.write_bytes(("id,text,role\n" + body + 'x1,"kapot\nx2,los,ouder\n').encode())
    run_batch(_cfg(inp, tmp_path / "out.csv"), scorer=scorer)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text(encoding="utf-8-sig"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["id"] for r in rows] == [d[0] for d in DRAFTS] + ["x1", "x2"]
    assert rows[5]["error"].startswith("Kapotte CSV") and rows[6]["error"] == ""
    assert rows[0]["personal_info_flagged"] == "1" and "[TELEFOONNUMMER]" in rows[0]["redacted_text"]


def test_xlsx_input_is_scored_like_jsonl(tmp_path: Path, scorer: Scorer) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["id", "text", "role"])
    for id_, text, role in DRAFTS:
        ws.append([id_, text, role])
    wb.save(tmp_path / "in.xlsx")
    run_batch(_cfg(tmp_path / "in.xlsx", tmp_path / "out.jsonl"), scorer=scorer)
    results = _results(tmp_path / "out.jsonl")
    assert [r["id"] for r in results] == [d[0] for d in DRAFTS]
    assert results[1]["labels"]["bullying"]["flagged"] is True


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_interrupted_run_resumes_without_duplicates_or_gaps(tmp_path: Path, scorer: Scorer, fmt: str) -> None:
    inp = jsonl_input(tmp_path / "in.jsonl")
    fresh, broken = tmp_path / f"fresh.{fmt}", tmp_path / f"broken.{fmt}"
    whole = run_batch(_cfg(inp, fresh, chunk_rows=4), scorer=scorer)

    def stop_after_two_chunks(rows_written: int) -> None:
        if rows_written >= 8:
            raise KeyboardInterrupt

    with pytest.raises(BatchInterrupted) as stopped:
        run_batch(_cfg(inp, broken, chunk_rows=4), scorer=scorer, on_commit=stop_after_two_chunks)
    assert stopped.value.rows == 8
    with broken.open("ab") as fh:  # killed in the middle of writing the third chunk
        fh.write(b'{"id": "b-0' if fmt == "jsonl" else b'b-003-1,ouder,0.1')
    resumed = run_batch(_cfg(inp, broken, chunk_rows=5, resume=True), scorer=scorer)
    assert resumed.resumed_from == 8 and resumed.rows_new == whole.rows_total - 8
    assert broken.read_bytes() == fresh.read_bytes()
    assert resumed.summary.to_state() == whole.summary.to_state()


def test_resume_without_sidecar_counts_complete_lines(tmp_path: Path, scorer: Scorer) -> None:
    inp = jsonl_input(tmp_path / "in.jsonl")
    out = tmp_path / "out.jsonl"
    run_batch(_cfg(inp, out), scorer=scorer)
    good = out.read_bytes()
    lines = good.splitlines(keepends=True)
    out.write_bytes(b"".join(lines[:6]) + lines[6][:20])  # a run killed mid-line, sidecar lost
    outcome = run_batch(_cfg(inp, out, resume=True), scorer=scorer)
    assert outcome.resumed_from == 6
    assert out.read_bytes() == good


def test_report_is_self_contained_and_hides_personal_data(tmp_path: Path, scorer: Scorer) -> None:
    inp = jsonl_input(tmp_path / "in.jsonl")
    report = tmp_path / "rapport.html"
    run_batch(_cfg(inp, tmp_path / "out.jsonl", report=report), scorer=scorer)
    html = report.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html
    page = html.replace('xmlns="http://www.w3.org/2000/svg"', "")  # a namespace, not a fetch
    for external in ("<script src", "<link", "src=", "url(", "@import", "http://", "https://"):
        assert external not in page
    assert "06-28471935" not in html and "[TELEFOONNUMMER]" in html
    assert "Pesten en beledigen" in html and "Alle gemarkeerde berichten" in html


def test_cli_prints_counts_but_no_draft_text(tmp_path: Path, scorer: Scorer, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from corpus.settings import models_dir
    from model import scorer as scorer_module
    from postwacht.cli import main
    from serve.batch import runner

    version_dir = models_dir() / scorer.version
    monkeypatch.setattr(runner, "resolve_model", lambda _: version_dir)
    monkeypatch.setitem(scorer_module._SCORERS, str(version_dir), scorer)  # reuse the loaded model
    inp = jsonl_input(tmp_path / "in.jsonl", copies=1)
    code = main(["batch", str(inp), "-o", str(tmp_path / "out.csv"), "--workers", "1", "--no-progress",
                 "--report", str(tmp_path / "r.html")])
    captured = capsys.readouterr()
    assert code == 0
    assert "Rijen: 9" in captured.out and "fouten: 3" in captured.out
    for _, text, _ in DRAFTS:
        for word in text.split()[:3]:
            if len(word) > 5:
                assert word not in captured.out + captured.err
    assert (tmp_path / "r.html").exists()


def test_unreadable_input_leaves_an_existing_output_alone(tmp_path: Path, scorer: Scorer) -> None:
    from serve.batch.readers import ReaderError

    inp = tmp_path / "in.csv"
    inp.write_bytes(b'id,"text\n1,hallo\n')  # the header's quote never closes
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"earlier results\n")
    with pytest.raises(ReaderError):
        run_batch(_cfg(inp, out), scorer=scorer)
    assert out.read_bytes() == b"earlier results\n"


def test_cli_rejects_an_unknown_output_extension(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from postwacht.cli import main

    inp = jsonl_input(tmp_path / "in.jsonl", copies=1)
    assert main(["batch", str(inp), "-o", str(tmp_path / "out.txt")]) == 2
    assert "uitvoerformaat" in capsys.readouterr().err


def test_cli_without_a_model_says_so_in_dutch_and_trains_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    from postwacht.cli import main

    empty = tmp_path / "models"
    monkeypatch.setenv("POSTWACHT_MODELS_DIR", str(empty))
    inp = jsonl_input(tmp_path / "in.jsonl", copies=1)
    out = tmp_path / "out.jsonl"
    assert main(["batch", str(inp), "-o", str(out), "--workers", "1", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "Er is nog geen model" in err and "postwacht train" in err and "(No model yet" in err
    assert not out.exists()  # nothing written
    assert not empty.exists() or not any(empty.iterdir())  # and nothing trained
