"""Why a recovery-record action was refused, in words a peer or supervisor can act on."""

from __future__ import annotations


class ActionRefused(Exception):
    """A rule (the statute, the lifecycle, a role) refuses the action; ``message`` says which and why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
