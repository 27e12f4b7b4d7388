"""Daily credential jobs: renewal reminders (90, 60, 30 days before expiry) and marking lapsed credentials expired."""

from __future__ import annotations

from django_tasks import task

from peerway.core.scheduler import periodic
from peerway.workforce.credentials import credential_reminders_send, credentials_expire


@periodic(name="credentials_expire", every="daily", at="00:15")
@task()
def credentials_expire_task() -> int:
    return credentials_expire()


@periodic(name="credential_reminders", every="daily", at="09:00")
@task()
def credential_reminders_task() -> int:
    return credential_reminders_send()
