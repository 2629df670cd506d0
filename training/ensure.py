"""Make sure an active model exists: train one on first run (the README's run command)."""

from __future__ import annotations

import fcntl
import logging
from pathlib import Path

from corpus.settings import models_dir
from model.artifacts import active_version, verify_version

log = logging.getLogger("postwacht.ensure")


def ensure_active_model(root: Path | None = None) -> str:
    """Return the active version, training and activating one first if there is none.

    A file lock makes concurrent first runs (two test workers, service + CLI) train once.
    A present but corrupt active model is an error, never silently replaced.
    """
    root = root or models_dir()
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".ensure.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        version = active_version(root)
        if version is not None:
            verify_version(root / version)
            return version
        from training.train import train

        log.info("no active model in %s: training one (first run)", root)
        return train(root=root).version
