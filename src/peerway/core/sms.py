"""Text messages through a pluggable backend, as Django does for email.

``settings.SMS_BACKEND`` names a class with ``send(message) -> None``. Peerway ships no carrier: a
deployment adds one (a small class around its provider's API) and names it in the setting. Bodies must
carry no personal details (no names, no diagnoses): a text can be read over a shoulder or on a lock screen.

- ``ConsoleBackend`` (demo default) prints to stdout.
- ``FileBackend`` appends one JSON line per message to ``settings.SMS_FILE_PATH``.
- ``LocmemBackend`` (test default) keeps messages in ``peerway.core.sms.outbox``; no message leaves the process.
- ``DisabledBackend`` (production default until a carrier is configured) refuses with ``SmsNotConfigured``.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class TextMessage:
    to: str
    body: str


class SmsNotConfigured(RuntimeError):
    """No text-message carrier is configured; the caller should fall back to another channel."""


class SmsFailed(RuntimeError):
    """The carrier refused the text or could not be reached. The message names only the error's kind: a carrier's
    own message may quote the number."""


outbox: list[TextMessage] = []


class ConsoleBackend:
    def send(self, message: TextMessage) -> None:
        sys.stdout.write(f"[text to {message.to}] {message.body}\n")
        sys.stdout.flush()


class FileBackend:
    def send(self, message: TextMessage) -> None:
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(asdict(message)) + "\n")


class LocmemBackend:
    def send(self, message: TextMessage) -> None:
        outbox.append(message)


class DisabledBackend:
    def send(self, message: TextMessage) -> None:
        raise SmsNotConfigured("No text-message carrier is configured (set SMS_BACKEND).")


def send_text(to: str, body: str) -> None:
    """Send one text message through the configured backend. Raises SmsNotConfigured when none is, and SmsFailed
    when the carrier's class raises anything else (a deployment's class raises whatever its provider's client does)."""
    backend = import_string(settings.SMS_BACKEND)()
    try:
        backend.send(TextMessage(to=to, body=body))
    except SmsNotConfigured:
        raise
    except Exception as error:
        raise SmsFailed(type(error).__name__) from error
