"""Encrypted model fields keyed by FIELD_ENCRYPTION_KEY, and blind-index helpers bound to settings.

We build on django-fernet-encrypted-fields but take its keys from our own setting: that library derives
its key from SECRET_KEY, and rotating the session secret must never make stored records unreadable.
A value that cannot be decrypted raises instead of being shown as ciphertext.
"""

from __future__ import annotations

import functools
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from encrypted_fields import fields as base

from peerway.privacy.blind_index import blind_index, normalize_email, normalize_identifier, normalize_phone


class DecryptionError(ImproperlyConfigured):
    """Stored ciphertext could not be decrypted with any configured FIELD_ENCRYPTION_KEY."""


@functools.lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


class _PeerwayKeys:
    # Looked up on each use (and cached per key list) so that a key rotation in settings takes effect.
    @property
    def f(self) -> MultiFernet:
        return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        try:
            plaintext = self.f.decrypt(value.encode()).decode()
        except InvalidToken:
            raise DecryptionError(
                "A stored value could not be decrypted: check FIELD_ENCRYPTION_KEY "
                "(keep old keys listed when rotating)."
            ) from None
        return self.to_python(plaintext)

    def to_python(self, value: Any) -> Any:
        # Values from forms, fixtures and code are plaintext; only from_db_value sees ciphertext.
        return super(base.EncryptedFieldMixin, self).to_python(value)  # type: ignore[misc]

    def clean(self, value: Any, model_instance: Any) -> Any:
        # Django's own clean. The library's marks the field object while it cleans (so that its to_python does
        # not try to decrypt) and unmarks it after; a model's field object is shared by every thread, so two
        # threads cleaning at once (a threaded server: `make demo`, gthread workers) raced on that mark and one
        # failed with AttributeError. This to_python never decrypts, so there is nothing to mark.
        return super(base.EncryptedFieldMixin, self).clean(value, model_instance)  # type: ignore[misc]


class EncryptedCharField(_PeerwayKeys, base.EncryptedCharField):
    pass


class EncryptedTextField(_PeerwayKeys, base.EncryptedTextField):
    pass


class EncryptedDateField(_PeerwayKeys, base.EncryptedDateField):
    pass


def phone_index(raw: str) -> str:
    return blind_index(normalize_phone(raw), key=settings.BLIND_INDEX_KEY, purpose="phone")


def identifier_index(raw: str, *, purpose: str) -> str:
    return blind_index(normalize_identifier(raw), key=settings.BLIND_INDEX_KEY, purpose=purpose)


def email_index(raw: str) -> str:
    return blind_index(normalize_email(raw), key=settings.BLIND_INDEX_KEY, purpose="email")
