"""Guards found by mutation testing: the staff home's link to the matching report."""

from __future__ import annotations

from django.test import Client

from peerway.accounts.selectors import memberships_for_user, staff_links
from tests.helpers import Cast


def test_an_analyst_is_offered_the_matching_report_that_opens_for_them(cast: Cast) -> None:
    # "A link shown must open": the report admits analysts (matching.views.REPORT_ROLES), so the home offers it.
    assert staff_links(memberships_for_user(cast.analyst))["matching_report"] is True
    client = Client()
    client.force_login(cast.analyst)
    assert client.get("/staff/reports/matching/").status_code == 200
