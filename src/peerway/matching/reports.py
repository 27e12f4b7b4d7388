"""Matching reports: concordance, unmet demand and time to first contact, per community, per language and per
kind of lived experience.

Counts only: no names or record contents. Groups with fewer than ``SMALL_CELL`` requests are suppressed so
that a rare community's few requests cannot be recognized. Every request has exactly one language, so the
language rows add up to the total (requests, matched and unmet alike): the next smallest rows are withheld too
until the suppressed ones cannot be worked out from the total minus the rows shown
(``workforce.supply.complementary_cells``); the total is withheld when it is below ``SMALL_CELL`` or when the
rows shown would still give them away.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from peerway.core.models import Community, Language, LivedExperience
from peerway.intake.models import HelpRequest, Offer, OfferStatus, RequestStatus
from peerway.workforce.supply import complementary_cells

SMALL_CELL = 5
DEFAULT_PERIOD = dt.timedelta(days=90)


@dataclass
class Row:
    """One community, language or kind of lived experience: how many asked, were matched, shared it with their
    peer, went unmet."""

    label: str
    requests: int = 0
    matched: int = 0
    concordant: int = 0
    unmet: int = 0
    minutes_to_peer: list[float] = field(default_factory=list)
    # A group large enough to show, withheld so that a suppressed one cannot be worked out from the total.
    withheld: bool = False

    @property
    def suppressed(self) -> bool:
        return self.requests < SMALL_CELL

    @property
    def concordance_percent(self) -> int | None:
        return round(100 * self.concordant / self.matched) if self.matched else None

    @property
    def median_minutes(self) -> float | None:
        return round(statistics.median(self.minutes_to_peer), 1) if self.minutes_to_peer else None


@dataclass
class MatchingReport:
    since: dt.datetime
    total: Row
    by_language: list[Row]
    by_community: list[Row]
    by_lived_experience: list[Row]


def _requests(since: dt.datetime) -> QuerySet[HelpRequest]:
    accepted = Offer.objects.filter(status=OfferStatus.ACCEPTED)
    return (
        HelpRequest.objects.filter(created_at__gte=since)
        .select_related("language")
        .prefetch_related(
            "communities", "lived_experience", Prefetch("offers", queryset=accepted, to_attr="accepted_offers")
        )
    )


def _unmet(request: HelpRequest, now: dt.datetime, window: dt.timedelta) -> bool:
    """No peer took it, and no feasible peer was found when it was routed or it waited longer than the
    escalation window: while it is still open, or until the person stopped (or deleted) it."""
    if request.accepted_at is not None:
        return False
    if request.status == RequestStatus.WITHDRAWN:
        waited_until = request.closed_at or now
    elif request.status in (RequestStatus.RECEIVED, RequestStatus.OFFERED):
        waited_until = now
    else:
        return False
    return bool(request.routing_note) or request.created_at + window <= waited_until


def _add(row: Row, request: HelpRequest, shared: Iterable[str], wanted: str, unmet: bool) -> None:
    row.requests += 1
    row.unmet += int(unmet)
    if request.accepted_at is None:
        return
    row.matched += 1
    row.concordant += int(wanted in shared)
    # First contact: when the accepting peer reached the person, not when they accepted.
    if request.connected_at is not None:
        row.minutes_to_peer.append((request.connected_at - request.created_at).total_seconds() / 60)


def _withhold_complement(rows: list[Row]) -> bool:
    """Withhold the smallest shown rows until the suppressed ones cannot be worked out from the total (rows that
    add up to it); whether the total must be withheld too.

    A row is hidden whole, so its matched and unmet counts go with its requests: what the total minus the rows
    shown gives is then a count over at least ``SMALL_CELL`` requests, like a row's."""
    rows = sorted(rows, key=lambda row: row.label)
    suppressed = [index for index, row in enumerate(rows) if row.suppressed]
    more, withhold_total = complementary_cells([row.requests for row in rows], suppressed, SMALL_CELL)
    for index in more:
        rows[index].withheld = True
    return withhold_total


def matching_report(
    *, since: dt.datetime | None = None, window: dt.timedelta = dt.timedelta(minutes=15)
) -> MatchingReport:
    """Concordance and unmet demand per language, per community and per kind of lived experience, for requests
    since ``since``.

    A matched request is concordant for a language when its peer speaks the requested language, for a
    community when the peer shares that community, and for a kind of lived experience when the peer shares
    it (as recorded in the accepted offer's explanation).
    """
    now = timezone.now()
    since = since or now - DEFAULT_PERIOD
    labels = (
        {c.slug: c.label() for c in Community.objects.all()}
        | {f"lang:{language.slug}": language.label() for language in Language.objects.all()}
        | {f"exp:{kind.slug}": kind.label() for kind in LivedExperience.objects.all()}
    )
    total = Row(label="")
    languages: dict[str, Row] = defaultdict(lambda: Row(label=""))
    communities: dict[str, Row] = defaultdict(lambda: Row(label=""))
    experiences: dict[str, Row] = defaultdict(lambda: Row(label=""))
    for request in _requests(since):
        offers = getattr(request, "accepted_offers", [])
        explanation = offers[0].explanation if offers else {}
        unmet = _unmet(request, now, window)
        language = request.language.slug
        _add(total, request, explanation.get("languages", []), language, unmet)
        _add(languages[language], request, explanation.get("languages", []), language, unmet)
        for community in request.communities.all():
            _add(communities[community.slug], request, explanation.get("communities", []), community.slug, unmet)
        for kind in request.lived_experience.all():
            _add(experiences[kind.slug], request, explanation.get("lived_experience", []), kind.slug, unmet)
    for slug, row in languages.items():
        row.label = labels.get(f"lang:{slug}", slug)
    for slug, row in communities.items():
        row.label = labels.get(slug, slug)
    for slug, row in experiences.items():
        row.label = labels.get(f"exp:{slug}", slug)
    total.withheld = _withhold_complement(list(languages.values())) or total.suppressed
    by_requests = lambda row: (-row.requests, row.label)  # noqa: E731
    return MatchingReport(
        since=since,
        total=total,
        by_language=sorted(languages.values(), key=by_requests),
        by_community=sorted(communities.values(), key=by_requests),
        by_lived_experience=sorted(experiences.values(), key=by_requests),
    )
