"""Lexicons from corpus/lexicons/*.yaml: category -> (label, terms).

A lexicon snapshot is stored inside every trained model, so a model always matches with
the lexicon it was trained with, whatever the files on disk say later.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from corpus.settings import LEXICON_DIR

Lexicon = dict[str, "Category"]


@dataclass(frozen=True)
class Category:
    name: str
    file: str
    label: str
    terms: tuple[str, ...]
    kind: str = ""                # "insult": an insult category (targeting, negation and quoting apply)
    compound_roots: bool = False  # terms also count as roots inside longer words
    scope_words: frozenset[str] = frozenset()  # single words that open a scope (negation)


def scope_words(lexicon: Lexicon, category: str) -> frozenset[str]:
    cat = lexicon.get(category)
    return cat.scope_words if cat else frozenset()


def categories_of_kind(lexicon: Lexicon, kind: str) -> frozenset[str]:
    return frozenset(name for name, cat in lexicon.items() if cat.kind == kind)


def load_lexicon(directory: Path = LEXICON_DIR) -> Lexicon:
    """All categories of all YAML files in `directory`. Category names are unique."""
    lexicon: Lexicon = {}
    for path in sorted(directory.glob("*.yaml")):
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
        for name, body in data.items():
            if not isinstance(body, dict) or "terms" not in body:
                raise ValueError(f"{path.name}: category {name!r} has no terms list")
            if name in lexicon:
                raise ValueError(f"{path.name}: category {name!r} also defined in {lexicon[name].file}")
            terms = tuple(dict.fromkeys(str(t).strip().lower() for t in body["terms"] if str(t).strip()))
            lexicon[name] = Category(name, path.name, str(body.get("label", "none")), terms,
                                     kind=str(body.get("kind", "")),
                                     compound_roots=bool(body.get("compound_roots", False)),
                                     scope_words=frozenset(body.get("scope_words") or ()))
    return lexicon


def lexicon_digest(lexicon: Lexicon) -> str:
    payload = json.dumps(
        {k: [v.label, list(v.terms), v.kind, v.compound_roots, sorted(v.scope_words)] for k, v in sorted(lexicon.items())},
        ensure_ascii=False
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
