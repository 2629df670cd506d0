"""Input checks shared by the routes that take a draft (score, reviews)."""

from __future__ import annotations

from corpus.vocabulary import LABELS, InvalidRoleError, check_role
from serve.http.errors import text_too_long, unknown_label, unknown_role


def checked_role(text: str, role: object, max_chars: int) -> str:
    """The draft's role (None -> onbekend) after the HTTP limits: 413 for a long text, 422 for a bad role."""
    if len(text) > max_chars:
        raise text_too_long(len(text), max_chars)
    try:
        return check_role(role)
    except InvalidRoleError:
        raise unknown_role(role) from None


def checked_label(label: str | None) -> str | None:
    if label is not None and label not in LABELS:
        raise unknown_label()
    return label
