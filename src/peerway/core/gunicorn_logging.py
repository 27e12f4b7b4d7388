"""Gunicorn's logger with Peerway's redaction, so its access and error logs hold no private links.

Gunicorn writes its own logs, outside Django's logging settings; ``peerway serve`` passes this class as
``--logger-class``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger  # type: ignore[import-untyped]

from peerway.core.logging import RedactPersonalData, redact

# Atoms holding a query string without its leading "?", which ``redact`` would not recognize as one.
_QUERY_STRING_ATOMS = ("q", "{query_string}e")


class RedactingLogger(Logger):  # type: ignore[misc]
    """Gunicorn's logger whose access-log atoms and error-log records are redacted by ``redact``.

    Every string atom (the path, the request line, the referer, headers and environ values) is redacted
    before the access-log format is applied, whatever handlers a logging configuration attaches; query
    strings are dropped.
    """

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        # "Error handling request /r/<token>/" is logged with the path; a configuration reload runs setup
        # again, so the filter is added only once.
        if not any(isinstance(existing, RedactPersonalData) for existing in self.error_log.filters):
            self.error_log.addFilter(RedactPersonalData())

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if isinstance(value, str):
                atoms[key] = "[redacted]" if key in _QUERY_STRING_ATOMS and value else redact(value)
        return atoms
