"""Which version of a self-updating block a page shows (htmx polls send it back as ``?seen=``; unchanged means 204).

Keyed with the secret key: what is fingerprinted holds first names and languages, and the fingerprint travels in
URLs, so a plain hash of it could be guessed back.
"""

from __future__ import annotations

from django.utils.crypto import salted_hmac


def shown_fingerprint(namespace: str, shown: object) -> str:
    """A short keyed digest of ``shown``, whose repr must be stable (strings, numbers, tuples, dates)."""
    return salted_hmac(namespace, repr(shown)).hexdigest()[:16]
