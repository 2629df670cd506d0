"""Names and street addresses from deduce, the Dutch de-identification library.

deduce is the data and the reference: its name lists, tokenizer and annotator configuration. Per
draft, the names are found by `model.pii.name_matcher.NameMatcher`, built from the deduce instance,
which returns exactly deduce's annotations (eval/name_matcher_agreement.py: 14,851 corpus drafts and
real sentences, 100% identical) at about a tenth of the time of running deduce's pipeline. The
registry's `engine: deduce` runs deduce itself instead.

Building deduce's lookup structures takes about a minute the first time (cached in its
package folder afterwards); `postwacht setup` does that once, and a process constructs
deduce once (`get_deduce`).
"""

from __future__ import annotations

import gc
import json
import logging
import os
import pickle
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from model.pii.base import BuildContext, PiiSpan

log = logging.getLogger(__name__)

_POSTCODE = re.compile(r"^[1-9]\d{3}\s?[A-Za-z]{2}$")


# deduce lookup structures we do not use: streets and institutions are >90% of its memory
_UNUSED_STRUCTS = ("street", "healthcare_institution", "hospital", "hospital_abbr", "placename")
_USED_GROUPS = {"names", "post_processing"}
LEAN_CACHE = "postwacht_names_lookup.pickle"


@lru_cache(maxsize=1)
def import_deduce() -> Any:
    """Import deduce without its side effect: it calls logging.basicConfig(stream=sys.stdout,
    level=DEBUG) on import, which would print debug logs to stdout in every process."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    import deduce.deduce as deduce_module

    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    return deduce_module


def _lean_cache_path() -> Path:
    return Path(import_deduce().__file__).parent / "data" / "lookup" / "cache" / LEAN_CACHE


def _lean_lookup_structs() -> Any:
    """deduce's lookup structures without streets and institutions, from our own cache
    (built once from deduce's full cache, which deduce builds on its first construction)."""
    path = _lean_cache_path()
    if path.exists():
        with path.open("rb") as fh:
            return pickle.load(fh)
    log.info("building deduce's lookup cache (first run, about a minute)")
    structs = import_deduce().Deduce().lookup_structs
    for name in _UNUSED_STRUCTS:
        if name in structs:
            del structs[name]
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    with tmp.open("wb") as fh:
        pickle.dump(structs, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    return structs


@lru_cache(maxsize=1)
def get_deduce() -> Any:
    """Deduce with only its name annotators, constructed once per process.

    Its lookup structures are millions of small objects: they load with the cyclic GC
    paused and are then frozen out of it (gc.freeze), otherwise every full collection
    walks them and scoring slows down tenfold.
    """
    deduce_module = import_deduce()
    Deduce = deduce_module.Deduce
    root = logging.getLogger()
    root_level = root.level
    root.setLevel(logging.WARNING)  # deduce logs its cache notice on the root logger
    base = json.loads((Path(deduce_module.__file__).parent / "base_config.json").read_text(encoding="utf-8"))
    base["annotators"] = {k: v for k, v in base["annotators"].items() if v.get("group") in _USED_GROUPS}
    enabled = gc.isenabled()
    gc.disable()
    try:
        structs = _lean_lookup_structs()
        original = deduce_module.get_lookup_structs
        deduce_module.get_lookup_structs = lambda **_: structs
        try:
            instance = Deduce(load_base_config=False, config=base)
        finally:
            deduce_module.get_lookup_structs = original
    finally:
        root.setLevel(root_level)
        if enabled:
            gc.enable()
    gc.freeze()
    return instance


@lru_cache(maxsize=1)
def get_name_matcher() -> Any:
    """The NameMatcher built from `get_deduce()`, once per process."""
    from model.pii.name_matcher import NameMatcher

    return NameMatcher.from_deduce(get_deduce())


@lru_cache(maxsize=4)
def first_names(exclude: frozenset[str] = frozenset()) -> frozenset[str]:
    """Deduce's first-name list, lower-cased, for names typed in lower case in chat (minus the
    Dutch words in deduce's common-word list and the registry's `not_names`)."""
    src = Path(import_deduce().__file__).parent / "data" / "lookup" / "src"
    names_file = src / "names" / "lst_first_name" / "items.txt"
    common_file = src / "whitelist" / "lst_common_word" / "items.txt"
    if not names_file.exists():  # pragma: no cover - deduce layout changed
        log.warning("deduce first-name list unavailable")
        return frozenset()
    common = set()
    if common_file.exists():
        common = {w.strip().lower() for w in common_file.read_text(encoding="utf-8").splitlines()}
    names = {w.strip().lower() for w in names_file.read_text(encoding="utf-8").splitlines()}
    return frozenset(n for n in names if len(n) > 2 and n not in common and n not in exclude)


class DeduceRecognizer:
    """Person names from deduce's name annotators; deduce's location annotations with a digit
    become a postcode or a street address."""

    location_entities = ("postcode", "street_address")

    def __init__(self, name: str = "deduce", entity: str = "person_name", priority: int = 2, score: float = 0.75,
                 person_tags: Iterable[str] = ("persoon",),
                 person_tag_prefixes: Iterable[str] = ("voornaam", "achternaam", "naam"),
                 location_tags: Iterable[str] = ("locatie", "straat"), location_score: float = 0.8,
                 not_names: frozenset[str] = frozenset(), judge: Any = None, engine: str = "matcher") -> None:
        self.name = name
        self.entity = entity
        self.priority = priority
        self.score = score
        self.person_tags = frozenset(person_tags)
        self.person_tag_prefixes = tuple(person_tag_prefixes)
        self.location_tags = frozenset(location_tags)
        self.location_score = location_score
        self.not_names = not_names
        self.judge = judge  # a NameJudge cuts and filters deduce's proposals (model/pii/names.py)
        if engine not in ("matcher", "deduce"):
            raise ValueError(f"{name}: engine must be 'matcher' or 'deduce', not {engine!r}")
        self.deduce = get_deduce()
        # deduce's own annotations, from the matcher built on its data or from its pipeline
        self.annotate = get_name_matcher().annotations if engine == "matcher" else self._deduce_annotations

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], ctx: BuildContext) -> DeduceRecognizer:
        return cls(spec["name"], spec["entity"], int(spec["priority"]), float(spec.get("score", 0.75)),
                   spec.get("person_tags") or (), spec.get("person_tag_prefixes") or (),
                   spec.get("location_tags") or (), float(spec.get("location_score", 0.8)), ctx.not_names,
                   ctx.judge if spec.get("judge", True) else None, str(spec.get("engine", "matcher")))

    def _deduce_annotations(self, text: str) -> list[tuple[int, int, str, str]]:
        return [(int(a.start_char), int(a.end_char), a.text, a.tag) for a in self.deduce.deidentify(text).annotations]

    def analyze(self, text: str) -> list[PiiSpan]:
        if not any(c.isupper() for c in text):
            return []
        spans = []
        for start, end, value, tag in self.annotate(text):
            if tag in self.person_tags or tag.startswith(self.person_tag_prefixes):
                if value.lower() in self.not_names or not any(c.isupper() for c in value):
                    continue
                parts = self.judge.refine(text, start, end) if self.judge is not None else [(start, end)]
                spans += [PiiSpan(self.entity, s, e, text[s:e], self.name, self.score) for s, e in parts]
            elif tag in self.location_tags and any(c.isdigit() for c in value):
                etype = "postcode" if _POSTCODE.match(value) else "street_address"
                spans.append(PiiSpan(etype, start, end, value, self.name, self.location_score))
        return spans
