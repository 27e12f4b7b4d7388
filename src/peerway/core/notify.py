"""One notice sent as several messages (one per language), so that one refused mailbox costs no one else theirs.

An SMTP server refuses a message only when it refuses every one of its recipients. A notice once sent as one
message to all its readers, now one per language, must keep that: a reader alone in their language whose mailbox is
gone must not stop the others' copies, nor make a daily job send the others theirs again on every run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence


def send_each(sends: Sequence[Callable[[], None]], *, what: str, logger: logging.Logger) -> None:
    """Run every send; one that fails does not stop the others.

    When every send failed, nothing went: the first error is raised, so the caller's record of the notice rolls
    back and its next run tries again. Otherwise each failure is logged by the error's class only (an SMTP refusal
    carries the address) and the notice counts as sent.
    """
    failures: list[Exception] = []
    for send in sends:
        try:
            send()
        except Exception as error:
            failures.append(error)
    if failures and len(failures) == len(sends):
        raise failures[0]
    for error in failures:
        logger.warning("%s: one of its messages failed (%s); the others went", what, type(error).__name__)
