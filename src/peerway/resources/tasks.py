"""Background work of the directory and referrals. Periodic tasks take no arguments."""

from __future__ import annotations

from django_tasks import task

from peerway.core.scheduler import periodic
from peerway.recovery.services.referrals import referrals_remind_due

# The services queue this job again when a referral falls due today after the day's run.
REFERRAL_REMINDERS_JOB = "referral_follow_up_reminders"


@periodic(name=REFERRAL_REMINDERS_JOB, every="daily", at="08:00")
@task()
def referral_follow_up_reminders_task() -> int:
    """Email peers once about referrals that became due for follow-up (the email names nobody).

    Runs every morning, and again whenever a referral falls due today after that morning's run.
    """
    return referrals_remind_due()
