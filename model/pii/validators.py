"""Checksum and format validators, by the name a recognizer in corpus/pii/recognizers.yaml gives
under `validator`. python-stdnum does the arithmetic; a new checksum is one function here."""

from __future__ import annotations

import re
from collections.abc import Callable

from stdnum import iban as stdnum_iban
from stdnum.nl import bsn as stdnum_bsn
from stdnum.nl import postcode as stdnum_postcode


def bsn_elfproef(value: str) -> bool:
    """A Dutch citizen service number: nine digits passing the elfproef."""
    digits = re.sub(r"\D", "", value)
    return len(digits) == 9 and not digits.startswith("0") and stdnum_bsn.is_valid(digits)


def iban_checksum(value: str) -> bool:
    """An IBAN with a valid mod-97 check and the country's length and format."""
    return stdnum_iban.is_valid(value.upper())


def postcode_nl(value: str) -> bool:
    """A Dutch postcode: four digits (no leading 0) and two letters other than SA, SD, SS."""
    return stdnum_postcode.is_valid(re.sub(r"\s", "", value))


VALIDATORS: dict[str, Callable[[str], bool]] = {
    "bsn_elfproef": bsn_elfproef,
    "iban_checksum": iban_checksum,
    "postcode_nl": postcode_nl,
}
