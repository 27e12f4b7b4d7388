"""Keyed HMAC "blind indexes": look up an encrypted identifier without storing it in the clear.

Pure: no Django imports. The key comes from the caller (settings.BLIND_INDEX_KEY in the app).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

_NON_DIGITS = re.compile(r"\D+")
_SPACES = re.compile(r"\s+")


def normalize_phone(raw: str) -> str:
    """Digits only, with a leading US country code dropped, so '(612) 555-0100' == '+1 612 555 0100'."""
    digits = _NON_DIGITS.sub("", raw)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits


def normalize_identifier(raw: str) -> str:
    """Upper case without spaces or dashes: how Medicaid and member ids are compared."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", raw)).replace("-", "").upper()


def normalize_email(raw: str) -> str:
    return raw.strip().lower()


def blind_index(value: str, *, key: str, purpose: str) -> str:
    """HMAC-SHA256 of a normalized value, keyed and separated by purpose; empty input gives ''.

    The purpose keeps indexes of different fields unlinkable: the same digits as a phone number and as a
    Medicaid id produce different indexes.
    """
    if not value:
        return ""
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()
