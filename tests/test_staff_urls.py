"""Every staff URL that exists is registered here and checked with the four kinds of visitor.

Adding a staff URL without a case below fails ``test_every_staff_url_has_a_case``, so no staff page can
ship without its tenancy check.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from peerway.accounts.models import User
from peerway.core.models import Job, Language
from peerway.intake.models import HelpRequest, Offer
from peerway.recovery.models import Engagement
from peerway.workforce.models import PeerProfile
from tests.factories import MembershipFactory, OrganizationFactory, ParticipantFactory, UserFactory
from tests.helpers import Cast, assert_staff_view_guarded


@dataclass
class Case:
    url: str
    allowed: list[User]
    outsiders: list[User]
    without_role: list[User] = field(default_factory=list)
    method: str = "get"
    data: dict[str, Any] | None = None
    allowed_status: int = 200


def _participant_url(name: str) -> Callable[[Cast], Case]:
    def build(cast: Cast) -> Case:
        participant = ParticipantFactory(organization=cast.org)
        return Case(
            url=reverse(name, args=[participant.public_id]),
            allowed=[cast.alice, cast.sam, cast.ada, cast.bill],
            outsiders=[cast.olive],
            without_role=[cast.nobody, cast.analyst],
        )

    return build


def _access_history(cast: Cast) -> Case:
    participant = ParticipantFactory(organization=cast.org)
    return Case(
        url=reverse("recovery:participant_access_history", args=[participant.public_id]),
        allowed=[cast.sam, cast.ada],
        outsiders=[cast.olive],
        without_role=[cast.alice, cast.bill, cast.nobody],
    )


def _job(name: str, allowed_status: int = 200) -> Callable[[Cast], Case]:
    def build(cast: Cast) -> Case:
        job = Job.objects.create(kind="access_log_export", requested_by=cast.sam, organization=cast.org)
        return Case(
            url=reverse(name, args=[job.public_id]), allowed=[cast.sam], outsiders=[cast.olive], without_role=[cast.ada]
        )

    return build


def _own_page(name: str) -> Callable[[Cast], Case]:
    # Pages about the signed-in person only (no other organization's data can appear): everyone signed in.
    def build(cast: Cast) -> Case:
        return Case(url=reverse(name), allowed=[cast.alice, cast.olive, cast.nobody], outsiders=[])

    return build


def _access_log_export(cast: Cast) -> Case:
    # The page names no organization: it offers the ones where the user may read the access log (a POST naming
    # another organization is a 404, checked in tests/core/test_jobs.py). Olive is allowed, for her own.
    return Case(
        url=reverse("staff:access_log_export"),
        allowed=[cast.sam, cast.ada, cast.olive],
        outsiders=[],
        without_role=[cast.alice, cast.bill, cast.nobody, cast.analyst],
    )


def _participant_list(cast: Cast) -> Case:
    return Case(url=reverse("recovery:participant_list"), allowed=[cast.alice, cast.olive, cast.nobody], outsiders=[])


def _alice_peer(cast: Cast) -> PeerProfile:
    return PeerProfile.objects.create(
        user=cast.alice, organization=cast.org, display_name="Alice", modalities=["phone"]
    )


def _shift_toggle(cast: Cast) -> Case:
    _alice_peer(cast)
    return Case(
        url=reverse("workforce:shift_toggle"),
        allowed=[cast.alice],
        outsiders=[cast.olive],
        without_role=[cast.nobody, cast.sam],
        method="post",
        data={"on_shift": "1"},
        allowed_status=302,
    )


def _offer_action(name: str) -> Callable[[Cast], Case]:
    def build(cast: Cast) -> Case:
        alice = _alice_peer(cast)
        request = HelpRequest.objects.create(
            status_token_hash="x" * 64,
            status_token_expires_at=timezone.now() + dt.timedelta(days=1),
            contact_method="call",
            phone="(612) 555-0100",
            language=Language.objects.get(slug="en"),
            consent_to_contact=True,
        )
        request.offer()
        request.save()
        offer = Offer.objects.create(request=request, peer=alice, score=1.0)
        return Case(
            url=reverse(name, args=[offer.public_id]),
            allowed=[cast.alice],
            outsiders=[cast.olive],
            without_role=[cast.sam, cast.nobody],
            method="post",
            allowed_status=302,
        )

    return build


def _profile_edit(cast: Cast) -> Case:
    _alice_peer(cast)
    return Case(
        url=reverse("workforce:profile_edit"), allowed=[cast.alice], outsiders=[cast.olive], without_role=[cast.sam]
    )


def _matching_report(cast: Cast) -> Case:
    # Aggregate and de-identified: any supervisor, administrator or analyst; peers and billing see nothing.
    return Case(
        url=reverse("matching:report"),
        allowed=[cast.sam, cast.ada, cast.olive, cast.analyst],
        outsiders=[],
        without_role=[cast.alice, cast.bill, cast.nobody],
    )


def _request_connected(cast: Cast) -> Case:
    alice = _alice_peer(cast)
    participant = ParticipantFactory(organization=cast.org)
    engagement = Engagement.objects.create(
        participant=participant, organization=cast.org, peer=alice, program="rco", started_at=timezone.now()
    )
    return Case(
        url=reverse("workforce:request_connected", args=[engagement.public_id]),
        allowed=[cast.alice],
        outsiders=[cast.olive],
        without_role=[cast.sam, cast.nobody],
        method="post",
        allowed_status=302,
    )


def _staff_entry(cast: Cast) -> Case:
    # Peers, supervisors and administrators of a service organization take calls; billing, analysts don't.
    return Case(
        url=reverse("intake:staff_entry"),
        allowed=[cast.alice, cast.sam, cast.ada, cast.olive],
        outsiders=[],
        without_role=[cast.bill, cast.analyst, cast.nobody],
    )


def _board_reviewer(cast: Cast) -> tuple[User, User]:
    """The Minnesota board linked to a board organization with reviewer bea; dora reviews for Delaware."""
    from peerway.certification.models import Board

    reviewers = []
    for slug, username in (("mn-mcb", "bea"), ("de-dcb", "dora")):
        organization = OrganizationFactory(slug=f"{slug}-org", kind="cert_board")
        Board.objects.filter(slug=slug).update(organization=organization)
        user = UserFactory(username=username)
        MembershipFactory(user=user, organization=organization, role="board_admin")
        reviewers.append(user)
    return reviewers[0], reviewers[1]


def _cert_application(cast: Cast, status: str = "draft") -> Any:
    from peerway.certification.models import Application, CredentialType

    return Application.objects.create(
        applicant=cast.alice,
        credential_type=CredentialType.objects.get(board__slug="mn-mcb", code="CPRS"),
        status=status,
    )


def _cert_applicant(
    name: str, method: str = "get", data: dict[str, Any] | None = None, status: int = 200
) -> Callable[[Cast], Case]:
    # The applicant's own pages: only alice; her supervisor and other organizations get a 404.
    def build(cast: Cast) -> Case:
        application = _cert_application(cast)
        args: list[Any] = [application.public_id]
        if name == "certification:entry_add":
            args.append("attestations")
        return Case(
            url=reverse(name, args=args),
            allowed=[cast.alice],
            outsiders=[cast.olive],
            without_role=[cast.sam, cast.ada, cast.nobody],
            method=method,
            data=data,
            allowed_status=status,
        )

    return build


def _cert_review_queue(cast: Cast) -> Case:
    bea, dora = _board_reviewer(cast)
    return Case(
        url=reverse("certification:review_queue"),
        allowed=[bea, dora],
        outsiders=[],
        without_role=[cast.alice, cast.sam, cast.ada, cast.nobody, cast.analyst],
    )


def _cert_review(action: str = "") -> Callable[[Cast], Case]:
    def build(cast: Cast) -> Case:
        bea, dora = _board_reviewer(cast)
        application = _cert_application(cast, "submitted")
        if action:
            url = reverse("certification:review_action", args=[application.public_id, action])
        else:
            url = reverse("certification:review", args=[application.public_id])
        return Case(
            url=url,
            allowed=[bea],
            outsiders=[dora, cast.olive],
            without_role=[cast.alice, cast.sam, cast.ada, cast.nobody],
            method="post" if action else "get",
            allowed_status=302 if action else 200,
        )

    return build


def _renewal_start(cast: Cast) -> Case:
    from tests.workforce.credentials_helpers import credential

    held = credential(cast.alice, expires_on=timezone.localdate() + dt.timedelta(days=60))
    return Case(
        url=reverse("career:renewal_start", args=[held.public_id]),
        allowed=[cast.alice],
        outsiders=[cast.olive],
        without_role=[cast.sam, cast.nobody],
        method="post",
        allowed_status=302,
    )


def _supervision(cast: Cast) -> Case:
    # Supervisors (their supervisees) and peers (their own totals); other roles have no such page.
    return Case(
        url=reverse("career:supervision"),
        allowed=[cast.alice, cast.sam, cast.olive],
        outsiders=[],
        without_role=[cast.ada, cast.bill, cast.nobody, cast.analyst],
    )


def _supply(name: str, *args: str) -> Callable[[Cast], Case]:
    # Aggregates for the board and the state: board administrators and analysts; no service-organization role.
    def build(cast: Cast) -> Case:
        board = OrganizationFactory(name="Board", slug="supply-board", kind="cert_board")
        bea = UserFactory(username="bea-supply")
        MembershipFactory(user=bea, organization=board, role="board_admin")
        return Case(
            url=reverse(name, args=list(args)),
            allowed=[bea, cast.analyst],
            outsiders=[cast.olive],
            without_role=[cast.alice, cast.sam, cast.ada, cast.bill, cast.nobody],
        )

    return build


STAFF_URL_CASES: dict[str, Callable[[Cast], Case]] = {
    "career:renewal": _own_page("career:renewal"),
    "career:renewal_start": _renewal_start,
    "career:pathway": _own_page("career:pathway"),
    "career:supervision": _supervision,
    "career:supply": _supply("career:supply"),
    "career:supply_csv": _supply("career:supply_csv"),
    "career:supply_chart": _supply("career:supply_chart", "region"),
    "certification:my": _own_page("certification:my"),
    "certification:application": _cert_applicant("certification:application"),
    "certification:entry_add": _cert_applicant(
        "certification:entry_add",
        "post",
        {"attestations-kinds": ["ethics"], "attestations-jurisdiction_share_percent": "80"},
        302,
    ),
    "certification:entry_delete": _cert_applicant(
        "certification:entry_delete", "post", {"kind": "training", "entry": "0"}, 302
    ),
    # Incomplete: the applicant gets the page listing what is missing (400); nobody else sees it.
    "certification:submit": _cert_applicant("certification:submit", "post", None, 400),
    "certification:review_queue": _cert_review_queue,
    "certification:review": _cert_review(),
    "certification:review_action": _cert_review("start"),
    "intake:staff_entry": _staff_entry,
    "workforce:request_connected": _request_connected,
    "matching:report": _matching_report,
    "workforce:profile_edit": _profile_edit,
    "workforce:queue": _own_page("workforce:queue"),
    "workforce:shift_toggle": _shift_toggle,
    "workforce:offer_accept": _offer_action("workforce:offer_accept"),
    "workforce:offer_decline": _offer_action("workforce:offer_decline"),
    "staff:home": _own_page("staff:home"),
    "recovery:participant_list": _participant_list,
    "recovery:participant_detail": _participant_url("recovery:participant_detail"),
    "recovery:participant_access_history": _access_history,
    "staff:job_detail": _job("staff:job_detail"),
    "staff:access_log_export": _access_log_export,
}
# URLs whose allowed outcome is not a 200 page (a file download needs a finished job): checked for
# tenancy here, and for their success case in their own module.
STAFF_URLS_CHECKED_ELSEWHERE = {
    "staff:job_download": "tests/core/test_jobs.py",
    # A stored file and a decided application: tests/certification checks the applicant, the board's reviewer,
    # another board, another organization and anonymous.
    "certification:evidence": "tests/certification/test_evidence_and_access.py",
    "certification:letter": "tests/certification/test_workflow.py",
    # A stored certificate: its peer, other people and anonymous are checked there.
    "career:ce_certificate": "tests/workforce/test_credentials.py",
}


def iter_staff_url_names() -> Iterator[str]:
    def walk(patterns: list[URLPattern | URLResolver], prefix: str, namespace: str) -> Iterator[str]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = (
                    f"{namespace}:{pattern.namespace}"
                    if namespace and pattern.namespace
                    else pattern.namespace or namespace
                )
                yield from walk(pattern.url_patterns, route, inner or "")
            elif "staff/" in route and pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name

    yield from walk(get_resolver().url_patterns, "", "")


def test_every_staff_url_has_a_case() -> None:
    names = set(iter_staff_url_names())
    assert "recovery:participant_detail" in names, "the URL walk found no staff URLs"
    missing = names - set(STAFF_URL_CASES) - set(STAFF_URLS_CHECKED_ELSEWHERE)
    assert not missing, f"staff URLs without a tenancy case in tests/test_staff_urls.py: {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(STAFF_URL_CASES))
def test_staff_url_is_guarded(cast: Cast, name: str) -> None:
    case = STAFF_URL_CASES[name](cast)
    assert_staff_view_guarded(
        case.url,
        allowed=case.allowed,
        outsiders=case.outsiders,
        without_role=case.without_role,
        method=case.method,
        data=case.data,
        allowed_status=case.allowed_status,
    )
