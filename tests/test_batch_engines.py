"""Worker processes and the Dask engine write exactly the bytes of the in-process run.

These two tests start processes that each load the model (a few seconds apiece)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus.settings import models_dir
from model import Scorer
from serve.batch.runner import BatchConfig, run_batch

TEXTS = [
    ("nummer van sanne haar moeder is 06-28471935 hoor, bel haar maar", "ouder"),
    ("jij bent zo'n noob Daan ga dood ofzo", "leerling"),
    ("Kijk die blije gezichten van groep 3 op de nieuwe klimtoren 📸 #DeMarel", "medewerker"),
    ("ZET JE KIND NIET OP DE MAREL!!! Ze doen niks tegen pesten. Deel dit!", "ouder"),
    ("gg ez", None),
]


def _input(path: Path, n: int = 45) -> Path:
    lines = []
    for i in range(n):
        text, role = TEXTS[i % len(TEXTS)]
        obj = {"id": i, "text": f"{text} ({i})", "role": role}
        if i % 11 == 4:
            obj = {"id": i, "role": "ouder"}  # error row in the middle of a chunk
        lines.append(json.dumps(obj, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _cfg(inp: Path, out: Path, **kw: object) -> BatchConfig:
    return BatchConfig(input=inp, output=out, progress=False, chunk_rows=8, **kw)  # type: ignore[arg-type]


def test_two_worker_processes_write_the_same_bytes_as_one(tmp_path: Path, scorer: Scorer) -> None:
    inp = _input(tmp_path / "in.jsonl")
    single = run_batch(_cfg(inp, tmp_path / "one.csv", workers=1), scorer=scorer)
    # 6 chunks; the pool is replaced after 4, so order must also hold across worker generations
    pooled = run_batch(_cfg(inp, tmp_path / "two.csv", workers=2, version_dir=models_dir() / scorer.version,
                            pool_recycle_chunks=4))
    assert pooled.workers == 2
    assert (tmp_path / "two.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()
    assert pooled.summary.to_state() == single.summary.to_state()


def test_dask_local_cluster_matches_the_local_engine(tmp_path: Path, scorer: Scorer) -> None:
    distributed = pytest.importorskip("distributed")
    inp = _input(tmp_path / "in.jsonl")
    version_dir = models_dir() / scorer.version
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        for fmt in ("jsonl", "csv"):
            local = run_batch(_cfg(inp, tmp_path / f"local.{fmt}", workers=1), scorer=scorer)
            dask = run_batch(_cfg(inp, tmp_path / f"dask.{fmt}", engine="dask", version_dir=version_dir,
                                  scheduler=cluster.scheduler_address))
            assert (tmp_path / f"dask.{fmt}").read_bytes() == (tmp_path / f"local.{fmt}").read_bytes()
            assert dask.summary.to_state() == local.summary.to_state()
