"""Text normalisation that keeps a map back to the original characters.

The normalised text is what the spaCy pipeline and the classifier see: NFKC, lower case,
chat spelling folded (leetspeak inside words, letter runs, spaced-out letters), emoji as
word tokens, URLs and e-mail addresses as placeholder words. Every normalised character
remembers the original span it came from, so evidence found in the normalised text can be
reported with exact offsets into the draft the user wrote.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from wordfreq import zipf_frequency

# Leetspeak characters folded to letters when they sit between letters ("k4nker", "h0er").
LEET = str.maketrans({"4": "a", "@": "a", "3": "e", "1": "i", "!": "i", "0": "o", "5": "s",
                      "$": "s", "7": "t", "€": "e", "|": "i"})
_LEET_RUN = re.compile(r"(?<=[a-z])[4@3!10$57€|]+(?=[a-z])")
_LEET_EDGE = re.compile(r"(?<![\w@])\$(?=[a-z]{2,})|(?<=[a-z]{2})[$0](?![\w])")
_URL = re.compile(r"(?:https?://|www\.)\S+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"(?<![\w@])@[a-z0-9_.]{2,30}")
_LETTER_RUN = re.compile(r"([^\W\d_])\1{2,}")
_PUNCT_RUN = re.compile(r"([^\w\s])\1{2,}")
# three or more single letters separated by a space or mark: "h a a t", "k.a.n.k.e.r"
_SPACED = re.compile(r"(?<![\w])(?:[a-z][ .*_-]){2,}[a-z](?![\w])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DROP = {"\u200d", "\ufe0f", "\ufe0e", "\u200b", "\u200c", "\u2060"}


@dataclass(frozen=True)
class Normalized:
    """Normalised text plus, per normalised character, its original [start, end) span."""

    original: str
    text: str
    starts: list[int]
    ends: list[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of the normalised span [start, end)."""
        if end <= start or not self.starts:
            return (0, 0)
        return self.starts[start], self.ends[end - 1]


def _emoji_word(ch: str) -> str:
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return " "
    return " emoji_" + re.sub(r"[^a-z]+", "_", name.lower()).strip("_") + " "


def _char_piece(ch: str) -> str:
    """What one original character becomes: lower case, NFKC without accents, an emoji word,
    a space for control characters, or "" for invisible ones (joiners, skin tones, soft hyphens)."""
    if ch.isascii():
        return " " if _CONTROL.match(ch) else ch.lower()
    if ch in _DROP or "\U0001f3fb" <= ch <= "\U0001f3ff":  # joiners, skin tones
        return ""
    cat = unicodedata.category(ch)
    if cat == "Cf":  # soft hyphen, bidi marks, byte-order mark: invisible, so never a break
        return ""
    if cat in ("Cs", "Cc", "Co", "Cn"):
        return " "
    if cat == "So" and ord(ch) >= 0x2190:
        return _emoji_word(ch)
    piece = unicodedata.normalize("NFKC", ch).lower()
    # strip accents: "één" and "een" are one word in chat
    return "".join(c for c in unicodedata.normalize("NFKD", piece) if not unicodedata.combining(c))


_PIECES: dict[str, str] = {}  # per-process memo of _char_piece


def _char_pass(text: str) -> tuple[str, list[int], list[int]]:
    """NFKC, lower case, emoji to words, controls and lone surrogates to spaces."""
    if text.isascii():
        text = _CONTROL.sub(" ", text)
        return text.lower(), list(range(len(text))), list(range(1, len(text) + 1))
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    memo = _PIECES
    for i, ch in enumerate(text):
        piece = memo.get(ch)
        if piece is None:
            piece = _char_piece(ch)
            if len(memo) < 100_000:
                memo[ch] = piece
        if len(piece) == 1:
            out.append(piece)
            starts.append(i)
            ends.append(i + 1)
        elif piece:
            out.append(piece)
            starts.extend([i] * len(piece))
            ends.extend([i + 1] * len(piece))
    return "".join(out), starts, ends


Replacer = Callable[[re.Match[str]], list[tuple[str, int, int]]]


def _sub(text: str, starts: list[int], ends: list[int], pattern: re.Pattern[str],
         replace: Replacer) -> tuple[str, list[int], list[int]]:
    """Apply a regex rewrite; `replace` returns (new_chars, src_from, src_to) pieces
    with positions in the current text, from which the original spans are composed."""
    pieces: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    last = 0
    for m in pattern.finditer(text):
        pieces.append(text[last:m.start()])
        new_starts.extend(starts[last:m.start()])
        new_ends.extend(ends[last:m.start()])
        for chars, a, b in replace(m):
            pieces.append(chars)
            new_starts.extend([starts[a]] * len(chars))
            new_ends.extend([ends[b - 1]] * len(chars))
        last = m.end()
    if last == 0:
        return text, starts, ends
    pieces.append(text[last:])
    new_starts.extend(starts[last:])
    new_ends.extend(ends[last:])
    return "".join(pieces), new_starts, new_ends


def _placeholder(word: str) -> Replacer:
    return lambda m: [(f" {word} ", m.start(), m.end())]


def _leet(m: re.Match[str]) -> list[tuple[str, int, int]]:
    return [(c.translate(LEET), m.start() + k, m.start() + k + 1) for k, c in enumerate(m.group())]


def _shorten_run(m: re.Match[str]) -> list[tuple[str, int, int]]:
    c = m.group(1)
    return [(c, m.start(), m.start() + 1), (c, m.start() + 1, m.end())]


def _single(m: re.Match[str]) -> list[tuple[str, int, int]]:
    return [(m.group(1), m.start(), m.end())]


def _join_spaced(m: re.Match[str]) -> list[tuple[str, int, int]]:
    return [(c, m.start() + k, m.start() + k + 1) for k, c in enumerate(m.group()) if c.isalpha()]


def normalize(text: str) -> Normalized:
    """Normalise a draft for matching and features, keeping offsets to `text`."""
    norm, starts, ends = _char_pass(text)
    norm, starts, ends = _sub(norm, starts, ends, _URL, _placeholder("url"))
    norm, starts, ends = _sub(norm, starts, ends, _EMAIL, _placeholder("emailadres"))
    norm, starts, ends = _sub(norm, starts, ends, _HANDLE, _placeholder("account"))
    norm, starts, ends = _sub(norm, starts, ends, _LEET_RUN, _leet)
    norm, starts, ends = _sub(norm, starts, ends, _LEET_EDGE, _leet)
    norm, starts, ends = _sub(norm, starts, ends, _LETTER_RUN, _shorten_run)
    norm, starts, ends = _sub(norm, starts, ends, _PUNCT_RUN, _single)
    norm, starts, ends = _sub(norm, starts, ends, _SPACED, _join_spaced)
    return Normalized(text, norm, starts, ends)


_SQUEEZE = re.compile(r"(.)\1+")


@lru_cache(maxsize=200_000)
def squeeze(word: str) -> str:
    """Collapse every run of a repeated character: the matching key for lexicon terms,
    so "stommm", "stom" and "kannker" meet their lexicon entries."""
    return _SQUEEZE.sub(r"\1", word)


@lru_cache(maxsize=200_000)
def zipf(word: str) -> float:
    """How frequent a word is in Dutch (wordfreq's Zipf scale: 6 = once per thousand words)."""
    return zipf_frequency(word.lower(), "nl")
