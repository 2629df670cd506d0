"""Streaming readers for batch input: every raw row becomes exactly one `InputRow`.

A row that cannot become a draft (not UTF-8, not JSON, broken CSV quoting, too large) is
still a row: it carries `error` and no text, and the writer turns it into an error result.
Readers hold one row (at most BATCH_MAX_ROW_BYTES) at a time, so memory does not grow with input.

Row numbers are 1-based positions among the rows (blank lines are not rows); a row without
an id gets its row number as id. Ids are strings: a number is written as its digits (17, 17.0 -> "17"),
and a number that is not finite (1e400, NaN, Infinity) makes its row an error row. Empty or
whitespace-only text is an error row too.
"""

from __future__ import annotations

import codecs
import csv
import json
import logging
import math
import re
from collections import deque
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple

from corpus.settings import BATCH_MAX_ROW_BYTES, MAX_CHARS_CLI

log = logging.getLogger("postwacht.batch")

INPUT_FORMATS = ("jsonl", "csv", "xlsx")
_EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".xlsx": "xlsx"}

INVALID_UTF8 = "Rij is geen geldige UTF-8. (Row is not valid UTF-8.)"
INVALID_JSON = "Rij is geen geldige JSON. (Row is not valid JSON.)"
NOT_AN_OBJECT = "Rij is geen JSON-object. (Row is not a JSON object.)"
TEXT_TOO_LONG = (f"Tekst te lang: meer dan {MAX_CHARS_CLI} tekens. "
                 f"(Text too long: over {MAX_CHARS_CLI} characters.)")
ROW_TOO_LARGE = (f"Rij te groot: meer dan {BATCH_MAX_ROW_BYTES // (1024 * 1024)} MB, of een aanhalingsteken "
                 f"dat nooit sluit. (Row too large, or a CSV quote that never closes.)")
BROKEN_QUOTING = "Kapotte CSV-aanhalingstekens in deze rij. (Broken CSV quoting in this row.)"
TOO_MANY_FIELDS = "Rij heeft meer velden ({n}) dan de kop ({m}). (Row has more fields ({n}) than the header ({m}).)"
EMPTY_TEXT = "Tekst is leeg. (Text is empty.)"
BAD_ID = "Id is geen eindig getal (1e400, NaN, Infinity). (Id is not a finite number.)"
# characters that show nothing: a text of only these (and whitespace) is empty
_INVISIBLE = "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"

_ID_COLUMNS = ("id",)
_TEXT_COLUMNS = ("text", "tekst")
_ROLE_COLUMNS = ("role", "rol")
_SCHOOL_COLUMNS = ("school",)
_SURROGATE = re.compile("[\ud800-\udfff]")
_JSON_ID = re.compile(rb'"id"\s*:\s*("(?:[^"\\]|\\.){0,200}"|-?\d{1,30})')


class ReaderError(RuntimeError):
    """The input as a whole cannot be read (missing file, not a workbook, unreadable header)."""


class InputRow(NamedTuple):
    """One input row: a draft to score, or an error that becomes an error result."""

    number: int
    id: Any
    text: Any
    role: Any
    error: str | None = None
    school: Any = None  # the row's own school (optional column or field); None: the run's


def detect_input_format(path: Path, given: str | None = None) -> str:
    if given:
        if given not in INPUT_FORMATS:
            raise ReaderError(f"onbekend invoerformaat {given!r}; kies uit {', '.join(INPUT_FORMATS)}")
        return given
    fmt = _EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise ReaderError(f"kan het formaat van {path.name} niet bepalen (.jsonl, .csv of .xlsx); "
                          f"gebruik --input-format")
    return fmt


def clean_str(value: str) -> str:
    """Lone surrogates (bad bytes, JSON escapes) cannot be written as UTF-8: replace them."""
    return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value


def _clean(value: Any) -> Any:
    return clean_str(value) if isinstance(value, str) else value


def is_blank(text: str) -> bool:
    """True for a text with nothing to read: empty, whitespace and invisible characters only."""
    return not text.strip().strip(_INVISIBLE).strip()


class _BadId(str):
    """An id that was a number without a finite value: its row becomes an error row (the id shown
    is the row number, so the output stays strict JSON)."""


def id_string(value: Any) -> str | None:
    """A row id as a string (None for a number that is not finite): `17` and `17.0` become "17"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if hasattr(value, "isoformat"):  # a spreadsheet date or time
        return str(value.isoformat())
    return clean_str(str(value))


def _row_id(value: Any, number: int) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return str(number)
    text = id_string(value)
    return _BadId(number) if text is None else text


def _checked_row(number: int, id_: Any, text: Any, role: Any, school: Any = None) -> InputRow:
    if isinstance(school, str):
        school = _clean(school).strip() or None
    if isinstance(id_, _BadId):
        return InputRow(number, str(id_), None, _clean(role), BAD_ID, school)
    if isinstance(text, str) and len(text) > MAX_CHARS_CLI:
        return InputRow(number, id_, None, _clean(role), TEXT_TOO_LONG, school)
    if isinstance(text, str) and is_blank(text):
        return InputRow(number, id_, None, _clean(role), EMPTY_TEXT, school)
    return InputRow(number, id_, text, _clean(role), None, school)


# ---- physical lines ---------------------------------------------------------------------
class _Line(NamedTuple):
    data: bytes  # empty for a line that was too long (its bytes are skipped, not kept)
    too_long: bool
    head: bytes  # the first bytes of the line, for salvaging an id
    size: int  # bytes of the line in the file


def _bounded_lines(fh: IO[bytes], limit: int = BATCH_MAX_ROW_BYTES) -> Iterator[_Line]:
    """Physical lines (with their newline); a line over `limit` bytes is skipped, not held."""
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            head, size = line[:1024], len(line)
            while True:  # drain the rest of this line in bounded pieces
                more = fh.readline(1 << 20)
                size += len(more)
                if not more or more.endswith(b"\n"):
                    break
            yield _Line(b"", True, head, size)
            continue
        yield _Line(line, False, line[:1024], len(line))


# ---- JSONL --------------------------------------------------------------------------------
def _salvage_json_id(head: bytes) -> Any:
    match = _JSON_ID.search(head)
    if not match:
        return None
    try:
        return json.loads(match.group(1).decode("utf-8", "replace"))
    except ValueError:
        return None


def read_jsonl(path: Path, skip: int = 0) -> Generator[InputRow, None, None]:
    """Rows of a JSONL file: objects with `id`, `text` and optional `role` and `school`."""
    number = 0
    with path.open("rb") as fh:
        first = True
        for line in _bounded_lines(fh):
            data = line.data
            if first:
                first = False
                if data.startswith(codecs.BOM_UTF8):
                    data = data[len(codecs.BOM_UTF8):]
            if not line.too_long and not data.strip():
                continue  # blank lines are not rows
            number += 1
            if number <= skip:
                continue
            if line.too_long:
                yield InputRow(number, _row_id(_salvage_json_id(line.head), number), None, None, ROW_TOO_LARGE)
                continue
            yield _jsonl_row(number, data)


def _jsonl_row(number: int, data: bytes) -> InputRow:
    try:
        text_line = data.decode("utf-8")
    except UnicodeDecodeError:
        salvaged = None
        try:
            obj = json.loads(data.decode("utf-8", "replace"))
            salvaged = obj.get("id") if isinstance(obj, dict) else None
        except ValueError:
            salvaged = _salvage_json_id(data[:1024])
        return InputRow(number, _row_id(salvaged, number), None, None, INVALID_UTF8)
    try:
        obj = json.loads(text_line)
    except ValueError:
        return InputRow(number, _row_id(_salvage_json_id(data[:1024]), number), None, None, INVALID_JSON)
    if not isinstance(obj, dict):
        return InputRow(number, str(number), None, None, NOT_AN_OBJECT)
    return _checked_row(number, _row_id(obj.get("id"), number), obj.get("text"), obj.get("role"), obj.get("school"))


# ---- CSV ----------------------------------------------------------------------------------
class _RowTooLarge(Exception):
    pass


class _Piece(NamedTuple):
    text: str
    nbytes: int
    too_long: bool


class _LineFeed:
    """The line iterator handed to csv.reader. It remembers the lines of the record being
    parsed, so that a broken record can be reported as one error row (its first line) and the
    lines it swallowed parsed again as rows of their own."""

    def __init__(self, fh: IO[bytes]) -> None:
        self._lines = _bounded_lines(fh)
        self._first = True
        self.pending: deque[_Piece] = deque()
        self.taken: list[_Piece] = []
        self.taken_bytes = 0

    def start_record(self) -> None:
        self.taken = []
        self.taken_bytes = 0

    def _next_piece(self) -> _Piece:
        if self.pending:
            return self.pending.popleft()
        line = next(self._lines)  # StopIteration ends the csv reader
        data = line.data
        if self._first:
            self._first = False
            if data.startswith(codecs.BOM_UTF8):
                data = data[len(codecs.BOM_UTF8):]
        # invalid bytes become lone surrogates; the row that holds them is an error row
        return _Piece(data.decode("utf-8", "surrogateescape"), line.size, line.too_long)

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        piece = self._next_piece()
        self.taken.append(piece)
        self.taken_bytes += piece.nbytes
        if piece.too_long or self.taken_bytes > BATCH_MAX_ROW_BYTES:
            raise _RowTooLarge
        return piece.text


class CsvRecord(NamedTuple):
    fields: list[str] | None  # None for a broken record
    error: str | None
    first_line: str  # the record's first physical line (to salvage an id from a broken one)
    end_bytes: int  # bytes of the file consumed up to the end of this record
    complete: bool  # the record ended in a newline (a torn last record does not)


def iter_csv_records(fh: IO[bytes]) -> Iterator[CsvRecord]:
    """CSV records with strict quoting. A record whose quoting is broken (or that grows past
    BATCH_MAX_ROW_BYTES) yields one error record for its first line; parsing resumes on the next line."""
    if csv.field_size_limit() < BATCH_MAX_ROW_BYTES + 1024:
        csv.field_size_limit(BATCH_MAX_ROW_BYTES + 1024)
    feed = _LineFeed(fh)
    reader = csv.reader(feed, strict=True)
    consumed = 0
    while True:
        feed.start_record()
        try:
            fields = next(reader)
        except StopIteration:
            return
        except (csv.Error, _RowTooLarge) as exc:
            taken = feed.taken
            if not taken:
                return
            first = taken[0]
            feed.pending.extendleft(reversed(taken[1:]))
            reader = csv.reader(feed, strict=True)
            consumed += first.nbytes
            error = ROW_TOO_LARGE if isinstance(exc, _RowTooLarge) else BROKEN_QUOTING
            yield CsvRecord(None, error, "" if first.too_long else first.text, consumed, False)
            continue
        consumed += sum(p.nbytes for p in feed.taken)
        first_line = feed.taken[0].text if feed.taken else ""
        complete = bool(feed.taken) and feed.taken[-1].text.endswith("\n")
        yield CsvRecord(fields, None, first_line, consumed, complete)


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    for i, name in enumerate(header):
        if name in names:
            return i
    return None


def _salvage_csv_id(line: str, id_col: int | None) -> Any:
    if id_col is None or not line:
        return None
    try:
        fields = next(csv.reader([line.rstrip("\r\n")]))
    except (csv.Error, StopIteration):
        return None
    return clean_str(fields[id_col]) if id_col < len(fields) else None


def _columns(header: list[str], what: str) -> tuple[int | None, int | None, int | None, int | None]:
    """Positions of the id, text, role and school columns of a header row (None when absent)."""
    text_col = _column(header, _TEXT_COLUMNS)
    if text_col is None:
        log.warning("%s heeft geen kolom 'text' (kolommen: %d); elke rij wordt een foutrij", what, len(header))
    return _column(header, _ID_COLUMNS), text_col, _column(header, _ROLE_COLUMNS), _column(header, _SCHOOL_COLUMNS)


def read_csv(path: Path, skip: int = 0) -> Generator[InputRow, None, None]:
    """Rows of a CSV file with a header naming `id`, `text` and optional `role` and `school` columns."""
    with path.open("rb") as fh:
        records = iter_csv_records(fh)
        header = None
        for rec in records:
            if rec.fields is None:
                raise ReaderError("de kopregel van de CSV is onleesbaar (kapotte aanhalingstekens)")
            if any(f.strip() for f in rec.fields):
                header = [clean_str(f).strip().lower() for f in rec.fields]
                break
        if header is None:
            return
        id_col, text_col, role_col, school_col = _columns(header, "CSV")
        number = 0
        for rec in records:
            fields = rec.fields
            if fields is not None and not any(f.strip() for f in fields):
                continue  # blank line or a row of empty cells: not a row
            number += 1
            if number <= skip:
                continue
            if fields is None:
                salvaged = _salvage_csv_id(rec.first_line, id_col)
                yield InputRow(number, _row_id(salvaged, number), None, None, rec.error)
                continue
            yield _csv_row(number, fields, len(header), id_col, text_col, role_col, school_col)


def _csv_row(number: int, fields: list[str], width: int, id_col: int | None, text_col: int | None,
             role_col: int | None, school_col: int | None = None) -> InputRow:
    def cell(col: int | None) -> str | None:
        return fields[col] if col is not None and col < len(fields) else None

    id_ = _row_id(cell(id_col), number)
    if len(fields) > width:
        return InputRow(number, id_, None, None, TOO_MANY_FIELDS.format(n=len(fields), m=width))
    if any(_SURROGATE.search(f) for f in fields):
        return InputRow(number, id_, None, None, INVALID_UTF8)
    return _checked_row(number, id_, cell(text_col), cell(role_col), cell(school_col))


# ---- XLSX ---------------------------------------------------------------------------------
def _has_rows(ws: Any) -> bool:
    return any(any(v is not None and str(v).strip() for v in row) for row in ws.iter_rows(values_only=True))


def _worksheet(wb: Any, path: Path, sheet: str | None) -> Any:
    """The named worksheet, or else the first one that holds a non-empty cell (the first one when
    all are empty)."""
    if sheet is not None:
        if sheet not in wb.sheetnames:
            raise ReaderError(f"werkblad {sheet!r} bestaat niet in {path.name} (worksheet not found); "
                              f"werkbladen: {', '.join(wb.sheetnames)}")
        return wb[sheet]
    for ws in wb.worksheets:
        if _has_rows(ws):
            return ws
    return wb.worksheets[0]


def xlsx_sheet(path: Path, sheet: str | None = None) -> str:
    """The name of the worksheet `read_xlsx` reads (`sheet`, or the first non-empty one)."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile/XML errors of many kinds
        raise ReaderError(f"{path.name} is geen leesbaar .xlsx-bestand ({type(exc).__name__})") from exc
    try:
        return str(_worksheet(wb, path, sheet).title)
    finally:
        wb.close()


def read_xlsx(path: Path, skip: int = 0, sheet: str | None = None) -> Generator[InputRow, None, None]:
    """Rows of the named worksheet, or else the first non-empty one; the first non-empty row is the header.
    openpyxl's read-only mode streams the sheet; its shared-string table is held in memory."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile/XML errors of many kinds
        raise ReaderError(f"{path.name} is geen leesbaar .xlsx-bestand ({type(exc).__name__})") from exc
    try:
        ws = _worksheet(wb, path, sheet)
        values = ws.iter_rows(values_only=True)
        header = None
        for row in values:
            if any(v is not None and str(v).strip() for v in row):
                header = [str(v).strip().lower() if v is not None else "" for v in row]
                break
        if header is None:
            return
        id_col, text_col, role_col, school_col = _columns(header, "werkblad")
        number = 0
        for row in values:
            if not any(v is not None and (not isinstance(v, str) or v.strip()) for v in row):
                continue
            number += 1
            if number <= skip:
                continue

            def cell(col: int | None, row: tuple[Any, ...] = row) -> Any:
                return row[col] if col is not None and col < len(row) else None

            text = cell(text_col)
            if isinstance(text, int | float) and not isinstance(text, bool):
                text = str(text)  # Excel turns a draft such as "112" into a number
            yield _checked_row(number, _row_id(cell(id_col), number), text, cell(role_col), cell(school_col))
    finally:
        wb.close()


def xlsx_row_estimate(path: Path, sheet: str | None = None) -> int | None:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception:
        return None
    try:
        ws = _worksheet(wb, path, sheet if sheet in wb.sheetnames else None)
        return max(0, ws.max_row - 1) if ws.max_row else None
    finally:
        wb.close()


# ---- entry points ---------------------------------------------------------------------------
def read_rows(path: Path, fmt: str, skip: int = 0, sheet: str | None = None) -> Generator[InputRow, None, None]:
    """The rows of `path` after the first `skip` rows (used by --resume)."""
    if not path.is_file():
        raise ReaderError(f"invoerbestand {path} bestaat niet")
    if fmt == "jsonl":
        return read_jsonl(path, skip)
    if fmt == "csv":
        return read_csv(path, skip)
    if fmt == "xlsx":
        return read_xlsx(path, skip, sheet)
    raise ReaderError(f"onbekend invoerformaat {fmt!r}")


def estimate_rows(path: Path, fmt: str, sheet: str | None = None) -> int | None:
    """A quick row count for the progress bar (newlines; CSV cells with newlines over-count)."""
    if fmt == "xlsx":
        return xlsx_row_estimate(path, sheet)
    lines = 0
    last = b"\n"
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            lines += block.count(b"\n")
            last = block[-1:]
    if last != b"\n":
        lines += 1
    return max(0, lines - 1) if fmt == "csv" else lines


def chunked(rows: Iterator[InputRow], max_rows: int, max_chars: int) -> Iterator[list[InputRow]]:
    """Consecutive rows in chunks of at most `max_rows` rows (fewer once `max_chars` is reached)."""
    chunk: list[InputRow] = []
    chars = 0
    for row in rows:
        chunk.append(row)
        if isinstance(row.text, str):
            chars += len(row.text)
        if len(chunk) >= max_rows or chars >= max_chars:
            yield chunk
            chunk, chars = [], 0
    if chunk:
        yield chunk
