"""Batch sharp edges (issue 13): string ids and strict JSON, empty text, line breaks in CSV output,
a batch where every row fails, the first non-empty XLSX sheet."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from model import Scorer
from serve.batch.readers import BAD_ID, EMPTY_TEXT, read_rows
from serve.batch.runner import BatchConfig, run_batch
from serve.batch.writers import CSV_COLUMNS, csv_header, encode_csv


def _strict(line: str) -> dict[str, Any]:
    def refuse(name: str) -> None:
        raise AssertionError(f"not strict JSON: {name}")

    return json.loads(line, parse_constant=refuse)


def _run(tmp_path: Path, scorer: Scorer, inp: Path, out_name: str = "out.jsonl", **kw: Any) -> Path:
    out = tmp_path / out_name
    run_batch(BatchConfig(input=inp, output=out, workers=1, progress=False, **kw), scorer=scorer)
    return out


@pytest.fixture()
def cli(scorer: Scorer, monkeypatch: pytest.MonkeyPatch) -> Any:
    """`postwacht ...` in-process, scoring with the session's model."""
    from corpus.settings import models_dir
    from model import scorer as scorer_module
    from postwacht.cli import main
    from serve.batch import runner

    version_dir = models_dir() / scorer.version
    monkeypatch.setattr(runner, "resolve_model", lambda _: version_dir)
    monkeypatch.setitem(scorer_module._SCORERS, str(version_dir), scorer)
    return main


# ---- ids are strings; output is strict JSON -------------------------------------------------------
def test_numeric_ids_become_strings_and_non_finite_ones_error_rows(tmp_path: Path, scorer: Scorer) -> None:
    inp = tmp_path / "in.jsonl"
    inp.write_text('{"id": 17, "text": "hoi"}\n{"id": 17.0, "text": "hoi"}\n{"id": 2.5, "text": "hoi"}\n'
                   '{"id": 1e400, "text": "hoi"}\n{"id": NaN, "text": "hoi"}\n{"id": -Infinity, "text": "hoi"}\n'
                   '{"id": "NaN", "text": "hoi"}\n{"text": "hoi"}\n', encoding="utf-8")
    out = _run(tmp_path, scorer, inp)
    results = [_strict(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(results) == 8
    assert [r["id"] for r in results] == ["17", "17", "2.5", "4", "5", "6", "NaN", "8"]
    assert [r["error"] == BAD_ID for r in results] == [False, False, False, True, True, True, False, False]
    assert all(r["level"] for r in results if not r["error"])


# ---- empty text ----------------------------------------------------------------------------------
def test_empty_or_whitespace_text_is_an_error_row_in_every_format(tmp_path: Path, scorer: Scorer) -> None:
    from openpyxl import Workbook

    texts = ["", "   ", "\t\n", "\u200b\u00ad ", "echt tekst"]
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text("".join(json.dumps({"id": f"r{i}", "text": t}) + "\n" for i, t in enumerate(texts)))
    csv_in = tmp_path / "in.csv"
    csv_in.write_text("id,text\n" + "".join(f'r{i},"{t}"\n' for i, t in enumerate(texts)), encoding="utf-8")
    wb = Workbook()
    ws = wb.active
    ws.append(["id", "text"])
    for i, t in enumerate(texts):
        ws.append([f"r{i}", t])
    xlsx = tmp_path / "in.xlsx"
    wb.save(xlsx)
    for path in (jsonl, csv_in, xlsx):
        rows = list(read_rows(path, path.suffix[1:]))
        errors = {r.id: r.error for r in rows}
        # a spreadsheet drops an empty cell altogether: its row has no text ("Tekst ontbreekt")
        assert all(errors[f"r{i}"] in (EMPTY_TEXT, None) for i in range(4)), path
        assert errors["r4"] is None
    out = _run(tmp_path, scorer, jsonl)
    results = [_strict(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["error"] for r in results] == [EMPTY_TEXT] * 4 + [None]
    assert [r["level"] for r in results][:4] == [None] * 4


def test_score_refuses_an_empty_draft(cli: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["score", "   "]) == 2
    assert "leeg" in capsys.readouterr().err


# ---- CSV output: rows in = rows out, whatever the line breaks ----------------------------------------
BREAKS = ["a\rb", "a\nb", "a\r\nb", "a\u2028b", "a\u2029b", "a\x85b", "a\x0bb", "a\x0cb", "a\x1cb", 'a"b,c']


def test_every_line_break_in_a_csv_field_is_quoted() -> None:
    results = [{"id": f"r{i}", "role": "ouder", "risk": 0.1, "level": "geen", "labels": None,
                "redacted_text": text, "error": None} for i, text in enumerate(BREAKS)]
    data = (csv_header() + encode_csv(results)).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data, newline="")))
    assert rows[0] == list(CSV_COLUMNS)
    at = CSV_COLUMNS.index("redacted_text")
    assert [r[at] for r in rows[1:]] == BREAKS
    # each such field is quoted, so no reader starts a new row inside it
    for result, text in zip(results, BREAKS, strict=True):
        line = encode_csv([result]).decode("utf-8")
        assert '"' + text.replace('"', '""') + '"' in line
        assert line.count("\n") == 1 + text.count("\n") and line.endswith("\n")


def test_a_batch_with_line_breaks_in_the_drafts_keeps_rows_in_equal_rows_out(tmp_path: Path,
                                                                            scorer: Scorer) -> None:
    inp = tmp_path / "in.jsonl"
    inp.write_text("".join(json.dumps({"id": f"r{i}", "text": f"bel 06-12345678 {t} jij sukkel"}) + "\n"
                           for i, t in enumerate(BREAKS)), encoding="utf-8")
    out = _run(tmp_path, scorer, inp, "out.csv")
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows] == [f"r{i}" for i in range(len(BREAKS))]
    for row, t in zip(rows, BREAKS, strict=True):
        assert t.replace("a", "", 1)[:-1] in row["redacted_text"]


# ---- a batch where (nearly) every row fails -----------------------------------------------------------
def test_a_csv_without_a_text_column_exits_non_zero(tmp_path: Path, cli: Any,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    inp = tmp_path / "in.csv"
    inp.write_text("id,bericht\n1,jij bent een sukkel\n2,hallo\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert cli(["batch", str(inp), "-o", str(out), "--workers", "1", "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "geen van de 2 rijen" in err and "'text'" in err
    assert len(out.read_text().splitlines()) == 2  # rows in = rows out, still


def test_more_than_half_failed_warns_but_succeeds(tmp_path: Path, cli: Any,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    inp = tmp_path / "in.jsonl"
    inp.write_text('{"id": 1, "text": "hallo"}\n{"id": 2, "text": ""}\n{"id": 3}\n', encoding="utf-8")
    assert cli(["batch", str(inp), "-o", str(tmp_path / "out.jsonl"), "--workers", "1", "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "LET OP: 2 van de 3 rijen" in err
    inp.write_text('{"id": 1, "text": "hallo"}\n{"id": 2, "text": "doei"}\n{"id": 3}\n', encoding="utf-8")
    assert cli(["batch", str(inp), "-o", str(tmp_path / "out.jsonl"), "--workers", "1", "--no-progress"]) == 0
    assert "LET OP" not in capsys.readouterr().err


# ---- XLSX: the first non-empty sheet, or --sheet ------------------------------------------------------
def _workbook(path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Leeg"
    ws = wb.create_sheet("Meldingen")
    ws.append(["id", "tekst", "rol"])
    ws.append(["m1", "jij bent een sukkel", "leerling"])
    ws.append(["m2", "tot morgen", "ouder"])
    other = wb.create_sheet("Anders")
    other.append(["id", "text"])
    other.append(["a1", "hoi"])
    wb.save(path)
    return path


def test_an_empty_first_sheet_is_passed_over_and_the_sheet_read_is_named(tmp_path: Path, cli: Any,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    inp = _workbook(tmp_path / "in.xlsx")
    out = tmp_path / "out.jsonl"
    assert cli(["batch", str(inp), "-o", str(out), "--workers", "1", "--no-progress"]) == 0
    assert "Werkblad gelezen: 'Meldingen'" in capsys.readouterr().out
    assert [_strict(line)["id"] for line in out.read_text().splitlines()] == ["m1", "m2"]

    assert cli(["batch", str(inp), "-o", str(out), "--sheet", "Anders", "--workers", "1", "--no-progress"]) == 0
    assert "Werkblad gelezen: 'Anders'" in capsys.readouterr().out
    assert [_strict(line)["id"] for line in out.read_text().splitlines()] == ["a1"]

    assert cli(["batch", str(inp), "-o", str(out), "--sheet", "Nee", "--workers", "1", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "'Nee' bestaat niet" in err and "Meldingen" in err
