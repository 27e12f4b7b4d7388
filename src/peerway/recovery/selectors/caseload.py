"""The peer's caseload and the supervisor's team page: one read each, with a query count that does not grow
with the number of engagements (the figures per engagement come from subqueries of one SELECT).

Each page view writes one ``listed`` AccessEvent per person shown, in the same transaction. The rules for
due and overdue live in peerway.recovery.caseload_rules (documented in docs/caseload.md).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from peerway.accounts.models import User
from peerway.accounts.roles import Role
from peerway.core.access import access_events_record, acting_role
from peerway.core.models import AccessAction
from peerway.organizations.models import Organization
from peerway.recovery.caseload_rules import (
    PlanState,
    Trend,
    Urgency,
    checkup_urgency,
    contact_urgency,
    plan_state,
    recovery_capital_trend,
    sort_key,
)
from peerway.recovery.models import (
    RECOVERY_CAPITAL_MAX,
    RECOVERY_CAPITAL_MIN,
    SUBJECT_PARTICIPANT,
    CheckIn,
    Checkup,
    CheckupStatus,
    Contact,
    Engagement,
    EngagementStatus,
    Instrument,
    Message,
    MessageSender,
)
from peerway.recovery.selectors.scope import record_organization_ids
from peerway.workforce.credentials import CredentialState, peer_credential_statuses

CASELOAD_STATUSES = (EngagementStatus.ACTIVE, EngagementStatus.CHECKUP)
TEAM_ROLES = frozenset({Role.SUPERVISOR})
# The filter choices of both pages ("due" includes overdue).
DUE_FILTERS = ("", "due", "overdue")
STATUS_FILTERS = ("", EngagementStatus.ACTIVE.value, EngagementStatus.CHECKUP.value)


@dataclass
class CaseloadRow:
    engagement: Engagement
    last_contact_at: dt.datetime | None
    days_since_contact: int
    contact: Urgency
    next_checkup_on: dt.date | None
    checkup: Urgency
    next_step: str
    plan: PlanState
    sessions: int
    trend: Trend
    unread: int

    @property
    def urgency(self) -> Urgency:
        return min(self.contact, self.checkup)

    @property
    def participant_name(self) -> str:
        return self.engagement.participant.preferred_name or ""


@dataclass
class TeamPeer:
    peer_name: str
    user_id: int
    rows: list[CaseloadRow] = field(default_factory=list)
    # Looked up only for the peers on the page shown.
    credential: CredentialState | None = None

    @property
    def people(self) -> int:
        """The distinct people among the peer's rows: a person can have two engagements (in two programs)."""
        return len({row.engagement.participant_id for row in self.rows})

    @property
    def overdue_contacts(self) -> int:
        return sum(1 for row in self.rows if row.contact is Urgency.OVERDUE)

    @property
    def overdue_checkups(self) -> int:
        return sum(1 for row in self.rows if row.checkup is Urgency.OVERDUE)

    @property
    def plan_problems(self) -> int:
        return sum(1 for row in self.rows if row.plan is not PlanState.OK)

    @property
    def no_active_credential(self) -> bool:
        return self.credential is not None and self.credential is not CredentialState.ACTIVE


def _count(queryset: QuerySet) -> Subquery:  # type: ignore[type-arg]
    return Subquery(
        queryset.order_by().values("engagement").annotate(n=Count("pk")).values("n"), output_field=IntegerField()
    )


def recovery_capital_instrument_ids() -> list[int]:
    """The global instruments scored on Peerway's recovery capital range (10-60), as its own check-in is: the
    answers the caseload's trend compares with each other, with the check-ups' scores and with 47.

    One query whatever the number of rows: the range is in each instrument's definition (its FHIR), not in a
    column, so it is read here rather than in the caseload's SELECT. Any instrument can be loaded for every
    organization (``peerway instrument import`` without ``--organization``), on a scale of its own.
    """
    instruments = Instrument.objects.filter(organization__isnull=True).only("pk", "fhir")
    return [
        instrument.pk
        for instrument in instruments
        if (instrument.definition.scoring.minimum, instrument.definition.scoring.maximum)
        == (RECOVERY_CAPITAL_MIN, RECOVERY_CAPITAL_MAX)
    ]


def caseload_queryset(engagements: QuerySet[Engagement]) -> QuerySet[Engagement]:
    """``engagements`` with everything a caseload row shows, as annotations of one SELECT (after the one query
    of ``recovery_capital_instrument_ids``)."""
    trend_instruments = recovery_capital_instrument_ids()
    contacts = Contact.objects.filter(engagement=OuterRef("pk"))
    scheduled = Checkup.objects.filter(engagement=OuterRef("pk"), status=CheckupStatus.SCHEDULED).order_by(
        "due_on", "sequence"
    )
    recorded = Checkup.objects.filter(engagement=OuterRef("pk"), status=CheckupStatus.RECORDED).order_by(
        "-recorded_at", "-pk"
    )
    # A check-up that carries one of the check-ins of the series below (no score taken on the call) would count
    # that answer twice. A copy of an organization's instrument is not in the series, so it counts.
    scored = recorded.filter(recovery_capital__isnull=False).filter(
        Q(recovery_capital_checkin__isnull=True) | ~Q(recovery_capital_checkin__instrument_id__in=trend_instruments)
    )
    # Answers to Peerway's own check-in: global instruments scored 10 to 60 like the check-ups' recovery capital.
    # A global instrument on another scale would read as a rise or a fall that never happened.
    checkins = CheckIn.objects.filter(participant=OuterRef("participant"), instrument_id__in=trend_instruments)
    checkins = checkins.order_by("-answered_at", "-pk")
    next_steps_field = Checkup._meta.get_field("next_steps")
    annotations = {
        "last_contact_at": Subquery(contacts.order_by("-occurred_at").values("occurred_at")[:1]),
        "sessions": Coalesce(_count(contacts.filter(current_version__person_present=True)), 0),
        "next_checkup_on": Subquery(scheduled.values("due_on")[:1]),
        "latest_next_steps": Subquery(recorded.values("next_steps")[:1], output_field=next_steps_field),
        "checkup_score_1": Subquery(scored.values("recovery_capital")[:1]),
        "checkup_score_1_at": Subquery(scored.values("recorded_at")[:1]),
        "checkup_score_2": Subquery(scored.values("recovery_capital")[1:2]),
        "checkup_score_2_at": Subquery(scored.values("recorded_at")[1:2]),
        "checkin_score_1": Subquery(checkins.values("score")[:1]),
        "checkin_score_1_at": Subquery(checkins.values("answered_at")[:1]),
        "checkin_score_2": Subquery(checkins.values("score")[1:2]),
        "checkin_score_2_at": Subquery(checkins.values("answered_at")[1:2]),
        "unread": Coalesce(
            _count(Message.objects.filter(engagement=OuterRef("pk"), sender=MessageSender.PARTICIPANT, read_at=None)),
            0,
        ),
    }
    return engagements.select_related("participant", "organization", "plan", "peer").annotate(**annotations)


def _row(engagement: Engagement, today: dt.date) -> CaseloadRow:
    values = engagement.__dict__
    last_contact_at: dt.datetime | None = values["last_contact_at"]
    started = engagement.reopened_at or engagement.started_at
    counted_contact_at = last_contact_at
    if engagement.reopened_at and last_contact_at and last_contact_at < engagement.reopened_at:
        # The count runs from the re-opening: a contact from before the engagement closed is not one of this stretch.
        counted_contact_at = None
    # Times are stored in UTC, but days are counted on the engagement's organization's calendar (an evening contact
    # in Minnesota falls on the next UTC day). ``today`` is the reader's; a supervisor of organizations in two zones
    # reads each one's rows by its own day, as many days apart from theirs as the two calendars are now.
    zone = engagement.organization.zone
    now = timezone.now()
    today = today + dt.timedelta(days=(timezone.localdate(now, zone) - timezone.localdate(now)).days)
    contact, days = contact_urgency(
        active=engagement.status == EngagementStatus.ACTIVE,
        last_contact_on=timezone.localdate(counted_contact_at, zone) if counted_contact_at else None,
        started_on=timezone.localdate(started, zone),
        today=today,
    )
    next_checkup_on: dt.date | None = values["next_checkup_on"]
    plan = getattr(engagement, "plan", None)
    plan_complete = plan is not None and plan.completed_at is not None
    scores = [
        (values[f"{source}_score_{n}_at"], values[f"{source}_score_{n}"])
        for source in ("checkup", "checkin")
        for n in (1, 2)
        if values[f"{source}_score_{n}"] is not None
    ]
    next_step = values["latest_next_steps"] or ""
    return CaseloadRow(
        engagement=engagement,
        last_contact_at=last_contact_at,
        days_since_contact=days,
        contact=contact,
        next_checkup_on=next_checkup_on,
        checkup=checkup_urgency(next_due_on=next_checkup_on, today=today),
        next_step=next_step,
        plan=plan_state(sessions_done=values["sessions"], plan_complete=plan_complete),
        sessions=values["sessions"],
        trend=recovery_capital_trend(scores),
        unread=values["unread"],
    )


def caseload_rows(
    engagements: QuerySet[Engagement], *, today: dt.date, due: str = "", status: str = ""
) -> list[CaseloadRow]:
    """Rows for ``engagements`` (active or in the check-up phase), filtered and most urgent first. Unaudited."""
    engagements = engagements.filter(status__in=CASELOAD_STATUSES)
    if status in (EngagementStatus.ACTIVE, EngagementStatus.CHECKUP):
        engagements = engagements.filter(status=status)
    rows = [_row(engagement, today) for engagement in caseload_queryset(engagements)]
    if due == "overdue":
        rows = [row for row in rows if row.urgency is Urgency.OVERDUE]
    elif due == "due":
        rows = [row for row in rows if row.urgency is not Urgency.OK]
    rows.sort(
        key=lambda row: (
            *sort_key(
                contact=row.contact, checkup=row.checkup, plan=row.plan, days_since_contact=row.days_since_contact
            ),
            row.engagement.pk,
        )
    )
    return rows


def _record_listed(user: User, rows: Iterable[CaseloadRow], roles: frozenset[Role], reason: str) -> None:
    by_org: dict[int, tuple[Organization, list[uuid.UUID]]] = {}
    for row in rows:
        organization = row.engagement.organization
        people = by_org.setdefault(organization.pk, (organization, []))[1]
        if row.engagement.participant.public_id not in people:
            people.append(row.engagement.participant.public_id)
    for organization, people in by_org.values():
        access_events_record(
            actor=user,
            role=acting_role(user, organization, roles),
            organization=organization,
            subject_type=SUBJECT_PARTICIPANT,
            subject_ids=people,
            action=AccessAction.LISTED,
            reason=reason,
        )


PEER_ROLES = frozenset({Role.PEER})


@transaction.atomic
def caseload_for_user(user: User, *, today: dt.date, due: str = "", status: str = "") -> list[CaseloadRow]:
    """The peer's own engagements, active or in the check-up phase, in the organizations where they are a
    peer. A 404 for anyone who is not a peer anywhere. One ``listed`` AccessEvent per person shown."""
    as_peer = record_organization_ids(user, PEER_ROLES)
    if not as_peer.exists():
        raise Http404("No caseload for this account.")
    engagements = Engagement.objects.filter(organization_id__in=as_peer, peer__user=user)
    rows = caseload_rows(engagements, today=today, due=due, status=status)
    _record_listed(user, rows, PEER_ROLES, "caseload")
    return rows


# A supervisor of a large organization has hundreds of people in the team: the page shows this many peers
# at a time, the ones with the most overdue first.
TEAM_PEERS_PER_PAGE = 10


@dataclass
class TeamPage:
    peers: list[TeamPeer]
    page: Page  # type: ignore[type-arg]  # of TeamPeer groups: number, has_next, paginator.count…
    people: int  # the distinct people matching the filters, on every page


@transaction.atomic
def team_caseload_for_user(
    user: User, *, today: dt.date, due: str = "", status: str = "", page: object = 1
) -> TeamPage:
    """Every engagement of the organizations the user supervises, grouped by peer (peers with the most
    overdue first, ``TEAM_PEERS_PER_PAGE`` to a page), each peer on the page with their credential status.
    A 404 for anyone who supervises nowhere. One ``listed`` AccessEvent per person on the page shown."""
    supervised = record_organization_ids(user, TEAM_ROLES)
    if not supervised.exists():
        raise Http404("No team for this account.")
    rows = caseload_rows(Engagement.objects.filter(organization_id__in=supervised), today=today, due=due, status=status)
    peers: dict[int, TeamPeer] = {}
    for row in rows:
        peer = row.engagement.peer
        group = peers.get(peer.pk)
        if group is None:
            group = peers[peer.pk] = TeamPeer(peer_name=peer.display_name, user_id=peer.user_id)
        group.rows.append(row)
    ordered = sorted(
        peers.values(),
        key=lambda group: (-group.overdue_contacts - group.overdue_checkups, -group.plan_problems, group.peer_name),
    )
    shown = Paginator(ordered, TEAM_PEERS_PER_PAGE).get_page(page)
    groups: list[TeamPeer] = list(shown.object_list)
    credentials = peer_credential_statuses({group.user_id for group in groups}, today=today)
    for group in groups:
        group.credential = credentials[group.user_id]
    _record_listed(user, (row for group in groups for row in group.rows), TEAM_ROLES, "team caseload")
    # Rows are engagements: a person followed in two programs has two, two rows but one person.
    people = len({row.engagement.participant_id for row in rows})
    return TeamPage(peers=groups, page=shown, people=people)


__all__ = ["caseload_for_user", "caseload_rows", "team_caseload_for_user"]
