from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peerway.privacy.blind_index import blind_index, normalize_identifier, normalize_phone
from peerway.recovery.models import Participant
from tests.factories import OrganizationFactory

KEY = "k" * 40
digits = st.text(alphabet="0123456789", min_size=10, max_size=10)


@given(digits)
def test_phone_formats_of_the_same_number_share_one_index(number: str) -> None:
    formats = [
        number,
        f"({number[:3]}) {number[3:6]}-{number[6:]}",
        f"+1 {number[:3]} {number[3:6]} {number[6:]}",
        f"1-{number[:3]}-{number[3:6]}-{number[6:]}",
    ]
    indexes = {blind_index(normalize_phone(f), key=KEY, purpose="phone") for f in formats}
    assert len(indexes) == 1


@given(st.text(min_size=1, max_size=30).filter(str.strip))
def test_purposes_and_keys_keep_indexes_unlinkable(value: str) -> None:
    as_phone = blind_index(value, key=KEY, purpose="phone")
    assert as_phone != blind_index(value, key=KEY, purpose="medicaid_id")
    assert as_phone != blind_index(value, key="other" * 8, purpose="phone")
    assert len(as_phone) == 64


def test_identifiers_ignore_case_spaces_and_dashes() -> None:
    assert normalize_identifier(" zz-1234 5678 ") == normalize_identifier("ZZ12345678")


def test_empty_values_have_an_empty_index() -> None:
    assert blind_index("", key=KEY, purpose="phone") == ""


@pytest.mark.django_db
def test_a_participant_can_be_found_by_phone_without_decrypting() -> None:
    organization = OrganizationFactory()
    wanted = Participant.objects.create(organization=organization, phone="612-555-0142", medicaid_id="ZZ 99")
    Participant.objects.create(organization=organization, phone="612-555-0143")
    from peerway.privacy.fields import identifier_index, phone_index

    assert list(Participant.objects.filter(phone_index=phone_index("+1 (612) 555 0142"))) == [wanted]
    assert list(Participant.objects.filter(medicaid_id_index=identifier_index("zz99", purpose="medicaid_id"))) == [
        wanted
    ]
