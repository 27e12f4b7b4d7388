"""Supervision logs: sessions a supervisor gives peers of their organization, and totals per month compared with
the supervision the peer's credentials ask (credential type data) and the payer's rule (workforce/fixtures).

Supervisees are the active peers of the organizations where the user is an active supervisor.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from peerway.accounts.models import Membership, User
from peerway.accounts.roles import Role
from peerway.accounts.selectors import organization_ids_for_user
from peerway.certification import rules
from peerway.certification.models import Application, Credential, CredentialType
from peerway.certification.services import HOURS_MAX_YEARS
from peerway.organizations.models import Organization
from peerway.workforce.models import SupervisionFormat, SupervisionSession

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINUTES_A_DAY = 24 * 60


@cache
def supervision_topics() -> dict[str, str | Promise]:
    """Topic slug → label, from fixtures/supervision_topics.json, shown in the reader's language: each label is
    translated when shown; templates/i18n/strings_from_code.html lists them for the catalogs."""
    data = json.loads((FIXTURES / "supervision_topics.json").read_text())
    topics: dict[str, str | Promise] = {}
    for row in data["topics"]:
        label = row["label"]
        topics[row["slug"]] = gettext_lazy(label)
    return topics


@dataclass(frozen=True)
class PayerRule:
    slug: str
    name: str
    minutes_per_month: int
    individual_minutes_per_month: int
    illustrative: bool
    source: str


@cache
def payer_rules() -> tuple[PayerRule, ...]:
    """Payers' supervision rules, from fixtures/payer_supervision.json (marked illustrative where unconfirmed)."""
    data = json.loads((FIXTURES / "payer_supervision.json").read_text())
    rows: list[PayerRule] = []
    for row in data["payers"]:
        if row.get("period") != "month":
            raise ValueError(f"payer {row['slug']}: only monthly rules are supported")
        rows.append(
            PayerRule(
                slug=row["slug"],
                name=row["name"],
                minutes_per_month=int(row["minutes"]),
                individual_minutes_per_month=int(row.get("individual_minutes", 0)),
                illustrative=bool(row.get("illustrative", False)),
                source=row.get("source", ""),
            )
        )
    return tuple(rows)


# --- Who supervises whom ----------------------------------------------------------------------------------


def supervised_organizations(user: User) -> list[Organization]:
    return list(Organization.objects.filter(id__in=organization_ids_for_user(user, [Role.SUPERVISOR])).order_by("name"))


@dataclass(frozen=True)
class Supervisee:
    user: User
    organization: Organization

    @property
    def key(self) -> str:
        return f"{self.organization.public_id}:{self.user.public_id}"


def supervisees_for_user(user: User) -> list[Supervisee]:
    """Active peers of the organizations where ``user`` is an active supervisor (never the user themself)."""
    memberships = (
        Membership.objects.filter(
            role=Role.PEER,
            active=True,
            organization_id__in=organization_ids_for_user(user, [Role.SUPERVISOR]),
            user__is_active=True,
        )
        .exclude(user=user)
        .select_related("user", "organization")
        .order_by("user__last_name", "user__first_name", "organization__name")
    )
    return [Supervisee(m.user, m.organization) for m in memberships]


def supervisee_get(user: User, key: str) -> Supervisee:
    for supervisee in supervisees_for_user(user):
        if supervisee.key == key:
            return supervisee
    raise Http404("No such supervisee.")


# --- Recording --------------------------------------------------------------------------------------------


def session_errors(
    *,
    peer: User | None,
    held_on: dt.date | None,
    minutes: int | None,
    organization: Organization | None = None,
) -> dict[str, str]:
    """Bad input: minutes not above zero, in the future or more than ``HOURS_MAX_YEARS`` years ago, more than 24 hours
    for the peer on that day.

    The 24 hours count every organization's sessions of the peer (a peer may work at two RCOs), but the message
    states only the minutes of ``organization`` (the supervisee's, where the session is being recorded): one
    organization never learns what another logged. When the other organizations' sessions are what push the day
    past 24 hours, or no ``organization`` is given, the message says so without a number.
    """
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if held_on is not None and held_on > today:
        errors["held_on"] = _("The date cannot be in the future.")
    elif held_on is not None and held_on < today.replace(year=today.year - HOURS_MAX_YEARS, day=1):
        # A typo in the year (1926 for 2026) would count toward a credential's hours for good, on no month's page.
        errors["held_on"] = _("The date is more than %(years)s years ago; check the year.") % {"years": HOURS_MAX_YEARS}
    if minutes is not None:
        if minutes <= 0:
            errors["minutes"] = _("Minutes must be more than zero.")
        elif minutes > MINUTES_A_DAY:
            errors["minutes"] = _("A day has 1440 minutes: %(minutes)s is more than 24 hours.") % {"minutes": minutes}
        elif peer is not None and held_on is not None:
            message = _day_limit_error(peer=peer, held_on=held_on, minutes=minutes, organization=organization)
            if message:
                errors["minutes"] = message
    return errors


def _day_limit_error(*, peer: User, held_on: dt.date, minutes: int, organization: Organization | None) -> str | None:
    """Why ``minutes`` more would take the peer past 24 hours of supervision on ``held_on``, or None."""
    recorded = SupervisionSession.objects.filter(peer=peer, held_on=held_on)
    everywhere = recorded.aggregate(total=Sum("minutes"))["total"] or 0
    if everywhere + minutes <= MINUTES_A_DAY:
        return None
    if organization is not None:
        own = recorded.filter(organization=organization).aggregate(total=Sum("minutes"))["total"] or 0
        if own + minutes > MINUTES_A_DAY:
            return _("With the %(already)s minutes already recorded that day, this is more than 24 hours.") % {
                "already": own
            }
    return _("This is more than 24 hours with the supervision already recorded for this peer that day.")


@transaction.atomic
def supervision_session_add(
    *,
    supervisor: User,
    supervisee: Supervisee,
    held_on: dt.date,
    minutes: int,
    format: str = SupervisionFormat.INDIVIDUAL,
    topics: list[str] | None = None,
    notes: str = "",
) -> SupervisionSession:
    topics = topics or []
    if supervisee.user.pk == supervisor.pk:
        raise ValidationError(_("You cannot record supervision of yourself."))
    if not Membership.objects.filter(
        user=supervisor, organization=supervisee.organization, role=Role.SUPERVISOR, active=True
    ).exists():
        raise ValidationError(_("You are not a supervisor in this organization."))
    # Lock the peer's row so two sessions recorded at once cannot together pass 24 hours in a day.
    User.objects.select_for_update().filter(pk=supervisee.user.pk).first()
    errors = session_errors(
        peer=supervisee.user, held_on=held_on, minutes=minutes, organization=supervisee.organization
    )
    unknown = [topic for topic in topics if topic not in supervision_topics()]
    if unknown:
        errors["topics"] = _("Unknown topic: %(topics)s") % {"topics": ", ".join(unknown)}
    if format not in SupervisionFormat.values:
        errors["format"] = _("Choose individual or group.")
    if errors:
        raise ValidationError(errors)
    return SupervisionSession.objects.create(
        organization=supervisee.organization,
        supervisor=supervisor,
        peer=supervisee.user,
        held_on=held_on,
        minutes=minutes,
        format=format,
        topics=topics,
        notes=notes,
    )


# --- Totals -----------------------------------------------------------------------------------------------


def month_bounds(month: str | None, *, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """First and last day of ``month`` ("2026-11"), or of the current month when missing, malformed, beyond what
    a date can hold, or in year 1 or 9999 (the page links to the months before and after, and no date comes before
    January of year 1 or after December of 9999)."""
    today = today or timezone.localdate()
    try:
        year, number = (int(part) for part in (month or "").split("-"))
        start = dt.date(year, number, 1)
    except (ValueError, OverflowError):  # OverflowError: a year past what the C library's integers hold
        start = today.replace(day=1)
    if start.year in (dt.MINYEAR, dt.MAXYEAR):
        start = today.replace(day=1)
    return start, start.replace(day=calendar.monthrange(start.year, start.month)[1])


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"))


def credential_supervision_targets(user: User) -> list[CredentialType]:
    """Credential types whose supervision requirement applies to ``user``: those held or applied for, and the
    reciprocal level of those held; only types that ask supervision hours."""
    return _credential_supervision_targets([user.pk])[user.pk]


def _credential_supervision_targets(peer_ids: Collection[int]) -> dict[int, list[CredentialType]]:
    """``credential_supervision_targets`` of every peer in ``peer_ids`` at once (three queries, however many)."""
    targets: dict[int, list[CredentialType]] = {peer_id: [] for peer_id in peer_ids}
    if not peer_ids:
        return targets
    held: dict[int, set[int]] = defaultdict(set)
    applied: dict[int, set[int]] = defaultdict(set)
    for holder_id, type_id in Credential.objects.filter(holder_id__in=peer_ids).values_list(
        "holder_id", "credential_type_id"
    ):
        held[holder_id].add(type_id)
    for applicant_id, type_id in Application.objects.filter(applicant_id__in=peer_ids).values_list(
        "applicant_id", "credential_type_id"
    ):
        applied[applicant_id].add(type_id)
    all_held = set().union(*held.values())
    # A reciprocal level counts by the rules in effect now; the peer's own credentials and applications by theirs.
    reciprocal_now = set(
        CredentialType.objects.in_effect(timezone.localdate())
        .filter(reciprocal_of_id__in=all_held)
        .values_list("id", flat=True)
    )
    types = [
        t
        for t in CredentialType.objects.filter(Q(id__in=all_held.union(*applied.values())) | Q(id__in=reciprocal_now))
        .select_related("board")
        .order_by("board__name", "level", "code", "-version", "id")
        if t.spec.supervision_hours > 0
    ]
    for peer_id in peer_ids:
        own = held[peer_id] | applied[peer_id]
        # One line per credential (board and code): a version the peer holds or applied for, else the one in effect.
        own_keys = {(t.board_id, t.code) for t in types if t.pk in own}
        reciprocal = [
            t
            for t in types
            if t.pk in reciprocal_now and t.reciprocal_of_id in held[peer_id] and (t.board_id, t.code) not in own_keys
        ]
        newest: dict[tuple[int, str], int] = {}
        for t in reciprocal:  # newest version first
            newest.setdefault((t.board_id, t.code), t.pk)
        keep = own | set(newest.values())
        targets[peer_id] = [t for t in types if t.pk in keep]
    return targets


@dataclass(frozen=True)
class SupervisionTotals:
    peer: User
    organization: Organization | None
    start: dt.date
    end: dt.date
    minutes: int
    individual_minutes: int
    group_minutes: int
    lines: tuple[rules.Line, ...]

    @property
    def hours(self) -> Decimal:
        return _hours(self.minutes)

    @property
    def gaps(self) -> tuple[rules.Line, ...]:
        return tuple(line for line in self.lines if not line.met)


def supervision_totals(
    peer: User, start: dt.date, end: dt.date, *, organization: Organization | None = None
) -> SupervisionTotals:
    """Minutes in [start, end] against each payer's monthly rule, and all supervision to ``end`` against the
    supervision hours of the peer's credentials.

    With ``organization`` (a supervisor's view of a supervisee) only sessions logged in that organization count:
    a peer who works at two RCOs has separate totals at each, and neither sees the other's minutes. Without it
    (the peer's own view) every session counts, whichever organization logged it.
    """
    [totals] = supervision_totals_many([(peer, organization)], start, end)
    return totals


def supervision_totals_many(
    pairs: Sequence[tuple[User, Organization | None]], start: dt.date, end: dt.date
) -> list[SupervisionTotals]:
    """``supervision_totals`` of each (peer, organization) in ``pairs``, in that order, with a fixed number of
    queries however many pairs: one for the minutes (grouped by peer, organization and format, in the period
    and to ``end``) and three for the credentials' targets."""
    if not pairs:
        return []
    sessions = SupervisionSession.objects.filter(peer_id__in={peer.pk for peer, _ in pairs}, held_on__lte=end)
    if all(organization is not None for _, organization in pairs):
        sessions = sessions.filter(organization_id__in={organization.pk for _, organization in pairs if organization})
    # peer → (organization, format, minutes in [start, end], minutes to end)
    rows: dict[int, list[tuple[int, str, int, int]]] = defaultdict(list)
    for row in (
        sessions.order_by()
        .values("peer_id", "organization_id", "format")
        .annotate(in_period=Sum("minutes", filter=Q(held_on__gte=start)), to_date=Sum("minutes"))
    ):
        rows[row["peer_id"]].append((row["organization_id"], row["format"], row["in_period"] or 0, row["to_date"]))
    targets = _credential_supervision_targets({peer.pk for peer, _ in pairs})
    months = max(1, (end.year - start.year) * 12 + end.month - start.month + 1)
    result: list[SupervisionTotals] = []
    for peer, organization in pairs:
        by_format: dict[str, int] = defaultdict(int)
        to_date = 0
        for organization_id, format, in_period, before_end in rows[peer.pk]:
            if organization is None or organization_id == organization.pk:
                by_format[format] += in_period
                to_date += before_end
        result.append(_totals(peer, organization, start, end, months, by_format, to_date, targets[peer.pk]))
    return result


def _totals(
    peer: User,
    organization: Organization | None,
    start: dt.date,
    end: dt.date,
    months: int,
    by_format: dict[str, int],
    to_date: int,
    credential_types: list[CredentialType],
) -> SupervisionTotals:
    minutes = sum(by_format.values())
    individual = by_format.get(SupervisionFormat.INDIVIDUAL, 0)
    lines: list[rules.Line] = []
    for payer in payer_rules():
        lines.append(
            rules.Line(f"payer:{payer.slug}", payer.name, _hours(minutes), _hours(payer.minutes_per_month * months))
        )
        if payer.individual_minutes_per_month:
            lines.append(
                rules.Line(
                    f"payer:{payer.slug}:individual",
                    f"{payer.name} (individual)",
                    _hours(individual),
                    _hours(payer.individual_minutes_per_month * months),
                )
            )
    for credential_type in credential_types:
        lines.append(
            rules.Line(
                f"credential:{credential_type.pk}",
                f"{credential_type.board.name} {credential_type.code}",
                _hours(to_date),
                credential_type.spec.supervision_hours,
            )
        )
    return SupervisionTotals(
        peer, organization, start, end, minutes, individual, by_format.get(SupervisionFormat.GROUP, 0), tuple(lines)
    )


def supervisee_totals(user: User, start: dt.date, end: dt.date) -> list[SupervisionTotals]:
    """Totals of each of ``user``'s supervisees, counting only their organization's sessions; a fixed number of
    queries however many supervisees (``supervision_totals_many``)."""
    return supervision_totals_many([(s.user, s.organization) for s in supervisees_for_user(user)], start, end)


def sessions_for_peer(peer: User, start: dt.date, end: dt.date) -> list[SupervisionSession]:
    return list(
        SupervisionSession.objects.filter(peer=peer, held_on__gte=start, held_on__lte=end).select_related(
            "supervisor", "organization"
        )
    )


def topic_labels(slugs: list[str]) -> list[str]:
    labels = supervision_topics()
    return [labels.get(slug, slug) for slug in slugs]


__all__: list[Any] = [
    "PayerRule",
    "Supervisee",
    "SupervisionTotals",
    "month_bounds",
    "payer_rules",
    "session_errors",
    "supervisee_get",
    "supervisee_totals",
    "supervisees_for_user",
    "supervision_session_add",
    "supervision_topics",
    "supervision_totals",
    "supervision_totals_many",
]
