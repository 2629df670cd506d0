"""Batch readers: every raw row becomes exactly one row (a draft or an error), in order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus.settings import BATCH_MAX_ROW_BYTES, MAX_CHARS_CLI
from serve.batch.readers import (
    BROKEN_QUOTING,
    INVALID_JSON,
    INVALID_UTF8,
    NOT_AN_OBJECT,
    ROW_TOO_LARGE,
    TEXT_TOO_LONG,
    InputRow,
    ReaderError,
    chunked,
    detect_input_format,
    estimate_rows,
    read_rows,
)


def _rows(path: Path, fmt: str, skip: int = 0) -> list[InputRow]:
    return list(read_rows(path, fmt, skip=skip))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# ---- JSONL ------------------------------------------------------------------------------
def test_jsonl_ids_are_strings_and_rows_without_id_get_their_number(tmp_path: Path) -> None:
    lines = [{"id": 17, "text": "a"}, {"id": "b-2", "text": "b", "role": "ouder"}, {"text": "c"}, {"id": "", "text": "d"}]
    path = _write(tmp_path / "in.jsonl", "\n".join(json.dumps(x) for x in lines).encode() + b"\n")
    rows = _rows(path, "jsonl")
    assert [r.id for r in rows] == ["17", "b-2", "3", "4"]
    assert [r.text for r in rows] == ["a", "b", "c", "d"]
    assert rows[1].role == "ouder" and rows[0].role is None
    assert all(r.error is None for r in rows)


def test_jsonl_blank_lines_and_bom_are_not_rows(tmp_path: Path) -> None:
    data = b'\xef\xbb\xbf{"id": 1, "text": "a"}\n\n   \r\n{"id": 2, "text": "b"}'  # no final newline
    rows = _rows(_write(tmp_path / "in.jsonl", data), "jsonl")
    assert [(r.number, r.id, r.error) for r in rows] == [(1, "1", None), (2, "2", None)]


def test_jsonl_bad_lines_become_error_rows_in_place(tmp_path: Path) -> None:
    data = b"\n".join([
        b'{"id": "ok1", "text": "hallo"}',
        b'{"id": "utf", "text": "caf\xe9"}',
        b"dit is geen json",
        b"[1, 2, 3]",
        b'{"id": "ok2", "text": "doei"}',
    ]) + b"\n"
    rows = _rows(_write(tmp_path / "in.jsonl", data), "jsonl")
    assert [r.error for r in rows] == [None, INVALID_UTF8, INVALID_JSON, NOT_AN_OBJECT, None]
    assert [r.id for r in rows] == ["ok1", "utf", "3", "4", "ok2"]
    assert rows[1].text is None


def test_jsonl_five_megabyte_text_is_too_long_and_a_huge_line_too_large(tmp_path: Path) -> None:
    big = "x" * (5 * 1024 * 1024)
    huge = "y" * (BATCH_MAX_ROW_BYTES + 10)
    data = (json.dumps({"id": "big", "text": big}) + "\n" + json.dumps({"id": "huge", "text": huge}) + "\n"
            + json.dumps({"id": "after", "text": "ok"}) + "\n").encode()
    rows = _rows(_write(tmp_path / "in.jsonl", data), "jsonl")
    assert [(r.id, r.error) for r in rows] == [("big", TEXT_TOO_LONG), ("huge", ROW_TOO_LARGE), ("after", None)]
    assert "te lang" in TEXT_TOO_LONG and str(MAX_CHARS_CLI) in TEXT_TOO_LONG


def test_jsonl_lone_surrogate_in_id_is_replaced(tmp_path: Path) -> None:
    rows = _rows(_write(tmp_path / "in.jsonl", b'{"id": "a\\ud800", "text": "t"}\n'), "jsonl")
    assert rows[0].id == "a\ufffd"


def test_skip_continues_after_the_rows_already_done(tmp_path: Path) -> None:
    data = "\n".join(json.dumps({"id": i, "text": str(i)}) for i in range(10)).encode()
    path = _write(tmp_path / "in.jsonl", data)
    assert _rows(path, "jsonl", skip=7) == _rows(path, "jsonl")[7:]


# ---- CSV ----------------------------------------------------------------------------------
def test_csv_header_aliases_multiline_cells_and_missing_role(tmp_path: Path) -> None:
    data = ('\ufeffID,Tekst,Rol\r\n1,"regel een\r\nregel twee, met komma",ouder\r\n2,"zegt ""hoi""",\r\n'
            '3,kort\r\n,zonder id,leerling\r\n,,\r\n').encode()
    rows = _rows(_write(tmp_path / "in.csv", data), "csv")
    assert [r.id for r in rows] == ["1", "2", "3", "4"]
    assert rows[0].text == "regel een\r\nregel twee, met komma" and rows[0].role == "ouder"
    assert rows[1].text == 'zegt "hoi"' and rows[1].role == ""
    assert rows[2].text == "kort" and rows[2].role is None
    assert all(r.error is None for r in rows)


def test_csv_unterminated_quote_is_one_error_row_and_later_rows_survive(tmp_path: Path) -> None:
    data = b'id,text\n1,goed\n2,"nooit gesloten\n3,drie\n4,vier\n'
    rows = _rows(_write(tmp_path / "in.csv", data), "csv")
    assert [(r.id, r.error) for r in rows] == [("1", None), ("2", BROKEN_QUOTING), ("3", None), ("4", None)]


def test_csv_quote_closed_by_a_later_row_does_not_swallow_rows(tmp_path: Path) -> None:
    data = b'id,text,role\n1,"open\n2,b,ouder\n3,"c",ouder\n4,d,ouder\n'
    rows = _rows(_write(tmp_path / "in.csv", data), "csv")
    assert [(r.id, r.error) for r in rows] == [("1", BROKEN_QUOTING), ("2", None), ("3", None), ("4", None)]
    assert rows[2].text == "c"


def test_csv_invalid_utf8_and_extra_fields_are_error_rows(tmp_path: Path) -> None:
    data = b"id,text,role\nu1,caf\xe9 au lait,ouder\nx2,een, twee,ouder\nok,goed,ouder\n"
    rows = _rows(_write(tmp_path / "in.csv", data), "csv")
    assert rows[0].id == "u1" and rows[0].error == INVALID_UTF8
    assert rows[1].id == "x2" and "meer velden" in rows[1].error
    assert rows[2].error is None and rows[2].text == "goed"


def test_csv_five_megabyte_cell_is_an_error_row(tmp_path: Path) -> None:
    big = "z" * (5 * 1024 * 1024)
    data = f"id,text\nbig,{big}\nnext,klein\n".encode()
    rows = _rows(_write(tmp_path / "in.csv", data), "csv")
    assert [(r.id, r.error) for r in rows] == [("big", TEXT_TOO_LONG), ("next", None)]


def test_csv_runaway_quote_past_the_row_limit_resynchronises(tmp_path: Path) -> None:
    filler = "".join(f"{i},regel {i}\n" for i in range(3, 3 + (BATCH_MAX_ROW_BYTES // 12) + 1000))
    data = ('id,text\n1,een\n2,"open zonder einde\n' + filler).encode()
    n_filler = filler.count("\n")
    rows = _rows(_write(tmp_path / "in.csv", data), "csv")
    assert len(rows) == 2 + n_filler  # rows in = rows out
    assert rows[1].id == "2" and rows[1].error == ROW_TOO_LARGE
    assert all(r.error is None for r in rows[2:])
    assert rows[-1].text == f"regel {2 + n_filler}"


def test_csv_without_text_column_yields_rows_without_text(tmp_path: Path) -> None:
    rows = _rows(_write(tmp_path / "in.csv", b"id,bericht\n1,hallo\n"), "csv")
    assert len(rows) == 1 and rows[0].text is None and rows[0].error is None  # scorer: "Tekst ontbreekt"


def test_csv_with_broken_header_is_a_reader_error(tmp_path: Path) -> None:
    with pytest.raises(ReaderError):
        _rows(_write(tmp_path / "in.csv", b'id,"text\n1,a\n'), "csv")


# ---- XLSX ---------------------------------------------------------------------------------
def test_xlsx_rows_stream_with_their_types(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from openpyxl import Workbook

    from serve.batch import readers

    monkeypatch.setattr(readers, "MAX_CHARS_CLI", 50)  # Excel cells stop at 32767 characters

    wb = Workbook()
    ws = wb.active
    ws.append(["id", "text", "role"])
    ws.append([1, "hallo daar", "ouder"])
    ws.append([None, None, None])
    ws.append(["b", 112, None])
    ws.append([None, "zonder id", "leerling"])
    ws.append(["lang", "x" * 51, None])
    path = tmp_path / "in.xlsx"
    wb.save(path)
    rows = _rows(path, "xlsx")
    assert [r.id for r in rows] == ["1", "b", "3", "lang"]
    assert rows[0].text == "hallo daar" and rows[1].text == "112"
    assert rows[3].error == TEXT_TOO_LONG
    assert estimate_rows(path, "xlsx") == 5


def test_not_a_workbook_is_a_reader_error(tmp_path: Path) -> None:
    with pytest.raises(ReaderError):
        _rows(_write(tmp_path / "in.xlsx", b"no zip"), "xlsx")


# ---- helpers ------------------------------------------------------------------------------
def test_format_follows_the_extension_or_the_override(tmp_path: Path) -> None:
    assert detect_input_format(Path("a.JSONL")) == "jsonl"
    assert detect_input_format(Path("a.txt"), "csv") == "csv"
    with pytest.raises(ReaderError):
        detect_input_format(Path("a.txt"))


def test_chunks_keep_order_and_bound_rows_and_characters() -> None:
    rows = [InputRow(i, i, "x" * (100 if i == 3 else 1), None) for i in range(1, 11)]
    chunks = list(chunked(iter(rows), max_rows=4, max_chars=50))
    assert [[r.number for r in c] for c in chunks] == [[1, 2, 3], [4, 5, 6, 7], [8, 9, 10]]
