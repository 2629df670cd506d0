"""Long drafts are also scored sentence by sentence: one risky sentence in a long, calm
newsletter is diluted in whole-text features, so a label's score is the maximum over the
whole text and its windows."""

from __future__ import annotations

import re

LONG_TEXT = 280          # drafts longer than this (characters) also get window scores
WINDOW_MAX = 260         # a window collects sentences up to about this many characters
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+[\"')\]]*|\n+|$)")


def sentence_windows(text: str) -> list[tuple[int, int]]:
    """[start, end) spans of windows of whole sentences, each at most ~WINDOW_MAX chars
    (a single longer sentence is its own window)."""
    if len(text) <= LONG_TEXT:
        return []
    sentences = [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if text[m.start():m.end()].strip()]
    windows: list[tuple[int, int]] = []
    cur_start, cur_end = None, None
    for s, e in sentences:
        if cur_start is None:
            cur_start, cur_end = s, e
        elif e - cur_start <= WINDOW_MAX:
            cur_end = e
        else:
            windows.append((cur_start, cur_end))
            cur_start, cur_end = s, e
    if cur_start is not None:
        windows.append((cur_start, cur_end))
    return windows if len(windows) > 1 else []
