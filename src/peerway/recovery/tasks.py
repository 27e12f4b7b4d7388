"""Background work of recovery records: the daily check-up jobs. Periodic tasks take no arguments."""

from __future__ import annotations

from django_tasks import task

from peerway.core.scheduler import periodic
from peerway.recovery.services.checkups import checkup_reminders_send, checkups_sync


@periodic(name="checkups_sync", every="daily", at="02:30")
@task()
def checkups_sync_task() -> int:
    """Schedule check-ups for engagements without them (or reopened), cancel those of closed engagements."""
    return checkups_sync()


@periodic(name="checkup_reminders_send", every="daily", at="09:00")
@task()
def checkup_reminders_send_task() -> int:
    """Remind peers and people of the check-ups coming up in the next few days, once each."""
    return checkup_reminders_send()
