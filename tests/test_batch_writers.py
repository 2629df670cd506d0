"""Batch output: encodings, durable chunks, resume points, and the summary they carry."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from corpus.vocabulary import LABELS
from model.scorer import error_result
from serve.batch.summary import Summary, error_kind
from serve.batch.writers import (
    CSV_COLUMNS,
    OutputError,
    OutputSink,
    csv_header,
    encode_csv,
    encode_jsonl,
    flatten,
    sidecar_path,
    unflatten,
)

VERSION = "pw-test"


def scored(id_: Any, level: str = "hoog", risk: float = 0.9, flagged: tuple[str, ...] = ("personal_info",),
           text: str = "bel 06-12345678 nu") -> dict[str, Any]:
    labels = {lab: {"score": 0.95 if lab in flagged else 0.01, "flagged": lab in flagged} for lab in LABELS}
    return {
        "id": id_, "role": "ouder", "risk": risk, "level": level, "labels": labels,
        "findings": [{"label": "personal_info", "type": "phone_number", "start": np.int64(4), "end": 15,
                      "text": text[4:15], "explanation": "Telefoonnummer van een ander", "severity": "hoog"},
                     {"label": "personal_info", "type": "model", "start": 0, "end": 3, "text": "bel",
                      "explanation": "Woorden die op persoonsgegevens wijzen"}],
        "articles": [{"id": "ouders.1", "section": "Voor ouders/verzorgers", "number": 1, "text": "..."}],
        "consequences": [{"id": "sancties-ouders-leerlingen.1"}], "advice": ["Haal het nummer weg."],
        "redacted_text": "bel [TELEFOONNUMMER] nu", "model_version": VERSION, "error": None,
    }


def failed(id_: Any) -> dict[str, Any]:
    return error_result(id_, None, "Tekst ontbreekt. (Missing 'text'.)", VERSION)


# ---- encodings ---------------------------------------------------------------------------
def test_jsonl_encodes_numpy_offsets_and_lone_surrogates() -> None:
    bad = scored("s\ud800")
    lines = encode_jsonl([scored(1), bad]).decode("utf-8").splitlines()
    assert json.loads(lines[0])["findings"][0]["start"] == 4
    assert json.loads(lines[1])["id"] == "s\ud800"  # escaped, still valid UTF-8 and JSON


def test_csv_rows_are_flat_with_one_score_and_flag_per_label() -> None:
    data = csv_header() + encode_csv([scored("a"), failed("b")])
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[0]["personal_info_flagged"] == "1" and rows[0]["bullying_flagged"] == "0"
    assert rows[0]["articles"] == "ouders.1" and json.loads(rows[0]["findings"])[0]["start"] == 4
    assert rows[1]["error"].startswith("Tekst ontbreekt") and rows[1]["risk"] == "" and rows[1]["level"] == ""
    assert unflatten(rows[0])["labels"]["personal_info"]["flagged"] is True


def test_csv_cells_that_would_run_as_a_formula_are_defused() -> None:
    row = flatten({**scored("=HYPERLINK(1)"), "redacted_text": "+31 bel mij"})
    assert row[0] == "'=HYPERLINK(1)"
    assert row[CSV_COLUMNS.index("redacted_text")] == "'+31 bel mij"
    assert flatten(scored("-17"))[0] == "-17"


# ---- durable output and resume -------------------------------------------------------------
def _meta(size: int = 10) -> dict[str, Any]:
    return {"input": {"name": "in.jsonl", "size": size, "mtime_ns": 1}, "model_version": VERSION}


def _chunk_summary(results: list[dict[str, Any]], first: int) -> Summary:
    s = Summary()
    for i, r in enumerate(results):
        s.add_result(first + i, r)
    return s


def _write_run(path: Path, fmt: str, chunks: list[list[dict[str, Any]]]) -> OutputSink:
    sink, _ = OutputSink.open(path, fmt, _meta(), resume=False)
    summary = Summary()
    n = 1
    for results in chunks:
        summary.merge(_chunk_summary(results, n))
        data = encode_csv(results) if fmt == "csv" else encode_jsonl(results)
        sink.commit(data, len(results), summary)
        n += len(results)
    return sink


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_resume_truncates_a_torn_chunk_back_to_the_sidecar(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    sink = _write_run(out, fmt, [[scored(1), failed(2)], [scored(3)]])
    sink.close()
    good = out.read_bytes()
    with out.open("ab") as fh:
        fh.write(b'{"id": 4, "ro')  # killed halfway through the next chunk
    sink, point = OutputSink.open(out, fmt, _meta(), resume=True)
    sink.close()
    assert (point.rows, point.source) == (3, "sidecar")
    assert out.read_bytes() == good
    assert point.summary.rows == 3 and point.summary.errors == 1


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_resume_without_sidecar_scans_complete_rows(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    sink = _write_run(out, fmt, [[scored(1), failed(2)], [scored(3, text="regel\nmet enter")]])
    sink.close()
    expected = sink.rows
    good = out.read_bytes()
    sidecar_path(out).unlink()
    torn = encode_csv([scored(4)]) if fmt == "csv" else encode_jsonl([scored(4)])
    with out.open("ab") as fh:
        fh.write(torn[: len(torn) // 2])
    sink, point = OutputSink.open(out, fmt, _meta(), resume=True)
    sink.close()
    assert (point.rows, point.source) == (expected, "scan")
    assert out.read_bytes() == good
    assert point.summary.levels["hoog"] == 2 and point.summary.errors == 1


def test_finished_run_leaves_no_sidecar(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    sink = _write_run(out, "jsonl", [[scored(1)]])
    assert json.loads(sidecar_path(out).read_text())["rows"] == 1
    sink.finish()
    assert not sidecar_path(out).exists()


def test_resume_refuses_a_changed_input_or_model(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    _write_run(out, "jsonl", [[scored(1)]]).close()
    with pytest.raises(OutputError, match="veranderd"):
        OutputSink.open(out, "jsonl", _meta(size=11), resume=True)
    with pytest.raises(OutputError, match="model"):
        OutputSink.open(out, "jsonl", {**_meta(), "model_version": "pw-other"}, resume=True)


def test_without_resume_an_existing_output_is_replaced(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    out.write_bytes(b"oud\n")
    sink, point = OutputSink.open(out, "csv", _meta(), resume=False)
    sink.close()
    assert point.rows == 0 and out.read_bytes() == csv_header()


# ---- summary --------------------------------------------------------------------------------
def test_merged_chunk_summaries_equal_one_summary() -> None:
    results = [scored(i, level="hoog" if i % 3 else "midden", risk=0.5 + i / 100) for i in range(1, 61)]
    results[5] = failed(6)
    whole = _chunk_summary(results, 1)
    merged = Summary()
    for start in range(0, 60, 7):
        merged.merge(_chunk_summary(results[start:start + 7], start + 1))
    assert merged.to_state() == whole.to_state()
    assert json.loads(json.dumps(whole.to_state())) == whole.to_state()
    top = whole.top_rows()
    assert len(top) == 25 and top[0]["level"] == "hoog" and top[0]["risk"] >= top[1]["risk"]


def test_top_rows_show_personal_data_as_placeholders() -> None:
    s = Summary()
    s.add_result(1, scored("a"))
    evidence = s.top_rows()[0]["evidence"]
    assert {"[TELEFOONNUMMER]", "bel"} == {e["quote"] for e in evidence}
    assert "06-12345678" not in json.dumps(s.to_state())


def test_error_kinds_do_not_repeat_row_values() -> None:
    assert error_kind("Onbekende rol 'mijn geheime tekst'; kies uit: ...") == "Onbekende rol. (Unknown role.)"


def test_csv_columns_follow_the_result_type() -> None:
    """The columns come from model/result.py's ScoreResult: its fields in order, the label mapping as
    `<label>_score` and `<label>_flagged` for every label, and a flag column `escalate`."""
    from model.result import ScoreResult

    per_label = [f"{lab}_{part}" for lab in LABELS for part in ("score", "flagged")]
    expected = [c for name in ScoreResult.model_fields for c in (per_label if name == "labels" else [name])]
    assert list(CSV_COLUMNS) == expected
    assert {"escalate", "escalation", "error", "findings"} <= set(CSV_COLUMNS)
    row = dict(zip(CSV_COLUMNS, flatten({**scored("a"), "escalate": True, "escalation": "Meld het vandaag."}),
                   strict=True))
    assert row["escalate"] == "1" and row["escalation"] == "Meld het vandaag."
    assert dict(zip(CSV_COLUMNS, flatten(scored("b")), strict=True))["escalate"] == "0"  # the type's default
    assert dict(zip(CSV_COLUMNS, flatten({"id": "c", "error": "Tekst ontbreekt."}), strict=True))["escalate"] == ""


def test_a_flattened_row_reads_back() -> None:
    result = {**scored("a"), "escalate": True, "escalation": "Meld het."}
    back = unflatten(dict(zip(CSV_COLUMNS, flatten(result), strict=True)))
    assert back["labels"] == result["labels"] and back["escalate"] is True
    assert back["risk"] == result["risk"] and back["level"] == "hoog" and back["advice"] == result["advice"]
    assert [a["id"] for a in back["articles"]] == ["ouders.1"] and back["findings"][0]["start"] == 4
