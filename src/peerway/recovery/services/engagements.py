"""Changes to engagements: start, lifecycle, the 254B.052 records, peer hand-off. One transaction each."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from peerway.accounts.models import User
from peerway.accounts.roles import Role
from peerway.accounts.selectors import memberships_for_user
from peerway.core.access import access_events_record, acting_role
from peerway.core.models import AccessAction
from peerway.recovery.models import (
    SUBJECT_PARTICIPANT,
    Engagement,
    EngagementHandoff,
    EngagementStatus,
    Participant,
    PeerAttestation,
    Program,
)
from peerway.recovery.selectors.engagements import ENGAGEMENT_ACTION_ROLES
from peerway.recovery.services.checkups import checkups_cancel_future, checkups_schedule
from peerway.recovery.services.refusals import ActionRefused
from peerway.workforce.models import PeerProfile

LEAD_ROLES = frozenset({Role.SUPERVISOR, Role.ORG_ADMIN})

# Every refused transition has its own sentence: (action, current status) -> why not.
REFUSALS: dict[tuple[str, str], object] = {
    ("checkup", EngagementStatus.CHECKUP): gettext_lazy("The engagement is already in the check-up phase."),
    ("checkup", EngagementStatus.CLOSED): gettext_lazy(
        "A closed engagement must be reopened before it enters the check-up phase."
    ),
    ("close", EngagementStatus.CLOSED): gettext_lazy("The engagement is already closed."),
    ("reopen", EngagementStatus.ACTIVE): gettext_lazy("The engagement is already active."),
    ("reopen", EngagementStatus.CHECKUP): gettext_lazy(
        "The engagement is still open in the check-up phase; only a closed engagement is reopened."
    ),
}
TRANSITIONS = {"checkup": "enter_checkup", "close": "close", "reopen": "reopen"}
# The access log's reason when a re-link's accept closes the engagement the re-link came from.
RELINK_CLOSE_REASON = "closed: continued in a new engagement after a re-link"


def user_leads(user: User, organization_id: int) -> bool:
    """Whether the user is a supervisor or organization administrator of the organization."""
    return any(m.organization_id == organization_id and m.role in LEAD_ROLES for m in memberships_for_user(user))


def user_may_act_on(user: User, engagement: Engagement) -> bool:
    """The engagement's own peer, or a supervisor or administrator of its organization."""
    return engagement.peer.user_id == user.pk or user_leads(user, engagement.organization_id)


def peer_has_attested(engagement: Engagement, peer: PeerProfile) -> bool:
    return PeerAttestation.objects.filter(engagement=engagement, peer=peer).exists()


def _log(
    actor: User | None,
    engagement: Engagement,
    reason: str,
    action: AccessAction = AccessAction.CHANGED,
    roles: Iterable[Role] = ENGAGEMENT_ACTION_ROLES,
) -> None:
    # ``roles``: those that allow the action, so the row names the role the actor acted in (not, say, billing).
    access_events_record(
        actor=actor,
        role=acting_role(actor, engagement.organization, roles),
        organization=engagement.organization,
        subject_type=SUBJECT_PARTICIPANT,
        subject_ids=[engagement.participant.public_id],
        action=action,
        reason=reason,
    )


def _peer_not_in_service() -> str:
    return _(
        "This peer is not working for the organization now: their peer role ended, their account is"
        " deactivated, or they are on leave or inactive. Choose another peer."
    )


@transaction.atomic
def engagement_start(
    *,
    participant: Participant,
    peer: PeerProfile,
    program: str,
    actor: User,
    voluntary_notice_given: bool,
    attest: bool = False,
) -> Engagement:
    """Open an engagement. The written notice must have been given; when the actor is the peer, ``attest``
    records their statement that they do not live with or work for the person."""
    if peer.organization_id != participant.organization_id:
        raise ActionRefused(_("The peer works for another organization."))
    if not PeerProfile.objects.in_service().filter(pk=peer.pk).exists():
        raise ActionRefused(_peer_not_in_service())
    if participant.is_merged:
        raise ActionRefused(_("This record was merged into another; open the kept record."))
    if not voluntary_notice_given:
        raise ActionRefused(_("Give the person the written notice that participation is voluntary first."))
    if program not in Program.values:
        raise ActionRefused(_("Choose a program."))
    if attest and peer.user_id != actor.pk:
        raise ActionRefused(_("Only the peer can attest for themselves."))
    now = timezone.now()
    engagement = Engagement(
        participant=participant,
        organization=participant.organization,
        peer=peer,
        program=program,
        started_at=now,
        voluntary_notice_at=now,
        voluntary_notice_by=actor,
    )
    engagement.full_clean()
    engagement.save()
    if attest:
        PeerAttestation.objects.create(engagement=engagement, peer=peer)
    checkups_schedule(engagement=engagement)
    _log(actor, engagement, "started an engagement", AccessAction.CREATED)
    return engagement


@transaction.atomic
def engagement_voluntary_notice_record(*, engagement: Engagement, actor: User) -> Engagement:
    """Record that the written notice was given now, by ``actor`` (an engagement opened from a first call)."""
    fresh = (
        Engagement.objects.select_for_update()
        .select_related("organization", "participant", "peer")
        .get(pk=engagement.pk)
    )
    if not user_may_act_on(actor, fresh):
        raise ActionRefused(_("Only the engagement's peer or a supervisor can record the notice."))
    if fresh.voluntary_notice_at is not None:
        raise ActionRefused(_("The written notice is already recorded."))
    fresh.voluntary_notice_at = timezone.now()
    fresh.voluntary_notice_by = actor
    fresh.save(update_fields=["voluntary_notice_at", "voluntary_notice_by", "updated_at"])
    _log(actor, fresh, "recorded the written notice")
    return fresh


@transaction.atomic
def engagement_attest(*, engagement: Engagement, actor: User) -> PeerAttestation:
    """The acting peer attests they do not live with or work for the person in this engagement.

    Only a peer working in the engagement's organization now (an active peer role, an active profile and
    account) attests: an attestation is what lets the engagement be handed to them.
    """
    peer = PeerProfile.objects.in_service().filter(user=actor, organization_id=engagement.organization_id).first()
    if peer is None:
        raise ActionRefused(_("Only a peer of this organization can attest."))
    if peer_has_attested(engagement, peer):
        raise ActionRefused(_("You have already attested for this engagement."))
    attestation = PeerAttestation.objects.create(engagement=engagement, peer=peer)
    _log(actor, engagement, "peer attested: does not live with or work for the person")
    return attestation


@transaction.atomic
def engagement_transition(*, engagement: Engagement, action: str, actor: User) -> Engagement:
    """Move the engagement: ``checkup`` (active → check-up phase), ``close`` (active or check-up → closed),
    ``reopen`` (closed → active). A refused move raises ActionRefused saying why.

    Closing also closes the first-call request the engagement began from, so the person's status page says
    "closed". Reopening leaves that request closed: the reopened engagement goes on in the recovery record, and
    the first-call page would otherwise offer the person "Stop this request" for a call that was answered.
    """
    if action not in TRANSITIONS:
        raise ActionRefused(_("Unknown action."))
    fresh = Engagement.objects.select_related("organization", "participant", "peer").get(pk=engagement.pk)
    if not user_may_act_on(actor, fresh):
        raise ActionRefused(_("Only the engagement's peer or a supervisor can change its status."))
    refusal = REFUSALS.get((action, fresh.status))
    if refusal is not None:
        raise ActionRefused(str(refusal))
    if action == "reopen":
        _reopen_refused(fresh)
    try:
        getattr(fresh, TRANSITIONS[action])()
        fresh.save()
    except (TransitionNotAllowed, ConcurrentTransition):
        raise ActionRefused(_("Someone else changed this engagement just now; reload the page.")) from None
    # Check-ups follow the status at once (the daily sync would catch up, a day late).
    if fresh.status == EngagementStatus.CLOSED:
        checkups_cancel_future(engagement=fresh)
        _help_request_close(fresh)
    elif action == "reopen":
        checkups_schedule(engagement=fresh)
    _log(actor, fresh, f"engagement {action}")
    return fresh


def _reopen_refused(engagement: Engagement) -> None:
    """Raise ActionRefused when re-opening would leave the engagement on nobody's caseload (its peer no longer works
    for the organization) or give the person a second open engagement in the program (one a re-link continued)."""
    if not PeerProfile.objects.in_service().filter(pk=engagement.peer_id).exists():
        raise ActionRefused(
            _(
                "The engagement's peer is not working for the organization now, so it cannot be re-opened on them."
                " Start a new engagement with another peer instead."
            )
        )
    other = (
        Engagement.objects.filter(
            participant_id=engagement.participant_id,
            organization_id=engagement.organization_id,
            program=engagement.program,
            status__in=[EngagementStatus.ACTIVE, EngagementStatus.CHECKUP],
        )
        .exclude(pk=engagement.pk)
        .select_related("peer")
        .first()
    )
    if other is not None:
        raise ActionRefused(
            _("The person has an open engagement in this program with %(peer)s: go on with that one.")
            % {"peer": other.peer.display_name}
        )


def _help_request_close(engagement: Engagement) -> None:
    """Close the first-call request the engagement began from, when it is still accepted or connected."""
    if engagement.help_request_id is None:
        return
    from peerway.intake.models import HelpRequest, RequestStatus

    request = (
        HelpRequest.objects.select_for_update()
        .filter(pk=engagement.help_request_id, status__in=[RequestStatus.ACCEPTED, RequestStatus.CONNECTED])
        .first()
    )
    if request is None:
        return
    request.close()
    request.save()


@transaction.atomic
def engagement_end_for_request(
    *, help_request_id: int, reason: str, release_request: bool = False
) -> Engagement | None:
    """The person stopped the first-call request an engagement began from, or asked for a different peer:
    the engagement closes (the organization keeps its record and may reopen it) and its future check-ups are
    cancelled, so no peer reaches out against the person's wish.

    ``release_request`` also unlinks the request, which a different peer's engagement will begin from.
    Returns the engagement, or None when there is none still open. Audited with no staff actor: the change
    came from the person, through their private status link.
    """
    engagement = (
        Engagement.objects.select_for_update()
        .filter(help_request_id=help_request_id, status__in=[EngagementStatus.ACTIVE, EngagementStatus.CHECKUP])
        .first()
    )
    if engagement is None:
        if release_request:
            Engagement.objects.filter(help_request_id=help_request_id).update(help_request=None)
        return None
    engagement = Engagement.objects.select_related("organization", "participant").get(pk=engagement.pk)
    engagement.close()
    if release_request:
        engagement.help_request = None
    engagement.save()
    checkups_cancel_future(engagement=engagement)
    _log(None, engagement, reason)
    return engagement


@transaction.atomic
def engagement_close_for_relink(*, engagement: Engagement, actor: User) -> bool:
    """A peer of the organization accepted a re-link request made at one of the engagement's check-ups, and the
    person goes on in the new engagement that began (``intake.services.request_accept``): this one closes, its
    check-ups due from today on are cancelled and the first-call request it began from closes, as any close
    does, so the person is in one open engagement, on one caseload, with one schedule. The check-ups it recorded
    stay. Audited as a change by ``actor``, the peer who accepted.

    Returns False, changing nothing, when the engagement was already closed.
    """
    locked = (
        Engagement.objects.select_for_update()
        .filter(pk=engagement.pk, status__in=[EngagementStatus.ACTIVE, EngagementStatus.CHECKUP])
        .first()
    )
    if locked is None:
        return False
    fresh = Engagement.objects.select_related("organization", "participant").get(pk=locked.pk)
    fresh.close()
    fresh.save()
    checkups_cancel_future(engagement=fresh)
    _help_request_close(fresh)
    _log(actor, fresh, RELINK_CLOSE_REASON)
    return True


@transaction.atomic
def engagement_handoff(*, engagement: Engagement, to_peer: PeerProfile, reason: str, actor: User) -> EngagementHandoff:
    """Hand the engagement to another peer of the organization; the previous peer stays in the hand-offs.

    The new peer must work in the organization now (an active peer role, an active profile and account) and
    must have attested for this engagement (Minn. Stat. 254B.052) before being assigned.
    """
    fresh = Engagement.objects.select_for_update().get(pk=engagement.pk)
    fresh = Engagement.objects.select_related("organization", "participant", "peer").get(pk=fresh.pk)
    if not user_leads(actor, fresh.organization_id):
        raise ActionRefused(_("Only a supervisor or administrator hands an engagement to another peer."))
    if fresh.status == EngagementStatus.CLOSED:
        raise ActionRefused(_("The engagement is closed; reopen it before handing it off."))
    if to_peer.organization_id != fresh.organization_id:
        raise ActionRefused(_("The peer works for another organization."))
    if to_peer.pk == fresh.peer_id:
        raise ActionRefused(_("This peer already has the engagement."))
    if not PeerProfile.objects.in_service().filter(pk=to_peer.pk).exists():
        raise ActionRefused(_peer_not_in_service())
    if not reason.strip():
        raise ActionRefused(_("Say why the engagement changes hands."))
    if not peer_has_attested(fresh, to_peer):
        raise ActionRefused(
            _(
                "The new peer has not attested that they do not live with or work for this person; they attest on "
                "the engagement page first."
            )
        )
    handoff = EngagementHandoff.objects.create(
        engagement=fresh, from_peer_id=fresh.peer_id, to_peer=to_peer, reason=reason.strip(), handed_off_by=actor
    )
    fresh.peer = to_peer
    fresh.save(update_fields=["peer", "updated_at"])
    _log(actor, fresh, "handed off to another peer", roles=LEAD_ROLES)
    return handoff
