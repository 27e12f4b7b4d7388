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
from typing import NamedTuple

from django.db.models import Model
from django.utils import timezone

from peerway.core.models import Community, Language, LivedExperience
from peerway.intake.models import HelpRequest, Offer, OfferStatus, RequestStatus
from peerway.intake.services import DEFAULT_ESCALATION_MINUTES, escalation_window
from peerway.workforce.supply import SMALL_CELL, complementary_cells

# SMALL_CELL is the workforce pages' threshold: one for every count Peerway publishes, so that a group they hide is not
# shown exactly here to the same reader (an analyst sees both).
DEFAULT_PERIOD = dt.timedelta(days=90)


@dataclass
class Row:
    """One community, language or kind of lived experience: how many asked, were matched, shared it with their
    peer, went unmet."""

    label: str
    requests: int = 0
    matched: int = 0
    # The matched requests whose match is still on record: concordance is counted over these. A person who deletes
    # what they entered deletes what they had in common with their peer too; the request stays matched.
    compared: int = 0
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
        return round(100 * self.concordant / self.compared) if self.compared else None

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


class _Request(NamedTuple):
    """The columns of a help request the report counts (none of the encrypted ones)."""

    pk: int
    language: str
    status: str
    created_at: dt.datetime
    accepted_at: dt.datetime | None
    connected_at: dt.datetime | None
    closed_at: dt.datetime | None
    rematched_at: dt.datetime | None
    routing_note: object
    erased_offers_window_minutes: int | None


def _requests(since: dt.datetime) -> list[_Request]:
    """The requests since ``since``, in the requests' own order, as the columns counted only."""
    columns = (
        "pk",
        "language__slug",
        "status",
        "created_at",
        "accepted_at",
        "connected_at",
        "closed_at",
        "rematched_at",
        "routing_note",
        "erased_offers_window_minutes",
    )
    return [_Request(*row) for row in HelpRequest.objects.filter(created_at__gte=since).values_list(*columns)]


def _terms(through: type[Model], column: str, since: dt.datetime) -> dict[int, list[str]]:
    """The slugs of the terms (communities, kinds of lived experience) each request since ``since`` lists, from
    the vocabulary's link table, in the vocabulary's order."""
    vocabulary = through._meta.get_field(column).related_model
    ordering = [f"{column}__{name}" for name in vocabulary._meta.ordering]  # type: ignore[union-attr]
    links = through._default_manager.filter(helprequest__created_at__gte=since).order_by(*ordering)
    terms: dict[int, list[str]] = defaultdict(list)
    for request_id, slug in links.values_list("helprequest_id", f"{column}__slug"):
        terms[request_id].append(slug)
    return terms


def _explanations(since: dt.datetime) -> dict[int, dict[str, list[str]]]:
    """What each matched request since ``since`` shares with its peer: the explanation of its accepted offer (the
    latest offered, if it has more than one). A request whose person deleted what they entered (``request_erase``)
    has no offers left, so none."""
    accepted = Offer.objects.filter(
        status=OfferStatus.ACCEPTED, request__created_at__gte=since, request__accepted_at__isnull=False
    ).order_by("request_id", "-offered_at")
    explanations: dict[int, dict[str, list[str]]] = {}
    for request_id, explanation in accepted.values_list("request_id", "explanation"):
        explanations.setdefault(request_id, explanation)
    return explanations


def _escalation_windows(since: dt.datetime) -> dict[int, dt.timedelta]:
    """The window escalation gives each request since ``since`` that no peer took and that was offered to some: the
    shortest escalation window of the organizations whose peers it was offered to (intake.services'
    ``requests_escalate_due`` reads it so)."""
    offered = Offer.objects.filter(request__created_at__gte=since, request__accepted_at__isnull=True)
    minutes: dict[int, int] = {}
    for request_id, organization_minutes in offered.values_list(
        "request_id", "peer__organization__escalation_minutes"
    ).distinct():
        window = escalation_window(organization_minutes)
        minutes[request_id] = min(window, minutes.get(request_id, window))
    return {request_id: dt.timedelta(minutes=value) for request_id, value in minutes.items()}


def _window(request: _Request, windows: dict[int, dt.timedelta]) -> dt.timedelta:
    """The window escalation gave ``request``: its offers' organizations' (kept on the request when the person
    deleted what they entered, offers included), else the default."""
    if request.pk in windows:
        return windows[request.pk]
    minutes = request.erased_offers_window_minutes
    return dt.timedelta(minutes=minutes if minutes is not None else DEFAULT_ESCALATION_MINUTES)


def _unmet(request: _Request, now: dt.datetime, window: dt.timedelta) -> bool:
    """No peer took it, and no feasible peer was found when it was routed or it waited longer than the
    window: while it is still open, or until the person stopped (or deleted) it. After the person asked for a
    different peer, the wait counts from then: the request was with a peer until that moment."""
    if request.accepted_at is not None:
        return False
    if request.status == RequestStatus.WITHDRAWN:
        waited_until = request.closed_at or now
    elif request.status in (RequestStatus.RECEIVED, RequestStatus.OFFERED):
        waited_until = now
    else:
        return False
    waiting_since = max(request.created_at, request.rematched_at or request.created_at)
    return bool(request.routing_note) or waiting_since + window <= waited_until


def _add(row: Row, request: _Request, shared: Iterable[str] | None, wanted: str, unmet: bool) -> None:
    """Count ``request`` in ``row``; ``shared`` is None for a matched request whose match is no longer on record."""
    row.requests += 1
    row.unmet += int(unmet)
    if request.accepted_at is None:
        return
    row.matched += 1
    # Whether the peer shared what the person asked for is unknown once they deleted it: counted as neither.
    if shared is not None:
        row.compared += 1
        row.concordant += int(wanted in shared)
    # First contact: when the accepting peer reached the person, not when they accepted.
    if request.connected_at is not None:
        row.minutes_to_peer.append((request.connected_at - request.created_at).total_seconds() / 60)


def _shared(explanation: dict[str, list[str]] | None, kind: str) -> list[str] | None:
    """The terms of one kind an explanation shares, or None when there is no explanation on record."""
    return None if explanation is None else explanation.get(kind, [])


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


def matching_report(*, since: dt.datetime | None = None, window: dt.timedelta | None = None) -> MatchingReport:
    """Concordance and unmet demand per language, per community and per kind of lived experience, for requests
    since ``since``.

    A request without a peer is unmet once it has waited longer than ``window``; by default, the window escalation
    gave it: the shortest escalation window of the organizations whose peers were offered it, as escalation reads
    it, or the default window when it was never offered to anyone.

    A matched request is concordant for a language when its peer speaks the requested language, for a
    community when the peer shares that community, and for a kind of lived experience when the peer shares
    it (as recorded in the accepted offer's explanation). A matched request whose person deleted what they entered
    has no explanation left: it counts as matched, and in neither side of the concordance.
    """
    now = timezone.now()
    # From the start of the day the page names (in the reader's time zone), not the same minute 90 days ago.
    since = since or timezone.make_aware(dt.datetime.combine(timezone.localdate(now) - DEFAULT_PERIOD, dt.time()))
    labels = (
        {c.slug: c.label() for c in Community.objects.all()}
        | {f"lang:{language.slug}": language.label() for language in Language.objects.all()}
        | {f"exp:{kind.slug}": kind.label() for kind in LivedExperience.objects.all()}
    )
    total = Row(label="")
    languages: dict[str, Row] = defaultdict(lambda: Row(label=""))
    communities: dict[str, Row] = defaultdict(lambda: Row(label=""))
    experiences: dict[str, Row] = defaultdict(lambda: Row(label=""))
    # One pass over the requests' columns (concordance and the minutes to first contact are per request), the
    # terms each lists and their accepted offers' explanations: no request or offer is loaded, no encrypted field
    # read.
    request_communities = _terms(HelpRequest.communities.through, "community", since)
    request_experiences = _terms(HelpRequest.lived_experience.through, "livedexperience", since)
    explanations = _explanations(since)
    windows = {} if window is not None else _escalation_windows(since)
    for request in _requests(since):
        explanation = explanations.get(request.pk)
        unmet = _unmet(request, now, window if window is not None else _window(request, windows))
        language = request.language
        _add(total, request, _shared(explanation, "languages"), language, unmet)
        _add(languages[language], request, _shared(explanation, "languages"), language, unmet)
        for community in request_communities.get(request.pk, []):
            _add(communities[community], request, _shared(explanation, "communities"), community, unmet)
        for kind in request_experiences.get(request.pk, []):
            _add(experiences[kind], request, _shared(explanation, "lived_experience"), kind, unmet)
    for slug, row in languages.items():
        row.label = labels.get(f"lang:{slug}", slug)
    for slug, row in communities.items():
        row.label = labels.get(slug, slug)
    for slug, row in experiences.items():
        row.label = labels.get(f"exp:{slug}", slug)
    total.withheld = _withhold_complement(list(languages.values())) or total.suppressed
    return MatchingReport(
        since=since,
        total=total,
        by_language=_ordered(languages.values()),
        by_community=_ordered(communities.values()),
        by_lived_experience=_ordered(experiences.values()),
    )


def _ordered(rows: Iterable[Row]) -> list[Row]:
    """The rows shown, most requests first, then the hidden ones by name: a hidden row placed by its count among
    the shown ones would tell how many it holds (after a row of 12, before one of 11: exactly 11 or 12)."""
    return sorted(
        rows, key=lambda row: (1, 0, row.label) if row.suppressed or row.withheld else (0, -row.requests, row.label)
    )
