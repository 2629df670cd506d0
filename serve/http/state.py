"""The scorer the service uses right now, behind one small holder so a new model can be swapped in,
and the reloader that follows the registry's ACTIVE pointer (training/registry.py).

A promoted or rolled-back model is picked up without a restart, either at once
(`POST /v1/admin/reload`) or by the pointer check every POSTWACHT_MODEL_CHECK_SECONDS. The new
model is loaded and verified next to the old one and then swapped in; requests in flight finish
on the scorer they started with. If the new version cannot be loaded, the old one keeps serving.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from starlette.concurrency import run_in_threadpool

from corpus.settings import models_dir
from model import Scorer
from model.artifacts import ArtifactError, active_version, load_version_dir

log = logging.getLogger("postwacht.serve")


class ScorerHolder:
    """Hands out the current Scorer; `swap` replaces it atomically (requests in flight keep the old one)."""

    def __init__(self, scorer: Scorer | None = None) -> None:
        self._scorer = scorer
        self._lock = threading.Lock()

    def get(self) -> Scorer:
        scorer = self._scorer
        if scorer is None:
            raise RuntimeError("no model loaded")
        return scorer

    def ready(self) -> bool:
        return self._scorer is not None

    def swap(self, new_scorer: Scorer) -> Scorer | None:
        """Install new_scorer; returns the previous one."""
        with self._lock:
            old, self._scorer = self._scorer, new_scorer
        return old


@dataclass(frozen=True)
class ReloadOutcome:
    previous_version: str | None
    model_version: str
    changed: bool


class ModelReloader:
    """Loads the version the ACTIVE pointer names and swaps it into the holder.

    One reload at a time (a lock); `on_swap(version)` runs after each swap (the metrics gauge).
    `root` is the registry; None means models_dir() at the time of the call.
    """

    def __init__(self, holder: ScorerHolder, on_swap: Callable[[str], None] | None = None,
                 root: Path | None = None) -> None:
        self.holder = holder
        self.on_swap = on_swap
        self.root = root
        self._lock = threading.Lock()
        self._failed: str | None = None  # a pointer target that did not load: not retried every tick
        self._bad_pointer: str | None = None  # a refused pointer: logged once, not every tick

    def _registry(self) -> Path:
        return self.root or models_dir()

    def current_version(self) -> str | None:
        return self.holder.get().version if self.holder.ready() else None

    def reload(self) -> ReloadOutcome:
        """Load the active version if it is not the one being served. Raises ArtifactError when
        there is no active version or it fails its checks; the served model is then unchanged."""
        with self._lock:
            root = self._registry()
            version = active_version(root)
            if version is None:
                raise ArtifactError(f"no active model in {root}")
            current = self.current_version()
            if version == current:
                return ReloadOutcome(current, version, False)
            try:
                scorer = Scorer(load_version_dir(root / version))
            except ArtifactError:
                self._failed = version
                raise
            except Exception as exc:  # a broken pickle is as bad as a bad checksum
                self._failed = version
                raise ArtifactError(f"model {version} could not be loaded ({type(exc).__name__})") from exc
            self.holder.swap(scorer)
            self._failed = None
            if self.on_swap:
                self.on_swap(version)
            log.info("model %s -> %s (reloaded without restart)", current, version)
            return ReloadOutcome(current, version, True)

    def check(self) -> ReloadOutcome | None:
        """The pointer check: reload when ACTIVE names another version than the one served.
        Never raises; a version that failed to load is retried only once the pointer moves."""
        try:
            version = active_version(self._registry())
        except OSError:
            return None
        except ArtifactError as exc:  # ACTIVE names a path or a missing version: never followed
            if str(exc) != self._bad_pointer:
                log.warning("model pointer refused, still serving %s: %s", self.current_version(), exc)
                self._bad_pointer = str(exc)
            return None
        self._bad_pointer = None
        if version is None or version == self.current_version() or version == self._failed:
            return None
        try:
            return self.reload()
        except ArtifactError as exc:
            log.warning("active model %s not loaded, still serving %s: %s", version, self.current_version(), exc)
            return None

    async def watch(self, interval: float) -> None:
        """Run the pointer check every `interval` seconds until cancelled (the app's lifespan)."""
        while True:
            await asyncio.sleep(interval)
            try:
                await run_in_threadpool(self.check)
            except Exception:  # the check must outlive any surprise; the next tick tries again
                log.exception("model pointer check failed")
