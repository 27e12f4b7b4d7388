"""Seed stage "engagements": five years of peer relationships and the contacts that make them up.

For a share of the participants of each service organization: one engagement, and for some two or three
over the years (the earlier ones closed); a mix of active, check-up and closed by age; some handed from one
peer to another by a supervisor or administrator. A few peers per scale carry a heavy caseload (about 60
engagements at --scale large) for the caseload benchmark. An engagement goes only to a peer whose profile
existed when it began, and is handed only to another such peer, by a lead who had joined by then.
Supervisors who carry a caseload (peers.py) are drawn less often than peers, so theirs stays small. Every
engagement has the written notice and its peers' attestations (254B.052); engagements opened by the
"requests" stage get theirs here too. Contacts come with their first version, some with a correction, and
those older than the billing lag locked as billed. No plans are seeded here, so contacts after the third
session are flagged, as the rule says for an engagement without a plan.
"""

from __future__ import annotations

import datetime as dt
import itertools
from bisect import bisect_right
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Subquery

from peerway.accounts.roles import Role
from peerway.core.seed.context import MINNESOTA, ParticipantSeed, PeerSeed, SeedContext
from peerway.matching.service import CASELOAD_STATUSES
from peerway.organizations.models import Organization
from peerway.recovery.models import (
    Contact,
    ContactKind,
    ContactModality,
    ContactVersion,
    Engagement,
    EngagementHandoff,
    EngagementStatus,
    PeerAttestation,
    Program,
)
from peerway.recovery.plan_rule import plan_compliance
from peerway.workforce.models import PeerProfile

CHUNK = 2_000
HISTORY_DAYS = 5 * 365
# People who came to an organization with a heavy-caseload peer in the first of the five years were met by that
# peer within two weeks, so the busiest caseloads carry five years of history (bench/caseload.py).
FIRST_MEETING_DAYS = 14
FIRST_YEAR_DAYS = HISTORY_DAYS - 365 + FIRST_MEETING_DAYS
# Contacts older than this are locked as billed.
BILLING_LAG_DAYS = 45
SECOND_ENGAGEMENT_SHARE = 0.25
THIRD_ENGAGEMENT_SHARE = 0.08
HANDOFF_SHARE = 0.1
# A supervisor who carries a caseload is drawn this much as often as a peer for an engagement.
SUPERVISOR_WEIGHT = 0.25
# Who hands an engagement to another peer (engagement_handoff's LEAD_ROLES).
HANDOFF_ROLES = frozenset({Role.SUPERVISOR, Role.ORG_ADMIN})
CORRECTION_SHARE = 0.08
ABSENT_SHARE = 0.1
STATEMENT = "I do not live with this person, and they do not employ me."
NOTES = (
    "Talked through the week and the next small step toward the plan goal.",
    "Went over housing options together; the person chose two to call.",
    "Practised what to say at the benefits appointment.",
    "Checked in after a hard weekend; made a plan for the evenings.",
    "Went with the person to the clinic intake.",
    "Looked for a meeting close to the new job.",
)
PLACES = ("", "", "Drop-in center", "Library", "Coffee shop", "Clinic lobby")
HANDOFF_REASONS = ("The peer moved to another team.", "The person asked for a peer who speaks their language.")
MODALITY_WEIGHTS = (
    (ContactModality.PHONE, 5),
    (ContactModality.IN_PERSON, 4),
    (ContactModality.TEXT, 2),
    (ContactModality.VIDEO, 1),
)
KIND_WEIGHTS = (
    (ContactKind.RECOVERY_SUPPORT, 8),
    (ContactKind.RESOURCE_NAVIGATION, 4),
    (ContactKind.ADVOCACY, 2),
    (ContactKind.ACCOMPANIMENT, 2),
    (ContactKind.CRISIS_SUPPORT, 1),
    (ContactKind.GROUP, 1),
)
PROGRAM_BY_KIND = {"rco": Program.RCO, "sud_245g": Program.SUD_245G, "withdrawal_mgmt": Program.WITHDRAWAL_MANAGEMENT}


@dataclass
class PlannedEngagement:
    engagement: Engagement
    peers: list[PeerSeed]  # every peer who held it, first to last
    handoff_at: dt.datetime | None
    handed_off_by_id: int | None = None


class Staffing:
    """The peers and leads of one organization in the order they arrived, to draw one who was there at a moment.

    Each draw is a bisection, not a scan, so the large scale's organizations of a hundred peers cost no more
    per engagement than the small ones. A supervisor who carries a caseload is never given more active
    engagements than their caseload limit (counted as matching counts it, ``CASELOAD_STATUSES``); regular peers
    are not capped, since the heavy caseloads the caseload benchmark measures run past any limit.
    """

    def __init__(
        self, peers: Sequence[PeerSeed], leads: Sequence[tuple[dt.datetime, int]], active_counts: Mapping[int, int]
    ) -> None:
        self.peers = sorted(peers, key=lambda peer: (peer.created_at, peer.profile_id))
        self.peer_since = [peer.created_at for peer in self.peers]
        weights = (SUPERVISOR_WEIGHT if peer.role == Role.SUPERVISOR else 1.0 for peer in self.peers)
        self.cumulative = list(itertools.accumulate(weights))
        self.leads = sorted(leads)
        self.lead_since = [joined for joined, _ in self.leads]
        self.supervisor_active = {
            peer.profile_id: active_counts.get(peer.profile_id, 0)
            for peer in self.peers
            if peer.role == Role.SUPERVISOR
        }
        self.full = {
            peer.profile_id
            for peer in self.peers
            if peer.role == Role.SUPERVISOR and self.supervisor_active[peer.profile_id] >= peer.caseload_limit
        }

    @property
    def first_peer_at(self) -> dt.datetime:
        return self.peer_since[0]

    def peer_at(self, ctx: SeedContext, at: dt.datetime, *, excluding: Collection[int] = ()) -> PeerSeed | None:
        """A peer whose profile existed at ``at`` (supervisors weighted less) and whose profile id is not in
        ``excluding``; None when there is nobody else."""
        present = bisect_right(self.peer_since, at)
        # Stops at the first peer not excluded, the first of all when nobody is.
        if not any(self.peers[index].profile_id not in excluding for index in range(present)):
            return None
        while True:
            index = bisect_right(self.cumulative, ctx.rng.random() * self.cumulative[present - 1], 0, present)
            if self.peers[index].profile_id not in excluding:
                return self.peers[index]

    def lead_at(self, ctx: SeedContext, at: dt.datetime) -> int | None:
        """The user id of a supervisor or administrator who had joined by ``at``, or None."""
        present = bisect_right(self.lead_since, at)
        return self.leads[ctx.rng.randrange(present)][1] if present else None

    def engage(self, peer: PeerSeed) -> None:
        """One more active engagement for ``peer``."""
        if peer.profile_id in self.supervisor_active:
            self.supervisor_active[peer.profile_id] += 1
            if self.supervisor_active[peer.profile_id] >= peer.caseload_limit:
                self.full.add(peer.profile_id)


def engagements_seed(ctx: SeedContext) -> None:
    _complete_intake_engagements(ctx)
    peers_by_org: dict[int, list[PeerSeed]] = {}
    for peer in ctx.peers:
        peers_by_org.setdefault(peer.organization_id, []).append(peer)
    leads_by_org: dict[int, list[tuple[dt.datetime, int]]] = {}
    for member in ctx.staff:
        if member.role in HANDOFF_ROLES:
            leads_by_org.setdefault(member.organization_id, []).append((member.joined, member.user_id))
    active_counts = dict(
        Engagement.objects.filter(status__in=CASELOAD_STATUSES)
        .values_list("peer_id")
        .annotate(n=Count("pk"))
        .values_list("peer_id", "n")
        .order_by()
    )
    staffing = {
        org_id: Staffing(peers, leads_by_org.get(org_id, []), active_counts) for org_id, peers in peers_by_org.items()
    }
    kinds = dict(Organization.objects.values_list("pk", "kind"))
    already = set(Engagement.objects.values_list("participant_id", flat=True))
    heavy = _heavy_peers(ctx, peers_by_org)
    planned: list[PlannedEngagement] = []
    candidates = [p for p in ctx.participants if p.organization_id in peers_by_org and p.participant_id not in already]
    first_year_ended = ctx.moment_days_ago(FIRST_YEAR_DAYS)
    for person in candidates:
        early = person.organization_id in heavy and person.created_at <= first_year_ended
        if ctx.rng.random() >= ctx.scale.engagement_share and not early:
            continue
        planned.extend(_person_engagements(ctx, person, staffing[person.organization_id], kinds, heavy))
        if len(planned) >= CHUNK:
            _insert(ctx, planned)
            planned = []
    _insert(ctx, planned)


def _heavy_peers(ctx: SeedContext, peers_by_org: dict[int, list[PeerSeed]]) -> dict[int, PeerSeed]:
    """Organization -> the peer there who takes most of its people, for the first few organizations."""
    chosen: dict[int, PeerSeed] = {}
    for org_id in sorted(peers_by_org)[: ctx.scale.heavy_caseload_peers]:
        chosen[org_id] = peers_by_org[org_id][0]
    return chosen


def _person_engagements(
    ctx: SeedContext,
    person: ParticipantSeed,
    staffing: Staffing,
    kinds: dict[int, str],
    heavy: dict[int, PeerSeed],
) -> list[PlannedEngagement]:
    # Nobody is met before the organization's first peer arrived (founding staff, people.py, usually before
    # the five years begin).
    earliest = max(person.created_at, ctx.moment_days_ago(HISTORY_DAYS), staffing.first_peer_at)
    if earliest >= ctx.moment_days_ago(1):
        return []
    count = 1 + (ctx.rng.random() < SECOND_ENGAGEMENT_SHARE) + (ctx.rng.random() < THIRD_ENGAGEMENT_SHARE)
    starts = sorted(ctx.moment_between(earliest, ctx.moment_days_ago(1)) for _ in range(count))
    program = PROGRAM_BY_KIND.get(kinds[person.organization_id], Program.RCO)
    heavy_peer = heavy.get(person.organization_id)
    early = heavy_peer is not None and person.created_at <= ctx.moment_days_ago(FIRST_YEAR_DAYS)
    if early:
        starts[0] = min(starts[0], earliest + dt.timedelta(seconds=ctx.rng.randrange(FIRST_MEETING_DAYS * 86_400)))
    result = []
    for index, started_at in enumerate(starts):
        latest = index == len(starts) - 1
        age_days = (ctx.anchor - started_at).days
        status, ended_at, checkup_since = _status(
            ctx, started_at, age_days, latest, starts[index + 1] if not latest else None
        )
        full = staffing.full if status in CASELOAD_STATUSES else set()
        drawn: PeerSeed | None
        if (
            heavy_peer is not None
            and heavy_peer.created_at <= started_at
            and (ctx.rng.random() < ctx.scale.heavy_caseload_share or (early and index == 0))
        ):
            drawn = heavy_peer
        else:
            drawn = staffing.peer_at(ctx, started_at, excluding=full) or staffing.peer_at(ctx, started_at)
        # Someone was there: ``earliest`` is no earlier than the first profile.
        assert drawn is not None
        peer = drawn
        handoff_at: dt.datetime | None = None
        handed_off_by_id: int | None = None
        holders = [peer]
        if len(staffing.peers) > 1 and ctx.rng.random() < HANDOFF_SHARE:
            at = ctx.moment_between(started_at, ended_at or ctx.anchor)
            # The new peer was there since the engagement began, so the whole record (check-ups are recorded
            # by the engagement's current peer, checkups.py) lies within their time at the organization.
            other = staffing.peer_at(ctx, started_at, excluding={peer.profile_id, *full})
            lead = staffing.lead_at(ctx, at)
            # No hand-off when nobody else, or no lead to make it, had arrived by then.
            if other is not None and lead is not None:
                handoff_at, handed_off_by_id = at, lead
                holders.append(other)
        if status in CASELOAD_STATUSES:
            staffing.engage(holders[-1])
        engagement = Engagement(
            public_id=ctx.public_id(),
            participant_id=person.participant_id,
            organization_id=person.organization_id,
            peer_id=holders[-1].profile_id,
            program=program,
            status=status,
            started_at=started_at,
            ended_at=ended_at,
            checkup_since=checkup_since,
            voluntary_notice_at=started_at,
            voluntary_notice_by_id=peer.user_id,
            created_at=started_at,
            updated_at=ended_at or checkup_since or handoff_at or started_at,
        )
        result.append(
            PlannedEngagement(
                engagement=engagement, peers=holders, handoff_at=handoff_at, handed_off_by_id=handed_off_by_id
            )
        )
    return result


def _status(
    ctx: SeedContext, started_at: dt.datetime, age_days: int, latest: bool, next_start: dt.datetime | None
) -> tuple[str, dt.datetime | None, dt.datetime | None]:
    """Earlier engagements closed before the next began; the latest one's status follows its age."""
    if not latest:
        assert next_start is not None
        return EngagementStatus.CLOSED, ctx.moment_between(started_at, next_start), None
    draw = ctx.rng.random()
    if age_days < 90 or (age_days < 365 and draw < 0.5) or draw < 0.1:
        return EngagementStatus.ACTIVE, None, None
    checkup_since = ctx.moment_between(started_at + dt.timedelta(days=60), ctx.anchor - dt.timedelta(days=1))
    if draw < 0.45:
        return EngagementStatus.CHECKUP, None, checkup_since
    return EngagementStatus.CLOSED, ctx.moment_between(checkup_since, ctx.anchor - dt.timedelta(hours=1)), checkup_since


def latest_engagement_status(
    ctx: SeedContext, started_at: dt.datetime
) -> tuple[str, dt.datetime | None, dt.datetime | None]:
    """Status, end and start of the check-up phase of a person's latest engagement, begun at ``started_at``: by its
    age, as for the engagements drawn here (a re-link's engagement, relinks.py, moves on the same way)."""
    return _status(ctx, started_at, (ctx.anchor - started_at).days, True, None)


def _insert(ctx: SeedContext, planned: list[PlannedEngagement]) -> None:
    if not planned:
        return
    engagements = ctx.insert(Engagement, [p.engagement for p in planned])
    attestations: list[PeerAttestation] = []
    handoffs: list[EngagementHandoff] = []
    for plan, engagement in zip(planned, engagements, strict=True):
        for holder in plan.peers:
            attested_at = engagement.started_at if holder is plan.peers[0] else plan.handoff_at
            attestations.append(
                PeerAttestation(
                    public_id=ctx.public_id(),
                    engagement_id=engagement.pk,
                    peer_id=holder.profile_id,
                    attested_at=attested_at,
                    statement=STATEMENT,
                )
            )
        if plan.handoff_at is not None:
            handoffs.append(
                EngagementHandoff(
                    public_id=ctx.public_id(),
                    engagement_id=engagement.pk,
                    from_peer_id=plan.peers[0].profile_id,
                    to_peer_id=plan.peers[1].profile_id,
                    reason=ctx.rng.choice(HANDOFF_REASONS),
                    handed_off_by_id=plan.handed_off_by_id,
                    handed_off_at=plan.handoff_at,
                )
            )
    ctx.insert(PeerAttestation, attestations)
    ctx.insert(EngagementHandoff, handoffs)
    _contacts_insert(ctx, planned, engagements)


def _contacts_insert(ctx: SeedContext, planned: list[PlannedEngagement], engagements: list[Engagement]) -> None:
    contacts: list[Contact] = []
    contents: list[list[dict]] = []
    for plan, engagement in zip(planned, engagements, strict=True):
        end = min(engagement.ended_at or engagement.checkup_since or ctx.anchor, ctx.anchor - dt.timedelta(hours=3))
        count = ctx.rng.randint(0, ctx.scale.contacts_per_engagement_max)
        moments = sorted(ctx.moment_between(engagement.started_at, end) for _ in range(count))
        sessions = 0
        for moment in moments:
            moment = moment.replace(minute=moment.minute - moment.minute % 5, second=0)
            peer = plan.peers[-1] if plan.handoff_at and moment >= plan.handoff_at else plan.peers[0]
            present = ctx.rng.random() >= ABSENT_SHARE
            compliance = plan_compliance(sessions_done=sessions, plan_complete=False)
            locked = (ctx.anchor - moment).days > BILLING_LAG_DAYS
            contacts.append(
                Contact(
                    public_id=ctx.public_id(),
                    engagement_id=engagement.pk,
                    peer_id=peer.profile_id,
                    recorded_by_id=peer.user_id,
                    occurred_at=moment,
                    sessions_before=sessions,
                    plan_missing=not compliance.compliant,
                    locked_at=moment + dt.timedelta(days=BILLING_LAG_DAYS) if locked else None,
                    created_at=moment + dt.timedelta(hours=1),
                    updated_at=moment + dt.timedelta(hours=1),
                )
            )
            sessions += present
            content = {
                "occurred_on": moment.astimezone(MINNESOTA).date(),
                "started_at": moment.astimezone(MINNESOTA).time(),
                "duration_minutes": ctx.rng.choice((15, 20, 30, 30, 45, 60, 90)),
                "modality": _weighted(ctx, MODALITY_WEIGHTS),
                "kind": _weighted(ctx, KIND_WEIGHTS),
                "note": ctx.rng.choice(NOTES),
                "place": ctx.rng.choice(PLACES),
                "person_present": present,
                "created_by_id": peer.user_id,
                "created_at": moment + dt.timedelta(hours=1),
            }
            versions = [content]
            if ctx.rng.random() < CORRECTION_SHARE:
                versions.append(
                    {
                        **content,
                        "duration_minutes": content["duration_minutes"] + 15,
                        "reason": "The session ran longer than first entered.",
                        # Corrected within three months, never after --today.
                        "created_at": max(
                            min(
                                moment + dt.timedelta(days=ctx.rng.randint(1, 90)), ctx.anchor - dt.timedelta(minutes=1)
                            ),
                            moment + dt.timedelta(hours=1, minutes=1),
                        ),
                    }
                )
            contents.append(versions)
    created = ctx.insert(Contact, contacts)
    versions: list[ContactVersion] = []
    for contact, contact_versions in zip(created, contents, strict=True):
        for number, content in enumerate(contact_versions, start=1):
            versions.append(ContactVersion(contact_id=contact.pk, number=number, **content))
    written = ctx.insert(ContactVersion, versions)
    by_contact: dict[int, list[ContactVersion]] = {}
    for version in written:
        by_contact.setdefault(version.contact_id, []).append(version)
    for contact in created:
        own = by_contact[contact.pk]
        contact.current_version_id = own[-1].pk
        contact.locked_version_id = own[0].pk if contact.locked_at else None
    Contact.objects.bulk_update(created, ["current_version", "locked_version"], batch_size=1_000)


def _weighted(ctx: SeedContext, pairs: tuple[tuple[str, int], ...]) -> str:
    return str(ctx.rng.choices([value for value, _ in pairs], [weight for _, weight in pairs])[0])


def _complete_intake_engagements(ctx: SeedContext) -> None:
    """Engagements opened from first calls get the written notice and their peer's attestation."""
    peer_user = Subquery(PeerProfile.objects.filter(pk=OuterRef("peer_id")).values("user_id")[:1])
    Engagement.objects.filter(voluntary_notice_at__isnull=True).update(
        voluntary_notice_at=F("started_at"), voluntary_notice_by_id=peer_user
    )
    existing = list(Engagement.objects.order_by("pk").values_list("pk", "peer_id", "started_at"))
    ctx.insert(
        PeerAttestation,
        [
            PeerAttestation(
                public_id=ctx.public_id(),
                engagement_id=pk,
                peer_id=peer_id,
                attested_at=started_at,
                statement=STATEMENT,
            )
            for pk, peer_id, started_at in existing
        ],
    )
