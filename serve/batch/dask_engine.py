"""`--engine dask`: the same chunk scoring on a Dask distributed cluster.

The input is read lazily here, in the client, and sent to the cluster a window of chunks at a
time as a dask.bag (one chunk per partition); two windows are in flight so the workers stay
busy while the client writes. Results come back in partition order and go through the same
writer as the local engine, so the output is byte-identical.

The model is shipped to each worker once: a WorkerPlugin carries the version directory's files
(a few MB), writes them into the worker's local directory and the first partition on that
worker loads the scorer, which a module-level cache then keeps for the life of the process.
Workers need postwacht installed (same version) and deduce's cache built (`postwacht setup`).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from itertools import islice
from pathlib import Path
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

from corpus.settings import BATCH_DASK_CHUNKS_PER_WORKER, BATCH_DASK_WINDOWS_IN_FLIGHT
from serve.batch.readers import InputRow
from serve.batch.scoring import ChunkOutput, load_frozen_scorer, score_chunk

log = logging.getLogger("postwacht.batch")

# worker-side state: shipped model directories and loaded scorers, per model version
_SHIPPED: dict[str, Path] = {}
_SCORERS: dict[str, Any] = {}
_LOCK = threading.Lock()


def _model_files(version_dir: Path) -> dict[str, bytes]:
    from model.artifacts import verify_version

    manifest = verify_version(version_dir)
    names = ["manifest.json", *sorted(manifest.get("files") or {})]
    return {name: (version_dir / name).read_bytes() for name in dict.fromkeys(names)}


class ModelShipment(WorkerPlugin):
    """Puts one model version on each worker (also on workers that join later)."""

    idempotent = True

    def __init__(self, version: str, files: dict[str, bytes]) -> None:
        self.name = f"postwacht-model-{version}"
        self.version = version
        self.files = files

    def setup(self, worker: Any) -> None:
        ship_model(Path(worker.local_directory), self.version, self.files)


def ship_model(base: Path, version: str, files: dict[str, bytes]) -> Path:
    """Write a shipped model version under `base` (checksummed on load) and remember it."""
    target = base / "postwacht-models" / version
    target.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        path = target / name
        if not path.exists() or path.stat().st_size != len(data):
            tmp = path.with_name(name + ".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
    _SHIPPED[version] = target
    return target


def worker_scorer(version: str) -> Any:
    """The scorer for `version` in this worker process, loaded on first use."""
    with _LOCK:
        scorer = _SCORERS.get(version)
        if scorer is None:

            version_dir = _SHIPPED.get(version)
            if version_dir is None:  # no plugin ran here: fall back to this machine's models/
                from corpus.settings import models_dir

                version_dir = models_dir() / version
            scorer = load_frozen_scorer(version_dir)
            _SCORERS[version] = scorer
        return scorer


def score_partition(chunks: Iterable[list[InputRow]], version: str, out_format: str, school: str | None = None
                    ) -> list[ChunkOutput]:
    scorer = worker_scorer(version)
    with _LOCK:  # a worker with several threads shares one scorer; spaCy is not thread-safe
        return [score_chunk(scorer, chunk, out_format, school) for chunk in chunks]


class DaskEngine:
    name = "dask"

    def __init__(self, scheduler: str | None, workers: int, version_dir: Path, out_format: str,
                 school: str | None = None) -> None:
        self.scheduler = scheduler
        self.workers = max(1, workers)
        self.version_dir = version_dir
        self.out_format = out_format
        self.school = school

    def _client(self, stack: ExitStack) -> Any:
        from distributed import Client, LocalCluster

        if self.scheduler:
            log.info("dask: verbinden met scheduler %s", self.scheduler)
            return stack.enter_context(Client(self.scheduler))
        cluster = stack.enter_context(LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                                   processes=True, dashboard_address=None,
                                                   silence_logs=logging.ERROR))
        return stack.enter_context(Client(cluster))

    def map(self, chunks: Iterable[list[InputRow]]) -> Iterator[ChunkOutput]:
        import dask.bag as db

        from model.artifacts import read_manifest

        version = str(read_manifest(self.version_dir)["version"])
        dist_log = logging.getLogger("distributed")
        with ExitStack() as stack:
            # distributed sets its own log level on import; keep its chatter out of the CLI
            # (unless -v), and its tracebacks about closing connections out of the shutdown
            stack.callback(dist_log.setLevel, dist_log.level)
            verbose = logging.getLogger().getEffectiveLevel() <= logging.DEBUG
            dist_log.setLevel(logging.INFO if verbose else logging.WARNING)
            client = self._client(stack)
            stack.callback(dist_log.setLevel, logging.CRITICAL)
            client.register_plugin(ModelShipment(version, _model_files(self.version_dir)))
            n_workers = max(1, len(client.nthreads()))  # one scorer per worker process
            per_window = max(1, n_workers * BATCH_DASK_CHUNKS_PER_WORKER)
            log.info("dask: %d werker(s), %d chunks per venster", n_workers, per_window)
            pending: deque[Any] = deque()
            it = iter(chunks)
            try:
                while True:
                    window = list(islice(it, per_window))
                    if not window:
                        break
                    bag = db.from_sequence(window, npartitions=len(window))
                    scored = bag.map_partitions(score_partition, version, self.out_format, self.school)
                    pending.append(client.compute(scored))
                    if len(pending) >= BATCH_DASK_WINDOWS_IN_FLIGHT:
                        yield from pending.popleft().result()
                while pending:
                    yield from pending.popleft().result()
            finally:
                for fut in pending:
                    fut.cancel()
