"""JSON read strictly, for the matching contract and its weights: what Python would accept beyond JSON is an error."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["load_json"]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


# Python refuses to read a whole number longer than this (``sys.get_int_max_str_digits``) and says so in its own terms.
_MAX_INTEGER_DIGITS = 4300


def _integer(digits: str) -> int:
    length = len(digits.lstrip("-"))
    if length > _MAX_INTEGER_DIGITS:
        raise ValueError(f"a whole number of {length} digits is too long to read; at most {_MAX_INTEGER_DIGITS}")
    return int(digits)


def load_json(text: str) -> Any:
    """Parse JSON strictly: ``NaN`` and ``Infinity`` (which Python would otherwise accept) are errors, and a whole
    number too long to read is named as such."""
    return json.loads(text, parse_constant=_reject_constant, parse_int=_integer)
