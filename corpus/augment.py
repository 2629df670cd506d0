"""Training-only augmentation of written `train` examples.

1. Chat-spelling noise: each example gets one variant with a few random transforms (lower case,
   no accents, leetspeak, stretched letters, typos, chat abbreviations, dropped punctuation,
   emoji). Personal-data spans are copied untouched and their offsets recomputed.
2. Counterfactuals: each example that names a person or a group of people gets one variant with
   every name swapped for another name of the corpus and every group term for another group
   term of the lexicon, labels unchanged, so that a name or a group term carries no weight of its
   own (names appeared mostly in risky posts, which taught the model that a name is a risk).

Variants are `source: augmented` (`augmentation: noise | counterfactual`), keep their source's
group, and never enter dev or test.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from corpus.dataset import AUGMENTED_FILE, iter_examples, write_jsonl
from corpus.settings import DATA_DIR, LEXICON_DIR, RANDOM_SEED

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
                "augmented_from": ex["id"], "augmentation": "noise"})
    return row


def group_terms(lexicon_dir: Path = LEXICON_DIR) -> list[str]:
    """Single-word plural group terms of the lexicon's `protected_groups` category."""
    with (lexicon_dir / "targeting.yaml").open(encoding="utf-8") as fh:
        terms = yaml.safe_load(fh)["protected_groups"]["terms"]
    return sorted({str(t) for t in terms if " " not in str(t) and len(str(t)) >= 4 and str(t).isalpha()
                   and str(t).endswith(("en", "s", "ers")) and str(t) not in {"christen", "trans"}})


def name_pool(rows: list[dict[str, Any]]) -> list[str]:
    """Single-token names marked in the corpus (capitalised, letters only), most varied first."""
    names = {ex["text"][p["start"]:p["end"]] for ex in rows for p in ex["pii"] if p["type"] == "person_name"}
    return sorted(n for n in names if n.isalpha() and n[:1].isupper() and 3 <= len(n) <= 12)


def counterfactual_example(ex: dict[str, Any], rng: random.Random, names: list[str], groups: list[str],
                           group_re: re.Pattern[str]) -> dict[str, Any] | None:
    """ex with its single-token names and its group terms swapped; None when it has neither."""
    text = ex["text"]
    edits: list[tuple[int, int, str, dict[str, Any] | None]] = []
    for p in ex["pii"]:
        old = text[p["start"]:p["end"]]
        if p["type"] == "person_name" and old.isalpha():
            new = rng.choice(names)
            edits.append((p["start"], p["end"], new.lower() if old.islower() else new, p))
    for m in group_re.finditer(text):
        if any(s < m.end() and m.start() < e for s, e, _, _ in edits):
            continue
        new = rng.choice(groups)
        edits.append((m.start(), m.end(), new.capitalize() if m.group()[:1].isupper() else new, None))
    if not edits:
        return None
    edits.sort(key=lambda e: e[0])
    out, spans, last, shift = [], [], 0, 0
    kept = [p for p in ex["pii"] if not any(p is e[3] for e in edits)]
    for s, e, new, span in edits:
        out.append(text[last:s])
        out.append(new)
        if span is not None:
            spans.append({"type": span["type"], "start": s + shift, "end": s + shift + len(new)})
        shift += len(new) - (e - s)
        last = e
    out.append(text[last:])
    for p in kept:  # untouched spans move by the edits before them
        delta = sum(len(new) - (e - s) for s, e, new, _ in edits if e <= p["start"])
        spans.append({"type": p["type"], "start": p["start"] + delta, "end": p["end"] + delta})
    row = {k: v for k, v in ex.items() if k not in ("id", "text", "pii", "source")}
    row.update({"id": f"cf-{ex['id']}", "text": "".join(out), "pii": sorted(spans, key=lambda p: p["start"]),
                "source": "augmented", "augmented_from": ex["id"], "augmentation": "counterfactual"})
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
    names, groups = name_pool(train), group_terms()
    group_re = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, sorted(groups, key=len, reverse=True)))
                          + r")(?!\w)", re.IGNORECASE)
    cf_rng = random.Random(seed + 1)
    for ex in train:
        row = counterfactual_example(ex, cf_rng, names, groups, group_re)
        if row is not None and row["text"] != ex["text"]:
            rows.append(row)
    return write_jsonl(DATA_DIR / AUGMENTED_FILE, rows)
