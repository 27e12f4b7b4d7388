"""Changes to referrals: creating one, moving it along its lifecycle, and the follow-up reminders.

Each change is one transaction, audited inside it; the reminders send and record each peer's email in a
transaction of its own. A refused transition raises ReferralRefused with a message the peer can act on.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_fsm import TransitionNotAllowed

from peerway.accounts.models import User
from peerway.accounts.selectors import users_by_language
from peerway.core.access import access_events_record, acting_role
from peerway.core.models import AccessAction, ScheduledRun
from peerway.core.notify import send_each
from peerway.core.scheduler import period_key
from peerway.recovery.models import SUBJECT_PARTICIPANT, Engagement, EngagementStatus, Referral, ReferralStatus
from peerway.recovery.selectors.engagements import engagement_staff_to_remind
from peerway.recovery.selectors.referrals import (
    REFERRAL_WRITE_ROLES,
    referrals_due_queryset,
    resources_for_engagement,
)
from peerway.resources.models import Resource

ACTIONS = ("acknowledge", "complete", "decline")

logger = logging.getLogger(__name__)


class ReferralRefused(Exception):
    """A change the referral's lifecycle or its data does not allow; ``str()`` is the message to show."""


def _today() -> dt.date:
    return timezone.localdate()


def _check_follow_up(follow_up_on: dt.date | None) -> None:
    if follow_up_on is not None and follow_up_on < _today():
        raise ReferralRefused(_("The follow-up date cannot be in the past."))


def _audit(referral: Referral, actor: User | None, action: AccessAction, reason: str) -> None:
    engagement = referral.engagement
    access_events_record(
        actor=actor,
        role=acting_role(actor, engagement.organization, REFERRAL_WRITE_ROLES),
        organization=engagement.organization,
        subject_type=SUBJECT_PARTICIPANT,
        subject_ids=[engagement.participant.public_id],
        action=action,
        reason=reason,
    )


@transaction.atomic
def referral_create(
    *,
    engagement: Engagement,
    resource: Resource,
    actor: User | None,
    note: str = "",
    follow_up_on: dt.date | None = None,
) -> Referral:
    """Refer the person in ``engagement`` to ``resource`` (shared, or the engagement organization's own). Refused on a
    closed engagement, as contacts and hand-offs are: its follow-up reminder would never come."""
    if engagement.status == EngagementStatus.CLOSED:
        raise ReferralRefused(_("The engagement is closed; reopen it to refer the person."))
    if not resources_for_engagement(engagement).filter(pk=resource.pk).exists():
        raise ReferralRefused(_("This resource is not in your organization's directory."))
    _check_follow_up(follow_up_on)
    referral = Referral(
        engagement=engagement,
        resource=resource,
        note=note or None,
        follow_up_on=follow_up_on,
        sent_at=timezone.now(),
        created_by=actor,
    )
    referral.save()
    _audit(referral, actor, AccessAction.CREATED, "referral")
    if follow_up_on is not None:
        _remind_today_if_the_daily_run_is_done(referral)
    return referral


def _remind_today_if_the_daily_run_is_done(referral: Referral) -> None:
    # The form promises one email on the follow-up day, but the daily run does not look again until tomorrow:
    # a referral that falls due today after that run queues today's reminders once more. The worker sends the
    # email, not the request, and the queued task commits with this transaction or not at all.
    from peerway.resources.tasks import REFERRAL_REMINDERS_JOB, referral_follow_up_reminders_task

    if referral.follow_up_on is None or referral.reminder_sent_at is not None or not referral.is_open:
        return
    now = timezone.now()
    # The zone the scheduler and the worker count days in.
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    if referral.follow_up_on > timezone.localdate(now, zone):
        return
    if ScheduledRun.objects.filter(
        name=REFERRAL_REMINDERS_JOB, period_key=period_key("daily", now, zone=zone)
    ).exists():
        referral_follow_up_reminders_task.enqueue()


def _refusal(referral: Referral, action: str) -> str:
    status = referral.status
    if status in (ReferralStatus.COMPLETED, ReferralStatus.DECLINED):
        return _("This referral is already %(status)s; it can no longer change.") % {
            "status": referral.get_status_display().lower()
        }
    if action == "acknowledge":
        return _("This referral is already acknowledged.")
    if action == "complete":
        return _("A referral must be acknowledged by the resource before it can be marked completed.")
    return _("This change is not possible for a referral that is %(status)s.") % {
        "status": referral.get_status_display().lower()
    }


@transaction.atomic
def referral_transition(
    *,
    referral: Referral,
    action: str,
    actor: User | None,
    outcome_note: str = "",
    follow_up_on: dt.date | None = None,
) -> Referral:
    """Acknowledge, complete or decline ``referral``; record the outcome and a new follow-up date if given.

    A completed or declined referral needs no follow-up: its date is kept but no reminder is sent.
    """
    if action not in ACTIONS:
        raise ReferralRefused(_("Unknown action."))
    referral = (
        Referral.objects.select_for_update()
        .select_related("engagement", "engagement__organization", "engagement__participant")
        .get(pk=referral.pk)
    )
    _check_follow_up(follow_up_on)
    try:
        getattr(referral, action)()
    except TransitionNotAllowed:
        raise ReferralRefused(_refusal(referral, action)) from None
    now = timezone.now()
    if action == "acknowledge":
        referral.acknowledged_at = now
    else:
        referral.closed_at = now
    if outcome_note:
        referral.outcome_note = outcome_note
    follow_up_changed = follow_up_on is not None and follow_up_on != referral.follow_up_on
    if follow_up_changed:
        referral.follow_up_on = follow_up_on
        referral.reminder_sent_at = None
    referral.save()
    _audit(referral, actor, AccessAction.CHANGED, f"referral {action}")
    if follow_up_changed:
        _remind_today_if_the_daily_run_is_done(referral)
    return referral


def referrals_remind_due(*, now: dt.datetime | None = None) -> int:
    """Email each peer once about their open referrals that became due for follow-up; returns how many referrals.

    A referral is reminded once per follow-up date (``reminder_sent_at``); the email names no person. A peer who
    can no longer work as one is not reminded: their referrals go to the team covering for them
    (``engagement_staff_to_remind``), in one email to that team. Each email is sent and recorded in a
    transaction of its own, so an address the mail server refuses is logged (without the address) and retried
    on the next run, while everyone else is reminded once.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = (
        referrals_due_queryset(today)
        .filter(reminder_sent_at__isnull=True)
        .select_related("engagement__peer__user")
        .order_by("id")
    )
    staff_by_engagement: dict[int, list[User]] = {}
    # One email per (who is told, whether they cover for a peer): the referrals it is about.
    groups: dict[tuple[tuple[int, ...], bool], tuple[list[User], list[int]]] = {}
    for referral in due:
        if referral.engagement_id not in staff_by_engagement:
            staff_by_engagement[referral.engagement_id] = engagement_staff_to_remind(referral.engagement)
        staff = staff_by_engagement[referral.engagement_id]
        if staff:
            covering = staff != [referral.engagement.peer.user]
            groups.setdefault((tuple(user.pk for user in staff), covering), (staff, []))[1].append(referral.pk)
    reminded = 0
    for (_recipients, covering), (staff, referral_ids) in groups.items():
        try:
            reminded += _staff_remind(staff=staff, referral_ids=referral_ids, covering=covering, today=today, now=now)
        except Exception as error:
            # One mailbox must not hold up everyone else's reminders. The log names the accounts by their public
            # ids and the error by its class only: an SMTP refusal carries the address in its message.
            logger.warning(
                "Referral follow-up reminder to user(s) %s failed (%s); it is retried on the next run",
                ", ".join(str(user.public_id) for user in staff),
                type(error).__name__,
            )
    return reminded


@transaction.atomic
def _staff_remind(
    *, staff: list[User], referral_ids: list[int], covering: bool, today: dt.date, now: dt.datetime
) -> int:
    # The row locks make a concurrent run wait here and then find these referrals already reminded. Read again
    # under the lock: a referral completed or given a later follow-up date since the job listed it is not due.
    referrals = list(
        referrals_due_queryset(today)
        .filter(pk__in=referral_ids, reminder_sent_at__isnull=True)
        .select_for_update(of=("self",))
        .order_by("id")
    )
    if not referrals:
        return 0
    count = len(referrals)
    # One email per language, each in its readers' language: the worker that sends it has none of its own.
    sends = []
    for language, users in users_by_language(user for user in staff if user.email).items():
        with translation.override(language):
            link = settings.SITE_URL.rstrip("/") + reverse("recovery:referrals_due")
            if covering:
                summary = ngettext(
                    "%(count)s referral made by a peer who can no longer follow it up is due for follow-up.",
                    "%(count)s referrals made by a peer who can no longer follow them up are due for follow-up.",
                    count,
                )
            else:
                summary = ngettext(
                    "%(count)s referral you made is due for follow-up.",
                    "%(count)s referrals you made are due for follow-up.",
                    count,
                )
            subject = _("Peerway: referrals to follow up")
            message = (
                (summary % {"count": count})
                + "\n\n"
                + (_("Sign in to Peerway to see them: %(link)s") % {"link": link})
                + "\n"
            )
        sends.append(
            partial(
                send_mail,
                subject=subject,
                message=message,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[user.email for user in users],
            )
        )
    send_each(sends, what="Referral follow-up reminder", logger=logger)
    Referral.objects.filter(pk__in=[referral.pk for referral in referrals]).update(reminder_sent_at=now)
    return len(referrals)
