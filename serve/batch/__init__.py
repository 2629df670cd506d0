"""Batch scoring at scale (`postwacht batch`): streaming readers, local and Dask engines,
durable resumable output, a summary and an HTML report. See serve/batch/README.md."""

from serve.batch.runner import BatchConfig, BatchError, BatchInterrupted, BatchOutcome, run_batch

__all__ = ["BatchConfig", "BatchError", "BatchInterrupted", "BatchOutcome", "run_batch"]
