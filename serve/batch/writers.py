"""Batch output: results encoded as JSONL or flattened CSV, appended chunk by chunk.

Each chunk is written, flushed and fsynced before it counts as written; a sidecar
(`OUTPUT.progress.json`) then records how many rows and bytes are durable, plus the running
summary. `--resume` truncates the output back to that point and goes on, so a run killed at
any moment loses no row that was reported as written and writes none twice. Without a
sidecar, resume scans the output itself (complete lines of JSONL, complete CSV records).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import logging
import math
import os
import re
import types
import typing
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from corpus.vocabulary import LABELS
from model.result import LabelScore, ScoreResult
from serve.batch.summary import Summary

log = logging.getLogger("postwacht.batch")

OUTPUT_FORMATS = ("jsonl", "csv")
_EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}
SIDECAR_SUFFIX = ".progress.json"
SIDECAR_VERSION = 1

# Cells a spreadsheet would run as a formula (CSV injection): drafts are untrusted input.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


class OutputError(RuntimeError):
    """The output cannot be written or resumed (message is shown to the user)."""


def detect_output_format(path: Path, given: str | None = None) -> str:
    if given:
        if given not in OUTPUT_FORMATS:
            raise OutputError(f"onbekend uitvoerformaat {given!r}; kies uit {', '.join(OUTPUT_FORMATS)}")
        return given
    fmt = _EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise OutputError(f"kan het uitvoerformaat van {path.name} niet bepalen (.jsonl of .csv); "
                          f"gebruik --output-format")
    return fmt


# ---- encoding -------------------------------------------------------------------------------
def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars (offsets can arrive as numpy integers)
        return value.item()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _finite(value: Any) -> Any:
    """`value` with every float that is not finite replaced by None (strict JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def result_json(result: dict[str, Any], ascii_only: bool = False) -> str:
    """Strict JSON: never NaN or Infinity (ids are strings already; any other non-finite number
    becomes null)."""
    try:
        return json.dumps(result, ensure_ascii=ascii_only, default=_json_default, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(result), ensure_ascii=ascii_only, default=_json_default, allow_nan=False)


def encode_jsonl(results: Sequence[dict[str, Any]]) -> bytes:
    out = []
    for result in results:
        line = result_json(result)
        try:
            out.append(line.encode("utf-8"))
        except UnicodeEncodeError:  # a lone surrogate somewhere: escape it, stays valid JSON
            out.append(result_json(result, ascii_only=True).encode("ascii"))
        out.append(b"\n")
    return b"".join(out)


def _safe_cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


# ---- CSV columns, derived from the result type ----------------------------------------------
# Each declared field of model.result.ScoreResult becomes columns by its type, in the type's order:
# the per-label mapping one `<label>_<part>` column per label and LabelScore field (score, flagged),
# a flag 1/0, a number as is, a list of models with an id their ids joined by ';', a list of
# strings joined by ' | ', any other list as JSON, anything else as text. Extra fields of a result
# are not flattened (the JSONL output keeps them).
@dataclass(frozen=True)
class _Column:
    name: str
    field: str
    kind: str  # label, flag, number, ids, joined, json, text
    part: str = ""
    label: str = ""


def _bare(annotation: Any) -> Any:
    """X for X | None."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _kind(annotation: Any) -> str:
    bare = _bare(annotation)
    origin, args = typing.get_origin(bare), typing.get_args(bare)
    if origin is dict:
        return "label"
    if origin is list:
        item = args[0] if args else Any
        if isinstance(item, type) and issubclass(item, BaseModel):
            return "ids" if "id" in item.model_fields else "json"
        return "joined" if item is str else "json"
    if bare is bool:
        return "flag"
    if bare in (float, int):
        return "number"
    return "text"


def _csv_columns() -> tuple[_Column, ...]:
    out: list[_Column] = []
    for name, info in ScoreResult.model_fields.items():
        kind = _kind(info.annotation)
        if kind == "label":
            out += [_Column(f"{lab}_{part}", name, "label", part, lab)
                    for lab in LABELS for part in LabelScore.model_fields]
        else:
            out.append(_Column(name, name, kind))
    return tuple(out)


_COLUMNS = _csv_columns()
CSV_COLUMNS: tuple[str, ...] = tuple(c.name for c in _COLUMNS)
_DEFAULTS = {name: (None if info.is_required() else info.get_default())
             for name, info in ScoreResult.model_fields.items()}


def _flag(value: Any) -> str:
    return "" if value is None else ("1" if value else "0")


def _number(value: Any) -> str:
    if value is None:
        return ""
    return repr(float(value)) if isinstance(value, float) or hasattr(value, "item") else str(value)


def _cell(col: _Column, value: Any) -> str:
    if col.kind == "label":
        entry = (value or {}).get(col.label)
        part = None if entry is None else entry.get(col.part)
        return _flag(part) if isinstance(part, bool) else _number(part)
    if col.kind == "flag":
        return _flag(value)
    if col.kind == "number":
        return _number(value)
    if col.kind == "ids":
        return _safe_cell(";".join(str(a["id"]) for a in value or []))
    if col.kind == "joined":
        return _safe_cell(" | ".join(value or []))
    if col.kind == "json":
        return json.dumps(value or [], ensure_ascii=False, default=_json_default)
    return _safe_cell(value)


def flatten(result: dict[str, Any]) -> list[str]:
    """One CSV row for a result, in CSV_COLUMNS order. A field the result lacks counts with the
    type's default, except on an error row (no scores: empty)."""
    failed = bool(result.get("error"))
    row = []
    for col in _COLUMNS:
        value = result[col.field] if col.field in result else (None if failed else _DEFAULTS[col.field])
        row.append(_cell(col, value))
    return row


_READERS: dict[str, Callable[[str], Any]] = {
    "flag": lambda v: None if v == "" else v == "1",
    "number": lambda v: float(v) if v else None,
    "ids": lambda v: [{"id": a} for a in v.split(";") if a],
    "joined": lambda v: [a for a in v.split(" | ") if a],
    "text": lambda v: v or None,
}


def _json_cell(value: str) -> Any:
    try:
        return json.loads(value or "[]")
    except ValueError:
        return []


# A field holding any of these is quoted. csv's QUOTE_MINIMAL quotes only \n (the line terminator),
# so a bare \r, or a separator that str.splitlines() and many spreadsheet importers treat as a line
# break (\u2028, \x85, ...), would start a new row for some reader: rows in would not be rows out.
_NEEDS_QUOTES = re.compile('[,"\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]')


def csv_field(value: str) -> str:
    if _NEEDS_QUOTES.search(value):
        return '"' + value.replace('"', '""') + '"'
    return value


def csv_line(fields: Sequence[str]) -> str:
    """One CSV record ending in \n; a field with a quote, a comma or any line break is quoted."""
    if len(fields) == 1 and fields[0] == "":
        return '""\n'  # a record of one empty field must not read as a blank line
    return ",".join(csv_field(f) for f in fields) + "\n"


def _csv_bytes(rows: Sequence[Sequence[str]]) -> bytes:
    return "".join(csv_line(row) for row in rows).encode("utf-8", "replace")


def encode_csv(results: Sequence[dict[str, Any]]) -> bytes:
    return _csv_bytes([flatten(r) for r in results])


def csv_header() -> bytes:
    """The header, behind a UTF-8 byte-order mark so that Excel reads the file as UTF-8."""
    return codecs.BOM_UTF8 + _csv_bytes([CSV_COLUMNS])


def encode_results(results: Sequence[dict[str, Any]], fmt: str) -> bytes:
    return encode_csv(results) if fmt == "csv" else encode_jsonl(results)


def unflatten(row: dict[str, str]) -> dict[str, Any]:
    """A result (enough of it for the summary) from a flattened CSV row."""
    out: dict[str, Any] = {}
    scored = bool(row.get("level"))
    for col in _COLUMNS:
        value = row.get(col.name) or ""
        if col.kind == "label":
            if scored:
                entry = out.setdefault(col.field, {}).setdefault(col.label, {})
                entry[col.part] = value == "1" if col.part == "flagged" else float(value or 0)
            else:
                out[col.field] = None
        elif col.kind == "json":
            out[col.field] = _json_cell(value)
        else:
            out[col.field] = _READERS[col.kind](value)
    out["id"] = row.get("id")
    return out


# ---- durable output with a resume sidecar ------------------------------------------------
def sidecar_path(output: Path) -> Path:
    return output.with_name(output.name + SIDECAR_SUFFIX)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def input_fingerprint(path: Path) -> dict[str, Any]:
    st = path.stat()
    return {"name": path.name, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


@dataclass
class ResumePoint:
    rows: int
    bytes: int
    summary: Summary
    source: str  # "new", "sidecar" or "scan"


class OutputSink:
    """Appends encoded chunks to the output; each chunk is durable before it counts."""

    def __init__(self, path: Path, fmt: str, meta: dict[str, Any], start: ResumePoint) -> None:
        self.path = path
        self.fmt = fmt
        self.meta = meta
        self.rows = start.rows
        self.bytes = start.bytes
        self.sidecar = sidecar_path(path)
        self._fh = path.open("ab")

    @classmethod
    def open(cls, path: Path, fmt: str, meta: dict[str, Any], resume: bool) -> tuple[OutputSink, ResumePoint]:
        """Open `path` for a new run, or (resume) at the last durable row."""
        path.parent.mkdir(parents=True, exist_ok=True)
        point = _resume_point(path, fmt, meta) if resume and path.exists() else None
        if point is None:
            header = csv_header() if fmt == "csv" else b""
            with path.open("wb") as fh:
                fh.write(header)
                fh.flush()
                os.fsync(fh.fileno())
            point = ResumePoint(0, len(header), Summary(), "new")
        else:
            with path.open("r+b") as fh:
                fh.truncate(point.bytes)
                fh.flush()
                os.fsync(fh.fileno())
        sink = cls(path, fmt, meta, point)
        sink._write_sidecar(point.summary)
        return sink, point

    def commit(self, data: bytes, rows: int, summary: Summary) -> None:
        """Append one chunk, make it durable, then record it in the sidecar."""
        self._fh.write(data)
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self.rows += rows
        self.bytes += len(data)
        self._write_sidecar(summary)

    def _write_sidecar(self, summary: Summary) -> None:
        state = {"sidecar_version": SIDECAR_VERSION, "output_format": self.fmt, **self.meta,
                 "rows": self.rows, "bytes": self.bytes, "summary": summary.to_state()}
        tmp = self.sidecar.with_name(self.sidecar.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(state, fh, ensure_ascii=False, default=_json_default)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.sidecar)
        _fsync_dir(self.sidecar.parent)

    def finish(self) -> None:
        """The run is complete: the output stands on its own, the sidecar goes."""
        self.close()
        self.sidecar.unlink(missing_ok=True)

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()


def _resume_point(path: Path, fmt: str, meta: dict[str, Any]) -> ResumePoint | None:
    size = path.stat().st_size
    side = sidecar_path(path)
    state = None
    if side.exists():
        try:
            state = json.loads(side.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            log.warning("voortgangsbestand onleesbaar; de uitvoer zelf wordt nagelopen")
    if state is not None and state.get("sidecar_version") == SIDECAR_VERSION:
        if state.get("output_format") != fmt:
            raise OutputError("de bestaande uitvoer heeft een ander formaat; start zonder --resume")
        if state.get("input") != meta.get("input"):
            raise OutputError("het invoerbestand is veranderd sinds de vorige run; start zonder --resume")
        if state.get("model_version") != meta.get("model_version"):
            raise OutputError(f"de vorige run gebruikte model {state.get('model_version')}, nu is "
                              f"{meta.get('model_version')} actief; start zonder --resume")
        if state.get("school") != meta.get("school"):
            raise OutputError(f"de vorige run gebruikte school {state.get('school') or '(standaard)'}, nu "
                              f"{meta.get('school') or '(standaard)'}; start zonder --resume")
        if 0 <= state["bytes"] <= size:
            return ResumePoint(int(state["rows"]), int(state["bytes"]),
                               Summary.from_state(state["summary"]), "sidecar")
        log.warning("voortgangsbestand past niet bij de uitvoer; de uitvoer zelf wordt nagelopen")
    return _scan_output(path, fmt, meta.get("model_version"))


def _scan_output(path: Path, fmt: str, model_version: str | None) -> ResumePoint | None:
    """Rows already in the output (no sidecar): complete rows only; a torn tail is dropped."""
    summary = Summary()
    rows = 0
    end = 0
    with path.open("rb") as fh:
        results = _scan_jsonl(fh) if fmt == "jsonl" else _scan_csv(fh)
        if results is None:
            return None
        for result, end_bytes in results:
            rows += 1
            end = end_bytes
            if model_version and result.get("model_version") not in (None, model_version):
                raise OutputError(f"de bestaande uitvoer komt van model {result.get('model_version')}, "
                                  f"nu is {model_version} actief; start zonder --resume")
            summary.add_result(rows, result)
    if fmt == "csv" and rows == 0:
        return None  # header only (or torn header): start anew
    log.info("hervat na %d rijen uit de bestaande uitvoer", rows)
    return ResumePoint(rows, end, summary, "scan")


def _scan_jsonl(fh: Any) -> Iterator[tuple[dict[str, Any], int]]:
    end = 0
    for line in fh:
        if not line.endswith(b"\n"):
            return  # torn last line
        try:
            result = json.loads(line)
        except ValueError:
            return
        if not isinstance(result, dict):
            return
        end += len(line)
        yield result, end


def _scan_csv(fh: Any) -> Iterator[tuple[dict[str, Any], int]] | None:
    from serve.batch.readers import iter_csv_records

    records = iter_csv_records(fh)
    header = next(records, None)
    if header is None or not header.complete:
        return None  # no header written yet: start anew
    if header.fields is None or tuple(header.fields) != CSV_COLUMNS:
        raise OutputError("de bestaande CSV-uitvoer heeft andere kolommen; start zonder --resume")

    def results() -> Iterator[tuple[dict[str, Any], int]]:
        for rec in records:
            if rec.fields is None or not rec.complete or len(rec.fields) != len(CSV_COLUMNS):
                return
            yield unflatten(dict(zip(CSV_COLUMNS, rec.fields, strict=True))), rec.end_bytes

    return results()


# ---- --escalations FILE: the escalated rows on their own -------------------------------------
_ESCALATE_JSON = b'"escalate": true'


def check_escalations_format(output_format: str, escalations_format: str) -> None:
    """A CSV output holds flattened results: a JSONL escalations file cannot be rebuilt from it exactly."""
    if output_format == "csv" and escalations_format == "jsonl":
        raise OutputError("--escalations .jsonl kan niet bij een .csv-uitvoer; kies .csv voor de escalaties "
                          "(or use a .jsonl output)")


def write_escalations(output: Path, output_format: str, path: Path, fmt: str) -> int:
    """Copy the rows of the finished output whose result escalates to `path` (jsonl or csv), in
    input order, one row per escalated input row; returns how many. Written to a temporary file
    first, so `path` is either complete or absent."""
    check_escalations_format(output_format, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    count = 0
    with output.open("rb") as src, tmp.open("wb") as dst:
        if output_format == "jsonl":
            if fmt == "csv":
                dst.write(csv_header())
            for line in src:
                if _ESCALATE_JSON not in line:  # cheap test first: most rows do not escalate
                    continue
                try:
                    result = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(result, dict) or result.get("escalate") is not True:
                    continue
                dst.write(line if fmt == "jsonl" else encode_csv([result]))
                count += 1
        else:
            csv.field_size_limit(max(csv.field_size_limit(), 64 << 20))  # a finding list can be long
            text = io.TextIOWrapper(src, encoding="utf-8-sig", errors="replace", newline="")
            reader = csv.reader(text)
            header = next(reader, None)
            if header is None or tuple(header) != CSV_COLUMNS:
                raise OutputError(f"{output.name} heeft niet de kolommen van een batchuitvoer")
            at = CSV_COLUMNS.index("escalate")
            dst.write(csv_header())
            for fields in reader:
                if len(fields) == len(CSV_COLUMNS) and fields[at] == "1":
                    dst.write(_csv_bytes([fields]))
                    count += 1
        dst.flush()
        os.fsync(dst.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)
    return count
