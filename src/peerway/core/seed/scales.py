"""How much `peerway seed` generates at each scale: the one table every stage reads its sizes from.

A later stage (peer profiles, requests, engagements, credentials) adds its own fields here, with a value
for every scale, so that the size of a run is always read in one place.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """Sizes for one scale. Service organizations are counted by kind; the board, the accreditation body
    and the state agency always exist once each."""

    rcos: int
    programs_245g: int
    withdrawal_programs: int
    peers: int
    participants: int
    board_admins: int
    evaluators: int
    analysts: int
    platform_admins: int
    # First calls for help over the last 90 days, and how many of them are still open at --today (waiting
    # in live queues, or with no peer who can take them).
    help_requests: int
    open_help_requests: int
    # Certification applications (every workflow state in turn) and months of supervision sessions per peer.
    credential_applications: int = 18
    supervision_months: int = 3
    # One supervisor for about this many peers, as Minnesota programs staff supervision.
    peers_per_supervisor: int = 8
    # Community resources in the directory (referrals follow from the engagements that exist).
    resources: int = 300
    # Engagements and contacts (stage "engagements"): the share of participants with an engagement beyond
    # the first calls, the most contacts one engagement gets, and the peers who carry a heavy caseload
    # (one per organization, for the first organizations) with the share of its people they take.
    engagement_share: float = 0.6
    contacts_per_engagement_max: int = 8
    heavy_caseload_peers: int = 1
    heavy_caseload_share: float = 0.5
    # Engagements with a secure-message thread between the person and their peer (plans stage).
    message_threads: int = 8
    # Recovery capital check-ins, about quarterly: at most this many per engagement (five years' worth).
    checkins_per_engagement_max: int = 20


SCALES: dict[str, Scale] = {
    # What `make demo` shows: a dozen organizations, a few peers each, a few hundred participants.
    "small": Scale(
        rcos=5,
        programs_245g=4,
        withdrawal_programs=1,
        peers=40,
        participants=300,
        board_admins=2,
        evaluators=3,
        analysts=2,
        platform_admins=1,
        help_requests=150,
        # Two unmet, one escalated and the demo peer's two: nothing the worker can widen onto the demo
        # peer when `make demo` starts it, so their queue shows exactly those two offers.
        open_help_requests=5,
        engagement_share=0.6,
        contacts_per_engagement_max=8,
        heavy_caseload_peers=1,
        heavy_caseload_share=0.5,
        credential_applications=18,
        supervision_months=3,
    ),
    # A statewide deployment of today's size.
    "medium": Scale(
        rcos=25,
        programs_245g=60,
        withdrawal_programs=6,
        peers=1_000,
        participants=10_000,
        board_admins=4,
        evaluators=12,
        analysts=4,
        platform_admins=2,
        help_requests=5_000,
        open_help_requests=30,
        resources=1_500,
        engagement_share=0.5,
        contacts_per_engagement_max=6,
        heavy_caseload_peers=3,
        heavy_caseload_share=0.3,
        message_threads=200,
        credential_applications=300,
        supervision_months=6,
    ),
    # The load target: a state running Peerway for years across every program.
    "large": Scale(
        rcos=80,
        programs_245g=300,
        withdrawal_programs=20,
        peers=10_000,
        participants=100_000,
        board_admins=6,
        evaluators=40,
        analysts=8,
        platform_admins=3,
        help_requests=50_000,
        open_help_requests=120,
        resources=6_000,
        # About 250 people per organization: a heavy peer takes about 60 engagements.
        engagement_share=0.5,
        contacts_per_engagement_max=5,
        heavy_caseload_peers=10,
        heavy_caseload_share=0.31,
        message_threads=2_000,
        credential_applications=3_000,
        supervision_months=12,
    ),
}
