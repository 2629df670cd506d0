"""The coordinator's case list: every flagged row of a finished batch output, escalations first.

A case is a row whose result flags a label or escalates. Cases are read back from the finished
output (JSONL result objects, or the flattened CSV), one row at a time, so a run of any size
never holds its results in memory: `--flagged FILE` (.csv or .xlsx) streams every case to the
file, and the HTML report (serve/batch/report.py) keeps the first BATCH_REPORT_MAX_CASES in its
order (escalations first, then the highest level and risk).

A case carries the row number, id, role, verdict (level, risk, flagged labels and their scores),
the evidence with personal data as its placeholder, the redacted text and the articles; never
the raw text. When the batch has been imported into the review queue (`postwacht reviews import
... --report`), `queue` maps a row id to its queue item, and each case links to it.
"""

from __future__ import annotations

import codecs
import csv
import heapq
import io
import json
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from corpus.settings import BATCH_CASE_EXCERPT_CHARS
from corpus.vocabulary import LABELS, labels_with
from serve.batch.summary import LEVEL_RANK, evidence_of
from serve.batch.writers import CSV_COLUMNS, OutputError, _safe_cell, csv_line, unflatten

FLAGGED_FORMATS = {".csv": "csv", ".xlsx": "xlsx"}
KIND_CARE = "Zorgsignaal: vertel het iemand"
KIND_REPORT = "Meld dit bij de directie"


def flagged_format(path: Path) -> str:
    fmt = FLAGGED_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise OutputError(f"kan het formaat van {path.name} niet bepalen; --flagged eindigt op .csv of .xlsx "
                          "(--flagged must end in .csv or .xlsx)")
    return fmt


def read_output(path: Path, fmt: str) -> Iterator[dict[str, Any]]:
    """The result objects of a finished batch output, in input order, one at a time (CSV rows
    are turned back into enough of a result for the case list)."""
    with path.open("rb") as fh:
        if fmt == "jsonl":
            for line in fh:
                if not line.strip():
                    continue
                try:
                    result = json.loads(line)
                except ValueError:
                    continue
                if isinstance(result, dict):
                    yield result
            return
        csv.field_size_limit(max(csv.field_size_limit(), 64 << 20))  # a finding list can be long
        text = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="replace", newline="")
        reader = csv.reader(text)
        header = next(reader, None)
        if header is None or tuple(header) != CSV_COLUMNS:
            raise OutputError(f"{path.name} heeft niet de kolommen van een batchuitvoer "
                              "(not a batch output)")
        for fields in reader:
            if len(fields) == len(CSV_COLUMNS):
                yield unflatten(dict(zip(CSV_COLUMNS, fields, strict=True)))


def _care_labels() -> set[str]:
    return set(labels_with("escalates"))


def case_of(number: int, result: Mapping[str, Any], care: set[str] | None = None) -> dict[str, Any] | None:
    """The case for one result row, or None when it flags nothing and does not escalate."""
    if result.get("error") or result.get("risk") is None:
        return None
    labels = result.get("labels") or {}
    flagged = [lab for lab in LABELS if (labels.get(lab) or {}).get("flagged")]
    escalate = result.get("escalate") is True
    if not flagged and not escalate:
        return None
    care = _care_labels() if care is None else care
    kind = (KIND_CARE if any(lab in care for lab in flagged) else KIND_REPORT) if escalate else ""
    return {
        "row": number, "id": str(result.get("id")), "role": str(result.get("role") or ""),
        "level": str(result.get("level")), "risk": round(float(result["risk"]), 4),
        "escalate": escalate, "kind": kind, "labels": flagged,
        "scores": {lab: round(float((labels.get(lab) or {}).get("score") or 0.0), 4) for lab in LABELS
                   if lab in labels},
        "evidence": evidence_of(dict(result), flagged),
        "excerpt": str(result.get("redacted_text") or "")[:BATCH_CASE_EXCERPT_CHARS],
        "articles": [str(a["id"]) for a in result.get("articles") or [] if isinstance(a, Mapping)],
    }


def case_order(case: Mapping[str, Any]) -> tuple[int, int, float, int]:
    """Escalations first, then the highest level, then the highest risk, then input order."""
    return (0 if case["escalate"] else 1, -LEVEL_RANK.get(case["level"], 0), -float(case["risk"]), int(case["row"]))


def iter_cases(path: Path, fmt: str, keep: Callable[[dict[str, Any]], bool] | None = None
               ) -> Iterator[dict[str, Any]]:
    """The cases of a finished output, in input order (only those `keep` accepts)."""
    care = _care_labels()
    for number, result in enumerate(read_output(path, fmt), start=1):
        case = case_of(number, result, care)
        if case is not None and (keep is None or keep(case)):
            yield case


def collect_cases(path: Path, fmt: str, limit: int) -> tuple[list[dict[str, Any]], int]:
    """The first `limit` cases in case order, and how many cases there are in all."""
    total = 0

    def counted() -> Iterator[dict[str, Any]]:
        nonlocal total
        for case in iter_cases(path, fmt):
            total += 1
            yield case

    best = heapq.nsmallest(limit, counted(), key=case_order)
    return best, total


# ---- the case list as a file: --flagged FILE.csv|.xlsx -----------------------------------------
FLAGGED_COLUMNS = ("volgorde", "rij", "id", "rol", "niveau", "risico", "escalatie", "labels", "bewijs",
                   "tekst zonder persoonsgegevens", "artikelen", "wachtrij")


def flagged_cells(case: Mapping[str, Any], label_name: Callable[[str], str], position: int,
                  queue_link: str = "") -> list[Any]:
    """One case as the cells of the case list file (the report's download has the same columns)."""
    scores = case.get("scores") or {}
    labels = "; ".join(f"{label_name(lab)} {float(scores.get(lab, 0.0)):.2f}" for lab in case["labels"])
    evidence = " | ".join(f"{ev['quote']} ({label_name(ev['label'])}: {ev['explanation']})"
                          for ev in case.get("evidence") or [])
    return [position, case["row"], case["id"], case["role"], case["level"], float(case["risk"]), case["kind"],
            labels, evidence, case["excerpt"], "; ".join(case["articles"]), queue_link]


def _ordered_cases(path: Path, fmt: str) -> Iterator[dict[str, Any]]:
    """Every case, escalations first, then by level (hoog, midden, laag); input order within.
    One streaming pass over the output per group, so memory stays flat."""
    yield from iter_cases(path, fmt, lambda c: c["escalate"])
    for level in sorted(LEVEL_RANK, key=lambda lv: -LEVEL_RANK[lv]):
        yield from iter_cases(path, fmt, lambda c, level=level: not c["escalate"] and c["level"] == level)


def write_flagged(output: Path, output_format: str, path: Path,
                  queue_link: Callable[[str], str] | None = None) -> int:
    """Write every case of the finished `output` to `path` (.csv with a byte-order mark, or .xlsx),
    escalations first; returns how many. Written to a temporary file first, then renamed."""
    from corpus.protocol import get_protocol

    fmt = flagged_format(path)
    label_name = get_protocol().label_name
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    count = 0
    cases = _ordered_cases(output, output_format)
    if fmt == "csv":
        with tmp.open("wb") as fh:
            fh.write(csv_header_for(FLAGGED_COLUMNS))
            for count, case in enumerate(cases, start=1):
                cells = flagged_cells(case, label_name, count, queue_link(case["id"]) if queue_link else "")
                fh.write(csv_line([_text_cell(c) for c in cells]).encode("utf-8", "replace"))
            fh.flush()
            os.fsync(fh.fileno())
    else:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Gemarkeerd")
        ws.append(list(FLAGGED_COLUMNS))
        for count, case in enumerate(cases, start=1):
            cells = flagged_cells(case, label_name, count, queue_link(case["id"]) if queue_link else "")
            ws.append([_xlsx_cell(c) for c in cells])
        wb.save(tmp)
    os.replace(tmp, path)
    return count


def csv_header_for(columns: tuple[str, ...]) -> bytes:
    """A header row behind a UTF-8 byte-order mark, as the batch output has, so Excel reads UTF-8."""
    return codecs.BOM_UTF8 + csv_line(list(columns)).encode("utf-8")


def _text_cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return _safe_cell(value)


def _xlsx_cell(value: Any) -> Any:
    """Numbers stay numbers; text never becomes a formula, and characters XML cannot hold go."""
    if isinstance(value, int | float):
        return value
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", _safe_cell(value))
