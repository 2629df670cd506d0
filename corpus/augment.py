"""Training-only augmentation: chat-spelling noise on written `train` examples.

Each written train example gets one variant with a few random transforms (lower case, no
accents, leetspeak, stretched letters, typos, chat abbreviations, dropped punctuation,
emoji). Personal-data spans are copied untouched and their offsets recomputed. Variants are
`source: augmented`, keep their source's group, and never enter dev or test.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from corpus.dataset import AUGMENTED_FILE, iter_examples, write_jsonl
from corpus.settings import DATA_DIR, RANDOM_SEED

LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5"}
CHAT = {"niet": "nie", "echt": "egt", "even": "ff", "wat": "wa", "dat": "da", "ik ben": "kben",
        "weet ik niet": "weetniet", "helemaal": "hlml", "jij": "jij", "gewoon": "gwn", "natuurlijk": "natuurlk",
        "trouwens": "trw", "volgens mij": "vgm", "in ieder geval": "iig", "morgen": "mrgn", "school": "skool",
        "waarom": "wrm", "ook": "oo", "heel": "hele", "bedankt": "thx", "alsjeblieft": "aub"}
EMOJI = ["😂", "🙄", "😡", "💀", "🤣", "😭", "👀", "😅", "🤷", "🔥", "😤", "👍"]
WORD = re.compile(r"[A-Za-zÀ-ÿ]{4,}")


def _strip_accents(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def _pick_words(rng: random.Random, s: str, k: int) -> list[re.Match[str]]:
    words = list(WORD.finditer(s))
    return rng.sample(words, min(k, len(words)))


def _edit_words(s: str, matches: list[re.Match[str]], edit: Callable[[str], str]) -> str:
    for m in sorted(matches, key=lambda m: -m.start()):
        s = s[:m.start()] + edit(m.group()) + s[m.end():]
    return s


def _transforms(rng: random.Random) -> list[Callable[[str], str]]:
    def lower(s: str) -> str:
        return _strip_accents(s.lower())

    def leet(s: str) -> str:
        return _edit_words(s, _pick_words(rng, s, 2),
                           lambda w: "".join(LEET.get(c, c) if rng.random() < 0.5 else c for c in w))

    def stretch(s: str) -> str:
        def one(w: str) -> str:
            i = rng.randrange(len(w))
            return w[:i + 1] + w[i] * rng.randint(2, 4) + w[i + 1:]
        return _edit_words(s, _pick_words(rng, s, 1), one)

    def typo(s: str) -> str:
        def one(w: str) -> str:
            i = rng.randrange(1, len(w) - 1)
            return w[:i] + w[i + 1] + w[i] + w[i + 2:] if rng.random() < 0.5 else w[:i] + w[i + 1:]
        return _edit_words(s, _pick_words(rng, s, 1), one)

    def chat(s: str) -> str:
        for long, short in CHAT.items():
            if rng.random() < 0.6:
                s = re.sub(rf"\b{re.escape(long)}\b", short, s, flags=re.IGNORECASE)
        return s

    def no_punct(s: str) -> str:
        return re.sub(r"[.,;:!?]", "", s)

    return [lower, leet, stretch, typo, chat, no_punct]


def augment_example(ex: dict[str, Any], rng: random.Random, n: int) -> dict[str, Any]:
    """One noisy variant of ex; PII spans are kept verbatim with new offsets."""
    transforms = _transforms(rng)
    chosen = rng.sample(transforms, rng.randint(1, 3))
    text = ex["text"]
    pieces: list[tuple[str, dict[str, Any] | None]] = []
    last = 0
    for p in sorted(ex["pii"], key=lambda p: p["start"]):
        pieces.append((text[last:p["start"]], None))
        pieces.append((text[p["start"]:p["end"]], p))
        last = p["end"]
    pieces.append((text[last:], None))
    out, spans = [], []
    pos = 0
    for chunk, span in pieces:
        if span is None:
            for t in chosen:
                chunk = t(chunk)
        else:
            spans.append({"type": span["type"], "start": pos, "end": pos + len(chunk)})
        out.append(chunk)
        pos += len(chunk)
    new_text = "".join(out)
    if rng.random() < 0.25:
        new_text += " " + rng.choice(EMOJI) * rng.randint(1, 3)
    row = {k: v for k, v in ex.items() if k not in ("id", "text", "pii", "source")}
    row.update({"id": f"aug-{ex['id']}-{n}", "text": new_text, "pii": spans, "source": "augmented",
                "augmented_from": ex["id"]})
    return row


def augment(seed: int = RANDOM_SEED, variants: int = 1) -> int:
    rng = random.Random(seed)
    train = sorted((ex for ex in iter_examples(DATA_DIR, include_augmented=False)
                    if ex["split"] == "train" and ex["source"] == "written"), key=lambda ex: ex["id"])
    rows = []
    for ex in train:
        for n in range(variants):
            row = augment_example(ex, rng, n)
            if row["text"] != ex["text"]:
                rows.append(row)
    return write_jsonl(DATA_DIR / AUGMENTED_FILE, rows)
