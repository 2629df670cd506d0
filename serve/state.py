"""The scorer the service uses right now, behind one small holder so a new model can be swapped in."""

from __future__ import annotations

import threading

from model import Scorer


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
