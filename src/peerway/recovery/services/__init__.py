"""Use cases that change recovery records, one module per kind of record; one transaction each."""

from peerway.recovery.services.participants import participant_create

__all__ = ["participant_create"]
