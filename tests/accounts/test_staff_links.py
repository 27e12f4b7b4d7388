"""The staff home offers a page only when that page's own rule lets the user in."""

from __future__ import annotations

import pytest

from peerway.accounts.selectors import memberships_for_user, staff_links
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.mark.parametrize("kind", ["cert_board", "accreditation_body", "state_agency"])
def test_an_administrator_of_an_organization_that_serves_nobody_directly_is_offered_no_records(
    db: None, kind: str
) -> None:
    user = UserFactory()
    MembershipFactory(user=user, organization=OrganizationFactory(kind=kind), role="org_admin")
    can = staff_links(memberships_for_user(user))
    assert can["participants"] is False
    assert can["access_log_export"] is False
    assert can["referrals_due"] is False


@pytest.mark.parametrize("kind", ["rco", "sud_245g", "withdrawal_mgmt"])
def test_an_administrator_of_a_service_organization_is_offered_records_and_the_access_log(db: None, kind: str) -> None:
    user = UserFactory()
    MembershipFactory(user=user, organization=OrganizationFactory(kind=kind), role="org_admin")
    can = staff_links(memberships_for_user(user))
    assert can["participants"] is True
    assert can["access_log_export"] is True
    assert can["referrals_due"] is True


def test_billing_staff_see_records_but_not_the_access_log(db: None) -> None:
    user = UserFactory()
    MembershipFactory(user=user, organization=OrganizationFactory(), role="billing")
    can = staff_links(memberships_for_user(user))
    assert (can["participants"], can["access_log_export"]) == (True, False)
