"""Every staff URL that exists is registered here and checked with the four kinds of visitor.

Adding a staff URL without a case below fails ``test_every_staff_url_has_a_case``, so no staff page can
ship without its tenancy check.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from peerway.accounts.models import User
from peerway.core.models import AccessAction, AccessEvent, Job, Language
from peerway.intake.models import HelpRequest, Offer
from peerway.recovery.models import Engagement, Instrument, Referral
from peerway.recovery.services.checkins import checkin_record_by_staff
from peerway.recovery.services.checkups import checkups_schedule
from peerway.resources.models import Resource
from peerway.workforce.models import PeerProfile
from tests.factories import MembershipFactory, OrganizationFactory, ParticipantFactory, UserFactory
from tests.helpers import Cast, assert_staff_view_guarded
from tests.recovery.checkups_support import engagement_for
from tests.recovery.records import peer_of, ready_engagement, record


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
    # Reused when it exists already: the crawl builds every case in one database.
    return peer_of(cast.alice, cast, "Alice")


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
            status_token_hash=secrets.token_hex(32),  # unique, as the crawl builds every case in one database
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
    # The signed-in peer's own profile only: Olive, a peer elsewhere with no profile yet, gets hers made there.
    _alice_peer(cast)
    return Case(
        url=reverse("workforce:profile_edit"),
        allowed=[cast.alice, cast.olive],
        outsiders=[],
        without_role=[cast.sam, cast.ada, cast.bill, cast.nobody, cast.analyst],
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


def _engagement_of_alice(cast: Cast) -> Engagement:
    return Engagement.objects.create(
        participant=ParticipantFactory(organization=cast.org),
        organization=cast.org,
        peer=_alice_peer(cast),
        program="rco",
        started_at=timezone.now(),
    )


def _engagement_referrals(cast: Cast) -> Case:
    # Anyone who may open the person's record reads the referrals (an audited read); POSTs are checked in
    # tests/recovery/test_referrals.py (billing reads but does not refer).
    engagement = _engagement_of_alice(cast)
    return Case(
        url=reverse("recovery:engagement_referrals", args=[engagement.public_id]),
        allowed=[cast.alice, cast.sam, cast.ada, cast.bill],
        outsiders=[cast.olive],
        without_role=[cast.nobody, cast.analyst],
    )


def _referral_transition(cast: Cast) -> Case:
    engagement = _engagement_of_alice(cast)
    resource = Resource.objects.create(name="Sample Shared Pantry", category="food")
    referral = Referral.objects.create(engagement=engagement, resource=resource, sent_at=timezone.now())
    return Case(
        url=reverse("recovery:referral_transition", args=[referral.public_id]),
        allowed=[cast.alice],
        outsiders=[cast.olive],
        without_role=[cast.bill, cast.nobody, cast.analyst],
        method="post",
        data={"action": "decline"},
        allowed_status=302,
    )


def _referrals_due(cast: Cast) -> Case:
    # A list of the user's own (peer) or their organization's (supervisor, administrator) referrals: Olive sees
    # her organization's.
    return Case(
        url=reverse("recovery:referrals_due"),
        allowed=[cast.alice, cast.sam, cast.ada, cast.olive],
        outsiders=[],
        without_role=[cast.bill, cast.nobody, cast.analyst],
    )


def _resource_directory(cast: Cast) -> Case:
    # Shared resources and one's own organization's: anyone holding a role somewhere (visibility is tested
    # in tests/resources/test_directory.py). The "nobody" of the cast holds no role.
    return Case(
        url=reverse("resources:directory"),
        allowed=[cast.alice, cast.bill, cast.olive, cast.analyst],
        outsiders=[],
        without_role=[cast.nobody],
    )


def _resource_import(cast: Cast) -> Case:
    return Case(
        url=reverse("resources:import"),
        allowed=[cast.ada, cast.olive],
        outsiders=[],
        without_role=[cast.alice, cast.sam, cast.bill, cast.nobody, cast.analyst],
    )


def _resource_create(cast: Cast) -> Case:
    return Case(
        url=reverse("resources:create"),
        allowed=[cast.ada, cast.olive],
        outsiders=[],
        without_role=[cast.alice, cast.sam, cast.bill, cast.nobody, cast.analyst],
    )


def _resource_edit(cast: Cast) -> Case:
    # One's own organization's resource, by its administrator only; shared ones by the state agency's
    # (tests/resources/test_edit.py).
    item = Resource.objects.create(name="Riverbend Pantry", organization=cast.org, category="food")
    return Case(
        url=reverse("resources:edit", args=[item.public_id]),
        allowed=[cast.ada],
        outsiders=[cast.olive],
        without_role=[cast.alice, cast.sam, cast.bill, cast.nobody, cast.analyst],
    )


def _checkup_list(cast: Cast) -> Case:
    engagement = engagement_for(cast.org)
    checkups_schedule(engagement=engagement)
    return Case(
        url=reverse("recovery:checkup_list", args=[engagement.public_id]),
        allowed=[cast.alice, cast.sam, cast.ada],
        outsiders=[cast.olive],
        without_role=[cast.bill, cast.nobody, cast.analyst],
    )


def _checkup_record(cast: Cast) -> Case:
    engagement = engagement_for(cast.org)
    checkups_schedule(engagement=engagement)
    checkup = engagement.checkups.order_by("sequence").first()
    assert checkup is not None
    # Recorded once: the one allowed visitor records it; everyone else is refused before anything changes.
    return Case(
        url=reverse("recovery:checkup_record", args=[engagement.public_id, checkup.public_id]),
        allowed=[cast.alice],
        outsiders=[cast.olive],
        without_role=[cast.bill, cast.nobody, cast.analyst],
        method="post",
        data={"reached": "no"},
        allowed_status=302,
    )


def _checkup_relinks(cast: Cast) -> Case:
    # Supervisors and administrators, each of their own organizations only (olive's list is her own, empty).
    return Case(
        url=reverse("recovery:checkup_relinks"),
        allowed=[cast.sam, cast.ada, cast.olive],
        outsiders=[],
        without_role=[cast.alice, cast.bill, cast.nobody, cast.analyst],
    )


def _board_reviewer(cast: Cast) -> tuple[User, User]:
    """The Minnesota board linked to a board organization with reviewer bea; dora reviews for Delaware."""
    from peerway.certification.models import Board

    reviewers = []
    for slug, username in (("mn-mcb", "bea"), ("de-dcb", "dora")):
        # Reused when they exist already: the crawl builds every case in one database.
        user = User.objects.filter(username=username).first()
        if user is None:
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


def _participant_create(cast: Cast) -> Case:
    # Records are created in the user's own organization: Olive creates in hers.
    return Case(
        url=reverse("recovery:participant_create"),
        allowed=[cast.alice, cast.sam, cast.ada, cast.olive],
        outsiders=[],
        without_role=[cast.bill, cast.nobody, cast.analyst],
    )


def _participant_edit(name: str) -> Callable[[Cast], Case]:
    def build(cast: Cast) -> Case:
        participant = ParticipantFactory(organization=cast.org)
        return Case(
            url=reverse(name, args=[participant.public_id]),
            allowed=[cast.alice, cast.sam, cast.ada],
            outsiders=[cast.olive],
            without_role=[cast.bill, cast.nobody, cast.analyst],
        )

    return build


def _participant_compare(cast: Cast) -> Case:
    first = ParticipantFactory(organization=cast.org)
    second = ParticipantFactory(organization=cast.org)
    return Case(
        url=reverse("recovery:participant_compare", args=[first.public_id, second.public_id]),
        allowed=[cast.alice, cast.sam, cast.ada, cast.bill],
        outsiders=[cast.olive],
        without_role=[cast.nobody, cast.analyst],
    )


def _participant_merge(cast: Cast) -> Case:
    first = ParticipantFactory(organization=cast.org)
    second = ParticipantFactory(organization=cast.org)
    return Case(
        url=reverse("recovery:participant_merge", args=[first.public_id, second.public_id]),
        allowed=[cast.sam],
        outsiders=[cast.olive],
        without_role=[cast.alice, cast.bill, cast.nobody],
        method="post",
        data={"keep": str(first.public_id)},
        allowed_status=302,
    )


def _engagement_page(cast: Cast) -> Case:
    engagement = ready_engagement(cast)
    return Case(
        url=reverse("recovery:engagement_detail", args=[engagement.public_id]),
        allowed=[cast.alice, cast.sam, cast.ada, cast.bill],
        outsiders=[cast.olive],
        without_role=[cast.nobody, cast.analyst],
    )


def _engagement_post(name: str, data: dict[str, str] | None = None) -> Callable[[Cast], Case]:
    # Refusals (a second status change, a repeated attestation) come back as a message on the page: a redirect.
    def build(cast: Cast) -> Case:
        engagement = ready_engagement(cast, notice=False)
        return Case(
            url=reverse(name, args=[engagement.public_id]),
            allowed=[cast.alice, cast.sam, cast.ada],
            outsiders=[cast.olive],
            without_role=[cast.bill, cast.nobody],
            method="post",
            data=data,
            allowed_status=302,
        )

    return build


def _engagement_handoff(cast: Cast) -> Case:
    engagement = ready_engagement(cast)
    return Case(
        url=reverse("recovery:engagement_handoff", args=[engagement.public_id]),
        allowed=[cast.sam, cast.ada],
        outsiders=[cast.olive],
        without_role=[cast.alice, cast.bill, cast.nobody],
    )


def _contact_create(cast: Cast) -> Case:
    engagement = ready_engagement(cast)
    return Case(
        url=reverse("recovery:contact_create", args=[engagement.public_id]),
        allowed=[cast.alice, cast.sam, cast.ada],
        outsiders=[cast.olive],
        without_role=[cast.bill, cast.nobody],
    )


def _contact_url(
    name: str, allowed: tuple[str, ...], without: tuple[str, ...], method: str = "get"
) -> Callable[[Cast], Case]:
    def build(cast: Cast) -> Case:
        cast.org.contact_cosign_policy = "all"
        cast.org.save()
        contact = record(ready_engagement(cast), cast.alice)
        return Case(
            url=reverse(name, args=[contact.public_id]),
            allowed=[getattr(cast, who) for who in allowed],
            outsiders=[cast.olive],
            without_role=[getattr(cast, who) for who in without],
            method=method,
            allowed_status=302 if method == "post" else 200,
        )

    return build


def _contact_cosign_queue(cast: Cast) -> Case:
    return Case(
        url=reverse("recovery:contact_cosign_queue"),
        allowed=[cast.sam, cast.ada, cast.olive],
        outsiders=[],
        without_role=[cast.alice, cast.bill, cast.nobody, cast.analyst],
    )


def _engagement(cast: Cast) -> Engagement:
    return Engagement.objects.create(
        participant=ParticipantFactory(organization=cast.org),
        organization=cast.org,
        peer=_alice_peer(cast),
        program="rco",
        started_at=timezone.now(),
    )


def _plan_page(name: str) -> Callable[[Cast], Case]:
    # The plan and its PDF: anyone who may open the person's record in the organization (billing reads it).
    def build(cast: Cast) -> Case:
        engagement = _engagement(cast)
        return Case(
            url=reverse(name, args=[engagement.public_id]),
            allowed=[cast.alice, cast.sam, cast.ada, cast.bill],
            outsiders=[cast.olive],
            without_role=[cast.nobody, cast.analyst],
        )

    return build


def _engagement_messages(cast: Cast) -> Case:
    # The engagement's own peer and supervisors/administrators covering; billing does not read messages.
    engagement = _engagement(cast)
    return Case(
        url=reverse("recovery:engagement_messages", args=[engagement.public_id]),
        allowed=[cast.alice, cast.sam, cast.ada],
        outsiders=[cast.olive],
        without_role=[cast.bill, cast.nobody, cast.analyst],
    )


def _participant_space_link(cast: Cast) -> Case:
    participant = ParticipantFactory(organization=cast.org)
    return Case(
        url=reverse("recovery:participant_space_link", args=[participant.public_id]),
        allowed=[cast.alice, cast.sam, cast.ada],
        outsiders=[cast.olive],
        without_role=[cast.bill, cast.nobody, cast.analyst],
        method="post",
        data={"action": "create"},
    )


def _checkin_read(name: str) -> Callable[[Cast], Case]:
    # Reading check-ins: whoever may open the person's record.
    def build(cast: Cast) -> Case:
        participant = ParticipantFactory(organization=cast.org)
        return Case(
            url=reverse(name, args=[participant.public_id]),
            allowed=[cast.alice, cast.sam, cast.ada, cast.bill],
            outsiders=[cast.olive],
            without_role=[cast.nobody, cast.analyst],
        )

    return build


def _checkin_entry(cast: Cast) -> Case:
    # Recording answers: peers, supervisors and administrators; billing staff only read.
    participant = ParticipantFactory(organization=cast.org)
    return Case(
        url=reverse("recovery:checkin_entry", args=[participant.public_id]),
        allowed=[cast.alice, cast.sam, cast.ada],
        outsiders=[cast.olive],
        without_role=[cast.bill, cast.nobody, cast.analyst],
    )


def _checkin_link_new(cast: Cast) -> Case:
    participant = ParticipantFactory(organization=cast.org)
    instrument = Instrument.objects.get(organization=None)
    return Case(
        url=reverse("recovery:checkin_link_new", args=[participant.public_id]),
        allowed=[cast.alice, cast.sam, cast.ada],
        outsiders=[cast.olive],
        without_role=[cast.bill, cast.nobody, cast.analyst],
        method="post",
        data={"instrument": str(instrument.pk)},
    )


def _checkin_fhir(cast: Cast) -> Case:
    participant = ParticipantFactory(organization=cast.org)
    instrument = Instrument.objects.get(organization=None)
    checkin = checkin_record_by_staff(
        participant=participant,
        instrument=instrument,
        answers={item.link_id: "4" for item in instrument.definition.items},
        actor=cast.alice,
    )
    return Case(
        url=reverse("recovery:checkin_fhir", args=[checkin.public_id]),
        allowed=[cast.alice, cast.sam, cast.ada, cast.bill],
        outsiders=[cast.olive],
        without_role=[cast.nobody, cast.analyst],
    )


def _instrument_list(cast: Cast) -> Case:
    # The page lists the instruments of the organizations one administers: Olive sees her own.
    return Case(
        url=reverse("recovery:instrument_list"),
        allowed=[cast.ada, cast.olive],
        outsiders=[],
        without_role=[cast.alice, cast.sam, cast.bill, cast.nobody, cast.analyst],
    )


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
        # Named after the URL, so the crawl can build every case in one database.
        suffix = name.partition(":")[2].replace("_", "-")
        board = OrganizationFactory(name="Board", slug=f"{suffix}-board", kind="cert_board")
        bea = UserFactory(username=f"bea-{suffix}")
        MembershipFactory(user=bea, organization=board, role="board_admin")
        return Case(
            url=reverse(name, args=list(args)),
            allowed=[bea, cast.analyst],
            outsiders=[cast.olive],
            without_role=[cast.alice, cast.sam, cast.ada, cast.bill, cast.nobody],
        )

    return build


def _caseload(cast: Cast) -> Case:
    # The peer's own engagements (none of another organization can appear): Olive, a peer in hers, sees her own.
    return Case(
        url=reverse("recovery:caseload"),
        allowed=[cast.alice, cast.olive],
        outsiders=[],
        without_role=[cast.sam, cast.ada, cast.bill, cast.nobody, cast.analyst],
    )


def _team_caseload(cast: Cast) -> Case:
    # The team of the organizations one supervises: Olive supervises hers.
    return Case(
        url=reverse("recovery:team_caseload"),
        allowed=[cast.sam, cast.olive],
        outsiders=[],
        without_role=[cast.alice, cast.ada, cast.bill, cast.nobody, cast.analyst],
    )


STAFF_URL_CASES: dict[str, Callable[[Cast], Case]] = {
    "recovery:engagement_referrals": _engagement_referrals,
    "recovery:referral_transition": _referral_transition,
    "recovery:referrals_due": _referrals_due,
    "resources:directory": _resource_directory,
    "resources:import": _resource_import,
    "resources:create": _resource_create,
    "resources:edit": _resource_edit,
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
    "recovery:checkup_list": _checkup_list,
    "recovery:checkup_record": _checkup_record,
    "recovery:checkup_relinks": _checkup_relinks,
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
    "recovery:participant_create": _participant_create,
    "recovery:participant_edit": _participant_edit("recovery:participant_edit"),
    "recovery:participant_compare": _participant_compare,
    "recovery:participant_merge": _participant_merge,
    "recovery:engagement_start": _participant_edit("recovery:engagement_start"),
    "recovery:engagement_detail": _engagement_page,
    "recovery:engagement_status": _engagement_post("recovery:engagement_status", {"action": "checkup"}),
    "recovery:engagement_notice": _engagement_post("recovery:engagement_notice"),
    "recovery:engagement_attest": _engagement_post("recovery:engagement_attest"),
    "recovery:engagement_handoff": _engagement_handoff,
    "recovery:contact_create": _contact_create,
    "recovery:contact_detail": _contact_url(
        "recovery:contact_detail", ("alice", "sam", "ada", "bill"), ("nobody", "analyst")
    ),
    "recovery:contact_correct": _contact_url("recovery:contact_correct", ("alice", "sam", "ada"), ("bill", "nobody")),
    "recovery:contact_cosign": _contact_url(
        "recovery:contact_cosign", ("sam", "ada"), ("alice", "bill", "nobody"), method="post"
    ),
    "recovery:contact_cosign_queue": _contact_cosign_queue,
    "recovery:engagement_plan": _plan_page("recovery:engagement_plan"),
    "recovery:engagement_plan_pdf": _plan_page("recovery:engagement_plan_pdf"),
    "recovery:engagement_messages": _engagement_messages,
    "recovery:participant_space_link": _participant_space_link,
    "recovery:checkin_list": _checkin_read("recovery:checkin_list"),
    "recovery:checkin_chart": _checkin_read("recovery:checkin_chart"),
    "recovery:checkin_entry": _checkin_entry,
    "recovery:checkin_link_new": _checkin_link_new,
    "recovery:checkin_fhir": _checkin_fhir,
    "recovery:instrument_list": _instrument_list,
    "career:renewal": _own_page("career:renewal"),
    "career:renewal_start": _renewal_start,
    "career:pathway": _own_page("career:pathway"),
    "career:supervision": _supervision,
    "career:supply": _supply("career:supply"),
    "career:supply_csv": _supply("career:supply_csv"),
    "career:supply_chart": _supply("career:supply_chart", "region"),
    "recovery:caseload": _caseload,
    "recovery:team_caseload": _team_caseload,
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


# Production runs views without ATOMIC_REQUESTS, while every other test here runs inside pytest-django's wrapping
# transaction, which hides a view that writes an AccessEvent (or locks rows) outside a transaction of its own.
# These tests run with real transactions. The crawl is one test, not one per URL, because emptying the database
# after each transactional test costs over a second on PostgreSQL.
@pytest.mark.django_db(transaction=True)
def test_every_staff_url_works_outside_a_test_transaction(cast: Cast) -> None:
    failures = []
    for name in sorted(STAFF_URL_CASES):
        case = STAFF_URL_CASES[name](cast)
        for user in case.allowed:
            client = Client()
            client.force_login(user)
            # Every broken URL is listed, not only the first.
            try:
                response = getattr(client, case.method)(case.url, case.data or {})
            except Exception as error:
                failures.append(f"{name} as {user.username}: {error!r}")
                continue
            if response.status_code != case.allowed_status:
                failures.append(f"{name} as {user.username}: {response.status_code}, not {case.allowed_status}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db(transaction=True)
def test_the_contact_form_and_its_invalid_post_are_shown_and_audited_outside_a_test_transaction(cast: Cast) -> None:
    url = reverse("recovery:contact_create", args=[ready_engagement(cast).public_id])
    client = Client()
    client.force_login(cast.alice)
    viewed = AccessEvent.objects.filter(actor=cast.alice, action=AccessAction.VIEWED, reason="contact form")
    assert client.get(url).status_code == 200
    assert viewed.count() == 1
    # An invalid POST from the form's own page (not from the engagement page) shows the form again.
    assert client.post(url, {}).status_code == 400
    assert viewed.count() == 2
