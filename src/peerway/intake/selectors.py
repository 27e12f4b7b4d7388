"""Reads for the person's side of the first call: their status page and how long a peer usually takes now.

Everything here is rendered in the active language (the page's): vocabulary terms through their own labels,
everything else through the catalog. Nothing personal is cached.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerway.core.fingerprint import shown_fingerprint
from peerway.core.models import Community, Language, LivedExperience, RecoveryPathway
from peerway.intake.models import OPEN_STATUSES, HelpRequest, Offer, OfferStatus, RequestStatus
from peerway.matching.presentation import unique_labels
from peerway.recovery.models import Engagement, EngagementStatus
from peerway.workforce.models import PeerProfile

# The typical wait is counted over the requests made in this window...
WAIT_WINDOW = dt.timedelta(days=7)
# ...and is only shown when at least this many were made: fewer would be a guess, not a figure.
WAIT_MINIMUM_SAMPLE = 5
# The figure is the same for everyone and changes slowly; each status page polls every few seconds.
WAIT_CACHE_SECONDS = 60
# Named anew whenever what is cached changes shape, so that a value cached before a deploy is never misread.
WAIT_CACHE_KEY = "intake:typical_wait:2"
# How many peers a person who wants to choose is shown.
CHOICES_SHOWN = 3
# Our own catalog names the days, because Django ships no Somali or Hmong translation of them.
WEEKDAYS = (
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
)


@dataclass(frozen=True)
class TypicalWait:
    """How long a peer usually takes to say yes now, as the status page tells it.

    ``minutes`` is None when there is no honest figure: ``enough_asked`` then tells whether too few people asked
    in the window, or enough asked but fewer than half of them have had a peer say yes so far.
    """

    minutes: int | None
    enough_asked: bool


def typical_wait(*, now: dt.datetime | None = None) -> TypicalWait:
    """The smallest number of minutes within which at least half of the requests made in the last 7 days had a peer
    say yes. Every request made counts, as the page says: one still waiting, or stopped or deleted before a peer
    said yes, is a person who has not had a yes within any number of minutes, not a person left out.

    No figure when fewer than WAIT_MINIMUM_SAMPLE requests were made in that time (the page then says it cannot
    tell yet rather than invent a number), nor when fewer than half of them had a yes. Rounded up, and never less
    than one minute. Computed as of ``now`` when given (a yes after it has not happened yet), else cached.
    """
    if now is None:
        cached = cache.get(WAIT_CACHE_KEY)
        if cached is not None:
            return TypicalWait(*cached)
    moment = now or timezone.now()
    requests = HelpRequest.objects.filter(created_at__gte=moment - WAIT_WINDOW, created_at__lte=moment)
    asked = 0
    waits = []
    for created_at, accepted_at in requests.values_list("created_at", "accepted_at"):
        asked += 1
        if accepted_at is not None and accepted_at <= moment:
            waits.append((accepted_at - created_at).total_seconds() / 60)
    # Half of the people who asked, rounded up: with 11, the 6th shortest wait is the first that half of them had.
    half = math.ceil(asked / 2)
    minutes = None
    if asked >= WAIT_MINIMUM_SAMPLE and len(waits) >= half:
        minutes = max(1, math.ceil(sorted(waits)[half - 1]))
    wait = TypicalWait(minutes=minutes, enough_asked=asked >= WAIT_MINIMUM_SAMPLE)
    if now is None:
        cache.set(WAIT_CACHE_KEY, (wait.minutes, wait.enough_asked), WAIT_CACHE_SECONDS)
    return wait


def typical_wait_minutes(*, now: dt.datetime | None = None) -> int | None:
    """The minutes of ``typical_wait``, or None when there is no honest figure."""
    return typical_wait(now=now).minutes


@dataclass(frozen=True)
class PeerCard:
    """A peer as the person sees them: first name, languages, what they share, and how they meet."""

    public_id: str
    display_name: str
    organization: str
    introduction: str
    languages: tuple[str, ...]
    shares: tuple[str, ...]
    meets_by: tuple[str, ...]


@dataclass(frozen=True)
class NobodyFree:
    """Why no peer could take the request now (the engine's reason code) and when the next shift starts.

    ``next_shift`` is in Minnesota time; ``next_shift_in_days`` is 0 for today and 1 for tomorrow, and
    ``next_shift_day`` names its weekday in the page's language.
    """

    code: str
    languages: tuple[str, ...]
    modalities: tuple[str, ...]
    next_shift: dt.datetime | None
    next_shift_in_days: int | None
    next_shift_day: str

    @property
    def waits_for_a_shift(self) -> bool:
        """Whether the next shift may bring a peer who can help: not when no peer at all speaks the language."""
        return self.code in ("no_peer_on_shift", "no_capacity", "taken_by_other_requests")

    @property
    def other_choices_may_help(self) -> bool:
        return self.code in ("no_peer_speaks_language", "no_common_modality", "no_peer_in_range", "location_needed")


@dataclass(frozen=True)
class StatusPage:
    """Everything the private status page shows; ``fingerprint`` changes whenever any of it does."""

    status: str
    contact_method: str
    wants_to_choose: bool
    # The person did not pick within their window, so Peerway asked the best-matched peers; they may still choose.
    chosen_for_them: bool
    peer: PeerCard | None
    waiting_for_chosen_peer: bool
    choices: tuple[PeerCard, ...]
    nobody_free: NobodyFree | None
    wait_minutes: int | None
    # With no figure: whether enough people asked for one (fewer than half of them have had a yes so far).
    wait_enough_asked: bool
    can_rematch: bool
    can_withdraw: bool
    link_days_left: int

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_final(self) -> bool:
        return self.status in (RequestStatus.CLOSED, RequestStatus.WITHDRAWN)

    @property
    def wait_hours(self) -> int | None:
        """The wait in whole hours once it is two hours or more (a figure in minutes is then hard to read), rounded
        up: half of the people had a yes within it, as the page says."""
        return math.ceil(self.wait_minutes / 60) if self.wait_minutes and self.wait_minutes >= 120 else None

    @property
    def choosing(self) -> bool:
        return self.is_open and self.wants_to_choose and not self.waiting_for_chosen_peer

    @property
    def fingerprint(self) -> str:
        # The dataclasses hold only strings, numbers, tuples and datetimes, so their repr is stable.
        return shown_fingerprint("peerway.intake.status", self)


def _modality_labels() -> dict[str, str]:
    return {"phone": _("phone"), "text": _("text messages"), "video": _("video"), "in_person": _("in person")}


def _labels(model: Any, slugs: Iterable[str]) -> list[str]:
    slugs = list(slugs)
    terms = {term.slug: term for term in model.objects.filter(slug__in=slugs)} if slugs else {}
    return [terms[slug].label() if slug in terms else slug for slug in slugs]


def shared_terms(explanation: Mapping[str, Any]) -> tuple[str, ...]:
    """What a peer shares with the person, from a match explanation, in the page's language.

    Languages first, then communities, lived experience and pathways; a label already listed (Somali the
    language and Somali the community) appears once.
    """
    return tuple(
        unique_labels(
            [
                *_labels(Language, explanation.get("languages", ())),
                *_labels(Community, explanation.get("communities", ())),
                *_labels(LivedExperience, explanation.get("lived_experience", ())),
                *_labels(RecoveryPathway, explanation.get("pathways", ())),
            ]
        )
    )


def _peer_card(peer: PeerProfile, explanation: Mapping[str, Any]) -> PeerCard:
    modalities = _modality_labels()
    return PeerCard(
        public_id=str(peer.public_id),
        display_name=peer.display_name,
        organization=peer.organization.name,
        introduction=peer.introduction,
        languages=tuple(language.label() for language in peer.languages.all()),
        shares=shared_terms(explanation),
        meets_by=tuple(modalities.get(code, code) for code in explanation.get("modalities", ())),
    )


NEXT_SHIFT_CACHE_SECONDS = 60


def _nobody_free(note: Mapping[str, Any], request: HelpRequest) -> NobodyFree:
    from peerway.intake.services import next_shift_start
    from peerway.matching.service import peers_who_could_take_later, with_their_other_profiles

    modalities = _modality_labels()
    next_shift = in_days = None
    if note.get("next_shift_at"):
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        now = timezone.now()
        next_shift = dt.datetime.fromisoformat(note["next_shift_at"]).astimezone(zone)
        if next_shift <= now:
            # The note was written when routing last found nobody; while a peer holds the offer it is not written
            # again, and the shift it names has begun: the person is told the one to come, never one gone by.
            # Worked out once a minute per request, not on each of the status page's refreshes.
            def coming_shift() -> str:
                declined = Offer.objects.filter(request=request, status=OfferStatus.DECLINED).values_list(
                    "peer_id", flat=True
                )
                later = peers_who_could_take_later(request, exclude_peer_ids=with_their_other_profiles(declined))
                coming = next_shift_start(now=now, peer_ids=later)
                return coming.isoformat() if coming else ""

            key = f"intake:next-shift:{request.pk}"
            coming = cache.get(key)
            if coming is None or (coming and dt.datetime.fromisoformat(coming) <= now):
                coming = coming_shift()
                cache.set(key, coming, NEXT_SHIFT_CACHE_SECONDS)
            next_shift = dt.datetime.fromisoformat(coming).astimezone(zone) if coming else None
        if next_shift is not None:
            in_days = (next_shift.date() - now.astimezone(zone).date()).days
    return NobodyFree(
        code=str(note.get("code", "no_peers")),
        languages=tuple(_labels(Language, note.get("languages", ()))),
        modalities=tuple(modalities.get(code, code) for code in note.get("modalities", ())),
        next_shift=next_shift,
        next_shift_in_days=in_days,
        next_shift_day=str(WEEKDAYS[next_shift.weekday()]) if next_shift else "",
    )


def request_began_a_record(request: HelpRequest) -> bool:
    """Whether a peer took ``request`` at some point, so an organization keeps a record of the person begun from it
    (deleting the request does not delete that record; a rematch since does not either)."""
    return Engagement.objects.filter(began_from_request=request).exists()


def nobody_on_shift_for(request: HelpRequest) -> NobodyFree | None:
    """For staff who just entered ``request``: None when a peer who could take it is on shift now, else when the next
    shift of such a peer starts, so that they can tell the person on the line (who may never open the status link).
    A read, as the status page's: routing itself runs on the worker."""
    from peerway.intake.services import next_shift_start
    from peerway.matching.service import peers_who_could_take_later

    later = peers_who_could_take_later(request)
    if PeerProfile.objects.filter(pk__in=later, on_shift=True).exists():
        return None
    next_shift = next_shift_start(peer_ids=later)
    note = {"code": "no_peer_on_shift", "next_shift_at": next_shift.isoformat() if next_shift else None}
    return _nobody_free(note, request)


def _choices(request: HelpRequest) -> tuple[tuple[PeerCard, ...], NobodyFree | None]:
    """The best peers free now for a person who wants to choose, or why there is none (computed live)."""
    from peerway.intake.services import next_shift_start
    from peerway.matching.service import peers_who_could_take_later, proposals_for_request, with_their_other_profiles

    declined = with_their_other_profiles(
        Offer.objects.filter(request=request, status=OfferStatus.DECLINED).values_list("peer_id", flat=True)
    )
    proposals, unmatched = proposals_for_request(request, exclude_peer_ids=declined, top=CHOICES_SHOWN)
    if proposals:
        return tuple(_peer_card(p.peer, p.match.explanation.as_dict()) for p in proposals), None
    note = dict(unmatched.reason.as_dict()) if unmatched else {"code": "no_peers"}
    next_shift = next_shift_start(peer_ids=peers_who_could_take_later(request, exclude_peer_ids=declined))
    note["next_shift_at"] = next_shift.isoformat() if next_shift else None
    return (), _nobody_free(note, request)


def request_peer_id_now(request: HelpRequest) -> int | None:
    """The peer profile that has the person of an accepted or connected ``request`` now: the peer of the open
    engagement begun from it (a supervisor may have handed it to another peer since), else the peer who accepted.
    """
    engagement_peer_id: int | None = (
        Engagement.objects.filter(
            help_request_id=request.pk, status__in=[EngagementStatus.ACTIVE, EngagementStatus.CHECKUP]
        )
        .values_list("peer_id", flat=True)
        .first()
    )
    return engagement_peer_id if engagement_peer_id is not None else request.accepted_by_id


def _peer_with_the_person(request: HelpRequest) -> PeerCard:
    """The card of the peer who has the person of an accepted request now: after a hand-off, the peer the
    engagement was handed to, with what the two share worked out afresh (that peer may never have been offered the
    request)."""
    from peerway.matching.explain import explain_pair
    from peerway.matching.service import peer_spec, request_spec

    peer_id = request_peer_id_now(request)
    peer = PeerProfile.objects.select_related("organization").get(pk=peer_id)
    offer = Offer.objects.filter(request=request, peer_id=peer_id).first()
    if offer is not None and offer.explanation:
        return _peer_card(peer, offer.explanation)
    spec = request_spec(request)
    explanation = explain_pair(spec, peer_spec(peer, request=spec, request_county_id=request.county_id))
    return _peer_card(peer, explanation.as_dict())


def request_status_page(*, request: HelpRequest) -> StatusPage:
    """What the person's private status page shows for ``request``, in the active language."""
    live_offer = (
        Offer.objects.select_related("peer__organization")
        .filter(request=request, status=OfferStatus.OFFERED)
        .order_by("-offered_at")
        .first()
    )
    peer = None
    waiting_for_chosen_peer = False
    if request.status in (RequestStatus.ACCEPTED, RequestStatus.CONNECTED) and request.accepted_by_id:
        peer = _peer_with_the_person(request)
    elif (
        request.wants_to_choose
        and request.chosen_for_them_at is None
        and request.status == RequestStatus.OFFERED
        and live_offer is not None
    ):
        peer = _peer_card(live_offer.peer, live_offer.explanation)
        waiting_for_chosen_peer = True

    choices: tuple[PeerCard, ...] = ()
    nobody_free = None
    is_open = request.status in OPEN_STATUSES
    wait = typical_wait() if is_open else TypicalWait(minutes=None, enough_asked=False)
    if is_open and request.wants_to_choose and not waiting_for_chosen_peer:
        choices, nobody_free = _choices(request)
    elif is_open and request.routing_note.get("code"):
        nobody_free = _nobody_free(request.routing_note, request)

    return StatusPage(
        status=request.status,
        contact_method=request.contact_method,
        wants_to_choose=request.wants_to_choose,
        chosen_for_them=request.wants_to_choose and request.chosen_for_them_at is not None,
        peer=peer,
        waiting_for_chosen_peer=waiting_for_chosen_peer,
        choices=choices,
        nobody_free=nobody_free,
        wait_minutes=wait.minutes,
        wait_enough_asked=wait.enough_asked,
        # Before anyone accepts, "a different peer" only means something to a person who chose one.
        can_rematch=request.status == RequestStatus.ACCEPTED or waiting_for_chosen_peer,
        can_withdraw=request.status not in (RequestStatus.CLOSED, RequestStatus.WITHDRAWN),
        link_days_left=max(1, math.ceil((request.status_token_expires_at - timezone.now()) / dt.timedelta(days=1))),
    )


def engagement_begun_by(offer: Offer) -> Engagement | None:
    """The engagement still going that ``offer``'s peer began by accepting it, if they did: a second tap on Accept
    finds the offer taken, by them."""
    return (
        Engagement.objects.select_related("participant")
        .filter(help_request_id=offer.request_id, peer_id=offer.peer_id, status=EngagementStatus.ACTIVE)
        .first()
    )
