"""What a person sees in their own space, reached through their private link (never through staff sign-in).

Every read of the record writes an AccessEvent with no actor and the role "self" inside its transaction: the
page and the check-in chart a `viewed` one, the downloads an `exported` one. Anyone holding a link that needs no
code can open it, so the organization's access log shows each time the record was shown or copied that way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from peerway.accounts.participant_links import ParticipantLink
from peerway.core.access import access_events_record
from peerway.core.models import AccessAction
from peerway.recovery.charts import participant_checkin_chart_svg
from peerway.recovery.instruments.engine import flag_threshold
from peerway.recovery.models import (
    SUBJECT_PARTICIPANT,
    CheckIn,
    Checkup,
    CheckupStatus,
    Engagement,
    EngagementStatus,
    Message,
    Participant,
    RecoveryPlan,
)
from peerway.recovery.selectors.messages import peer_answers_messages
from peerway.recovery.selectors.plans import plan_for_engagement, plan_pdf_bytes

SELF_ROLE = "self"


@dataclass
class SpacePage:
    participant: Participant
    engagement: Engagement | None
    plan: RecoveryPlan | None
    goals: list[Any]
    messages: list[Message]
    upcoming_checkups: list[Checkup]
    checkins: list[CheckIn]
    # The person's messages go to the organization's team, not to their peer (see ``peer_answers_messages``).
    messages_to_team: bool = False

    @property
    def engagement_closed(self) -> bool:
        return self.engagement is not None and self.engagement.status == EngagementStatus.CLOSED

    @property
    def threshold(self) -> int | None:
        """The score at or above which the latest check-in's instrument flags sustained remission."""
        return flag_threshold(self.checkins[-1].instrument.definition.scoring) if self.checkins else None


UPCOMING_CHECKUPS_SHOWN = 3


def _upcoming_checkups(engagement: Engagement) -> list[Checkup]:
    today = timezone.localdate()
    return list(
        engagement.checkups.filter(status=CheckupStatus.SCHEDULED, due_on__gte=today).order_by("due_on")[
            :UPCOMING_CHECKUPS_SHOWN
        ]
    )


def _checkins(participant: Participant) -> list[CheckIn]:
    return list(CheckIn.objects.filter(participant=participant).select_related("instrument").order_by("answered_at"))


def current_engagement(participant: Participant) -> Engagement | None:
    """The engagement the space is about: the latest open one, else the latest."""
    engagements = Engagement.objects.filter(participant=participant).select_related("peer", "organization")
    open_ = engagements.exclude(status=EngagementStatus.CLOSED).order_by("-started_at").first()
    return open_ or engagements.order_by("-started_at").first()


@transaction.atomic
def space_page(link: ParticipantLink) -> SpacePage:
    """The person's space: plan, messages, upcoming check-ups and check-in scores; logged as viewed by them."""
    participant = link.participant
    _self_access(participant, "own space page", action=AccessAction.VIEWED)
    engagement = current_engagement(participant)
    if engagement is None:
        return SpacePage(
            participant=participant,
            engagement=None,
            plan=None,
            goals=[],
            messages=[],
            upcoming_checkups=[],
            checkins=_checkins(participant),
        )
    plan = plan_for_engagement(engagement)
    return SpacePage(
        participant=participant,
        engagement=engagement,
        plan=plan if plan.pk else None,
        goals=list(plan.goals.all()) if plan.pk else [],
        messages=list(engagement.messages.all()),
        upcoming_checkups=_upcoming_checkups(engagement),
        checkins=_checkins(participant),
        messages_to_team=not peer_answers_messages(engagement),
    )


@transaction.atomic
def own_checkin_chart_svg(link: ParticipantLink) -> bytes:
    """The person's own recovery capital chart (the same chart staff see); logged as viewed by them."""
    _self_access(link.participant, "own check-in chart", action=AccessAction.VIEWED)
    return participant_checkin_chart_svg(link.participant, _checkins(link.participant))


def _self_access(participant: Participant, reason: str, *, action: AccessAction = AccessAction.EXPORTED) -> None:
    access_events_record(
        actor=None,
        role=SELF_ROLE,
        organization=participant.organization,
        subject_type=SUBJECT_PARTICIPANT,
        subject_ids=[participant.public_id],
        action=action,
        reason=reason,
    )


def _date(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


@transaction.atomic
def own_record_export(link: ParticipantLink) -> dict[str, Any]:
    """Everything Peerway keeps about the person that they can take with them, as plain JSON data."""
    participant = (
        Participant.objects.select_related("language", "organization")
        .prefetch_related("communities")
        .get(pk=link.participant_id)
    )
    engagements = []
    for engagement in Engagement.objects.filter(participant=participant).select_related("peer", "organization"):
        plan = plan_for_engagement(engagement)
        engagements.append(
            {
                "id": str(engagement.public_id),
                "organization": engagement.organization.name,
                "program": engagement.get_program_display(),
                "status": engagement.get_status_display(),
                "peer": engagement.peer.display_name,
                "started_at": _date(engagement.started_at),
                "ended_at": _date(engagement.ended_at),
                "plan": _plan_export(plan) if plan.pk else None,
                "checkups": [
                    {
                        "due_on": _date(checkup.due_on),
                        "status": checkup.get_status_display(),
                        "reached": checkup.reached,
                        "how_i_was_doing": checkup.get_wellbeing_display() if checkup.wellbeing else "",
                        "recovery_capital": checkup.recovery_capital,
                        "next_steps": checkup.next_steps or "",
                    }
                    for checkup in engagement.checkups.order_by("due_on")
                ],
                "contacts": _contacts_export(engagement),
                "referrals": [
                    {
                        "resource": referral.resource.name,
                        "status": referral.get_status_display(),
                        "sent_at": _date(referral.sent_at),
                        "note": referral.note or "",
                        "follow_up_on": _date(referral.follow_up_on),
                        "closed_at": _date(referral.closed_at),
                        "outcome_note": referral.outcome_note or "",
                    }
                    for referral in engagement.referrals.select_related("resource").order_by("sent_at", "pk")
                ],
                "messages": [
                    {
                        # "team": a supervisor or another peer of the organization answered, not the engagement's peer.
                        "from": "me"
                        if message.from_participant
                        else ("peer" if message.sender_user_id == engagement.peer.user_id else "team"),
                        "sent_at": _date(message.created_at),
                        "read_at": _date(message.read_at),
                        "body": message.body,
                    }
                    for message in engagement.messages.all()
                ],
            }
        )
    _self_access(participant, "own record download (JSON)")
    return {
        "exported_at": timezone.now().isoformat(),
        "participant": {
            "id": str(participant.public_id),
            "organization": participant.organization.name,
            "preferred_name": participant.preferred_name or "",
            "phone": participant.phone or "",
            "email": participant.email or "",
            "medicaid_id": participant.medicaid_id or "",
            "date_of_birth": _date(participant.date_of_birth),
            "language": participant.language.name if participant.language else "",
            "communities": [str(community) for community in participant.communities.all()],
            "communities_own_words": participant.communities_own_words or "",
            "created_at": _date(participant.created_at),
        },
        "engagements": engagements,
        "checkins": [
            {
                "answered_at": _date(checkin.answered_at),
                "instrument": checkin.instrument.title,
                "score": checkin.score,
                "answers": checkin.answers,
            }
            for checkin in _checkins(participant)
        ],
    }


def _contacts_export(engagement: Engagement) -> list[dict[str, Any]]:
    """Each contact (a session or outreach) with every version of it: a correction is kept beside the original."""
    contacts = []
    for contact in engagement.contacts.select_related("peer").order_by("occurred_at", "pk"):
        versions = [
            {
                "version": version.number,
                "date": _date(version.occurred_on),
                "started_at": version.started_at.strftime("%H:%M"),
                "minutes": version.duration_minutes,
                "how": version.get_modality_display(),
                "kind": version.get_kind_display(),
                "place": version.place or "",
                "i_took_part": version.person_present,
                "note": version.note or "",
                "goals": version.goals_as_written(),
                "reason_for_correction": version.reason or "",
            }
            for version in contact.versions.order_by("number")
        ]
        contacts.append({"peer": contact.peer.display_name, "versions": versions})
    return contacts


def _plan_export(plan: RecoveryPlan) -> dict[str, Any]:
    return {
        "kind": plan.get_kind_display(),
        "completed_at": _date(plan.completed_at),
        "program_plan_date": _date(plan.program_plan_date),
        "goals": [
            {
                "life_area": goal.get_life_area_display(),
                "description": goal.description,
                "status": goal.get_status_display(),
                "target_date": _date(goal.target_date),
                "steps": [
                    {
                        "description": step.description,
                        "who_helps": step.who_helps or "",
                        "target_date": _date(step.target_date),
                        "done_at": _date(step.done_at),
                    }
                    for step in goal.steps.all()
                ],
            }
            for goal in plan.goals.all()
        ],
        "progress_notes": [{"noted_on": _date(note.noted_on), "text": note.text} for note in plan.progress_notes.all()],
    }


@transaction.atomic
def own_plan_pdf(link: ParticipantLink) -> bytes | None:
    """The printable plan of the person's current engagement, or None when there is none yet."""
    engagement = current_engagement(link.participant)
    if engagement is None or not RecoveryPlan.objects.filter(engagement=engagement).exists():
        return None
    engagement.participant = link.participant
    data = plan_pdf_bytes(engagement)
    _self_access(link.participant, "own plan PDF download")
    return data
