"""Review of the Django admin across apps: what it shows of people and their credentials, and what it lets a
platform administrator change outside the services (audit rows, a peer's shift, readonly fields via history)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerway.accounts.models import User
from peerway.certification import services as certification
from peerway.certification.models import ApplicationTransition, CredentialType
from peerway.core.models import AccessEvent
from peerway.workforce.models import PeerProfile, PeerStatus
from peerway.workforce.services import peer_shift_set
from tests.factories import OrganizationFactory, UserFactory, peer_profile

REASON = "Sample reason: the applicant disclosed a relapse in March during the interview."


def _root() -> tuple[User, Client]:
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client(raise_request_exception=False)
    client.force_login(root)
    return root, client


def _transition() -> ApplicationTransition:
    applicant = UserFactory(username="applicant", first_name="Sample", last_name="Applicant")
    credential_type = CredentialType.objects.filter(board__slug="mn-mcb", code="CPRS").latest("version")
    application = certification.application_create(applicant=applicant, credential_type=credential_type)
    reviewer = UserFactory(username="reviewer")
    return ApplicationTransition.objects.create(
        application=application,
        actor=reviewer,
        at=timezone.now(),
        source="under_review",
        target="denied",
        reason=REASON,
    )


@pytest.mark.django_db
def test_the_admin_cannot_add_rows_to_the_application_audit_trail() -> None:
    transition = _transition()
    _root_user, client = _root()
    assert client.get(reverse("admin:certification_applicationtransition_add")).status_code == 403
    forged = {
        "application": transition.application.pk,
        "actor": transition.actor.pk,
        "at_0": "2026-01-01",
        "at_1": "10:00:00",
        "source": "submitted",
        "target": "approved",
    }
    assert client.post(reverse("admin:certification_applicationtransition_add"), forged).status_code == 403
    assert ApplicationTransition.objects.count() == 1


@pytest.mark.django_db
def test_the_admin_never_shows_a_staff_members_totp_secret() -> None:
    from allauth.mfa.models import Authenticator

    staff = UserFactory(username="staff-with-totp")
    secret = "JBSWY3DPEHPK3PXPSAMPLESECRET"
    authenticator = Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": secret})
    _root_user, client = _root()
    listed = client.get(reverse("admin:mfa_authenticator_changelist"))
    assert listed.status_code == 200 and str(authenticator.pk) in listed.content.decode()
    page = client.get(reverse("admin:mfa_authenticator_change", args=[authenticator.pk]))
    assert page.status_code == 200 and secret not in page.content.decode()
    # Nobody adds or changes another person's second factor here; deleting one (a lost phone) stays possible.
    assert client.get(reverse("admin:mfa_authenticator_add")).status_code == 403
    changed = client.post(reverse("admin:mfa_authenticator_change", args=[authenticator.pk]), {"data": "{}"})
    assert changed.status_code == 403
    authenticator.refresh_from_db()
    assert authenticator.data == {"secret": secret}
    assert client.get(reverse("admin:mfa_authenticator_delete", args=[authenticator.pk])).status_code == 200


@pytest.mark.django_db
def test_reading_a_decision_reason_in_the_admin_is_audited_or_not_shown() -> None:
    transition = _transition()
    _root_user, client = _root()
    response = client.get(reverse("admin:certification_applicationtransition_change", args=[transition.pk]))
    assert response.status_code == 200  # the trail is readable...
    # ... but not the reason, whose reading is a board reviewer's, audited on the board pages.
    assert REASON not in response.content.decode()


@pytest.mark.django_db
def test_the_access_log_cannot_be_added_changed_or_deleted_in_the_admin() -> None:
    root, client = _root()
    event = AccessEvent.objects.create(
        actor=root,
        actor_role="org_admin",
        organization=OrganizationFactory(),
        subject_type="participant",
        subject_id="00000000-0000-4000-8000-000000000001",
        action="viewed",
    )
    assert client.get(reverse("admin:core_accessevent_add")).status_code == 403
    change = reverse("admin:core_accessevent_change", args=[event.pk])
    client.post(change, {"actor_role": "nobody", "reason": "edited", "action": "listed"})
    delete = reverse("admin:core_accessevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    bulk = client.post(
        reverse("admin:core_accessevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    event.refresh_from_db()
    assert (event.actor_role, event.reason, event.action) == ("org_admin", "", "viewed")


@pytest.mark.django_db
def test_reverting_a_peer_profile_from_history_does_not_put_the_peer_back_on_shift() -> None:
    amina = peer_profile(OrganizationFactory(), name="Amina", on_shift=False)
    peer_shift_set(profile=amina, on_shift=True)
    on_shift_version = PeerProfile.history.filter(id=amina.pk, on_shift=True).latest("history_date")
    peer_shift_set(profile=amina, on_shift=False)  # the peer goes home
    amina.refresh_from_db()
    amina.display_name = "Amina K."  # and later changes the name she shares
    amina.save()
    _root_user, client = _root()
    url = reverse("admin:workforce_peerprofile_simple_history", args=[amina.pk, on_shift_version.history_id])
    response = client.post(url, {"status": PeerStatus.ACTIVE})
    assert response.status_code in (200, 302, 403)
    amina.refresh_from_db()
    assert (amina.on_shift, amina.on_shift_since, amina.display_name) == (False, None, "Amina K.")


@pytest.mark.django_db
def test_a_staff_account_with_no_admin_permission_sees_no_people_in_the_admin() -> None:
    # is_staff alone opens the admin's index, but no model: neither users, peers, credentials nor the access log.
    staff = UserFactory(username="limited", is_staff=True)
    peer_profile(OrganizationFactory(), name="Amina")
    client = Client(raise_request_exception=False)
    client.force_login(staff)
    for name in [
        "accounts_user",
        "accounts_membership",
        "workforce_peerprofile",
        "certification_credential",
        "certification_applicationtransition",
        "core_accessevent",
        "mfa_authenticator",
        "account_emailaddress",
        "axes_accessattempt",
    ]:
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 403, name
    assert "Amina" not in client.get(reverse("admin:index")).content.decode()


@pytest.mark.django_db
def test_a_credential_in_the_admin_keeps_its_holder_and_number_and_is_not_deleted() -> None:
    from peerway.certification.models import Credential

    holder, other = UserFactory(username="holder"), UserFactory(username="someone-else")
    credential = Credential.objects.create(
        holder=holder,
        credential_type=CredentialType.objects.filter(board__slug="mn-mcb", code="CPRS").latest("version"),
        issued_on=timezone.localdate(),
    )
    number = credential.number
    _root_user, client = _root()
    url = reverse("admin:certification_credential_change", args=[credential.pk])
    sent = {"holder": other.pk, "number": "RENUMBER1", "status": "suspended", "expires_on": "", "application": ""}
    assert client.post(url, sent).status_code == 302
    credential.refresh_from_db()
    # The status changes (a board suspends here); who holds it and its number do not.
    assert (credential.holder, credential.number, credential.status) == (holder, number, "suspended")
    assert client.get(reverse("admin:certification_credential_delete", args=[credential.pk])).status_code == 403
