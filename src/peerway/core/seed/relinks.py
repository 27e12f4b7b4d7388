"""The priority requests that re-link people from their check-ups (checkups.py), and what became of them.

A check-up that found the person struggling or wanting to re-connect and re-linked them "by a request" gets the
request the live service writes at that moment (``checkup_record`` calls ``intake.services.request_relink``):
source "relink", priority, the engagement's peer as the preferred peer, entered by the peer who recorded the
check-up, and from the person's record only what matching and the first contact need (name, phone, email,
language, communities; by phone, text or video, no place). What followed is drawn as for any first call
(past_requests.py), under the rules ``request_route`` keeps for a re-link:

- it is offered only to peers of the person's own organization: the request carries a copy of their record;
- the previous peer alone first, when they can take the person then (in service, with room in their caseload,
  meeting by phone, text or video); otherwise the best three of the organization. After one escalation window
  without an accept, the next five best; after a second, the organization's supervisors are alerted;
- most are accepted, mostly by the previous peer, and the accept continues the person's existing record in a
  new engagement (``request_accept`` through ``_relinked_engagement``), which moves on like any engagement:
  its own check-ups (which may re-link again), plans, referrals and check-ins in the later stages. A few are
  withdrawn, and now and then the peer never reaches the person and it closes;
- the accept closes the engagement the re-link came from when it is still open then, as
  ``engagement_close_for_relink`` does: closed at the accept, its first-call request closed with it, its
  check-ups from that day on cancelled (those drawn as recorded later never happened, nor did its contacts
  after the accept; a hand-off drawn later is moved to the accept). So a person is never in two open
  engagements from a re-link chain, and a later check-up of the closed engagement re-links nobody;
- a person whose engagement was followed by another one at the organization (engagements.py closes each before
  the next begins) re-links within that time: the engagement a re-link begins closes before the next one
  begins too, reached by then or never (never, when it began in the last ``ACTIVE_FOR``: such engagements of
  first calls are all still active unless the peer never reached the person), and a re-link not accepted
  before it began was withdrawn;
- re-links made in the last days before --today are, about half of them, still open: routed over the peers as
  they are at --today (on shift, caseloads), as open_requests.py routes first calls, and widened and alerted as
  far as the worker would have by then; with nobody in the organization who can take them, they wait with the
  engine's reason. Never in the demo peer's live queue (open_requests.py keeps it to two offers).

Peers' availability in the past is not recorded: they count as on shift, as for past first calls; a caseload is
counted at the moment from the engagements that exist (the active ones, as matching counts them). An engagement
still active at --today goes only to a peer with room today as well, so no caseload runs past its limit.
A check-up makes no second re-link request while one from its engagement is still open (``checkup_record``); the
seed needs no rule for it, since its requests are settled within two days and an engagement's check-ups fall due
months apart. Like every stage, no change-history rows or access events are written for these rows.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from peerway.core.seed.askers import Asker, request_vocabulary_load
from peerway.core.seed.context import SeedContext, SeedError
from peerway.core.seed.engagements import HANDOFF_ROLES, STATEMENT, latest_engagement_status
from peerway.core.seed.open_requests import open_rounds
from peerway.core.seed.past_requests import (
    ACCEPT_MEDIAN_SECONDS,
    ACCEPT_SIGMA,
    ACTIVE_FOR,
    CONNECT_AT_MOST,
    CONNECT_MEDIAN_SECONDS,
    CONNECT_SIGMA,
    NEVER_REACHED_CLOSE_AFTER,
    NEVER_REACHED_SHARE,
    ROUTING_DELAY_SECONDS,
    UNROUTED_GIVE_UP,
    WITHDRAW_MEDIAN_SECONDS,
    WITHDRAW_SIGMA,
    WITHDRAWN_SHARE,
    duration_between,
    first_offer_moment,
    lognormal_seconds,
    offer_rounds_plan,
    responses_plan,
    winner_draw,
)
from peerway.core.seed.peers import DEMO_PEER_USERNAME
from peerway.core.seed.request_plans import (
    PlannedRequest,
    help_requests_insert,
    offers_insert,
    planned_engagement,
    status_token_hash_draw,
)
from peerway.core.seed.routing import Ranked, peer_spec
from peerway.intake.models import ContactMethod, HelpRequest, RequestSource, RequestStatus
from peerway.intake.services import OFFER_ROUND_SIZES, RELINK_MODALITIES, next_shift_start
from peerway.matching.constraints import is_feasible, soft_score
from peerway.matching.explain import explain_pair, explain_unmatched
from peerway.matching.specs import PeerSpec, RequestSpec
from peerway.matching.weights import load_weights
from peerway.recovery.models import (
    Checkup,
    CheckupStatus,
    Contact,
    ContactVersion,
    Engagement,
    EngagementHandoff,
    EngagementStatus,
    Participant,
    PeerAttestation,
)
from peerway.workforce.models import PeerStatus

# Re-links made this close to --today may still be open, this often.
OPEN_WITHIN = dt.timedelta(days=3)
OPEN_SHARE = 0.5
# request_submit keeps the modalities sorted and without repeats.
MODALITIES = tuple(sorted(set(RELINK_MODALITIES)))
# People are read from the database this many at a time (SQLite limits the parameters of one statement).
PEOPLE_CHUNK = 500


@dataclass(frozen=True)
class RelinkAsked:
    """A recorded check-up (not inserted yet) that re-links its person by a request, and its engagement's facts."""

    checkup: Checkup
    participant_id: int
    organization_id: int
    # The engagement's peer (a profile id): the request's preferred peer.
    peer_id: int
    # Who recorded the check-up, and so entered the request.
    recorder_id: int
    # Where the engagement stands as drawn, for the accept that closes it when it is still open then.
    ended_at: dt.datetime | None
    checkup_since: dt.datetime | None
    help_request_id: int | None
    # When the person's next engagement at the organization began, if one did: the engagements of the re-link
    # chain close before it, as engagements.py closes each engagement before the next.
    until: dt.datetime | None


@dataclass(frozen=True)
class RelinkBegun:
    """An engagement a re-link's accept began, inserted, with what its check-ups need."""

    engagement: Engagement
    # The user id of its peer, who records its check-ups.
    recorder_id: int
    until: dt.datetime | None


@dataclass(frozen=True)
class _Closing:
    """An engagement the accept of a re-link from one of its check-ups closed at ``at``."""

    engagement_id: int
    organization_id: int
    help_request_id: int | None
    # The re-link's check-up: those after it, from the accept's day on, are cancelled.
    sequence: int
    at: dt.datetime
    checkup_since: dt.datetime | None


@dataclass(frozen=True)
class _Person:
    """What request_relink copies from a participant's record."""

    organization_id: int
    first_name: str | None
    phone: str | None
    email: str | None
    language: str
    communities: tuple[str, ...]
    communities_own_words: str | None


@dataclass(frozen=True)
class _Outcome:
    """What followed an accept: the request's status and moments, and where the engagement it began stands."""

    status: str
    connected_at: dt.datetime | None
    closed_at: dt.datetime | None
    engagement_status: str
    engagement_ended_at: dt.datetime | None
    engagement_checkup_since: dt.datetime | None


class Caseloads:
    """How many active engagements each peer carried at any moment: the count matching holds to the limit.

    An engagement is active from its start until its check-up phase began or it closed (none of them is reopened
    by the seed). Kept as two sorted lists per peer, so a count is two bisections whatever the history's length.
    """

    def __init__(self, rows: Iterable[tuple[int, dt.datetime, dt.datetime | None]]) -> None:
        self.starts: dict[int, list[dt.datetime]] = {}
        self.ends: dict[int, list[dt.datetime]] = {}
        for peer_id, started_at, active_until in rows:
            self.starts.setdefault(peer_id, []).append(started_at)
            if active_until is not None:
                self.ends.setdefault(peer_id, []).append(active_until)
        for moments in (*self.starts.values(), *self.ends.values()):
            moments.sort()

    @classmethod
    def from_engagements(cls) -> Caseloads:
        rows = Engagement.objects.order_by("pk").values_list("peer_id", "started_at", "checkup_since", "ended_at")
        return cls(
            (peer_id, started_at, checkup_since or ended_at) for peer_id, started_at, checkup_since, ended_at in rows
        )

    def add(self, peer_id: int, started_at: dt.datetime, active_until: dt.datetime | None) -> None:
        insort(self.starts.setdefault(peer_id, []), started_at)
        if active_until is not None:
            insort(self.ends.setdefault(peer_id, []), active_until)

    def shorten(self, peer_id: int, active_until: dt.datetime | None, moment: dt.datetime) -> None:
        """An engagement active until ``active_until`` (None: still active) closed at ``moment``, before it."""
        ends = self.ends.setdefault(peer_id, [])
        if active_until is not None:
            del ends[bisect_left(ends, active_until)]
        insort(ends, moment)

    def at(self, peer_id: int, moment: dt.datetime) -> int:
        # Every engagement that stopped being active by ``moment`` had begun by then.
        return bisect_right(self.starts.get(peer_id, []), moment) - bisect_right(self.ends.get(peer_id, []), moment)


class RelinkPlanner:
    """Plans and inserts the re-link requests of recorded check-ups, oldest first, with what followed them."""

    def __init__(self, ctx: SeedContext) -> None:
        self.ctx = ctx
        self.vocabulary = request_vocabulary_load()
        self.language_slugs = {pk: slug for slug, pk in self.vocabulary.language_ids.items()}
        self.community_slugs = {pk: slug for slug, pk in self.vocabulary.community_ids.items()}
        self.homes = {seeded.organization.pk: seeded for seeded in ctx.organizations}
        self.kinds = {pk: str(seeded.organization.kind) for pk, seeded in self.homes.items()}
        self.index_of = {peer.profile_id: index for index, peer in enumerate(ctx.peers)}
        # The peers of each organization who may be offered anything (matching's peers in service).
        self.colleagues: dict[int, list[int]] = {}
        for index, peer in enumerate(ctx.peers):
            if peer.status == PeerStatus.ACTIVE:
                self.colleagues.setdefault(peer.organization_id, []).append(index)
        self.demo = next(
            (index for index, peer in enumerate(ctx.peers) if peer.demo_username == DEMO_PEER_USERNAME), None
        )
        self.caseloads = Caseloads.from_engagements()
        self.weights = load_weights()
        next_shift = next_shift_start(now=ctx.anchor)
        self.next_shift_at = next_shift.isoformat() if next_shift else None
        self.people: dict[int, _Person] = {}
        # Engagements a re-link's accept closed, and when: their later check-ups re-link nobody.
        self.closed_at: dict[int, dt.datetime] = {}
        # The supervisors and administrators of each organization, first to join first (for a moved hand-off).
        self.leads: dict[int, list[tuple[dt.datetime, int]]] = {}
        for member in ctx.staff:
            if member.role in HANDOFF_ROLES:
                self.leads.setdefault(member.organization_id, []).append((member.joined, member.user_id))
        for leads in self.leads.values():
            leads.sort()

    def run(self, asked: Sequence[RelinkAsked]) -> list[RelinkBegun]:
        """Insert the requests of ``asked`` with their check-ups, offers and alerts, and the engagements their
        accepts began (with their attestations), closing the engagements the accepted ones came from; returns
        the new engagements. A check-up of an engagement closed by then is cancelled instead, with no request."""
        ctx = self.ctx
        ordered = sorted(
            asked, key=lambda item: (item.checkup.recorded_at, item.checkup.engagement_id, item.checkup.sequence)
        )
        self._people_load({item.participant_id for item in ordered})
        planned: list[tuple[RelinkAsked, PlannedRequest]] = []
        closings: list[_Closing] = []
        for item in ordered:
            closed_at = self.closed_at.get(item.checkup.engagement_id)
            if closed_at is not None:
                checkup_cancel(item.checkup, closed_at)
                continue
            plan = self._plan(item)
            planned.append((item, plan))
            if plan.accepted_at is not None:
                closing = self._source_close(item, plan.accepted_at)
                if closing is not None:
                    closings.append(closing)
        plans = [plan for _, plan in planned]
        requests = help_requests_insert(ctx, plans, self.vocabulary)
        for (item, _), request in zip(planned, requests, strict=True):
            item.checkup.relink_request_id = request.pk
        ctx.insert(Checkup, [item.checkup for item in ordered])
        accepted = [
            (request, item, plan)
            for request, (item, plan) in zip(requests, planned, strict=True)
            if plan.accepted_by is not None
        ]
        engagements = []
        for request, _, plan in accepted:
            assert plan.participant_id is not None and plan.accepted_by is not None
            engagement = planned_engagement(ctx, request, plan.participant_id, plan, self.kinds)
            # The written notice and the peer's attestation (254B.052), given when the engagement began.
            engagement.voluntary_notice_at = engagement.started_at
            engagement.voluntary_notice_by_id = ctx.peers[plan.accepted_by].user_id
            engagements.append(engagement)
        created = ctx.insert(Engagement, engagements)
        ctx.insert(
            PeerAttestation,
            [
                PeerAttestation(
                    public_id=ctx.public_id(),
                    engagement_id=engagement.pk,
                    peer_id=engagement.peer_id,
                    attested_at=engagement.started_at,
                    statement=STATEMENT,
                )
                for engagement in created
            ],
        )
        offers_insert(ctx, requests, plans)
        for closing in closings:
            self._closing_write(closing)
        return [
            RelinkBegun(engagement=engagement, recorder_id=ctx.peers[plan.accepted_by].user_id, until=item.until)
            for engagement, (_, item, plan) in zip(created, accepted, strict=True)
            if plan.accepted_by is not None
        ]

    def _source_close(self, item: RelinkAsked, accepted_at: dt.datetime) -> _Closing | None:
        """The accept at ``accepted_at`` closes the re-link's engagement when it is still open then (request_accept
        and engagement_close_for_relink): recorded here, for the later check-ups and caseloads; written after."""
        if item.ended_at is not None and item.ended_at <= accepted_at:
            return None
        engagement_id = item.checkup.engagement_id
        self.closed_at[engagement_id] = accepted_at
        # It was active until its check-up phase began or it closed; now until the accept, at the latest.
        active_until = item.checkup_since or item.ended_at
        if active_until is None or active_until > accepted_at:
            self.caseloads.shorten(item.peer_id, active_until, accepted_at)
        in_checkup = item.checkup_since is not None and item.checkup_since <= accepted_at
        return _Closing(
            engagement_id=engagement_id,
            organization_id=item.organization_id,
            help_request_id=item.help_request_id,
            sequence=item.checkup.sequence,
            at=accepted_at,
            checkup_since=item.checkup_since if in_checkup else None,
        )

    def _closing_write(self, closing: _Closing) -> None:
        """Close the engagement as engagement_close_for_relink does, at the accept; what was drawn for it after
        the accept never happened: its check-ups from that day on are cancelled, its contacts after it removed,
        and a hand-off drawn after it is made at the accept instead."""
        at = closing.at
        Engagement.objects.filter(pk=closing.engagement_id).update(
            status=EngagementStatus.CLOSED, ended_at=at, checkup_since=closing.checkup_since, updated_at=at
        )
        if closing.help_request_id is not None:
            HelpRequest.objects.filter(pk=closing.help_request_id).update(status=RequestStatus.CLOSED, closed_at=at)
        day = at.astimezone(self.homes[closing.organization_id].organization.zone).date()
        Checkup.objects.filter(
            engagement_id=closing.engagement_id, sequence__gt=closing.sequence, due_on__gte=day
        ).update(**CANCELLED_FIELDS, cancelled_at=at, updated_at=at)
        later = list(
            Contact.objects.filter(engagement_id=closing.engagement_id, occurred_at__gt=at).values_list("pk", flat=True)
        )
        if later:
            # A contact and its versions refer to each other; the DELETEs send no signals, as bulk_create
            # sends none, so no change-history rows are written.
            Contact.objects.filter(pk__in=later).update(current_version=None, locked_version=None)
            ContactVersion.objects.filter(contact_id__in=later)._raw_delete(ContactVersion.objects.db)
            Contact.objects.filter(pk__in=later)._raw_delete(Contact.objects.db)
        for handoff in EngagementHandoff.objects.filter(engagement_id=closing.engagement_id, handed_off_at__gt=at):
            self._handoff_move(handoff, closing)

    def _handoff_move(self, handoff: EngagementHandoff, closing: _Closing) -> None:
        """Make a hand-off drawn after the engagement closed at the close instead (a closed engagement is not
        handed off), by its lead when they had joined by then, else by the organization's first lead who had."""
        at = closing.at
        leads = self.leads.get(closing.organization_id, [])
        if not any(user_id == handoff.handed_off_by_id and joined <= at for joined, user_id in leads):
            first = next((user_id for joined, user_id in leads if joined <= at), None)
            if first is None:
                # Nobody could have handed it off by then; the drawn hand-off stays as it was.
                return
            handoff.handed_off_by_id = first
        PeerAttestation.objects.filter(
            engagement_id=closing.engagement_id, peer_id=handoff.to_peer_id, attested_at=handoff.handed_off_at
        ).update(attested_at=at)
        handoff.handed_off_at = at
        EngagementHandoff.objects.filter(pk=handoff.pk).update(
            handed_off_at=at, handed_off_by_id=handoff.handed_off_by_id
        )

    def _people_load(self, participant_ids: set[int]) -> None:
        missing = sorted(participant_ids - self.people.keys())
        through = Participant.communities.through
        for start in range(0, len(missing), PEOPLE_CHUNK):
            chunk = missing[start : start + PEOPLE_CHUNK]
            communities: dict[int, list[str]] = {}
            for participant_id, community_id in (
                through.objects.filter(participant_id__in=chunk)
                .order_by("participant_id", "community_id")
                .values_list("participant_id", "community_id")
            ):
                communities.setdefault(participant_id, []).append(self.community_slugs[community_id])
            people = Participant.objects.filter(pk__in=chunk).order_by("pk")
            for person in people.only(
                "organization_id", "preferred_name", "phone", "email", "language_id", "communities_own_words"
            ):
                self.people[person.pk] = _Person(
                    organization_id=person.organization_id,
                    first_name=_stripped(person.preferred_name),
                    phone=_stripped(person.phone),
                    email=_stripped(person.email),
                    language=self.language_slugs[person.language_id] if person.language_id else "en",
                    communities=tuple(communities.get(person.pk, ())),
                    communities_own_words=_stripped(person.communities_own_words),
                )

    def _plan(self, item: RelinkAsked) -> PlannedRequest:
        ctx = self.ctx
        person = self.people[item.participant_id]
        if person.organization_id != item.organization_id:
            raise SeedError("A re-link request is made for a participant of the engagement's organization.")
        created_at = item.checkup.recorded_at
        assert created_at is not None
        asker = Asker(
            profile="",
            home=self.homes[item.organization_id],
            source=RequestSource.RELINK,
            entered_by_id=item.recorder_id,
            first_name=person.first_name,
            contact_method=(
                ContactMethod.CALL if person.phone else ContactMethod.EMAIL if person.email else ContactMethod.PAGE
            ),
            phone=person.phone,
            email=person.email,
            language=person.language,
            language_required=False,
            communities=person.communities,
            communities_own_words=person.communities_own_words,
            lived_experience=(),
            pathways=(),
            gender_preference="",
            modalities=MODALITIES,
            county=None,
            zip_code="",
            latitude=None,
            longitude=None,
            wants_to_choose=False,
        )
        plan = PlannedRequest(
            asker=asker,
            public_id=ctx.public_id(),
            created_at=created_at,
            status=RequestStatus.RECEIVED,
            status_token_hash=status_token_hash_draw(ctx),
            priority=True,
            preferred_peer=self.index_of[item.peer_id],
            participant_id=item.participant_id,
        )
        recent = created_at >= ctx.anchor - OPEN_WITHIN
        if recent and ctx.rng.random() < OPEN_SHARE and self._open(plan, item.organization_id):
            return plan
        self._settle(plan, item.organization_id, item.until)
        return plan

    def _settle(self, plan: PlannedRequest, organization_id: int, until: dt.datetime | None) -> None:
        """Route the request when it was made, then draw who accepted it (or that it was withdrawn) and after.
        ``until``: when the person's next engagement at the organization began, if one did."""
        ctx = self.ctx
        first_offer_at = first_offer_moment(ctx, plan.created_at)
        withdrawn = ctx.rng.random() < WITHDRAWN_SHARE
        median, sigma = (
            (WITHDRAW_MEDIAN_SECONDS, WITHDRAW_SIGMA) if withdrawn else (ACCEPT_MEDIAN_SECONDS, ACCEPT_SIGMA)
        )
        ends_at = min(first_offer_at + lognormal_seconds(ctx, median, sigma), ctx.anchor - dt.timedelta(minutes=1))
        # Not taken before the person's next engagement began: they withdrew it.
        withdrawn = withdrawn or (until is not None and ends_at >= until)
        outcome = None if withdrawn else self._outcome(ends_at, until)
        active_today = outcome is not None and outcome.engagement_status == EngagementStatus.ACTIVE
        preferred, others = self._route(
            plan,
            organization_id,
            at=first_offer_at,
            present=False,
            room_at=(ends_at, ctx.anchor) if active_today else (ends_at,),
        )
        if not preferred and not others:
            # Nobody in the organization could take them; the request waited, tried every minute, until withdrawn.
            plan.status = RequestStatus.WITHDRAWN
            plan.closed_at = min(ctx.anchor, plan.created_at + duration_between(ctx, *UNROUTED_GIVE_UP))
            return
        # The previous peer alone first, when they can take the person; else the organization's best three.
        first = len(preferred) or OFFER_ROUND_SIZES[0]
        offer_rounds_plan(ctx, plan, [*preferred, *others], first_offer_at, ends_at, first=first)
        if outcome is None:
            plan.status = RequestStatus.WITHDRAWN
            plan.closed_at = ends_at
            responses_plan(ctx, plan.offers, winner=None, ends_at=ends_at)
            return
        winner = winner_draw(ctx, plan.offers)
        responses_plan(ctx, plan.offers, winner=winner, ends_at=ends_at)
        plan.accepted_by = winner.peer
        plan.accepted_at = ends_at
        plan.status = outcome.status
        plan.connected_at = outcome.connected_at
        plan.closed_at = outcome.closed_at
        plan.engagement_status = outcome.engagement_status
        plan.engagement_ended_at = outcome.engagement_ended_at
        plan.engagement_checkup_since = outcome.engagement_checkup_since
        self.caseloads.add(
            ctx.peers[winner.peer].profile_id,
            ends_at,
            outcome.engagement_checkup_since or outcome.engagement_ended_at,
        )

    def _outcome(self, accepted_at: dt.datetime, until: dt.datetime | None) -> _Outcome:
        """Whether and when the peer reached the person after an accept at ``accepted_at``, and what followed;
        closed before ``until`` when the person's next engagement began then."""
        ctx = self.ctx
        reached = ctx.rng.random() >= NEVER_REACHED_SHARE
        connected_at = None
        if reached:
            delay = min(lognormal_seconds(ctx, CONNECT_MEDIAN_SECONDS, CONNECT_SIGMA), CONNECT_AT_MOST)
            connected_at = accepted_at + delay if accepted_at + delay <= ctx.anchor else None
        if until is not None:
            # An engagement of a first call begun in the last ACTIVE_FOR is still active unless the peer never
            # reached the person (past_requests.py): one that closed that soon was never reached.
            if connected_at is not None and (connected_at >= until or accepted_at >= ctx.anchor - ACTIVE_FOR):
                connected_at = None
            closed_at = ctx.moment_between(connected_at or accepted_at, until - dt.timedelta(seconds=1))
            return _Outcome(RequestStatus.CLOSED, connected_at, closed_at, EngagementStatus.CLOSED, closed_at, None)
        if connected_at is None:
            give_up_at = accepted_at + duration_between(ctx, *NEVER_REACHED_CLOSE_AFTER)
            if not reached and give_up_at <= ctx.anchor:
                return _Outcome(RequestStatus.CLOSED, None, give_up_at, EngagementStatus.CLOSED, give_up_at, None)
            return _Outcome(RequestStatus.ACCEPTED, None, None, EngagementStatus.ACTIVE, None, None)
        status, ended_at, checkup_since = latest_engagement_status(ctx, accepted_at)
        if status == EngagementStatus.CLOSED:
            return _Outcome(RequestStatus.CLOSED, connected_at, ended_at, status, ended_at, checkup_since)
        return _Outcome(RequestStatus.CONNECTED, connected_at, None, status, ended_at, checkup_since)

    def _open(self, plan: PlannedRequest, organization_id: int) -> bool:
        """Make ``plan`` a re-link still open at --today, routed over the peers as they are then; False (``plan``
        untouched) when that would put it in the demo peer's live queue."""
        ctx = self.ctx
        offered_at = min(plan.created_at + dt.timedelta(seconds=ctx.rng.randint(*ROUTING_DELAY_SECONDS)), ctx.anchor)
        preferred, others = self._route(plan, organization_id, at=offered_at, present=True)
        first_size, wider_size = OFFER_ROUND_SIZES
        if preferred:
            first_round, wider_round = preferred, others[:wider_size]
        else:
            first_round, wider_round = others[:first_size], others[first_size : first_size + wider_size]
        if self.demo is not None and any(item.peer == self.demo for item in (*first_round, *wider_round)):
            return False
        if not first_round:
            plan.routing_note = {**self._unmatched_reason(plan, organization_id), "next_shift_at": self.next_shift_at}
            return True
        alerted_at = open_rounds(ctx, plan, first_round, offered_at, lambda: wider_round)
        if alerted_at is not None:
            plan.alerts = [(organization_id, alerted_at, None)]
        return True

    def _route(
        self,
        plan: PlannedRequest,
        organization_id: int,
        *,
        at: dt.datetime,
        present: bool,
        room_at: Sequence[dt.datetime] = (),
    ) -> tuple[list[Ranked], list[Ranked]]:
        """The previous peer, when they can take the person at ``at`` (a list of one, or empty), and the best
        others of the organization the first two offer rounds can reach, best first (equal scores in peer-id
        order, as the engine). ``present``: as peers are at --today (on shift, caseloads), else as if on shift
        with their caseload at ``at``. Only peers with room in their caseload at each moment of ``room_at`` too:
        when the accept comes (request_accept refuses a full caseload), and today for an engagement active then."""
        spec = plan.asker.spec(str(plan.public_id))
        scored: list[tuple[float, str, int, PeerSpec]] = []
        for index, view in self._views(organization_id, at=at, present=present):
            peer = self.ctx.peers[index]
            if any(self.caseloads.at(peer.profile_id, moment) >= peer.caseload_limit for moment in room_at):
                continue
            if is_feasible(spec, view):
                scored.append((-soft_score(spec, view, self.weights), view.id, index, view))
        scored.sort(key=lambda row: (row[0], row[1]))
        preferred = [row for row in scored if row[2] == plan.preferred_peer]
        others = [row for row in scored if row[2] != plan.preferred_peer][: sum(OFFER_ROUND_SIZES)]
        return _ranked(spec, preferred), _ranked(spec, others)

    def _views(self, organization_id: int, *, at: dt.datetime, present: bool) -> list[tuple[int, PeerSpec]]:
        """The engine's view of each peer of the organization whose profile existed at ``at``."""
        views = []
        for index in self.colleagues.get(organization_id, ()):
            peer = self.ctx.peers[index]
            if peer.created_at > at:
                continue
            load = self.caseloads.at(peer.profile_id, self.ctx.anchor if present else at)
            views.append((index, peer_spec(peer, on_shift=peer.on_shift if present else True, active_caseload=load)))
        return views

    def _unmatched_reason(self, plan: PlannedRequest, organization_id: int) -> dict[str, Any]:
        """The engine's reason nobody of the organization can take the request now (request_route's note)."""
        spec = plan.asker.spec(str(plan.public_id))
        views = [view for _, view in self._views(organization_id, at=self.ctx.anchor, present=True)]
        return dict(explain_unmatched(spec, views).reason.as_dict())


def _ranked(spec: RequestSpec, rows: Sequence[tuple[float, str, int, PeerSpec]]) -> list[Ranked]:
    return [
        Ranked(peer=index, score=-negative, explanation=explain_pair(spec, view).as_dict())
        for negative, _, index, view in rows
    ]


# A check-up cancelled as a close cancels it: nothing recorded on it.
CANCELLED_FIELDS: dict[str, Any] = {
    "status": CheckupStatus.CANCELLED,
    "recorded_at": None,
    "recorded_by_id": None,
    "reached": None,
    "wellbeing": "",
    "recovery_capital": None,
    "next_steps": None,
    "relink_kind": "",
    "supervisors_alerted_at": None,
}


def checkup_cancel(checkup: Checkup, at: dt.datetime) -> None:
    """Make a drawn check-up (not inserted yet) one its engagement's close at ``at`` cancelled."""
    for name, value in CANCELLED_FIELDS.items():
        setattr(checkup, name, value)
    checkup.cancelled_at = checkup.updated_at = at


def _stripped(value: str | None) -> str | None:
    """As request_submit strips what it copies; empty is stored as null by the encrypted fields."""
    return (value or "").strip() or None
