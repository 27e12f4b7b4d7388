"""A log filter that keeps personal data out of the logs."""

from __future__ import annotations

import logging
import re

_QUERY_STRING = re.compile(r"\?[^\s\"']*")
# A person's private status link (/r/<token>/) is a secret even when it is dead.
_STATUS_TOKEN = re.compile(r"/r/[^/\s?]+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# A North American number in any common format; dates (2026-11-23) and times are not matched.
_PHONE = re.compile(r"(?<![\w-])(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?![\w-])")


def redact(text: str) -> str:
    """Drop query strings (they can carry search terms) and anything shaped like an email or phone number."""
    text = _QUERY_STRING.sub("?[redacted]", text)
    text = _STATUS_TOKEN.sub("/r/[token]", text)
    text = _EMAIL.sub("[email]", text)
    return _PHONE.sub("[phone]", text)


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
