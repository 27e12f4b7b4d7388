"""Reads for peers and their supervisors: profiles, the live queue, alerts. Scoped to the acting user."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import get_language

from peerway.accounts.models import Membership, User
from peerway.accounts.roles import Role
from peerway.accounts.selectors import memberships_for_user, organization_ids_for_user
from peerway.core.access import access_events_record
from peerway.core.fingerprint import shown_fingerprint
from peerway.core.models import AccessAction
from peerway.intake.models import EscalationAlert, Offer, OfferStatus, RequestStatus
from peerway.organizations.models import Organization
from peerway.recovery.models import Engagement
from peerway.workforce.credentials import CredentialState, peer_credential_statuses
from peerway.workforce.models import PeerProfile
from peerway.workforce.services import peer_profile_get_or_create

SUBJECT_HELP_REQUEST = "help_request"


def _peer_memberships(user: User) -> list[Membership]:
    """The user's active peer roles, in active organizations, ordered by organization name."""
    if not user.is_authenticated or not user.is_active:
        return []
    return list(memberships_for_user(user).filter(role=Role.PEER))


def _profile_in(user: User, memberships: list[Membership]) -> PeerProfile | None:
    # A profile left in an organization the user no longer works for as a peer is never picked.
    return (
        PeerProfile.objects.select_related("organization")
        .filter(user=user, organization__in=[m.organization for m in memberships])
        .order_by("organization__name", "id")
        .first()
    )


def peer_profile_for_user(user: User, *, organization_slug: str | None = None, create: bool = True) -> PeerProfile:
    """The signed-in peer's own profile, in an organization where they hold an active peer role now.

    With ``organization_slug``, the profile in that organization; a slug of any organization where the user is
    not a peer now is a 404. Without it, the first profile by organization name. A peer without a profile there
    (added in the admin, or just moved to another organization) gets one, off shift and sharing only a first
    name, in that organization (without a slug, the first such organization); with ``create=False`` they get a
    404 instead. Anyone without a peer role gets a 404.
    """
    memberships = _peer_memberships(user)
    if not memberships:
        raise Http404("No peer role.")
    if organization_slug is not None:
        memberships = [m for m in memberships if m.organization.slug == organization_slug]
        if not memberships:
            raise Http404("No peer role in that organization.")
    profile = _profile_in(user, memberships)
    if profile is None and not create:
        raise Http404("No peer profile yet.")
    if profile is None:
        profile = peer_profile_get_or_create(user=user, organization=memberships[0].organization)
    return profile


def peer_organizations_for_user(user: User) -> list[Organization]:
    """The organizations where the user holds an active peer role now, by name."""
    return [m.organization for m in _peer_memberships(user)]


@dataclass(frozen=True)
class PeerOrganization:
    """One organization where the user is a peer now, with their profile there once it is made."""

    organization: Organization
    profile: PeerProfile | None


def _peer_organizations_with_profiles(user: User, memberships: list[Membership]) -> list[PeerOrganization]:
    profiles = {
        profile.organization_id: profile
        for profile in PeerProfile.objects.select_related("organization").filter(
            user=user, organization__in=[m.organization for m in memberships]
        )
    }
    return [PeerOrganization(organization=m.organization, profile=profiles.get(m.organization_id)) for m in memberships]


def _shown_id(public_id: object) -> str:
    return shown_fingerprint("peerway.workforce.queue.item", str(public_id))[:10]


@dataclass(frozen=True)
class Queue:
    # Each organization where the user is a peer, by name: its shift state, or, with no profile there yet,
    # a prompt to fill it in (the profile is made when they open their profile page). Empty for non-peers.
    peer_organizations: list[PeerOrganization]
    offers: list[Offer]
    alerts: list[EscalationAlert]
    # The peer's own credential status (active / none / lapsed), and for supervisors the peers of their
    # organizations on shift without an active credential (workforce.credentials.peer_credential_status).
    credential_status: str | None = None
    uncredentialed_on_shift: list[tuple[PeerProfile, str]] = field(default_factory=list)
    # The moment the ages ("Asked 3 minutes ago") are counted to, so the page and the fingerprint agree.
    now: datetime = field(default_factory=timezone.now)

    @property
    def several_organizations(self) -> bool:
        """Whether the page names the organization of each shift and offer: only for a peer in several."""
        return len(self.peer_organizations) > 1

    @property
    def waiting(self) -> int:
        """How many requests wait for this user: those offered to them, and for a supervisor those alerted (the
        page's title counts them, so a peer whose queue is in a background tab sees a new request come in). A
        request counts once, though a supervisor who is a peer too may hold its offer and see its alert, and an
        alert is raised in each organization whose peers were offered it."""
        return len({offer.request_id for offer in self.offers} | {alert.request_id for alert in self.alerts})

    @property
    def shown_ids(self) -> str:
        """The offers and alerts the page shows, each as a short keyed digest of its id (the list travels in the
        polls' URLs, and so in access logs): the polls send it back, so that the answer can announce only what is
        new to the page (``new_since``)."""
        return ".".join(_shown_id(item.public_id) for item in [*self.offers, *self.alerts])

    def new_since(self, shown_ids: str) -> tuple[int, int]:
        """How many requests have an offer, and how many an alert, that the polling page (which shows
        ``shown_ids``) does not show yet; a request alerted in two organizations counts once."""
        shown = set(shown_ids.split("."))
        return (
            len({offer.request_id for offer in self.offers if _shown_id(offer.public_id) not in shown}),
            len({alert.request_id for alert in self.alerts if _shown_id(alert.public_id) not in shown}),
        )

    def age(self, moment: datetime) -> str:
        """How long ago ``moment`` was, worded as the queue words it ("3 minutes")."""
        return timesince(moment, self.now)

    @property
    def fingerprint(self) -> str:
        """Changes whenever anything the polled ``#queue`` block shows does: its offers (by id, status and what is
        said of the person, their match and their wait), the alerts, the peers flagged as on shift without a
        credential, whether organizations are named, and the page's language.

        The shared experience is taken from the match explanation, not its wording: the vocabulary's labels are
        versioned data that do not change under a peer's eyes.
        """
        shown = (
            get_language(),
            self.several_organizations,
            tuple(
                (
                    str(offer.public_id),
                    offer.status,
                    offer.request.first_name,
                    offer.request.priority,
                    offer.request.language.label(),
                    offer.request.language_required,
                    json.dumps(offer.explanation, sort_keys=True, default=str),
                    offer.peer.organization.name,
                    self.age(offer.request.created_at),
                )
                for offer in self.offers
            ),
            tuple(
                (
                    str(alert.public_id),
                    alert.request.first_name,
                    alert.request.language.label(),
                    alert.organization.name,
                    self.age(alert.request.created_at),
                )
                for alert in self.alerts
            ),
            tuple(
                (peer.pk, peer.display_name, peer.organization.name, status)
                for peer, status in self.uncredentialed_on_shift
            ),
        )
        return shown_fingerprint("peerway.workforce.queue", shown)


@transaction.atomic
def queue_for_user(user: User) -> Queue:
    """Open offers made to this peer's profiles, and, for supervisors, unresolved alerts of their organizations.

    The first time an offer is shown is recorded as one ``listed`` access to the request, in the organization
    of the profile it was made to; later refreshes of the same offer are not new accesses. Likewise each
    supervisor's first sight of an alert. A peer without a profile in one of their organizations is sent to fill
    it in first.
    """
    peer_organizations = _peer_organizations_with_profiles(user, _peer_memberships(user))
    profiles = [entry.profile for entry in peer_organizations if entry.profile is not None]
    # A peer in two organizations is offered requests by each, and sees them all in one queue.
    offers = list(
        Offer.objects.filter(peer__in=profiles, status=OfferStatus.OFFERED, request__status=RequestStatus.OFFERED)
        .select_related("request", "request__language", "peer__organization")
        .order_by("-request__priority", "request__created_at")
    )
    _offers_seen_record(user, offers)
    alerts = list(
        _open_alerts(user).select_related("request", "request__language", "organization").order_by("created_at")
    )
    _alerts_seen_record(user, alerts)
    # Only peers who can be offered anything: a deactivated account or an ended role is not "on shift".
    on_shift = list(
        PeerProfile.objects.in_service()
        .filter(organization_id__in=organization_ids_for_user(user, [Role.SUPERVISOR]), on_shift=True)
        .select_related("organization")
        .order_by("display_name", "id")
    )
    states = peer_credential_statuses([p.user_id for p in on_shift] + ([user.pk] if profiles else []))
    return Queue(
        now=timezone.now(),
        peer_organizations=peer_organizations,
        offers=offers,
        alerts=alerts,
        credential_status=str(states[user.pk]) if profiles else None,
        uncredentialed_on_shift=[
            (peer, str(states[peer.user_id])) for peer in on_shift if states[peer.user_id] is not CredentialState.ACTIVE
        ],
    )


def _open_alerts(user: User) -> QuerySet[EscalationAlert]:
    """The escalation alerts the live queue shows ``user``: those of the organizations they supervise whose request
    still waits for a peer."""
    return EscalationAlert.objects.filter(
        organization_id__in=organization_ids_for_user(user, [Role.SUPERVISOR]),
        resolved_at__isnull=True,
        request__status=RequestStatus.OFFERED,
    )


def open_alert_count_for_user(user: User) -> int:
    """How many requests wait for a supervisor in the live queue (for a badge on the staff home; no names, so no
    access to a request: the queue records each supervisor's first sight of one). A request alerted in two
    organizations the user supervises counts once."""
    return _open_alerts(user).values("request_id").distinct().count()


def _offers_seen_record(user: User, offers: list[Offer]) -> None:
    """Mark offers shown for the first time as seen, and record that as one ``listed`` access to the requests
    per organization of the profiles they were made to."""
    unseen = [offer for offer in offers if offer.seen_at is None]
    if not unseen:
        return
    Offer.objects.filter(pk__in=[o.pk for o in unseen]).update(seen_at=timezone.now())
    by_organization: dict[int, list[Offer]] = {}
    for offer in unseen:
        by_organization.setdefault(offer.peer.organization_id, []).append(offer)
    for group in by_organization.values():
        access_events_record(
            actor=user,
            role=str(Role.PEER),
            organization=group[0].peer.organization,
            subject_type=SUBJECT_HELP_REQUEST,
            subject_ids=[o.request.public_id for o in group],
            action=AccessAction.LISTED,
            reason="live queue",
        )


def _alerts_seen_record(user: User, alerts: list[EscalationAlert]) -> None:
    """Record the supervisor's first sight of each alert (it names the person) as one ``listed`` access to the
    request per organization, as offers are for peers; later polls showing the same alerts record nothing."""
    if not alerts:
        return
    seen = set(
        EscalationAlert.seen_by.through.objects.filter(
            escalationalert_id__in=[alert.pk for alert in alerts], user_id=user.pk
        ).values_list("escalationalert_id", flat=True)
    )
    unseen = [alert for alert in alerts if alert.pk not in seen]
    if not unseen:
        return
    # Two polls of the same supervisor at the same instant may both find an alert unseen: the second insert is
    # skipped rather than failing the page (its audit row is then logged twice, which loses nothing).
    EscalationAlert.seen_by.through.objects.bulk_create(
        [EscalationAlert.seen_by.through(escalationalert_id=alert.pk, user_id=user.pk) for alert in unseen],
        ignore_conflicts=True,
    )
    by_organization: dict[int, list[EscalationAlert]] = {}
    for alert in unseen:
        by_organization.setdefault(alert.organization_id, []).append(alert)
    for group in by_organization.values():
        access_events_record(
            actor=user,
            role=str(Role.SUPERVISOR),
            organization=group[0].organization,
            subject_type=SUBJECT_HELP_REQUEST,
            subject_ids=[alert.request.public_id for alert in group],
            action=AccessAction.LISTED,
            reason="live queue alert",
        )


def offer_get_for_user(user: User, public_id: str) -> Offer:
    """An offer made to this user's peer profile while they are a peer of its organization; else a 404."""
    offer = (
        Offer.objects.select_related("request", "peer", "peer__organization")
        .filter(
            public_id=public_id,
            peer__user=user,
            peer__organization_id__in=organization_ids_for_user(user, [Role.PEER]),
        )
        .first()
    )
    if offer is None:
        raise Http404("No such offer.")
    return offer


def offer_get_for_user_or_gone(user: User, public_id: str) -> Offer | None:
    """As ``offer_get_for_user``, but None when no offer has that id any more: the person deleted their request
    (which deletes its offers) while the peer's queue still showed it. Another peer's offer is still a 404."""
    try:
        return offer_get_for_user(user, public_id)
    except Http404:
        if Offer.objects.filter(public_id=public_id).exists():
            raise
        return None


def peers_for_supervisor(user: User) -> QuerySet[PeerProfile]:
    return PeerProfile.objects.filter(organization_id__in=organization_ids_for_user(user, [Role.SUPERVISOR]))


def engagement_of_peer_for_user(user: User, public_id: str) -> Engagement:
    """An engagement in which the signed-in user is the peer; anything else is a 404."""
    engagement = (
        Engagement.objects.select_related("participant", "peer", "help_request")
        .filter(public_id=public_id, peer__user=user, organization_id__in=organization_ids_for_user(user, [Role.PEER]))
        .first()
    )
    if engagement is None:
        raise Http404("No such engagement.")
    return engagement
