"""A log filter that keeps personal data out of the logs."""

from __future__ import annotations

import logging
import re

_QUERY_STRING = re.compile(r"\?[^\s\"']*")
# A person's private links are secrets even when they are dead: the first call's status page (/r/<token>/),
# their personal space (/me/<token>/...) and a check-in to answer (/c/<token>/).
# A mistyped case (/ME/<token>/) is a 404 whose logged path still holds the token.
_PRIVATE_TOKEN = re.compile(r"/(r|me|c)/[^/\s?\"']+", re.IGNORECASE)
# A staff member's account links carry keys too: whoever holds a password-reset key (<uidb36>-<key>) can set
# the password, and a confirmation key confirms the address (allauth's /accounts/... paths, any language prefix).
_ACCOUNT_KEY = re.compile(r"(/accounts/(?:password/reset/key|confirm-email)/)[^/\s?\"']+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# The dashes a keyboard or a word processor may put between a number's digits: hyphen-minus, the Unicode hyphens and
# dashes (U+2010 to U+2015) and the minus sign.
_DASHES = "\\-\u2010-\u2015\u2212"
# A North American number in any common format; dates (2026-11-23), times and decimals (1733526081.25) are not
# matched.
_PHONE = re.compile(
    rf"(?<![\w{_DASHES}])(?<!\d[.:])(?:\+?1[\s.{_DASHES}]?)?\(?\d{{3}}\)?[\s.{_DASHES}]?\d{{3}}[\s.{_DASHES}]?\d{{4}}"
    rf"(?![\w{_DASHES}]|[.:]\d)"
)
# Between two digits of a phone number: what the intake form accepts (spaces, "(", ")", ".", "-"), up to five of them
# ("(612) - 555 - 0142" has four), and never a line break (any that str.splitlines knows).
_SEPARATORS = rf"(?:[^\S\n\r\v\f\x1c-\x1e\x85\u2028\u2029]|[().{_DASHES}]){{0,5}}"
# Any other number the intake form accepts (10 to 15 digits), such as +44 20 7946 0958, wholly: a "+" and 7 to 15
# digits, or 10 to 15 digits alone.
_INTERNATIONAL_PHONE = re.compile(rf"(?<![\w+])\+\(?\d(?:{_SEPARATORS}\d){{6,14}}(?!\d)")
_DIGITS_PHONE = re.compile(
    # Not part of a word, an id (a-b-c), a path segment or a version (Chrome/120.0.6099.109), a time or a decimal.
    r"(?<![\w+/-])(?<!\d[.:])"
    # Not a date (2026-12-06 23:01:21), an IPv4 address (203.0.113.195:8000: four dotted groups, and no more dotted
    # digits after them, as in 06.12.34.56.78), nor one decimal number (0.0123456789).
    r"(?!\d{4}-\d\d-\d\d(?!\d))(?!\d{1,3}(?:\.\d{1,3}){3}(?!\d|\.\d))"
    rf"(?!\d+\.\d+(?!{_SEPARATORS}\d))"
    rf"\(?\d(?:{_SEPARATORS}\d){{9,14}}"
    # Ends where the number does: not before a letter, a hyphen, nor a time's or a decimal's next digits.
    r"(?![\w-]|[.:]\d)"
)


def redact(text: str) -> str:
    """Drop query strings (they can carry search terms), private links' and account links' keys, and anything
    shaped like an email or phone number."""
    text = _QUERY_STRING.sub("?[redacted]", text)
    text = _PRIVATE_TOKEN.sub(r"/\1/[token]", text)
    text = _ACCOUNT_KEY.sub(r"\1[token]", text)
    text = _EMAIL.sub("[email]", text)
    text = _INTERNATIONAL_PHONE.sub("[phone]", text)
    text = _PHONE.sub("[phone]", text)
    return _DIGITS_PHONE.sub("[phone]", text)


# Formats a record's traceback the way every handler's formatter would, so the text can be redacted first.
_TRACEBACK_FORMATTER = logging.Formatter()


# The development server's (``runserver``, demo mode) request record: http.server's ``log_request`` through
# Django's ``log_message``, with the request line, the status code and the size as strings.
_REQUEST_LINE_FORMAT = '"%s" %s %s'


def _request_line_fields(record: logging.LogRecord) -> tuple[str, ...] | None:
    """The fields of a development server's request record, '"<request line>" <status> <size>'; else None.

    Django's ``ServerFormatter`` colours the format itself (``record.msg``) once a handler has formatted the record,
    so another handler's filter finds it within the colour codes."""
    if record.name != "django.server" or _REQUEST_LINE_FORMAT not in str(record.msg):
        return None
    if not isinstance(record.args, tuple):
        return None
    fields = record.args
    if len(fields) != 3 or not all(isinstance(field, str) for field in fields):
        return None
    return tuple(str(field) for field in fields)


class RedactPersonalData(logging.Filter):
    """Redacts a record's message, traceback and stack before any handler formats it.

    An exception's message can carry personal data (an SMTP refusal names the address), so the traceback is
    formatted here into ``exc_text``, redacted, and ``exc_info`` is cleared: a handler's formatter then prints
    the redacted text instead of formatting the exception again.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        fields = _request_line_fields(record)
        if fields is not None:
            # Each field alone, as gunicorn's atoms are (core/gunicorn_logging.py): a status code and a size of a
            # megabyte or more ("200 1048576") are ten digits apart by a space, not a phone number.
            record.args = tuple(redact(field) for field in fields)
        else:
            try:
                message = record.getMessage()
            except Exception:
                # Arguments that do not fit the format (a library's slip): logging would report it and go on, but a
                # filter runs outside that guard, so raising here would reach the code that logged (a 500). The
                # format and each argument are kept, redacted, side by side.
                message = " ".join([str(record.msg), *(repr(arg) for arg in _arguments(record.args))])
                record.msg, record.args = redact(message), None
            else:
                cleaned = redact(message)
                if cleaned != message:
                    record.msg, record.args = cleaned, None
        if record.exc_info:
            if not record.exc_text:
                record.exc_text = _TRACEBACK_FORMATTER.formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _arguments(args: object) -> tuple[object, ...]:
    if args is None:
        return ()
    if isinstance(args, tuple):
        return args
    return (args,)
