"""Secure messages between a person and their peer. One transaction each.

A new message notifies the other side with a fixed text that carries no personal details: no names, no
words from the message. The peer's notice links to the staff messages page (behind sign-in); the person's
notice cannot carry their link (only its hash is stored), so it tells them to open the link they have.
Once the engagement is closed, or its peer no longer holds a peer role in the organization, the notice goes to
the organization's supervisors instead, who read and answer the thread on the same page.

Notices are sent on commit, so a message that rolls back tells no one; a notice that fails to go is logged and
does not undo the message, which is already stored.

The person's space has no account, so the staff forms' guard against a form sent twice (core.submissions, tied to a
signed-in user) does not fit it: instead a message from the person with the same words as the one they sent a few
seconds before is that same message sent again (a double click, a slow phone sending once more), and is stored and
announced once.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from peerway.accounts.links import participant_language
from peerway.accounts.models import User
from peerway.accounts.roles import MESSAGE_COVER_ROLES, Role
from peerway.accounts.selectors import organization_ids_for_user, user_language
from peerway.core import sms
from peerway.core.access import access_events_record, acting_role
from peerway.core.models import AccessAction
from peerway.recovery.models import SUBJECT_PARTICIPANT, Engagement, Message, MessageSender
from peerway.recovery.selectors.messages import message_team_for_engagement, peer_answers_messages

MAX_MESSAGE_LENGTH = 2000
# How soon the same words from the person count as the same message sent again rather than a new one.
RESEND_WINDOW = dt.timedelta(seconds=30)


def _clean_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("Write a message first.")})
    if len(body) > MAX_MESSAGE_LENGTH:
        raise ValidationError({"body": _("Messages can be at most 2000 characters.")})
    return body


# Notices are robust on-commit callbacks: one that cannot be sent is logged, and neither stops the others nor
# turns a message already stored into an error page (the person might send it again).


def _email_on_commit(*, subject: str, body: str, address: str) -> None:
    def send_message_notice_email() -> None:
        send_mail(subject, body, None, [address])

    transaction.on_commit(send_message_notice_email, robust=True)


def _participant_notice_on_commit(*, phone: str, email: str, subject: str, notice: str) -> None:
    """Text the person once the message commits, or email them when they have no phone or no text carrier is
    configured."""

    def send_participant_message_notice() -> None:
        if phone:
            try:
                sms.send_text(phone, notice)
                return
            except sms.SmsNotConfigured:
                pass
        if email:
            send_mail(subject, notice, None, [email])

    transaction.on_commit(send_participant_message_notice, robust=True)


def peer_notice_text() -> tuple[str, str]:
    return _("New message in Peerway"), _("You have a new message in Peerway.")


def team_notice_text() -> tuple[str, str]:
    return _("New message in Peerway"), _(
        "Someone your organization supported has written in Peerway, and their peer cannot answer it. "
        "Please read it and make sure someone replies."
    )


def _latest_from_participant(engagement: Engagement) -> Message | None:
    return (
        Message.objects.filter(engagement=engagement, sender=MessageSender.PARTICIPANT)
        .order_by("-created_at", "-id")
        .first()
    )


@transaction.atomic
def message_send_from_participant(*, engagement: Engagement, body: str) -> Message:
    """The person writes to their peer; the peer gets an email with a link to the staff messages page.

    When the peer cannot answer (the engagement is closed, or their peer role ended) each of the organization's
    supervisors gets that email instead, so a plea for help is never left with someone who cannot open it.

    The same words as the person's latest message, sent within ``RESEND_WINDOW`` of it, store nothing and tell no
    one: that message is returned.
    """
    body = _clean_body(body)
    # Two sendings of one message can arrive at once: the lock on the engagement's row makes the second wait for the
    # first to commit, so it finds the first's message (SQLite's IMMEDIATE transactions serialize anyway).
    list(Engagement.objects.select_for_update().filter(pk=engagement.pk).values_list("pk", flat=True))
    earlier = _latest_from_participant(engagement)
    # The body is encrypted at rest, so it is compared here rather than in the query.
    if earlier is not None and earlier.created_at >= timezone.now() - RESEND_WINDOW and earlier.body == body:
        return earlier
    message = Message.objects.create(engagement=engagement, sender=MessageSender.PARTICIPANT, body=body)
    if peer_answers_messages(engagement):
        recipients, notice_text = [engagement.peer.user], peer_notice_text
    else:
        recipients, notice_text = message_team_for_engagement(engagement), team_notice_text
    url = settings.SITE_URL.rstrip("/") + reverse("recovery:engagement_messages", args=[engagement.public_id])
    # One email each, in each reader's language, so no one sees who else was told.
    for user in recipients:
        if user.email:
            with translation.override(user_language(user)):
                subject, text = notice_text()
            _email_on_commit(subject=subject, body=f"{text}\n\n{url}\n", address=user.email)
    return message


@transaction.atomic
def message_send_from_staff(*, engagement: Engagement, actor: User, body: str) -> Message:
    """A peer (or a supervisor covering) writes to the person, who gets a text (or email) naming no one."""
    message = Message.objects.create(
        engagement=engagement, sender=MessageSender.STAFF, sender_user=actor, body=_clean_body(body)
    )
    participant = engagement.participant
    with translation.override(participant_language(participant)):
        notice = _("You have a new message in Peerway. Open your private Peerway link to read it.")
        subject = _("New message in Peerway")
    _participant_notice_on_commit(
        phone=participant.phone or "", email=participant.email or "", subject=subject, notice=notice
    )
    access_events_record(
        actor=actor,
        role=acting_role(actor, engagement.organization, {Role.PEER, *MESSAGE_COVER_ROLES}),
        organization=engagement.organization,
        subject_type=SUBJECT_PARTICIPANT,
        subject_ids=[participant.public_id],
        action=AccessAction.CREATED,
        reason="secure message sent",
    )
    return message


@transaction.atomic
def messages_mark_read(*, engagement: Engagement, reader: str) -> int:
    """Mark the other side's unread messages read; ``reader`` is MessageSender.PARTICIPANT or STAFF."""
    other = MessageSender.STAFF if reader == MessageSender.PARTICIPANT else MessageSender.PARTICIPANT
    return Message.objects.filter(engagement=engagement, sender=other, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def messages_mark_read_by_staff(*, engagement: Engagement, user: User) -> int:
    """Mark the person's unread messages read when ``user``, opening the thread, is the one who answers them: the
    engagement's own peer, or a supervisor or administrator of its organization covering while the peer cannot
    answer (``peer_answers_messages`` is False). Anyone else looking in leaves them unread: a supervisor while the
    peer can answer (the peer still has to see them), and the peer's own account once the peer cannot answer (the
    engagement is closed or their peer role ended: the covering team still has to). Returns how many were marked."""
    if peer_answers_messages(engagement):
        if engagement.peer.user_id != user.pk:
            return 0
    else:
        covers = organization_ids_for_user(user, MESSAGE_COVER_ROLES).filter(organization_id=engagement.organization_id)
        if not covers.exists():
            return 0
    return messages_mark_read(engagement=engagement, reader=MessageSender.STAFF)
