"""Credentials for workforce tests, from the fixture credential types loaded after migrate."""

from __future__ import annotations

import datetime as dt

from peerway.accounts.models import User
from peerway.certification.models import Credential, CredentialStatus, CredentialType


def credential_type(code: str = "CPRS", board: str = "mn-mcb") -> CredentialType:
    return CredentialType.objects.get(board__slug=board, code=code, version=1)


def credential(
    holder: User,
    *,
    expires_on: dt.date | None,
    issued_on: dt.date | None = None,
    status: str = CredentialStatus.ACTIVE,
    code: str = "CPRS",
) -> Credential:
    issued = issued_on or (expires_on - dt.timedelta(days=730) if expires_on else dt.date(2024, 1, 1))
    return Credential.objects.create(
        holder=holder, credential_type=credential_type(code), issued_on=issued, expires_on=expires_on, status=status
    )
