from __future__ import annotations

import threading

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.test import override_settings

from peerway.privacy.fields import DecryptionError, EncryptedCharField, EncryptedTextField
from peerway.recovery.models import Participant
from tests.factories import OrganizationFactory

PLAINTEXT = {
    "preferred_name": "Ayaan Warsame-Lee",
    "phone": "(651) 555-0123",
    "email": "ayaan.sample@example.test",
    "medicaid_id": "ZZ12345678",
    "communities_own_words": "East African, Muslim, raising two kids",
}


def _raw_row(public_id: object, table: str = "recovery_participant") -> dict[str, object]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM {table} WHERE public_id = %s",
            [public_id.hex if connection.vendor == "sqlite" else public_id],
        )
        columns = [col[0] for col in cursor.description]
        return dict(zip(columns, cursor.fetchone(), strict=True))


def _fragments(text: str, size: int = 4) -> set[str]:
    return {text[i : i + size] for i in range(len(text) - size + 1)}


@pytest.mark.django_db
def test_raw_database_value_differs_and_holds_no_part_of_the_plaintext() -> None:
    participant = Participant.objects.create(organization=OrganizationFactory(), **PLAINTEXT)
    row = _raw_row(participant.public_id)
    for field, plaintext in PLAINTEXT.items():
        raw = str(row[field])
        assert raw != plaintext
        assert raw.startswith("gAAAAA"), f"{field} is not a Fernet token"
        leaked = {fragment for fragment in _fragments(plaintext) if fragment in raw}
        assert not leaked, f"{field}'s raw value contains parts of the plaintext: {leaked}"
    # The digits of the phone number are not in the row at all, in any column.
    assert "5550123" not in "".join(str(value) for value in row.values()).replace("-", "")


@pytest.mark.django_db
def test_reading_through_the_orm_gives_the_plaintext_back() -> None:
    participant = Participant.objects.create(organization=OrganizationFactory(), **PLAINTEXT)
    fresh = Participant.objects.get(pk=participant.pk)
    for field, plaintext in PLAINTEXT.items():
        assert getattr(fresh, field) == plaintext


@pytest.mark.django_db
def test_change_history_keeps_ciphertext_only() -> None:
    participant = Participant.objects.create(organization=OrganizationFactory(), **PLAINTEXT)
    participant.phone = "(651) 555-0199"
    participant.save()
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM recovery_historicalparticipant")
        raws = [row[0] for row in cursor.fetchall()]
    assert len(raws) == 2
    assert all(raw.startswith("gAAAAA") and "555" not in raw for raw in raws)


@pytest.mark.django_db
def test_a_value_encrypted_with_an_unknown_key_raises_instead_of_showing_ciphertext() -> None:
    participant = Participant.objects.create(organization=OrganizationFactory(), **PLAINTEXT)
    with override_settings(FIELD_ENCRYPTION_KEYS=[Fernet.generate_key().decode()]), pytest.raises(DecryptionError):
        Participant.objects.get(pk=participant.pk)


@pytest.mark.django_db
def test_key_rotation_reads_old_values_and_writes_with_the_new_key(settings: object) -> None:
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)  # type: ignore[attr-defined]
    participant = Participant.objects.create(organization=OrganizationFactory(), **PLAINTEXT)
    new_key = Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, *old_keys]):
        rotated = Participant.objects.get(pk=participant.pk)
        assert rotated.phone == PLAINTEXT["phone"]
        rotated.save()
    raw = str(_raw_row(participant.public_id)["phone"])
    assert Fernet(new_key.encode()).decrypt(raw.encode()).decode() == PLAINTEXT["phone"]


@pytest.mark.parametrize("field_class", [EncryptedCharField, EncryptedTextField])
def test_two_threads_can_clean_the_same_field_at_once(field_class: type[EncryptedTextField]) -> None:
    # A model's field object is shared by every thread. Both threads wait inside the field's validation
    # until the other is there too, so their cleans overlap for sure: a clean that keeps state on the field
    # (as django-fernet-encrypted-fields' own does) fails in one of them.
    both_inside = threading.Barrier(2, timeout=10)
    field = field_class(max_length=40, validators=[lambda value: both_inside.wait()])
    results: dict[str, object] = {}

    def clean(value: str) -> None:
        try:
            results[value] = field.clean(value, None)
        except Exception as error:  # reported by the assertion below, whatever it is
            results[value] = error

    threads = [threading.Thread(target=clean, args=(value,)) for value in ("(651) 555-0123", "(612) 555-0142")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert results == {"(651) 555-0123": "(651) 555-0123", "(612) 555-0142": "(612) 555-0142"}
