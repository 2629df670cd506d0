"""Input checks shared by the routes that take a draft (score, reviews)."""

from __future__ import annotations

import math
import unicodedata

from corpus.vocabulary import LABELS, InvalidRoleError, check_role
from serve.http.errors import (
    INVALID_ID_EN,
    INVALID_ID_NL,
    empty_text,
    text_too_long,
    unknown_label,
    unknown_role,
)

# Characters that show nothing: whitespace, controls, format characters (zero-width space, soft
# hyphen, joiners, BOM). A draft of only these is empty.
_INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})

class InvalidIdError(ValueError):
    """An id that is not a string or a finite number."""

    def __init__(self) -> None:
        super().__init__(f"{INVALID_ID_NL} ({INVALID_ID_EN})")


def id_string(value: object) -> str | None:
    """The caller's id as the service echoes it: a string. Numbers are stringified (7 -> "7",
    2.5 -> "2.5"); a non-finite number (1e400, NaN, Infinity), a boolean or a structure is refused."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise InvalidIdError()
    if isinstance(value, int):
        try:
            return str(value)
        except ValueError:  # more digits than Python prints
            raise InvalidIdError() from None
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    raise InvalidIdError()


def is_blank(text: str) -> bool:
    """True for a draft with nothing visible in it (empty, spaces, line breaks, zero-width characters)."""
    return all(ch.isspace() or unicodedata.category(ch) in _INVISIBLE_CATEGORIES for ch in text)


def checked_role(text: str, role: object, max_chars: int) -> str:
    """The draft's role (None -> onbekend) after the HTTP checks: 413 for a long text, 422 for an
    empty text or a bad role."""
    if len(text) > max_chars:
        raise text_too_long(len(text), max_chars)
    if is_blank(text):
        raise empty_text()
    try:
        return check_role(role)
    except InvalidRoleError:
        raise unknown_role(role) from None


def checked_label(label: str | None) -> str | None:
    if label is not None and label not in LABELS:
        raise unknown_label()
    return label
