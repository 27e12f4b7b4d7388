"""Recovery check-ups: scheduling, reminders, recording, re-linking and crisis alerts. One transaction each.

The schedule follows the organization's settings (every ``checkup_interval_months`` for
``checkup_horizon_years`` after the engagement starts, quarterly for five years by default). The worker keeps
schedules in step with engagements every day (``checkups_sync``) and reminds peer and person a few days
before each check-up (``checkup_reminders_send``). Both daily jobs handle each engagement or reminder in a
transaction of its own: one that fails is logged (by public id and error class, never an address or a name),
rolled back and tried again on the next run, and the job goes on with the others. See docs/outcomes.md.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_create_with_history

from peerway.accounts.links import participant_language
from peerway.accounts.models import User
from peerway.accounts.roles import Role
from peerway.accounts.selectors import organization_responders, users_by_language
from peerway.core.access import access_events_record, acting_role
from peerway.core.models import AccessAction
from peerway.core.notify import send_each
from peerway.core.sms import SmsNotConfigured, send_text
from peerway.recovery.checkup_schedule import checkup_due_dates
from peerway.recovery.models import (
    RECOVERY_CAPITAL_MAX,
    RECOVERY_CAPITAL_MIN,
    RELINK_WELLBEING,
    SUBJECT_PARTICIPANT,
    CheckIn,
    Checkup,
    CheckupReminder,
    CheckupStatus,
    Engagement,
    EngagementStatus,
    RelinkKind,
    ReminderChannel,
    Wellbeing,
)
from peerway.recovery.selectors.engagements import engagement_staff_to_remind

logger = logging.getLogger(__name__)

# Who records check-ups and reads them: the organization's peers, supervisors and administrators.
CHECKUP_ROLES = frozenset({Role.PEER, Role.SUPERVISOR, Role.ORG_ADMIN})
# Reminders go out this many days before the due date (and, if the worker was down, up to the due date).
REMINDER_DAYS_BEFORE = 3
# Texts and emails carry no personal details: no name, no organization name, nothing about recovery.
PERSON_TEXT = gettext_noop(
    "Peerway: your peer will get in touch in the next few days for your check-up. Need support now? Call or text 988."
)
CRISIS_LINES = ("911", "988")


def local_today() -> dt.date:
    return timezone.localdate()


def engagement_start_date(engagement: Engagement) -> dt.date:
    """The day the engagement started, in its organization's time zone."""
    return engagement.started_at.astimezone(engagement.organization.zone).date()


@transaction.atomic
def checkups_schedule(*, engagement: Engagement, today: dt.date | None = None) -> int:
    """Create the engagement's schedule when it has none, or else restore future check-ups a closing had
    cancelled.

    Idempotent: a second call creates nothing, even at the same time as the first (the daily sync beside a
    reopening, or two workers). A closed engagement gets none. An existing schedule keeps the interval and
    horizon it was generated with, even if the organization has changed them since. Returns how many check-ups
    were created or restored.
    """
    # The engagement's row lock makes a second scheduler wait here and then find the first one's check-ups:
    # without it both find none, both insert, and the second fails on the once-per-sequence constraint.
    status = Engagement.objects.select_for_update().values_list("status", flat=True).get(pk=engagement.pk)
    if status == EngagementStatus.CLOSED:
        return 0
    today = today or local_today()
    existing = list(Checkup.objects.select_for_update().filter(engagement=engagement))
    if not existing:
        organization = engagement.organization
        dates = checkup_due_dates(
            engagement_start_date(engagement),
            interval_months=organization.checkup_interval_months,
            horizon_years=organization.checkup_horizon_years,
        )
        new = [
            Checkup(engagement=engagement, sequence=sequence, due_on=due_on)
            for sequence, due_on in enumerate(dates, start=1)
        ]
        bulk_create_with_history(new, Checkup)
        return len(new)
    restored = 0
    for checkup in existing:
        if checkup.status == CheckupStatus.CANCELLED and checkup.due_on >= today:
            checkup.status = CheckupStatus.SCHEDULED
            checkup.cancelled_at = None
            checkup.save(update_fields=["status", "cancelled_at", "updated_at"])
            restored += 1
    return restored


@transaction.atomic
def checkups_cancel_future(*, engagement: Engagement, today: dt.date | None = None) -> int:
    """Cancel the engagement's check-ups due today or later (it closed). Returns how many."""
    today = today or local_today()
    now = timezone.now()
    cancelled = 0
    for checkup in Checkup.objects.select_for_update().filter(
        engagement=engagement, status=CheckupStatus.SCHEDULED, due_on__gte=today
    ):
        checkup.status = CheckupStatus.CANCELLED
        checkup.cancelled_at = now
        checkup.save(update_fields=["status", "cancelled_at", "updated_at"])
        cancelled += 1
    return cancelled


def checkups_sync(*, today: dt.date | None = None) -> int:
    """The daily job: schedule engagements that have no schedule (or were reopened), cancel closed ones'.

    Returns how many engagements it changed. Each engagement is its own transaction (a savepoint when the job
    runs inside one): an engagement that fails is logged and rolled back, and the job goes on with the others.
    """
    today = today or local_today()
    future_scheduled = Checkup.objects.filter(
        engagement_id=OuterRef("pk"), status=CheckupStatus.SCHEDULED, due_on__gte=today
    )
    future_cancelled = Checkup.objects.filter(
        engagement_id=OuterRef("pk"), status=CheckupStatus.CANCELLED, due_on__gte=today
    )
    any_checkup = Checkup.objects.filter(engagement_id=OuterRef("pk"))
    changed = 0
    closing = Engagement.objects.filter(status=EngagementStatus.CLOSED).filter(Exists(future_scheduled))
    for engagement in closing.select_related("organization").order_by("pk"):
        changed += _sync_one(checkups_cancel_future, engagement=engagement, today=today)
    needing = (
        Engagement.objects.exclude(status=EngagementStatus.CLOSED)
        .filter(~Exists(any_checkup) | Exists(future_cancelled))
        .select_related("organization")
        .order_by("pk")
    )
    for engagement in needing:
        changed += _sync_one(checkups_schedule, engagement=engagement, today=today)
    return changed


def _sync_one(change: Callable[..., int], *, engagement: Engagement, today: dt.date) -> int:
    """1 when ``change`` changed the engagement's check-ups; 0 when it changed nothing or failed."""
    try:
        with transaction.atomic():
            return int(change(engagement=engagement, today=today) > 0)
    except Exception as error:
        # One engagement must not leave every later one unscheduled for the day. The log names the engagement by
        # its public id and the error by its class only; the next run tries again.
        logger.warning(
            "Check-ups of engagement %s not brought in step (%s); the next run tries again",
            engagement.public_id,
            type(error).__name__,
        )
        return 0


def checkup_reminders_send(*, today: dt.date | None = None) -> int:
    """The daily job: remind the peer (email) and the person (text and/or email) of each check-up coming up.

    A check-up is reminded from ``REMINDER_DAYS_BEFORE`` days before it is due until the due date, once per
    channel: the CheckupReminder row is written in the same transaction as the send, and its unique
    constraint stops a second one. A reminder that cannot be sent (a mailbox the mail server refuses) is logged
    without its address, its row rolled back so the next run tries again, and the job goes on with the others.
    Returns how many reminders were sent.
    """
    today = today or local_today()
    due = (
        Checkup.objects.filter(
            status=CheckupStatus.SCHEDULED,
            due_on__gte=today,
            due_on__lte=today + dt.timedelta(days=REMINDER_DAYS_BEFORE),
        )
        .exclude(engagement__status=EngagementStatus.CLOSED)
        .select_related("engagement__peer__user", "engagement__participant")
        .order_by("due_on", "pk")
    )
    sent = 0
    for checkup in due:
        already = set(checkup.reminders.values_list("channel", flat=True))
        for channel in ReminderChannel:
            if channel in already:
                continue
            try:
                sent += int(_reminder_send(checkup=checkup, channel=channel))
            except Exception as error:
                # One refused mailbox must not hold up every later reminder of the day. The log names the
                # check-up by its public id and the error by its class only: an SMTP refusal carries the address.
                logger.warning(
                    "Check-up reminder %s (%s) failed (%s); it is retried on the next run",
                    checkup.public_id,
                    channel.value,
                    type(error).__name__,
                )
    return sent


def _reminder_send(*, checkup: Checkup, channel: ReminderChannel) -> bool:
    engagement = checkup.engagement
    covering = False
    if channel == ReminderChannel.PEER_EMAIL:
        # The peer, or the team covering for a peer who can no longer work as one, each in their own language.
        staff = engagement_staff_to_remind(engagement)
        covering = staff != [engagement.peer.user]
        readers = [
            (language, [user.email for user in users if user.email])
            for language, users in users_by_language(staff).items()
        ]
    elif channel == ReminderChannel.PERSON_TEXT:
        phone = engagement.participant.phone
        readers = [(participant_language(engagement.participant), [phone] if phone else [])]
    else:
        email = engagement.participant.email
        readers = [(participant_language(engagement.participant), [email] if email else [])]
    readers = [(language, addresses) for language, addresses in readers if addresses]
    if not readers:
        return False
    try:
        # The reminder's own transaction (a savepoint inside another): a failed send rolls back its row.
        with transaction.atomic():
            # Read again under the check-up's lock (which recording it takes too): one recorded, or whose
            # engagement closed, since the job listed it is not reminded.
            still_due = (
                Checkup.objects.select_for_update(of=("self",))
                .filter(pk=checkup.pk, status=CheckupStatus.SCHEDULED)
                .exclude(engagement__status=EngagementStatus.CLOSED)
                .values_list("pk", flat=True)
                .first()
                is not None
            )
            if not still_due:
                return False
            reminder = CheckupReminder.objects.create(checkup=checkup, channel=channel, sent_at=timezone.now())
            try:
                send_each(
                    [
                        partial(
                            _deliver_in,
                            language,
                            checkup=checkup,
                            channel=channel,
                            addresses=addresses,
                            covering=covering,
                        )
                        for language, addresses in readers
                    ],
                    what=f"Check-up reminder {checkup.public_id} ({channel.value})",
                    logger=logger,
                )
            except SmsNotConfigured:
                logger.warning("No text carrier configured: check-up reminder %s not texted", checkup.public_id)
                reminder.delivered = False
                reminder.save(update_fields=["delivered"])
                return False
    except IntegrityError:
        # Another worker sent this one first.
        return False
    return True


def _deliver_in(language: str, **kwargs: Any) -> None:
    with translation.override(language):
        _deliver(**kwargs)


def _deliver(*, checkup: Checkup, channel: ReminderChannel, addresses: list[str], covering: bool) -> None:
    due = checkup.due_on.isoformat()
    if channel == ReminderChannel.PEER_EMAIL:
        link = settings_site_url() + reverse("recovery:checkup_list", args=[checkup.engagement.public_id])
        if covering:
            message = _(
                "A recovery check-up with someone your organization supports is due on %(due)s. Their peer can no "
                "longer take it: please see who will.\n\nOpen it in Peerway: %(link)s\n"
            )
        else:
            message = _(
                "A recovery check-up with someone you support is due on %(due)s.\n\nOpen it in Peerway: %(link)s\n"
            )
        send_mail(
            subject=_("Peerway: a recovery check-up is coming up"),
            message=message % {"due": due, "link": link},
            from_email=None,
            recipient_list=addresses,
        )
    elif channel == ReminderChannel.PERSON_TEXT:
        [phone] = addresses
        send_text(phone, _(PERSON_TEXT))
    else:
        send_mail(
            subject=_("Peerway: your check-up"),
            message=_(
                "Your peer will get in touch in the next few days for your check-up.\n\n"
                "If you need support now, call or text 988.\n"
            ),
            from_email=None,
            recipient_list=addresses,
        )


def settings_site_url() -> str:
    return str(getattr(settings, "SITE_URL", "")).rstrip("/")


CHECKIN_COUNTS_FOR_CHECKUP = dt.timedelta(days=30)


def _recent_checkin(participant_id: int, now: dt.datetime) -> CheckIn | None:
    """The person's latest recovery capital check-in of the last 30 days, when its instrument scores on the same
    10-60 range as the check-up's field (Peerway's own check-in does); a check-up reached without a score taken
    on the call carries it, so sustained wellness sees the check-ins people answer through their link."""
    latest = (
        CheckIn.objects.filter(participant_id=participant_id, answered_at__gte=now - CHECKIN_COUNTS_FOR_CHECKUP)
        .select_related("instrument")
        .order_by("-answered_at", "-pk")
        .first()
    )
    if latest is None:
        return None
    scoring = latest.instrument.definition.scoring
    if (scoring.minimum, scoring.maximum) != (RECOVERY_CAPITAL_MIN, RECOVERY_CAPITAL_MAX):
        return None
    return latest


@transaction.atomic
def checkup_record(
    *,
    checkup: Checkup,
    actor: User,
    reached: bool,
    wellbeing: str = "",
    recovery_capital: int | None = None,
    next_steps: str = "",
    relink_kind: str = "",
) -> Checkup:
    """Record what a check-up found; re-link or alert as it asks. Raises ValidationError by field.

    - not reached: nothing else is recorded but next steps;
    - struggling / wants to re-connect: ``relink_kind`` "request" (the default) creates a priority first-call
      request preferring the previous peer, unless one from this engagement's check-ups still waits for a peer
      (received or offered): that one goes on unchanged, and the check-up records "request" with no request of
      its own; "treatment_referral" records a referral to treatment;
    - in crisis: the organization's supervisors (its administrators when it has none) are alerted by email (no
      personal details in it).
    """
    # The engagement's row before the check-up's, the order a close and the scheduler lock them in (so no deadlock
    # beside a re-link's accept): two check-ups of one engagement recorded at once see each other's re-link request.
    Engagement.objects.select_for_update().filter(pk=checkup.engagement_id).values_list("pk").get()
    checkup = (
        Checkup.objects.select_for_update()
        .select_related("engagement__organization", "engagement__peer", "engagement__participant")
        .get(pk=checkup.pk)
    )
    engagement = checkup.engagement
    organization = engagement.organization
    role = acting_role(actor, organization, CHECKUP_ROLES)
    if role == "none":
        raise PermissionError("Only a peer, supervisor or administrator of the organization records check-ups.")
    errors: dict[str, list[str]] = {}
    if checkup.status != CheckupStatus.SCHEDULED:
        errors.setdefault("__all__", []).append(_("This check-up was already recorded or is cancelled."))
    if reached:
        if wellbeing not in Wellbeing.values:
            errors.setdefault("wellbeing", []).append(_("Say how the person is doing."))
        if recovery_capital is not None and not RECOVERY_CAPITAL_MIN <= recovery_capital <= RECOVERY_CAPITAL_MAX:
            errors.setdefault("recovery_capital", []).append(
                _("A recovery capital score is between %(low)s and %(high)s.")
                % {"low": RECOVERY_CAPITAL_MIN, "high": RECOVERY_CAPITAL_MAX}
            )
        if wellbeing in RELINK_WELLBEING:
            relink_kind = relink_kind or RelinkKind.REQUEST
            if relink_kind not in RelinkKind.values:
                errors.setdefault("relink_kind", []).append(_("Choose how to re-link the person."))
        elif relink_kind:
            errors.setdefault("relink_kind", []).append(
                _("Re-linking is for a person who is struggling or wants to re-connect.")
            )
    else:
        if wellbeing or recovery_capital is not None or relink_kind:
            errors.setdefault("__all__", []).append(
                _("When the person was not reached, only next steps can be recorded.")
            )
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    checkup.status = CheckupStatus.RECORDED
    checkup.recorded_at = now
    checkup.recorded_by = actor
    checkup.reached = reached
    checkup.wellbeing = wellbeing if reached else ""
    checkup.recovery_capital_checkin = None
    if reached and recovery_capital is None:
        checkup.recovery_capital_checkin = _recent_checkin(checkup.engagement.participant_id, now)
        if checkup.recovery_capital_checkin is not None:
            recovery_capital = checkup.recovery_capital_checkin.score
    checkup.recovery_capital = recovery_capital if reached else None
    checkup.next_steps = next_steps.strip()
    checkup.relink_kind = relink_kind if reached and wellbeing in RELINK_WELLBEING else ""
    if checkup.relink_kind == RelinkKind.REQUEST and not _relink_request_open(engagement):
        from peerway.intake.services import request_relink

        checkup.relink_request = request_relink(
            participant=engagement.participant,
            preferred_peer=engagement.peer,
            organization=organization,
            actor=actor,
        )
    if reached and wellbeing == Wellbeing.IN_CRISIS:
        _supervisors_alert(checkup)
        checkup.supervisors_alerted_at = now
    checkup.save()
    access_events_record(
        actor=actor,
        role=role,
        organization=organization,
        subject_type=SUBJECT_PARTICIPANT,
        subject_ids=[engagement.participant.public_id],
        action=AccessAction.CHANGED,
        reason="recorded a check-up",
    )
    return checkup


def _relink_request_open(engagement: Engagement) -> bool:
    """Whether a re-link request made at one of the engagement's check-ups still waits for a peer (received or
    offered, not yet accepted, withdrawn or closed). A second one would offer the same person twice, and both
    accepts would begin engagements."""
    from peerway.intake.models import OPEN_STATUSES

    return Checkup.objects.filter(engagement=engagement, relink_request__status__in=OPEN_STATUSES).exists()


def _supervisors_alert(checkup: Checkup) -> None:
    organization = checkup.engagement.organization
    # The same people a message goes to when its peer cannot answer: administrators when there is no supervisor.
    responders = [user for user in organization_responders(organization.pk) if user.email]
    if not responders:
        logger.warning(
            "No supervisor or administrator with an email to alert of a crisis check-up in %s", organization.pk
        )
        return
    link = settings_site_url() + reverse("recovery:checkup_relinks")
    # One email per language, each in its readers' language.
    emails = []
    for language, users in users_by_language(responders).items():
        with translation.override(language):
            subject = _("Peerway: a check-up needs a supervisor now")
            message = _(
                "A recovery check-up just recorded a person in crisis. Crisis lines: 911 (emergency), 988 (suicide "
                "and crisis lifeline).\n\nSee it in Peerway: %(link)s\n"
            ) % {"link": link}
        emails.append((subject, message, sorted({user.email for user in users})))

    def send_crisis_checkup_alert() -> None:
        send_each(
            [
                partial(send_mail, subject=subject, message=message, from_email=None, recipient_list=addresses)
                for subject, message, addresses in emails
            ],
            what=f"Crisis check-up alert {checkup.public_id}",
            logger=logger,
        )

    # Once the check-up is stored (the alert's link shows it), and outside its row locks: a mail server's delay
    # holds up nobody. A failure to send is logged; the check-up stays recorded.
    transaction.on_commit(send_crisis_checkup_alert, robust=True)


__all__ = [
    "CHECKUP_ROLES",
    "CRISIS_LINES",
    "REMINDER_DAYS_BEFORE",
    "checkup_record",
    "checkup_reminders_send",
    "checkups_cancel_future",
    "checkups_schedule",
    "checkups_sync",
    "engagement_start_date",
]
