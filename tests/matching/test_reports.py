"""The supervisors' matching report: concordance on lived experience, as on language and community."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from peerway.intake.models import HelpRequest
from peerway.intake.services import request_accept, request_route
from peerway.matching.reports import SMALL_CELL, matching_report
from tests.factories import MembershipFactory, OrganizationFactory, peer_profile

Submit = Callable[..., tuple[HelpRequest, str]]


def test_the_matching_report_gives_concordance_on_lived_experience(submit: Submit) -> None:
    amina = peer_profile(OrganizationFactory(), name="Amina", lived_experience=("opioids",), caseload_limit=50)
    for _ in range(SMALL_CELL):
        request, _ = submit(lived_experience=("opioids",))
        request_route(request_id=request.pk)
        request_accept(request=request, peer=amina)
    report = matching_report()
    rows = {row.label: row for row in getattr(report, "by_lived_experience", [])}
    assert rows["Opioids"].concordance_percent == 100


def test_a_peer_who_does_not_share_the_experience_is_not_counted_as_concordant(submit: Submit) -> None:
    org = OrganizationFactory()
    amina = peer_profile(org, name="Amina", lived_experience=("opioids",), caseload_limit=50)
    bo = peer_profile(org, name="Bo", lived_experience=("alcohol",), caseload_limit=50)
    for peer in [amina, amina, amina, bo, bo]:
        request, _ = submit(lived_experience=("opioids",))
        request_route(request_id=request.pk)
        request_accept(request=request, peer=peer)
    rows = {row.label: row for row in matching_report().by_lived_experience}
    assert (rows["Opioids"].requests, rows["Opioids"].matched, rows["Opioids"].concordant) == (5, 5, 3)
    assert rows["Opioids"].concordance_percent == 60


def test_the_page_shows_lived_experience_and_suppresses_small_groups(submit: Submit) -> None:
    for _ in range(SMALL_CELL):
        submit(lived_experience=("opioids",))
    for _ in range(SMALL_CELL - 1):
        submit(lived_experience=("veteran",))
    client = Client()
    client.force_login(MembershipFactory(role="supervisor").user)
    body = client.get(reverse("matching:report")).content.decode()
    section = body[body.index("By lived experience") :]
    assert "Opioids" in section and f"<td>{SMALL_CELL}</td>" in section
    assert "Military service" in section and f"fewer than {SMALL_CELL}" in section
    assert f"<td>{SMALL_CELL - 1}</td>" not in section
