"""Names and street addresses from deduce, the Dutch de-identification library.

Building deduce's lookup structures takes about a minute the first time (cached in its
package folder afterwards); `postwacht setup` does that once, and a process constructs
deduce once (`get_deduce`).
"""

from __future__ import annotations

import gc
import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from model.pii.base import PiiSpan
from model.pii.recognizers import _NOT_NAMES

log = logging.getLogger(__name__)

# deduce groups we do ourselves (validated numbers, dates with context) or do not need
_DISABLED = {"dates", "ages", "identifiers", "phone_numbers", "email_addresses", "urls", "institutions"}
_POSTCODE = re.compile(r"^[1-9]\d{3}\s?[A-Za-z]{2}$")


@lru_cache(maxsize=1)
def get_deduce() -> Any:
    """Deduce, constructed once per process. Its cache is one large pickle of many small
    objects; with the cyclic GC paused it loads about four times faster."""
    from deduce import Deduce

    logging.getLogger("root").setLevel(logging.WARNING)
    enabled = gc.isenabled()
    gc.disable()
    try:
        return Deduce()
    finally:
        if enabled:
            gc.enable()


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Deduce's first-name list, lower-cased, for names typed in lower case in chat
    (minus Dutch words that are also names, such as 'roos' or 'bart' stays)."""
    import deduce

    src = Path(deduce.__file__).parent / "data" / "lookup" / "src"
    names_file = src / "names" / "lst_first_name" / "items.txt"
    common_file = src / "whitelist" / "lst_common_word" / "items.txt"
    if not names_file.exists():  # pragma: no cover - deduce layout changed
        log.warning("deduce first-name list unavailable")
        return frozenset()
    common = set()
    if common_file.exists():
        common = {w.strip().lower() for w in common_file.read_text(encoding="utf-8").splitlines()}
    names = {w.strip().lower() for w in names_file.read_text(encoding="utf-8").splitlines()}
    return frozenset(n for n in names if len(n) > 2 and n not in common and n not in _NOT_NAMES)


class DeduceRecognizer:
    """Person names (entity person_name) and street + house number from deduce."""

    name = "deduce"
    entity = "person_name"
    priority = 2

    def __init__(self) -> None:
        self.deduce = get_deduce()

    def analyze(self, text: str) -> list[PiiSpan]:
        if not any(c.isupper() for c in text):
            return []
        doc = self.deduce.deidentify(text, disabled=_DISABLED)
        spans = []
        for ann in doc.annotations:
            value = ann.text
            if ann.tag == "persoon" or ann.tag.startswith(("voornaam", "achternaam", "naam")):
                if value.lower() in _NOT_NAMES or not any(c.isupper() for c in value):
                    continue
                spans.append(PiiSpan("person_name", ann.start_char, ann.end_char, value, self.name, 0.75))
            elif ann.tag in ("locatie", "straat") and any(c.isdigit() for c in value):
                etype = "postcode" if _POSTCODE.match(value) else "street_address"
                spans.append(PiiSpan(etype, ann.start_char, ann.end_char, value, self.name, 0.8))
        return spans
