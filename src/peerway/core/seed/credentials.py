"""Seed stage "credentials": peers' credentials (active, expiring soon, lapsed), applications in every state of
the workflow with their audit rows and entries, renewals due, continuing education and supervision sessions.

Runs after "requests". The credential types come from certification/fixtures (loaded after migrate); the
demo certification board organization becomes the Minnesota board's administrator organization, so its
board_admin demo account reviews the seeded applications. Everything is invented and deterministic.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from peerway.accounts.roles import Role
from peerway.certification.models import (
    NUMBER_ALPHABET,
    Application,
    ApplicationKind,
    ApplicationStatus,
    ApplicationTransition,
    Board,
    Credential,
    CredentialStatus,
    CredentialType,
    TrainingEntry,
)
from peerway.core.seed.context import PeerSeed, SeedContext, SeedError
from peerway.organizations.models import OrganizationKind
from peerway.workforce.models import ContinuingEducation, SupervisionFormat, SupervisionSession

S = ApplicationStatus
# The path through the workflow to each status (each step is one audit row).
PATHS: dict[str, tuple[str, ...]] = {
    S.DRAFT: (),
    S.SUBMITTED: (S.SUBMITTED,),
    S.UNDER_REVIEW: (S.SUBMITTED, S.UNDER_REVIEW),
    S.MORE_INFO_NEEDED: (S.SUBMITTED, S.UNDER_REVIEW, S.MORE_INFO_NEEDED),
    S.APPROVED: (S.SUBMITTED, S.UNDER_REVIEW, S.APPROVED),
    S.DENIED: (S.SUBMITTED, S.UNDER_REVIEW, S.DENIED),
}
CE_TOPICS = (
    ("Ethics in peer support", True),
    ("Boundaries and dual relationships", True),
    ("Motivational interviewing", False),
    ("Naloxone and overdose response", False),
    ("Trauma-informed practice", False),
    ("Cultural humility", False),
    ("Medications for opioid use disorder", False),
)
CE_PROVIDERS = ("Northstar Recovery Training", "Lakes Region Peer Academy", "Prairie Skills Institute")
SUPERVISION_TOPICS = ("ethics_boundaries", "self_care", "crisis_response", "documentation", "recovery_planning")


def _number(ctx: SeedContext) -> str:
    return "".join(ctx.rng.choice(NUMBER_ALPHABET) for _ in range(8))


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, 28))


def credentials_seed(ctx: SeedContext) -> None:
    today = ctx.today
    cprs = CredentialType.objects.filter(board__slug="mn-mcb", code="CPRS").order_by("-version").first()
    cprsr = CredentialType.objects.filter(board__slug="mn-mcb", code="CPRSR").order_by("-version").first()
    if cprs is None or cprsr is None:
        raise SeedError("The certification fixtures are not loaded (run migrate first).")
    board_org = next(
        (s.organization for s in ctx.organizations if s.organization.kind == OrganizationKind.CERTIFICATION_BOARD), None
    )
    if board_org is not None:
        Board.objects.filter(slug="mn-mcb", organization__isnull=True).update(organization=board_org)
    # The certification fixtures are loaded after migrate (and after flush) stamped with the clock; stamp them
    # with the anchor instead so that two seeded databases are identical (tests/core/test_seed.py).
    Board.objects.update(created_at=ctx.anchor, updated_at=ctx.anchor)
    CredentialType.objects.update(created_at=ctx.anchor, updated_at=ctx.anchor)
    reviewers = [m for m in ctx.staff if m.role == Role.BOARD_ADMIN] or [
        m for m in ctx.staff if m.role == Role.SUPERVISOR
    ]
    supervisors: dict[int, list[int]] = {}
    for member in ctx.staff:
        if member.role == Role.SUPERVISOR:
            supervisors.setdefault(member.organization_id, []).append(member.user_id)

    peers = [p for p in ctx.peers if p.role == Role.PEER] or list(ctx.peers)
    credentials: list[Credential] = []
    kinds: dict[int, str] = {}  # user id -> "active" / "expiring" / "lapsed" / "none"
    for peer in peers:
        draw = ctx.rng.random()
        if peer.demo_username:
            kind = "expiring"  # the demo peer has a renewal due, so the renewal page has something to show
        elif draw < 0.55:
            kind = "active"
        elif draw < 0.70:
            kind = "expiring"
        elif draw < 0.85:
            kind = "lapsed"
        else:
            kind = "none"
        kinds[peer.user_id] = kind
        if kind == "none":
            continue
        if kind == "active":
            expires = today + dt.timedelta(days=ctx.rng.randint(91, 700))
        elif kind == "expiring":
            expires = today + dt.timedelta(days=ctx.rng.randint(5, 90))
        else:
            expires = today - dt.timedelta(days=ctx.rng.randint(1, 400))
        issued = _add_months(expires, -24)
        created = ctx.moment_days_ago(max(0, (today - issued).days))
        credentials.append(
            Credential(
                public_id=ctx.public_id(),
                holder_id=peer.user_id,
                credential_type=cprs,
                number=_number(ctx),
                status=CredentialStatus.EXPIRED if kind == "lapsed" else CredentialStatus.ACTIVE,
                issued_on=issued,
                expires_on=expires,
                created_at=created,
                updated_at=created,
            )
        )
    ctx.insert(Credential, credentials)
    by_holder = {c.holder_id: c for c in credentials}

    # Continuing education for credential holders: some enough for renewal, some short of it.
    entries: list[ContinuingEducation] = []
    for credential in credentials:
        for _ in range(ctx.rng.randint(1, 6)):
            topic, ethics = ctx.rng.choice(CE_TOPICS)
            completed = credential.issued_on + dt.timedelta(
                days=ctx.rng.randint(0, max(0, min((today - credential.issued_on).days, 729)))
            )
            created = ctx.moment_days_ago(max(0, (today - completed).days))
            entries.append(
                ContinuingEducation(
                    public_id=ctx.public_id(),
                    peer_id=credential.holder_id,
                    provider=ctx.rng.choice(CE_PROVIDERS),
                    topic=topic,
                    ethics=ethics,
                    completed_on=completed,
                    hours=Decimal(ctx.rng.choice((2, 3, 4, 6))),
                    created_at=created,
                    updated_at=created,
                )
            )
    ctx.insert(ContinuingEducation, entries)

    # Applications: renewals for credentials expiring soon, initial CPRS applications for peers without a
    # credential, and CPRSR applications from active holders, cycling through every status.
    statuses = list(PATHS)
    planned: list[tuple[PeerSeed, CredentialType, str, Credential | None]] = []
    for peer in peers:
        kind = kinds[peer.user_id]
        if kind == "expiring" and not peer.demo_username and ctx.rng.random() < 0.5:
            planned.append((peer, cprs, ApplicationKind.RENEWAL, by_holder[peer.user_id]))
        elif kind == "none":
            planned.append((peer, cprs, ApplicationKind.INITIAL, None))
        elif kind == "active" and ctx.rng.random() < 0.3:
            planned.append((peer, cprsr, ApplicationKind.INITIAL, None))
    planned = planned[: ctx.scale.credential_applications]
    applications: list[Application] = []
    paths: list[tuple[str, ...]] = []
    for position, (peer, credential_type, kind, held) in enumerate(planned):
        status = statuses[position % len(statuses)]
        path = PATHS[status]
        created = ctx.moment_days_ago(ctx.rng.randint(len(path) * 3 + 1, 120))
        submitted = created + dt.timedelta(days=1) if path else None
        decided = created + dt.timedelta(days=len(path) * 3) if status in (S.APPROVED, S.DENIED) else None
        reviewer = ctx.rng.choice(reviewers).user_id if len(path) > 1 and reviewers else None
        applications.append(
            Application(
                public_id=ctx.public_id(),
                applicant_id=peer.user_id,
                credential_type=credential_type,
                kind=kind,
                status=status,
                held_credential=held,
                jurisdiction_share_percent=100,
                submitted_at=submitted,
                decided_at=decided,
                reviewer_id=reviewer,
                info_request="Please add the certificate for your ethics training."
                if status == S.MORE_INFO_NEEDED
                else "",
                decision_reason="Training hours are short of the requirement." if status == S.DENIED else "",
                created_at=created,
                updated_at=decided or created,
            )
        )
        paths.append(path)
    ctx.insert(Application, applications)

    transitions: list[ApplicationTransition] = []
    training: list[TrainingEntry] = []
    issued: list[Credential] = []
    for application, path in zip(applications, paths, strict=True):
        source = S.DRAFT
        for step, target in enumerate(path):
            actor = (
                application.applicant_id
                if target == S.SUBMITTED
                else (application.reviewer_id or application.applicant_id)
            )
            transitions.append(
                ApplicationTransition(
                    application=application,
                    actor_id=actor,
                    at=application.created_at + dt.timedelta(days=1 + 3 * step),
                    source=source,
                    target=target,
                    reason=application.decision_reason or application.info_request
                    if target in (S.DENIED, S.MORE_INFO_NEEDED)
                    else "",
                )
            )
            source = target
        spec = application.credential_type.spec
        full = bool(path) and application.status != S.DENIED
        for domain in spec.training_domains:
            hours = (
                domain.hours if full else (domain.hours * Decimal(ctx.rng.choice((0.5, 0.75, 1)))).quantize(Decimal(1))
            )
            if hours <= 0:
                continue
            training.append(
                TrainingEntry(
                    application=application,
                    domain=domain.slug,
                    provider=ctx.rng.choice(CE_PROVIDERS),
                    completed_on=application.created_at.date() - dt.timedelta(days=ctx.rng.randint(10, 300)),
                    hours=hours,
                    created_at=application.created_at,
                    updated_at=application.created_at,
                )
            )
        if application.status == S.APPROVED and application.kind == ApplicationKind.INITIAL:
            assert application.decided_at is not None
            day = application.decided_at.date()
            issued.append(
                Credential(
                    public_id=ctx.public_id(),
                    holder_id=application.applicant_id,
                    credential_type=application.credential_type,
                    number=_number(ctx),
                    status=CredentialStatus.ACTIVE,
                    issued_on=day,
                    expires_on=_add_months(day, 24),
                    application=application,
                    created_at=application.decided_at,
                    updated_at=application.decided_at,
                )
            )
    ctx.insert(ApplicationTransition, transitions)
    ctx.insert(TrainingEntry, training)
    ctx.insert(Credential, issued)

    # Supervision: sessions over the last months with a supervisor of the peer's organization.
    sessions: list[SupervisionSession] = []
    for peer in peers:
        candidates = supervisors.get(peer.organization_id, [])
        if not candidates:
            continue
        for month in range(ctx.scale.supervision_months):
            for _ in range(ctx.rng.randint(0, 3)):
                day = today - dt.timedelta(days=30 * month + ctx.rng.randint(1, 29))
                created = ctx.moment_days_ago((today - day).days - 0.5)
                sessions.append(
                    SupervisionSession(
                        public_id=ctx.public_id(),
                        organization_id=peer.organization_id,
                        supervisor_id=ctx.rng.choice(candidates),
                        peer_id=peer.user_id,
                        held_on=day,
                        minutes=ctx.rng.choice((30, 45, 60, 90)),
                        format=ctx.rng.choice((SupervisionFormat.INDIVIDUAL, SupervisionFormat.GROUP)),
                        topics=sorted(ctx.rng.sample(SUPERVISION_TOPICS, ctx.rng.randint(1, 2))),
                        notes="",
                        created_at=created,
                        updated_at=created,
                    )
                )
    ctx.insert(SupervisionSession, sessions)
