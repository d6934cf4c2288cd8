"""Integers on the wire: 64-bit, written in ASCII digits.

Every backend stores integers in 64 bits, and Python's `int()` reads digits of any script
(`int("١٢") == 12`, while `"²".isdigit()` holds and `int("²")` fails): an integer that a client
writes into text (a query parameter, a header, a part of a cursor or of an upload URL) is read
here, and only here, so that one that does not fit is refused naming the field, never a query
that fails on the database.
"""

from __future__ import annotations

import re

from annobatch.domain.errors import InvalidInput

__all__ = ["INT64_MAX", "INT64_MIN", "parse_integer"]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

_ASCII_INTEGER = re.compile(r"-?[0-9]{1,19}")


def parse_integer(
    text: str, field: str, *, minimum: int = INT64_MIN, maximum: int = INT64_MAX, code: str = "invalid-input"
) -> int:
    """`text` as an integer from `minimum` to `maximum` (at most 64 bits), written in ASCII digits
    with an optional leading minus; anything else is refused as invalid input that names `field`."""
    if _ASCII_INTEGER.fullmatch(text) is not None:
        value = int(text)
        if minimum <= value <= maximum:
            return value
    shown = text if len(text) <= 40 else text[:40] + "…"
    raise InvalidInput(
        f"invalid {field} {shown!r}: an integer from {minimum} to {maximum}, in ASCII digits", code
    )
