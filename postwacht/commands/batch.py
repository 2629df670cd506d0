"""`postwacht batch INPUT -o OUTPUT`: score a file of drafts, one result per input row, in order."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from serve.batch.summary import Summary


def run(args: argparse.Namespace) -> int:
    from corpus.protocol import ProtocolError, UnknownSchoolError
    from model.artifacts import ArtifactError
    from serve.batch.readers import ReaderError
    from serve.batch.runner import BatchConfig, BatchError, BatchInterrupted, run_batch
    from serve.batch.scoring import NoActiveModelError
    from serve.batch.summary import render_text
    from serve.batch.writers import OutputError

    if args.engine == "dask":
        for noisy in ("distributed", "tornado", "bokeh"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    if args.workers is not None and args.workers < 1:
        print("FOUT: --workers moet minstens 1 zijn", file=sys.stderr)
        return 2
    cfg = BatchConfig(
        input=Path(args.input), output=Path(args.output), input_format=args.input_format,
        output_format=args.output_format, workers=args.workers, engine=args.engine,
        scheduler=args.scheduler, resume=args.resume, report=Path(args.report) if args.report else None,
        escalations=Path(args.escalations) if args.escalations else None,
        flagged=Path(args.flagged) if args.flagged else None,
        sheet=args.sheet, chunk_rows=args.chunk_rows, progress=args.progress, school=args.school or None,
    )
    try:
        outcome = run_batch(cfg)
    except BatchInterrupted as exc:
        print(f"\nOnderbroken: {exc.rows} rijen staan veilig in {args.output}. "
              f"Ga verder met hetzelfde commando plus --resume.", file=sys.stderr)
        return 130
    except (ReaderError, OutputError, UnknownSchoolError) as exc:
        print(f"FOUT: {exc}", file=sys.stderr)
        return 2
    except ProtocolError as exc:
        print(f"FOUT: het protocol {exc.source} is niet bruikbaar. (The protocol cannot be used.)", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    except NoActiveModelError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except (BatchError, ArtifactError) as exc:
        print(f"FOUT: {exc}", file=sys.stderr)
        return 1
    if outcome.sheet is not None:
        print(f"Werkblad gelezen: {outcome.sheet!r}" + ("" if args.sheet else " (het eerste niet-lege; kies er "
                                                        "een met --sheet NAAM)"))
    print(render_text(outcome.summary, outcome.elapsed, outcome.rows_new))
    if outcome.resumed_from:
        print(f"(hervat na {outcome.resumed_from} rijen uit een eerdere run)")
    print(f"Uitvoer: {args.output}" + (f"   rapport: {args.report}" if args.report else ""))
    if outcome.escalations_written is not None:
        print(f"Escalaties: {outcome.escalations_written} rij(en) in {args.escalations}")
    if outcome.flagged_written is not None:
        print(f"Gemarkeerde berichten: {outcome.flagged_written} rij(en) in {args.flagged}")
    return failure_status(outcome.summary)


def failure_status(summary: Summary) -> int:
    """1 when no row could be scored (a file without a text column, an empty file); a loud warning
    on stderr when more than half of the rows failed. Never quotes a row."""
    if summary.scored == 0:
        what = (f"geen van de {summary.rows} rijen kon gescoord worden" if summary.rows
                else "de invoer bevat geen rijen")
        print(f"\nFOUT: {what}. (No row could be scored.)", file=sys.stderr)
        if any(kind.startswith("Tekst ontbreekt") for kind in summary.error_kinds):
            print("  Heeft het bestand een kolom 'text' (of 'tekst')? (Does the input have a 'text' column?)",
                  file=sys.stderr)
        return 1
    if 2 * summary.errors > summary.rows:
        share = 100 * summary.errors / summary.rows
        print(f"\n!!! LET OP: {summary.errors} van de {summary.rows} rijen ({share:.0f}%) konden niet gescoord "
              f"worden. (More than half of the rows failed.) Kijk bij 'Fouten' hierboven waarom.", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    from corpus.settings import BATCH_CHUNK_ROWS

    p = sub.add_parser(
        "batch", help="score a .jsonl, .csv or .xlsx file of drafts (one result per row, same order)",
        description="Scores every row of INPUT (.jsonl objects or .csv/.xlsx columns id,text[,role][,school]) "
                    "and writes one result per row, in input order, to OUTPUT (.jsonl, or flattened .csv). "
                    "Rows that cannot be scored get an error and no scores; the run goes on. A batch never "
                    "trains a model: without one it says how to train one (exit 2).")
    p.add_argument("input", help="input file: .jsonl, .csv or .xlsx")
    p.add_argument("-o", "--output", required=True, help="output file: .jsonl or .csv")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes (default: all cores); each loads the model once")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run after the rows already in OUTPUT")
    p.add_argument("--report", metavar="HTML", help="also write a self-contained HTML overview")
    p.add_argument("--escalations", metavar="FILE",
                   help="also write the rows whose result escalates (someone besides the author must act) "
                        "on their own, one per escalated input row, as the output's rows (.jsonl or .csv by "
                        "extension); written when the run completes")
    p.add_argument("--flagged", metavar="FILE",
                   help="also write the coordinator's case list: every flagged row (escalations first) with its "
                        "level, labels, evidence and redacted text, as .csv or .xlsx (by extension)")
    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="local worker processes (default) or a Dask cluster")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a local cluster, one worker per core)")
    p.add_argument("--input-format", choices=("jsonl", "csv", "xlsx"), help="override the input extension")
    p.add_argument("--output-format", choices=("jsonl", "csv"), help="override the output extension")
    p.add_argument("--sheet", help="worksheet of an .xlsx input (default: the first one that is not empty)")
    p.add_argument("--school", default=None,
                   help="the school whose protocol applies to rows without a `school` of their own "
                        "(a file of POSTWACHT_PROTOCOL_DIR; default: the default protocol)")
    p.add_argument("--chunk-rows", type=int, default=BATCH_CHUNK_ROWS, help=argparse.SUPPRESS)
    progress = p.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_true", default=None,
                          help="always show the progress bar (default: when stderr is a terminal)")
    progress.add_argument("--no-progress", dest="progress", action="store_false", help="never show it")
    p.set_defaults(func=run)
