"""Use cases of the first call for help. Each runs in one transaction; views, API, tasks and CLI call these."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Count, Exists, F, IntegerField, Min, OuterRef, Q, Value, When
from django.utils import timezone
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from peerway.accounts.models import User
from peerway.accounts.roles import SERVICE_ORG_KINDS, Role
from peerway.core.access import access_events_record, acting_role
from peerway.core.models import AccessAction, Community, Language, LivedExperience, RecoveryPathway
from peerway.intake import one_statement
from peerway.intake.models import (
    OPEN_STATUSES,
    EscalationAlert,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestSource,
    RequestStatus,
)
from peerway.intake.selectors import request_peer_id_now
from peerway.organizations.geography import place_for_county, place_for_zip
from peerway.organizations.models import County, Organization
from peerway.recovery.models import Engagement, Participant, Program
from peerway.recovery.services import engagement_end_for_request, participant_create
from peerway.recovery.services.engagements import engagement_close_for_relink
from peerway.workforce.models import PeerProfile, PeerStatus
from peerway.workforce.selectors import SUBJECT_HELP_REQUEST

if TYPE_CHECKING:
    from peerway.matching.explain import Unmatched
    from peerway.matching.service import Proposal

logger = logging.getLogger(__name__)

STATUS_LINK_LIFETIME = dt.timedelta(days=30)


class OfferNotAvailable(Exception):
    """The request was already taken by another peer, withdrawn, or never offered to this peer."""


class CaseloadFull(OfferNotAvailable):
    """The peer is at their caseload limit (or no longer active): offers hold no place, so one accepted since
    this offer was made may have taken the last."""


class AlreadySent(Exception):
    """The same form, filled in the same way, was sent before (a double tap on Send, a browser's retry): nothing
    new was saved, and ``request`` is the request that first sending made, reached by the same ``token``."""

    def __init__(self, request: HelpRequest, token: str) -> None:
        super().__init__("This request was already sent.")
        self.request = request
        self.token = token


@dataclass(frozen=True)
class RequestInput:
    """What the form collects: only what is needed to connect a person with a peer."""

    contact_method: str
    language: Language
    consent_to_contact: bool
    first_name: str = ""
    phone: str = ""
    email: str = ""
    language_required: bool = False
    communities: Sequence[Community] = field(default_factory=tuple)
    communities_own_words: str = ""
    lived_experience: Sequence[LivedExperience] = field(default_factory=tuple)
    pathways: Sequence[RecoveryPathway] = field(default_factory=tuple)
    gender_preference: str = ""
    modalities: Sequence[str] = field(default_factory=tuple)
    county: County | None = None
    zip_code: str = ""
    wants_to_choose: bool = False


def status_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_submit(
    *, data: RequestInput, source: str = RequestSource.WEB, entered_by: User | None = None, token: str | None = None
) -> tuple[HelpRequest, str]:
    """Record a request and queue its routing to peers; returns the request and its private status token.

    Only the token's hash is stored, so the status link cannot be rebuilt from the database. The request, its
    history row, its vocabulary links and its routing job are written all together or not at all: on
    PostgreSQL as one statement (intake/one_statement.py), elsewhere in one transaction.

    ``token``: the status token to use, when the form gives one that every sending of it filled in the same way
    gives again (core.submissions.submission_secret); by default a new random one. A request already holding
    that token and still going on is the same request sent twice: nothing is written and AlreadySent names it,
    even when both sendings arrive at the same instant (the second waits on the first's row, then finds it).
    One that has ended or whose link has expired does not stand in the way: the form is a new request, with a
    new random token.
    """
    if not data.consent_to_contact:
        raise ValueError("A request needs consent to be contacted.")
    if token is None:
        return _request_insert(data=data, source=source, entered_by=entered_by, token=secrets.token_urlsafe(24))
    try:
        # Inside a caller's transaction (staff entry), a savepoint: the refused insert must not end it.
        with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
            return _request_insert(data=data, source=source, entered_by=entered_by, token=token)
    except IntegrityError:
        earlier = HelpRequest.objects.select_related("language").filter(status_token_hash=status_token_hash(token))
        request = earlier.first()
        if request is None:
            raise  # some other constraint
    ended = request.status in (RequestStatus.WITHDRAWN, RequestStatus.CLOSED)
    if ended or request.status_token_expires_at <= timezone.now():
        return _request_insert(data=data, source=source, entered_by=entered_by, token=secrets.token_urlsafe(24))
    raise AlreadySent(request, token)


def _request_insert(*, data: RequestInput, source: str, entered_by: User | None, token: str) -> tuple[HelpRequest, str]:
    place = place_for_zip(data.zip_code) if data.zip_code else None
    if place is None and data.county is not None:
        place = place_for_county(data.county.name, data.county.state)
    county_id = data.county.pk if data.county is not None else None
    if county_id is None and place is not None:
        county_id = County.objects.filter(state=place.state, name=place.county).values_list("pk", flat=True).first()
    request = HelpRequest(
        source=source,
        entered_by=entered_by,
        status_token_hash=status_token_hash(token),
        status_token_expires_at=timezone.now() + STATUS_LINK_LIFETIME,
        first_name=data.first_name.strip(),
        contact_method=data.contact_method,
        phone=data.phone.strip(),
        email=data.email.strip(),
        language=data.language,
        language_required=data.language_required,
        communities_own_words=data.communities_own_words.strip(),
        gender_preference=data.gender_preference,
        modalities=sorted(set(data.modalities)),
        county_id=county_id,
        zip_code=data.zip_code.strip()[:10],
        latitude=place.latitude if place else None,
        longitude=place.longitude if place else None,
        consent_to_contact=True,
        wants_to_choose=data.wants_to_choose,
    )
    # The form has already checked the vocabulary and county choices against the database, and public_id
    # is a fresh random UUID: validate the fields' values without those three lookups on every submit.
    request.full_clean(exclude=["status_token_hash", "status", "language", "county"], validate_unique=False)
    from peerway.intake.tasks import request_route_task  # tasks imports this module

    links = _chosen_terms(data)
    if one_statement.supported(request_route_task):
        one_statement.request_insert(request=request, links=links, task=request_route_task)
        return request, token
    with transaction.atomic():
        request.save()
        for name, term_ids in links:
            through = getattr(HelpRequest, name).through
            term_column = HelpRequest._meta.get_field(name).m2m_reverse_field_name()
            through.objects.bulk_create(
                [through(helprequest_id=request.pk, **{f"{term_column}_id": pk}) for pk in term_ids]
            )
        _enqueue_routing(request.pk)
    return request, token


# Staff in a service organization who take calls, texts and walk-ins and may enter a request for the person.
STAFF_ENTRY_ROLES = frozenset({Role.PEER, Role.SUPERVISOR, Role.ORG_ADMIN})
# A person entered by staff came through one of these doors; "web" and "relink" are recorded by other paths.
STAFF_ENTRY_SOURCES = tuple(
    source for source in RequestSource if source not in (RequestSource.WEB, RequestSource.RELINK)
)


def request_submit_by_staff(
    *, data: RequestInput, source: str, actor: User, organization: Organization, token: str | None = None
) -> tuple[HelpRequest, str]:
    """Record a request a staff member took by phone, text or in person; returns it and its status token.

    The same write as ``request_submit`` (``token`` as there), plus a "created" access event naming the staff
    member, their role and organization, in the same transaction: a request entered by staff is never without
    its audit row. The same entry sent twice raises AlreadySent, after recording that the staff member was shown
    the request again.
    """
    if source not in STAFF_ENTRY_SOURCES:
        raise ValueError(f"{source!r} is not a source staff can enter a request from.")
    role = acting_role(actor, organization, STAFF_ENTRY_ROLES)
    if role == "none" or organization.kind not in SERVICE_ORG_KINDS:
        raise PermissionError("Only a peer, supervisor or administrator of the organization can enter a request.")
    try:
        with transaction.atomic():
            request, token = request_submit(data=data, source=source, entered_by=actor, token=token)
            _staff_entry_record(
                actor, role, organization, request, AccessAction.CREATED, f"entered by staff ({source})"
            )
    except AlreadySent as sent:
        # The page answering the second sending shows the request and its link again: a view like any other.
        with transaction.atomic():
            _staff_entry_record(actor, role, organization, sent.request, AccessAction.VIEWED, "entry sent twice")
        raise
    return request, token


def _staff_entry_record(
    actor: User, role: str, organization: Organization, request: HelpRequest, action: AccessAction, reason: str
) -> None:
    access_events_record(
        actor=actor,
        role=role,
        organization=organization,
        subject_type=SUBJECT_HELP_REQUEST,
        subject_ids=[request.public_id],
        action=action,
        reason=reason,
    )


def _chosen_terms(data: RequestInput) -> list[tuple[str, list[int]]]:
    """(vocabulary field, ids of the chosen terms) for each vocabulary the person chose something in."""
    chosen = (
        ("communities", data.communities),
        ("lived_experience", data.lived_experience),
        ("pathways", data.pathways),
    )
    return [(name, sorted({term.pk for term in terms})) for name, terms in chosen if terms]


def _enqueue_routing(request_id: int) -> None:
    # The database queue writes its row in the caller's transaction: the request and its routing job
    # are committed together or not at all.
    from peerway.intake.tasks import request_route_task

    request_route_task.enqueue(request_id)


def request_get_by_token(token: str) -> HelpRequest | None:
    """The request behind a private status link, or None when the link is unknown or expired."""
    return (
        HelpRequest.objects.select_related("accepted_by", "language")
        .filter(status_token_hash=status_token_hash(token), status_token_expires_at__gt=timezone.now())
        .first()
    )


@transaction.atomic
def request_accept(*, request: HelpRequest, peer: PeerProfile) -> Engagement:
    """The peer takes the request. Exactly one peer wins even when many accept at the same instant.

    The request's status changes by a conditional update (UPDATE … WHERE status = 'offered'): the first
    commit wins and every other accept raises OfferNotAvailable. The winner's organization gets the
    person's record and an engagement begins. Offers hold no place in a caseload, so a peer already at their
    limit (or no longer active) gets CaseloadFull; a re-link's own engagement, which the accept closes, is not
    counted (``engagements_closed_by_accepting``).

    A re-link request from a check-up, accepted by a peer of the person's organization, continues the person's
    record instead, and the engagement the re-link came from closes in the same transaction when it is still
    open, with its future check-ups (``engagement_close_for_relink``): the person is in one open engagement.
    """
    offer = Offer.objects.filter(request_id=request.pk, peer=peer, status=OfferStatus.OFFERED).first()
    if offer is None:
        raise OfferNotAvailable
    from peerway.matching.service import CASELOAD_STATUSES, engagements_closed_by_accepting

    # A peer may hold several offers at once; the lock makes their accepts count their caseload one at a time.
    # The engagement a re-link came from closes below, so it holds no place against the re-link (as in routing).
    locked = PeerProfile.objects.select_for_update().get(pk=peer.pk)
    carrying = (
        Engagement.objects.filter(peer_id=peer.pk, status__in=CASELOAD_STATUSES)
        .exclude(pk__in=engagements_closed_by_accepting(request))
        .count()
    )
    if locked.status != PeerStatus.ACTIVE or carrying >= locked.caseload_limit:
        raise CaseloadFull
    fresh = HelpRequest.objects.get(pk=request.pk)
    try:
        fresh.accept(peer=peer, organization=peer.organization)
        fresh.save()
    except (ConcurrentTransition, TransitionNotAllowed):
        raise OfferNotAvailable from None
    now = timezone.now()
    Offer.objects.filter(pk=offer.pk).update(status=OfferStatus.ACCEPTED, responded_at=now)
    Offer.objects.filter(request_id=request.pk, status=OfferStatus.OFFERED).update(status=OfferStatus.LAPSED)
    _alerts_resolve(request.pk, now)
    relinked_from = _relinked_engagement(fresh, peer)
    if relinked_from is not None:
        participant = relinked_from.participant
    else:
        participant = participant_create(
            organization=peer.organization,
            actor=peer.user,
            preferred_name=fresh.first_name or "",
            phone=fresh.phone or "",
            email=fresh.email or "",
            language=fresh.language,
            communities=list(fresh.communities.all()),
            communities_own_words=fresh.communities_own_words or "",
            reason="accepted a first-call request",
        )
    engagement = Engagement(
        participant=participant,
        organization=peer.organization,
        peer=peer,
        # A re-link continues the person in the program they were in (its plan rule with it), not the organization's.
        program=relinked_from.program if relinked_from is not None else _program_of(peer.organization),
        started_at=now,
        help_request=fresh,
        began_from_request=fresh,
    )
    engagement.full_clean()
    engagement.save()
    if relinked_from is not None:
        engagement_close_for_relink(engagement=relinked_from, actor=peer.user)
    request.refresh_from_db()
    return engagement


def _program_of(organization: Organization) -> str:
    return Program(organization.kind) if organization.kind in Program.values else Program.RCO


def _alerts_resolve(request_id: int, now: dt.datetime) -> None:
    """The request no longer waits on the peers it was offered (taken, stopped, deleted, or sent to new peers): the
    supervisors' alerts about that wait are resolved. A later escalation raises a new alert of its own."""
    EscalationAlert.objects.filter(request_id=request_id, resolved_at__isnull=True).update(resolved_at=now)


@transaction.atomic
def request_decline(*, request: HelpRequest, peer: PeerProfile, reason: str = "") -> None:
    """The peer passes; if every offered peer has declined, routing widens at once on the worker."""
    updated = Offer.objects.filter(request_id=request.pk, peer=peer, status=OfferStatus.OFFERED).update(
        status=OfferStatus.DECLINED, responded_at=timezone.now(), decline_reason=reason.strip()[:200] or None
    )
    if not updated:
        raise OfferNotAvailable
    if not Offer.objects.filter(request_id=request.pk, status=OfferStatus.OFFERED).exists():
        _enqueue_routing(request.pk)


@transaction.atomic
def request_rematch(*, request: HelpRequest, reason: str = "", peer: str = "") -> None:
    """The person asks for a different peer: the current peer is not offered again.

    That is the peer who has the person (accepted), or the one they chose and wait for; ``peer``, the public id of
    the peer their page showed, when given must be that one. Raises OfferNotAvailable otherwise.

    After an accept, the engagement that began with that peer closes and lets go of the request, so the next
    peer's accept begins their own. When the engagement was handed to another peer, that peer (who has the person
    now) is not offered it again either, and neither is the one who accepted.
    """
    fresh = HelpRequest.objects.select_for_update().filter(pk=request.pk).first()
    if fresh is None:
        raise OfferNotAvailable
    was_accepted = fresh.status == RequestStatus.ACCEPTED
    peer_id_now = request_peer_id_now(fresh) if was_accepted else None
    turned_down = peer_id_now if was_accepted else _peer_chosen_and_waited_for(fresh)
    # A page left open (a second tab, the back button) may ask again after the first ask was routed: the peers asked
    # since were never refused by the person. Only the peer the page showed can be turned down, and only while the
    # person has them or waits for them.
    if turned_down is None:
        raise OfferNotAvailable
    if peer and peer != str(PeerProfile.objects.values_list("public_id", flat=True).get(pk=turned_down)):
        raise OfferNotAvailable
    try:
        fresh.rematch()
        fresh.save()
    except (ConcurrentTransition, TransitionNotAllowed):
        raise OfferNotAvailable from None
    now = timezone.now()
    _alerts_resolve(fresh.pk, now)
    declined = {"status": OfferStatus.DECLINED, "decline_reason": f"rematch: {reason}"[:200], "responded_at": now}
    Offer.objects.filter(request_id=request.pk, status__in=[OfferStatus.OFFERED, OfferStatus.ACCEPTED]).update(
        **declined
    )
    if peer_id_now is not None:
        # A peer the engagement was handed to by a supervisor may never have been offered the request. Routing and
        # the choices shown leave out the peers whose offer was declined, so the turn-down is recorded as one.
        Offer.objects.update_or_create(
            request=fresh, peer_id=peer_id_now, defaults=declined, create_defaults={"score": 0.0, **declined}
        )
    if was_accepted:
        engagement_end_for_request(
            help_request_id=fresh.pk,
            reason="closed: the person asked for a different peer",
            release_request=True,
        )
    _enqueue_routing(request.pk)


def _peer_chosen_and_waited_for(request: HelpRequest) -> int | None:
    """The peer a person who chooses picked and waits for (their offer still open), if any."""
    if not (request.wants_to_choose and request.chosen_for_them_at is None and request.status == RequestStatus.OFFERED):
        return None
    peer_id: int | None = (
        Offer.objects.filter(request=request, status=OfferStatus.OFFERED)
        .order_by("-offered_at")
        .values_list("peer_id", flat=True)
        .first()
    )
    return peer_id


@transaction.atomic
def request_withdraw(*, request: HelpRequest) -> None:
    """The person stops their request: no peer is offered it any more, and an engagement that began from it
    closes, so no peer reaches out. Raises TransitionNotAllowed when it is already closed or withdrawn."""
    fresh = HelpRequest.objects.select_for_update().get(pk=request.pk)
    _withdraw(fresh)
    fresh.save()


def _withdraw(fresh: HelpRequest) -> None:
    """Withdraw a request read under a row lock (saved by the caller); its offers lapse, its engagement ends."""
    was_taken = fresh.status in (RequestStatus.ACCEPTED, RequestStatus.CONNECTED)
    fresh.withdraw()
    Offer.objects.filter(request_id=fresh.pk, status=OfferStatus.OFFERED).update(status=OfferStatus.LAPSED)
    _alerts_resolve(fresh.pk, timezone.now())
    if was_taken:
        engagement_end_for_request(help_request_id=fresh.pk, reason="closed: the person stopped their request")


@transaction.atomic
def request_erase(*, request: HelpRequest) -> None:
    """The person deletes what they entered: the personal fields, everything they chose about the peer they would
    like (communities, lived experience, pathways, gender, ways to meet, whether the language is required, whether
    they wanted to choose), their change history, the offers (with any reason they gave for a different peer) and
    the private link.

    What remains is a withdrawn request with its language, county, times and the escalation window its offers gave
    it, which counts toward unmet-demand figures and identifies no one. A record that already became a participant's
    is kept by the organization; only its engagement closes, as when the person stops the request.
    """
    fresh = HelpRequest.objects.select_for_update().get(pk=request.pk)
    if fresh.status in (RequestStatus.RECEIVED, RequestStatus.OFFERED, RequestStatus.ACCEPTED, RequestStatus.CONNECTED):
        _withdraw(fresh)
    fresh.first_name = None
    fresh.phone = None
    fresh.email = None
    fresh.communities_own_words = None
    fresh.language_required = False
    fresh.gender_preference = ""
    fresh.modalities = []
    # Why no peer could take it stays (it counts as unmet demand), not what it quoted of the request (ways to meet).
    fresh.routing_note = {"code": fresh.routing_note["code"]} if fresh.routing_note.get("code") else {}
    fresh.wants_to_choose = False
    fresh.choices_shown_at = fresh.chosen_for_them_at = None
    fresh.preferred_peer = None
    fresh.zip_code = ""
    fresh.latitude = fresh.longitude = None
    # The private link stops working at once and no longer matches the row: whoever finds it later (browser
    # history, a shared phone) cannot even learn that a request was made.
    fresh.status_token_hash = status_token_hash(secrets.token_urlsafe(24))
    fresh.status_token_expires_at = timezone.now()
    # The offers go, and with them which organizations' escalation window the request had: the report keeps counting
    # it as unmet or not by that window (matching.reports).
    offered = Offer.objects.filter(request_id=request.pk).aggregate(
        minutes=_shortest_window("peer__organization__escalation_minutes")
    )
    if offered["minutes"] is not None:
        fresh.erased_offers_window_minutes = escalation_window(offered["minutes"])
    fresh.save()
    fresh.communities.clear()
    fresh.lived_experience.clear()
    fresh.pathways.clear()
    Offer.objects.filter(request_id=request.pk).delete()
    fresh.history.all().delete()


@transaction.atomic
def request_choose_peer(*, request: HelpRequest, peer_public_id: uuid.UUID) -> Offer:
    """The person picks a peer from those shown on their status page: the request is offered to that peer only.

    The peer must still be able to take it now (on shift, with room in their caseload, meeting every hard
    requirement of the request) and must not have declined it before; otherwise OfferNotAvailable.
    """
    from peerway.matching.service import proposals_for_request

    fresh = HelpRequest.objects.select_for_update().filter(pk=request.pk).first()
    peer = PeerProfile.objects.filter(public_id=peer_public_id).first()
    if fresh is None or peer is None or fresh.status not in OPEN_STATUSES:
        raise OfferNotAvailable
    # A peer who declined the person under one organization's profile is not chosen under another's.
    if Offer.objects.filter(request=fresh, peer__user_id=peer.user_id, status=OfferStatus.DECLINED).exists():
        raise OfferNotAvailable
    everyone_else = PeerProfile.objects.exclude(pk=peer.pk).values_list("pk", flat=True)
    proposals, _ = proposals_for_request(fresh, exclude_peer_ids=everyone_else, top=1)
    if not proposals:
        raise OfferNotAvailable
    now = timezone.now()
    # A choice replaces any earlier one that is still waiting for an answer.
    Offer.objects.filter(request=fresh, status=OfferStatus.OFFERED).exclude(peer=peer).update(
        status=OfferStatus.LAPSED, responded_at=now
    )
    offer, _ = Offer.objects.update_or_create(
        request=fresh,
        peer=peer,
        defaults={
            "round": fresh.escalation_level,
            "score": proposals[0].match.score,
            "explanation": proposals[0].match.explanation.as_dict(),
            "status": OfferStatus.OFFERED,
            "offered_at": now,
            "responded_at": None,
        },
    )
    fresh.offer()
    fresh.routing_note = {}
    # The person has chosen: nobody chooses for them, and if this peer says no their window to choose starts anew.
    fresh.choices_shown_at = fresh.chosen_for_them_at = None
    fresh.save()
    request.refresh_from_db()
    return offer


@transaction.atomic
def request_choose_for_me(*, request: HelpRequest) -> None:
    """The person who wanted to choose would rather Peerway pick: the request is routed like any other."""
    fresh = HelpRequest.objects.select_for_update().filter(pk=request.pk).first()
    if fresh is None or fresh.status not in OPEN_STATUSES:
        raise OfferNotAvailable
    # Routed once, when the person stops choosing: pressing again (or a script doing so) would only lengthen the
    # queue every person's first match waits in. A person never starts choosing again, so once is enough.
    if not fresh.wants_to_choose:
        return
    fresh.wants_to_choose = False
    fresh.save(update_fields=["wants_to_choose"])
    _enqueue_routing(fresh.pk)
    request.refresh_from_db()


# The first offer goes to the best three on-shift peers; each escalation widens it to the next five.
OFFER_ROUND_SIZES = (3, 5)
# Escalation levels: 0 first offer, 1 widened, 2 supervisors alerted.
LEVEL_WIDENED = 1
LEVEL_SUPERVISORS_ALERTED = 2
DEFAULT_ESCALATION_MINUTES = 5
# Organization.escalation_minutes' bounds; a row saved before they were checked is read within them.
MAX_ESCALATION_MINUTES = 1440


def escalation_window(minutes: int | None) -> int:
    """An organization's escalation window as escalation reads it: 0 or none (possible in rows older than the
    field's validators) is the default, and more than a day is a day."""
    return min(minutes or DEFAULT_ESCALATION_MINUTES, MAX_ESCALATION_MINUTES)


def _shortest_window(path: str) -> Min:
    """The shortest window among the organizations at ``path``, a legacy 0 counting as the default (so that it
    never stands in for a shorter window of another organization)."""
    return Min(
        Case(
            When(**{f"{path}__lt": 1}, then=Value(DEFAULT_ESCALATION_MINUTES)),
            default=F(path),
            output_field=IntegerField(),
        )
    )


@transaction.atomic
def request_route(*, request_id: int, widen: bool = False) -> list[Offer]:
    """Offer an open request to the best on-shift peers not yet offered it; record why when there are none.

    A request that some peers hold an offer for is left to them (a second routing job, say from a double
    click or the every-minute retry, changes nothing) unless ``widen``: escalation widens it to more peers.
    A re-link goes only to peers of the organization the person is a participant of: their record is not
    shared with another organization.
    """
    from peerway.matching.service import proposals_for_request, with_their_other_profiles

    request = HelpRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None or request.status not in OPEN_STATUSES:
        return []
    holders = set(Offer.objects.filter(request=request, status=OfferStatus.OFFERED).values_list("peer_id", flat=True))
    if not widen and holders:
        return []
    # Peers who hold the offer now, or who declined it (or were turned down by a rematch), are not asked
    # again, under any of their profiles; peers whose offer lapsed when someone else accepted may be asked again
    # after a rematch.
    not_again = with_their_other_profiles(
        Offer.objects.filter(request=request, status=OfferStatus.DECLINED).values_list("peer_id", flat=True)
    )
    # A re-link stays with the person's organization: the others' peers are never candidates for it.
    relink_organization_id = _relink_organization_id(request)
    outside: set[int] = set()
    if relink_organization_id is not None:
        outside = set(PeerProfile.objects.exclude(organization_id=relink_organization_id).values_list("pk", flat=True))
    excluded = with_their_other_profiles(holders) | not_again
    preferred = _preferred_peer_first(request, excluded | outside)
    top = OFFER_ROUND_SIZES[min(request.escalation_level, len(OFFER_ROUND_SIZES) - 1)]
    proposals, unmatched = proposals_for_request(
        request, exclude_peer_ids=excluded | {p.peer.pk for p in preferred}, outside=outside, top=top
    )
    # A re-linking person's previous peer, when they can take them now, is offered the request alone at first;
    # escalation widens it to the best match after the organization's window (see request_relink).
    proposals = preferred if preferred and request.escalation_level == 0 else preferred + proposals
    now = timezone.now()
    if not proposals:
        changes: dict[str, object] = {"routing_note": _routing_note(request, unmatched, holders, not_again, outside)}
        if not holders:
            # Nobody to choose from any more: the window to choose starts again when there is.
            changes["choices_shown_at"] = None
        _save_changes(request, changes)
        return []
    if _still_choosing(request, proposals, pick_pending=bool(holders), now=now):
        # The person picks from the best peers on their status page (request_choose_peer); until they do, or
        # until their window to pick ends, no peer is offered the request. The note is cleared because peers
        # are available.
        changes = {"routing_note": {}}
        if not holders and request.choices_shown_at is None:
            changes["choices_shown_at"] = now
        _save_changes(request, changes)
        return []
    if request.wants_to_choose and request.chosen_for_them_at is None:
        # No pick within the window: Peerway offers the best match itself, as the person's status page says it will.
        request.chosen_for_them_at = now
    offers = []
    for proposal in proposals:
        offer, _ = Offer.objects.update_or_create(
            request=request,
            peer=proposal.peer,
            defaults={
                "round": request.escalation_level,
                "score": proposal.match.score,
                "explanation": proposal.match.explanation.as_dict(),
                "status": OfferStatus.OFFERED,
                "offered_at": now,
                "responded_at": None,
            },
        )
        offers.append(offer)
    request.offer()
    request.routing_note = {}
    request.save()
    return offers


def _routing_note(
    request: HelpRequest, unmatched: Unmatched | None, holders: set[int], not_again: set[int], outside: set[int]
) -> dict[str, object]:
    """Why routing found nobody (new) to offer ``request``, as the status page shows it; empty while a peer who
    holds the offer could still take it.

    Widening that finds nobody new is no news for the person: a peer on shift may still hold their offer. So the
    reason is asked again of every peer but those who may not be asked again, and the person is told that no
    peer is on shift (and when the next shift starts) only when that is true of the peers holding it too.
    """
    from peerway.matching.service import peers_who_could_take_later, proposals_for_request

    if holders:
        still, unmatched = proposals_for_request(request, exclude_peer_ids=not_again, outside=outside, top=1)
        if still:
            return {}
    note: dict[str, object] = dict(unmatched.reason.as_dict()) if unmatched else {"code": "no_peers"}
    later = peers_who_could_take_later(request, exclude_peer_ids=not_again | outside)
    next_shift = next_shift_start(peer_ids=later)
    note["next_shift_at"] = next_shift.isoformat() if next_shift else None
    return note


def _still_choosing(
    request: HelpRequest, proposals: Sequence[Proposal], *, pick_pending: bool, now: dt.datetime
) -> bool:
    """Whether a person who asked to choose their peer still has time to pick before Peerway offers the best match.

    The window is the shortest escalation window of the organizations whose peers they are shown, counted from
    when peers were first there to choose from; while a peer they picked has not answered, they are choosing.
    """
    if not request.wants_to_choose or request.chosen_for_them_at is not None:
        return False
    if pick_pending or request.choices_shown_at is None:
        return True
    # As escalation reads it: a window of 0 (refused by the field's validator, possible in older rows) is the default.
    minutes = min(
        (escalation_window(proposal.peer.organization.escalation_minutes) for proposal in proposals),
        default=DEFAULT_ESCALATION_MINUTES,
    )
    window_ends: dt.datetime = request.choices_shown_at + dt.timedelta(minutes=minutes)
    return now < window_ends


def _save_changes(request: HelpRequest, changes: dict[str, object]) -> None:
    """Save only the fields whose values change: the every-minute retry of a waiting request writes nothing."""
    changed = [name for name, value in changes.items() if getattr(request, name) != value]
    for name in changed:
        setattr(request, name, changes[name])
    if changed:
        request.save(update_fields=changed)


def _relink_organization_id(request: HelpRequest) -> int | None:
    """The organization a re-link request came from (that of the check-up's engagement), else None."""
    if request.source != RequestSource.RELINK:
        return None
    from peerway.recovery.models import Checkup

    organization_id = (
        Checkup.objects.filter(relink_request_id=request.pk)
        .values_list("engagement__organization_id", flat=True)
        .first()
    )
    if organization_id is None and request.preferred_peer_id is not None:
        organization_id = (
            PeerProfile.objects.filter(pk=request.preferred_peer_id).values_list("organization_id", flat=True).first()
        )
    return organization_id


def _preferred_peer_first(request: HelpRequest, already: set[int]) -> list[Proposal]:
    """A person re-linking is offered to their previous peer first, when that peer can take them now."""
    from peerway.matching.service import proposals_for_request

    if request.preferred_peer_id is None or request.preferred_peer_id in already:
        return []
    everyone_else = PeerProfile.objects.exclude(pk=request.preferred_peer_id).values_list("pk", flat=True)
    proposals, _ = proposals_for_request(request, exclude_peer_ids=everyone_else, top=1)
    return proposals


def next_shift_start(*, now: dt.datetime | None = None, peer_ids: Iterable[int] | None = None) -> dt.datetime | None:
    """When the next weekly shift of any peer in service begins (in UTC), looking up to a week ahead.

    A shift's weekday and times are in its organization's time zone (``Organization.zone``). Only shifts of peers
    who could be offered the request count (``PeerProfile.objects.in_service``): the shift of someone whose
    account was deactivated or whose peer role ended is no promise to the person waiting. ``peer_ids``: only these
    peers' shifts (those who could take the person once on shift, ``matching.service.peers_who_could_take_later``).
    """
    from peerway.workforce.models import WeeklyShift

    now = now or timezone.now()
    peers = PeerProfile.objects.in_service()
    if peer_ids is not None:
        peers = peers.filter(pk__in=list(peer_ids))
    shifts = list(
        WeeklyShift.objects.filter(peer__in=peers)
        .values_list("weekday", "starts_at", "peer__organization_id")
        .distinct()
    )
    zones = {
        organization.pk: organization.zone
        for organization in Organization.objects.filter(pk__in={organization_id for _, _, organization_id in shifts})
    }
    starts = []
    for weekday, starts_at, organization_id in shifts:
        zone = zones[organization_id]
        local_now = now.astimezone(zone)
        days_ahead = (weekday - local_now.weekday()) % 7
        candidate = dt.datetime.combine(local_now.date() + dt.timedelta(days=days_ahead), starts_at, tzinfo=zone)
        # Compared as instants: two times in one zone compare by the clock, which in the hour repeated when
        # daylight saving time ends would take a start already past for one to come.
        if candidate.astimezone(dt.UTC) <= now:
            candidate += dt.timedelta(days=7)
        starts.append(candidate.astimezone(dt.UTC))
    return min(starts) if starts else None


def requests_escalate_due(*, now: dt.datetime | None = None) -> int:
    """Widen or alert for every offered request that no peer accepted within its organizations' window.

    Runs on the worker every minute, never in a web request. Returns how many requests were escalated.
    """
    now = now or timezone.now()
    due = [
        request_id
        for request_id, offered_at, window in HelpRequest.objects.filter(status=RequestStatus.OFFERED)
        .annotate(window=_shortest_window("offers__peer__organization__escalation_minutes"))
        .values_list("pk", "last_offered_at", "window")
        if offered_at and offered_at + dt.timedelta(minutes=escalation_window(window)) <= now
    ]
    escalated = 0
    for request_id in due:
        try:
            escalated += int(request_escalate(request_id=request_id, now=now))
        except Exception as error:
            # One request that cannot be escalated (its transaction rolled back whole) must not hold up the others;
            # the next run tries it again. Only the error's kind is logged: a message can quote the row.
            logger.error("Escalation of request %s failed (%s); the others go on.", request_id, type(error).__name__)
    return escalated


@transaction.atomic
def request_escalate(*, request_id: int, now: dt.datetime | None = None) -> bool:
    """One step up: widen the offer to the next best peers, then alert the supervisors of those peers.

    Only while the request is due, checked under its row lock: a run that listed it before another run widened it
    (two workers, or a run still going when the next one starts) finds its window open again and does nothing, so
    the peers just offered it get their window before any supervisor is alerted.
    """
    now = now or timezone.now()
    request = HelpRequest.objects.select_for_update().filter(pk=request_id, status=RequestStatus.OFFERED).first()
    if request is None or request.escalation_level >= LEVEL_SUPERVISORS_ALERTED:
        return False
    window = Offer.objects.filter(request=request).aggregate(
        minutes=_shortest_window("peer__organization__escalation_minutes")
    )
    minutes = escalation_window(window["minutes"])
    if request.last_offered_at and request.last_offered_at + dt.timedelta(minutes=minutes) > now:
        return False
    request.escalation_level += 1
    request.last_offered_at = now
    request.save(update_fields=["escalation_level", "last_offered_at"])
    if request.escalation_level == LEVEL_WIDENED:
        request_route(request_id=request.pk, widen=True)
        return True
    organization_ids = set(Offer.objects.filter(request=request).values_list("peer__organization_id", flat=True))
    for organization_id in sorted(organization_ids):
        # One open alert per organization; an earlier one resolved (accepted, then rematched) stays as it was.
        EscalationAlert.objects.get_or_create(request=request, organization_id=organization_id, resolved_at=None)
    return True


def requests_route_waiting() -> int:
    """Try again for every request that found nobody (e.g. before anyone was on shift) or has no offer out any
    more (every peer offered it said no, or went off shift), and for every person choosing their peer, whose
    window to pick is kept here: when it ends without a pick, the best match is offered.

    Offers held by a peer who can no longer take them (their account was deactivated, their peer role or
    organization ended, their profile is on leave, they are off shift, or their caseload is full) lapse first, so
    nobody waits out the escalation window on them: those requests are tried again at once.

    Returns how many requests were offered to peers.
    """
    from peerway.matching.service import CASELOAD_STATUSES

    Offer.objects.filter(status=OfferStatus.OFFERED).exclude(
        peer__in=PeerProfile.objects.in_service().filter(on_shift=True)
    ).update(status=OfferStatus.LAPSED, responded_at=timezone.now())
    # A peer whose caseload filled after the offer cannot take it (request_accept refuses): it lapses too, so the
    # request goes to a peer who can, such as one who starts a shift later. Not a re-link's: its previous peer may
    # be full only because of the person's own engagement, which accepting closes.
    full = PeerProfile.objects.annotate(
        carried=Count("engagements", filter=Q(engagements__status__in=CASELOAD_STATUSES))
    ).filter(carried__gte=F("caseload_limit"))
    Offer.objects.filter(status=OfferStatus.OFFERED, peer__in=full).exclude(
        request__source=RequestSource.RELINK
    ).update(status=OfferStatus.LAPSED, responded_at=timezone.now())
    held = Offer.objects.filter(request=OuterRef("pk"), status=OfferStatus.OFFERED)
    waiting = HelpRequest.objects.filter(
        Q(status=RequestStatus.RECEIVED)
        # Offered, but nobody holds an offer now: declined, lapsed at a shift's end, or a chooser choosing again.
        | Q(status=RequestStatus.OFFERED) & ~Exists(held)
    ).values_list("pk", flat=True)
    routed = 0
    for request_id in list(waiting):
        try:
            routed += int(bool(request_route(request_id=request_id)))
        except Exception as error:
            # As for escalation: one request that cannot be routed now does not hold up the rest.
            logger.error("Routing of request %s failed (%s); the others go on.", request_id, type(error).__name__)
    return routed


@transaction.atomic
def request_connect(*, request: HelpRequest, peer: PeerProfile) -> None:
    """The peer who has the person (the one who accepted, or the one the engagement was handed to since) has
    reached them: the status page says "connected"."""
    fresh = HelpRequest.objects.get(pk=request.pk)
    if request_peer_id_now(fresh) != peer.pk:
        raise OfferNotAvailable
    try:
        fresh.connect()
        fresh.save()
    except (ConcurrentTransition, TransitionNotAllowed):
        raise OfferNotAvailable from None


# Re-linking from a recovery check-up (recovery/services/checkups.py). A person who is struggling or wants to
# re-connect gets a priority request that goes through the same first-call matching, their previous peer first.
RELINK_MODALITIES = ("phone", "text", "video")


@transaction.atomic
def request_relink(
    *,
    participant: Participant,
    preferred_peer: PeerProfile,
    organization: Organization,
    actor: User,
) -> HelpRequest:
    """A priority request for a person re-linking after a check-up, routed on the worker like any other.

    The request carries only what matching and the first contact need. Audited as "created" by ``actor``.
    """
    if participant.organization_id != organization.pk:
        raise ValueError("A re-link request is made for a participant of the acting organization.")
    role = acting_role(actor, organization, STAFF_ENTRY_ROLES)
    if role == "none":
        raise PermissionError("Only a peer, supervisor or administrator of the organization can re-link a person.")
    phone = participant.phone or ""
    email = participant.email or ""
    language = participant.language or Language.objects.get(slug="en")
    data = RequestInput(
        contact_method="call" if phone else ("email" if email else "page"),
        language=language,
        consent_to_contact=True,
        first_name=participant.preferred_name or "",
        phone=phone,
        email=email,
        communities=list(participant.communities.all()),
        communities_own_words=participant.communities_own_words or "",
        modalities=RELINK_MODALITIES,
    )
    request, _token = request_submit(data=data, source=RequestSource.RELINK, entered_by=actor)
    request.priority = True
    request.preferred_peer = preferred_peer
    request.save(update_fields=["priority", "preferred_peer"])
    access_events_record(
        actor=actor,
        role=role,
        organization=organization,
        subject_type=SUBJECT_HELP_REQUEST,
        subject_ids=[request.public_id],
        action=AccessAction.CREATED,
        reason="re-link from a check-up",
    )
    return request


def _relinked_engagement(request: HelpRequest, peer: PeerProfile) -> Engagement | None:
    """The engagement a re-link request came from (its check-up's), when a peer of the person's own organization
    accepts it: the new engagement continues its participant's record instead of creating a second one, and
    takes over from it."""
    from peerway.recovery.models import Checkup

    checkup = (
        Checkup.objects.filter(relink_request_id=request.pk, engagement__organization_id=peer.organization_id)
        .select_related("engagement__participant")
        .first()
    )
    return checkup.engagement if checkup is not None else None
