"""Odd input on PostgreSQL, which is stricter than SQLite: a NUL character in text, a number or string beyond a
column. Every case here must end in an error the person can act on, never a server error, and write nothing.

A sweep of every staff and public form (each field replaced in turn by a NUL, a 30-digit or 400-digit number,
1e400, NaN, -1, year 0 and 99999, 30 February and 3,000 characters) and of the query strings the views read found
no other server error on PostgreSQL; it is not kept here (it runs for many minutes).
"""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from peerway.recovery.models import Instrument
from peerway.recovery.services.checkins import PEERWAY_CHECKIN_FILE
from tests.helpers import Cast

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _questionnaire(**changes: str) -> bytes:
    data = json.loads(PEERWAY_CHECKIN_FILE.read_text())
    data.update(url="https://example.org/Questionnaire/licensed", version="1", title="A licensed instrument")
    data.update(changes)
    return json.dumps(data).encode()  # a NUL character is written \u0000, as any JSON library writes it


def _upload(cast: Cast, raw: bytes) -> object:
    return _client(cast.ada).post(
        "/staff/instruments/", {"organization": cast.org.pk, "file": SimpleUploadedFile("q.json", raw)}
    )


def test_a_licensed_questionnaire_still_loads(cast: Cast) -> None:
    # The baseline of the cases below: the same file without the NUL character is loaded.
    response = _upload(cast, _questionnaire())
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert Instrument.objects.filter(organization=cast.org, title="A licensed instrument").exists()


@pytest.mark.parametrize(
    "field, value",
    [
        ("title", "A licensed\x00 instrument"),  # only in the stored JSON: jsonb refuses the \u0000 escape
        ("publisher", "Sample Publisher\x00"),  # likewise, a field Peerway does not otherwise use
        ("url", "https://example.org/Questionnaire/licensed\x00"),  # the duplicate check's lookup fails first
        ("version", "1\x00"),
    ],
)
def test_a_questionnaire_with_a_nul_character_is_refused_with_its_path(cast: Cast, field: str, value: str) -> None:
    response = _upload(cast, _questionnaire(**{field: value}))
    assert response.status_code in (200, 400), response.status_code  # type: ignore[attr-defined]
    body = response.content.decode()  # type: ignore[attr-defined]
    assert "NUL" in body or "\\u0000" in body or "null character" in body.lower(), "the problem is named"
    assert field in body, "with the path of the field"
    assert not Instrument.objects.filter(organization=cast.org).exists()
