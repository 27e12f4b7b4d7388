"""Guards found by mutation testing: what the blind indexes treat as the same identifier, and what not."""

from __future__ import annotations

import pytest

from peerway.privacy.blind_index import blind_index, normalize_phone
from peerway.privacy.fields import email_index, phone_index

KEY = "k" * 40


def test_only_a_leading_us_country_code_is_dropped_from_an_eleven_digit_number() -> None:
    # "2 123 456 7890" is not "+1 123 456 7890": only a leading 1 is the US country code.
    assert normalize_phone("21234567890") == "21234567890"
    assert phone_index("21234567890") != phone_index("(123) 456-7890")
    assert blind_index(normalize_phone("+1 123 456 7890"), key=KEY, purpose="phone") == blind_index(
        normalize_phone("1234567890"), key=KEY, purpose="phone"
    )


def test_an_email_address_is_indexed_whatever_its_case_and_surrounding_spaces() -> None:
    assert email_index(" Sample.Person@Example.ORG ") == email_index("sample.person@example.org")


@pytest.mark.django_db
def test_a_duplicate_is_found_by_an_email_typed_in_another_case() -> None:
    from peerway.recovery.models import Participant
    from peerway.recovery.selectors.participants import participant_duplicates
    from tests.factories import OrganizationFactory

    organization = OrganizationFactory()
    existing = Participant.objects.create(organization=organization, email="sample.person@example.org")
    found = participant_duplicates(organization_id=organization.pk, email="Sample.Person@Example.org")
    assert [participant for participant, _labels in found] == [existing]
