"""`postwacht batch`: read rows, score them in chunks on an engine, append results in order.

    from serve.batch.runner import BatchConfig, run_batch
    outcome = run_batch(BatchConfig(input=Path("in.csv"), output=Path("out.jsonl"), workers=2))

The local engine scores in this process (`workers=1`) or in worker processes started with the
forkserver method, each loading the model once; chunks are submitted through a bounded
window and collected in submission order, so output order equals input order and memory
stays constant. The Dask engine (serve.batch.dask_engine) plugs into the same loop.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any

from corpus.settings import (
    BATCH_CHUNK_CHARS,
    BATCH_CHUNK_ROWS,
    BATCH_INFLIGHT_PER_WORKER,
    BATCH_POOL_RECYCLE_CHUNKS,
)
from serve.batch.readers import (
    InputRow,
    ReaderError,
    chunked,
    detect_input_format,
    estimate_rows,
    read_rows,
    xlsx_sheet,
)
from serve.batch.scoring import ChunkOutput, NoActiveModelError, load_frozen_scorer, score_chunk
from serve.batch.summary import Summary
from serve.batch.writers import (
    OutputError,
    OutputSink,
    check_escalations_format,
    detect_output_format,
    input_fingerprint,
    write_escalations,
)

log = logging.getLogger("postwacht.batch")

ENGINES = ("local", "dask")


class BatchError(RuntimeError):
    """The run cannot go on (workers died, model missing); rows written so far stay written."""


class BatchInterrupted(Exception):
    """Stopped by the user; `rows` rows are durable and `--resume` continues after them."""

    def __init__(self, rows: int) -> None:
        super().__init__(f"interrupted after {rows} rows")
        self.rows = rows


@dataclass
class BatchConfig:
    input: Path
    output: Path
    input_format: str | None = None
    output_format: str | None = None
    workers: int | None = None  # None: all cores
    engine: str = "local"
    scheduler: str | None = None  # Dask scheduler address; None: a local cluster
    resume: bool = False
    report: Path | None = None
    escalations: Path | None = None  # also write the escalated rows on their own (jsonl or csv by extension)
    flagged: Path | None = None  # also write every flagged row, escalations first (.csv or .xlsx by extension)
    sheet: str | None = None
    chunk_rows: int = BATCH_CHUNK_ROWS
    chunk_chars: int = BATCH_CHUNK_CHARS
    progress: bool | None = None  # None: when stderr is a terminal
    pool_recycle_chunks: int = BATCH_POOL_RECYCLE_CHUNKS  # local engine: fresh worker processes after this many
    version_dir: Path | None = None  # None: the active model (a batch never trains one)
    school: str | None = None  # the protocol for rows without a school of their own (None: the default)


@dataclass
class BatchOutcome:
    summary: Summary
    rows_total: int
    rows_new: int
    resumed_from: int
    elapsed: float
    engine: str
    workers: int
    model_version: str
    # steady-state timing: from the first chunk written to the end (excludes worker start-up)
    first_chunk_at: float | None = None
    first_chunk_rows: int = 0
    # CPU seconds: this process, and the scoring of chunks (in whichever process scored them)
    cpu_main: float = 0.0
    cpu_scoring: float = 0.0
    scored_in_process: bool = True
    escalations_written: int | None = None  # rows in cfg.escalations (None: not asked for)
    flagged_written: int | None = None  # rows in cfg.flagged (None: not asked for)
    sheet: str | None = None  # the worksheet read (an .xlsx input: --sheet, or the first non-empty one)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def cpu_total(self) -> float:
        """CPU of the run without worker start-up: scoring counts once, wherever it ran."""
        return self.cpu_main + (0.0 if self.scored_in_process else self.cpu_scoring)

    @property
    def steady_rate(self) -> float | None:
        if self.first_chunk_at is None or self.elapsed <= self.first_chunk_at:
            return None
        return (self.rows_new - self.first_chunk_rows) / (self.elapsed - self.first_chunk_at)


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def resolve_model(version_dir: Path | None) -> Path:
    """The model version directory to score with (the active one). A batch never trains: without
    a model it says how to get one."""
    if version_dir is not None:
        return version_dir
    from corpus.settings import models_dir
    from model.artifacts import active_version

    version = active_version(models_dir())
    if version is None:
        raise NoActiveModelError(
            "Er is nog geen model. Train er eerst een met `postwacht train` (of start `make run`). "
            "(No model yet: run `postwacht train` or `make run` first.)")
    return models_dir() / version



# ---- local engine ------------------------------------------------------------------------------
_WORKER: dict[str, Any] = {}


def _exit_with(parent_pid: int) -> None:
    """A worker whose batch process was killed (SIGKILL, OOM) would wait for work forever."""
    while True:
        time.sleep(1.0)
        try:
            os.kill(parent_pid, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:
            pass


def _init_worker(version_dir: str, parent_pid: int) -> None:
    # Ctrl-C goes to the whole process group; the parent stops the pool, workers just finish.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(parent_pid,), daemon=True, name="exit-with-parent").start()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _WORKER["scorer"] = load_frozen_scorer(Path(version_dir))


def _score_in_worker(rows: list[InputRow], out_format: str, school: str | None) -> ChunkOutput:
    return score_chunk(_WORKER["scorer"], rows, out_format, school)


class LocalEngine:
    """Scores chunks in this process (workers=1) or in a pool of worker processes."""

    name = "local"

    def __init__(self, workers: int, version_dir: Path, out_format: str, scorer: Any = None,
                 recycle_chunks: int = BATCH_POOL_RECYCLE_CHUNKS, school: str | None = None) -> None:
        self.workers = max(1, workers)
        self.version_dir = version_dir
        self.out_format = out_format
        self.school = school
        self.scorer = scorer
        self.recycle_chunks = max(1, recycle_chunks)

    def map(self, chunks: Iterable[list[InputRow]]) -> Iterator[ChunkOutput]:
        if self.workers == 1:
            scorer = self.scorer or load_frozen_scorer(self.version_dir)
            for chunk in chunks:
                yield score_chunk(scorer, chunk, self.out_format, self.school)
            return
        yield from self._map_pool(chunks)

    def _map_pool(self, chunks: Iterable[list[InputRow]]) -> Iterator[ChunkOutput]:
        it = iter(chunks)
        while True:  # one pool per BATCH_POOL_RECYCLE_CHUNKS chunks, so worker memory stays flat
            generation = islice(it, self.recycle_chunks)
            first = next(generation, None)
            if first is None:
                return
            yield from self._map_one_pool(chain([first], generation))

    def _map_one_pool(self, chunks: Iterable[list[InputRow]]) -> Iterator[ChunkOutput]:
        ctx = multiprocessing.get_context("forkserver")
        # workers fork from a server that already imported the heavy modules (not the model)
        ctx.set_forkserver_preload(["model.scorer", "serve.batch.scoring"])
        pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx, initializer=_init_worker,
                                   initargs=(str(self.version_dir), os.getpid()))
        window: deque[Future[ChunkOutput]] = deque()
        limit = self.workers * BATCH_INFLIGHT_PER_WORKER
        try:
            for chunk in chunks:
                window.append(pool.submit(_score_in_worker, chunk, self.out_format, self.school))
                if len(window) >= limit:
                    yield window.popleft().result()
            while window:
                yield window.popleft().result()
        except BrokenProcessPool as exc:
            raise BatchError("een werkproces is gestopt (te weinig geheugen, of het model laadt niet); "
                             "hervat met --resume") from exc
        finally:
            for fut in window:
                fut.cancel()
            pool.shutdown(wait=True, cancel_futures=True)


# ---- the run -------------------------------------------------------------------------------------
def _progress_bar(cfg: BatchConfig, total: int | None, initial: int) -> Any:
    from tqdm import tqdm

    enabled = sys.stderr.isatty() if cfg.progress is None else cfg.progress
    return tqdm(total=total, initial=initial, unit=" rijen", file=sys.stderr, disable=not enabled,
                mininterval=0.5, smoothing=0.1, dynamic_ncols=True, desc="scoren")


def make_engine(cfg: BatchConfig, workers: int, version_dir: Path, out_format: str, scorer: Any) -> Any:
    if cfg.engine == "local":
        return LocalEngine(workers, version_dir, out_format, scorer, cfg.pool_recycle_chunks, cfg.school)
    if cfg.engine == "dask":
        from serve.batch.dask_engine import DaskEngine

        return DaskEngine(cfg.scheduler, workers, version_dir, out_format, cfg.school)
    raise BatchError(f"onbekende engine {cfg.engine!r}; kies uit {', '.join(ENGINES)}")


def run_batch(cfg: BatchConfig, scorer: Any = None,
              on_commit: Callable[[int], None] | None = None) -> BatchOutcome:
    """Score `cfg.input` into `cfg.output`. `scorer` (optional) is used when scoring in-process;
    `on_commit(rows_written)` is called after each durable chunk."""
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    in_fmt = detect_input_format(cfg.input, cfg.input_format)
    out_fmt = detect_output_format(cfg.output, cfg.output_format)
    if not cfg.input.is_file():
        raise ReaderError(f"invoerbestand {cfg.input} bestaat niet")
    if cfg.output.resolve() == cfg.input.resolve():
        raise ReaderError("invoer en uitvoer zijn hetzelfde bestand")
    esc_fmt = None
    if cfg.escalations is not None:
        try:
            esc_fmt = detect_output_format(cfg.escalations)
        except OutputError as exc:
            raise OutputError(f"kan het formaat van {cfg.escalations.name} niet bepalen; --escalations "
                              f"eindigt op .jsonl of .csv") from exc
        check_escalations_format(out_fmt, esc_fmt)
        if cfg.escalations.resolve() in (cfg.input.resolve(), cfg.output.resolve()):
            raise ReaderError("--escalations moet een ander bestand zijn dan de invoer en de uitvoer")
    if cfg.flagged is not None:
        from serve.batch.cases import flagged_format

        flagged_format(cfg.flagged)
        if cfg.flagged.resolve() in (cfg.input.resolve(), cfg.output.resolve()):
            raise ReaderError("--flagged moet een ander bestand zijn dan de invoer en de uitvoer")
    # the run's school must exist (UnknownSchoolError) and its protocol be usable (ProtocolError);
    # a row naming an unknown school of its own becomes an error row
    from corpus.protocol import get_protocol

    get_protocol(cfg.school or None)
    # a header or workbook that cannot be read fails here, before the output is touched
    sheet = xlsx_sheet(cfg.input, cfg.sheet) if in_fmt == "xlsx" else None
    if sheet is not None and sheet != cfg.sheet:
        log.info("werkblad %r wordt gelezen", sheet)
    probe = read_rows(cfg.input, in_fmt, sheet=sheet)
    next(probe, None)
    probe.close()
    if scorer is not None and cfg.version_dir is None:
        from corpus.settings import models_dir

        version_dir = models_dir() / scorer.version
    else:
        version_dir = resolve_model(cfg.version_dir)
    from model.artifacts import read_manifest

    model_version = str(read_manifest(version_dir)["version"])
    meta = {"input": input_fingerprint(cfg.input), "model_version": model_version, "school": cfg.school or None}
    sink, start = OutputSink.open(cfg.output, out_fmt, meta, cfg.resume)
    if cfg.escalations is not None:
        # written when the run completes; an older file must not pass for this run's meanwhile
        cfg.escalations.unlink(missing_ok=True)
    if cfg.flagged is not None:
        cfg.flagged.unlink(missing_ok=True)
    summary = start.summary
    if start.source != "new":
        log.info("hervatten: %d rijen staan al in de uitvoer", start.rows)

    total = estimate_rows(cfg.input, in_fmt, sheet)
    workers = cfg.workers or default_workers()
    if cfg.engine == "local" and total is not None:
        # no point starting processes that would get no chunk
        remaining_chunks = max(1, -(-max(0, total - start.rows) // cfg.chunk_rows))
        workers = min(workers, remaining_chunks)
    log.info("batch: engine %s, %d werker(s), model %s, ~%s rijen", cfg.engine, workers, model_version,
             total if total is not None else "?")

    rows = read_rows(cfg.input, in_fmt, skip=start.rows, sheet=sheet)
    chunks = chunked(rows, cfg.chunk_rows, cfg.chunk_chars)
    engine = make_engine(cfg, workers, version_dir, out_fmt, scorer)
    bar = _progress_bar(cfg, total, start.rows)
    if total is not None and total < start.rows:
        bar.total = None
    new_rows = 0
    cpu_scoring = 0.0
    first_at: float | None = None
    first_rows = 0
    outputs = engine.map(chunks)
    try:
        for out in outputs:
            summary.merge(out.summary)
            sink.commit(out.data, out.rows, summary)
            new_rows += out.rows
            cpu_scoring += out.cpu_seconds
            if first_at is None:
                first_at, first_rows = time.perf_counter() - t0, out.rows
            bar.update(out.rows)
            if on_commit is not None:
                on_commit(sink.rows)
    except KeyboardInterrupt as exc:
        raise BatchInterrupted(sink.rows) from exc
    finally:
        close = getattr(outputs, "close", None)
        if close is not None:
            close()
        bar.close()
        sink.close()
    sink.finish()
    elapsed = time.perf_counter() - t0
    log.info("batch klaar: %d nieuwe rijen in %.1f s", new_rows, elapsed)
    outcome = BatchOutcome(summary=summary, rows_total=sink.rows, rows_new=new_rows, resumed_from=start.rows,
                           elapsed=elapsed, engine=cfg.engine, workers=workers, model_version=model_version,
                           first_chunk_at=first_at, first_chunk_rows=first_rows,
                           cpu_main=time.process_time() - cpu0, cpu_scoring=cpu_scoring,
                           scored_in_process=cfg.engine == "local" and workers == 1, sheet=sheet)
    if cfg.escalations is not None and esc_fmt is not None:
        outcome.escalations_written = write_escalations(cfg.output, out_fmt, cfg.escalations, esc_fmt)
    if cfg.flagged is not None:
        from serve.batch.cases import write_flagged

        outcome.flagged_written = write_flagged(cfg.output, out_fmt, cfg.flagged)
    if cfg.report is not None:
        from serve.batch.report import write_report

        hint = None
        if out_fmt == "jsonl":
            hint = (f"postwacht reviews import {cfg.output.name} --input {cfg.input.name} "
                    f"--report {cfg.report.name}")
        write_report(cfg.report, summary, input_name=cfg.input.name, model_version=model_version,
                     elapsed=elapsed, output=cfg.output, output_format=out_fmt, import_hint=hint)
    return outcome
