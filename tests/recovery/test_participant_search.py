"""The participant list's phone search: POSTed, so the number searched for never goes into a URL."""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

from django.test import Client
from django.urls import reverse

from peerway.core.models import AccessAction, AccessEvent
from tests.factories import ParticipantFactory
from tests.helpers import Cast

PHONE = "(612) 555-0199"


def _urls_in(body: str) -> list[str]:
    """Every address in the page (links, form actions, sources), decoded and with a phone's separators dropped."""
    return [
        re.sub(r"[\s().+-]", "", unquote_plus(value))
        for value in re.findall(r'(?:href|action|src|formaction|hx-[a-z]+)="([^"]*)"', body)
    ]


def _client(cast: Cast) -> Client:
    client = Client()
    client.force_login(cast.alice)
    return client


def test_a_phone_number_searched_for_never_goes_into_a_url(cast: Cast) -> None:
    for _ in range(51):
        ParticipantFactory(organization=cast.org, phone=PHONE, preferred_name="Sample Caller")
    ParticipantFactory(organization=cast.org, phone="(612) 555-0142", preferred_name="Sample Other")
    client = _client(cast)
    url = reverse("recovery:participant_list")
    response = client.post(url, {"phone": PHONE})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("Sample Caller") == 50 and "Sample Other" not in body
    assert "Page 1 of 2" in body
    assert not [address for address in _urls_in(body) if "6125550199" in address]
    # The next page is a POSTed form whose hidden field carries the number, not a link.
    assert re.search(r'<button type="submit" class="button" name="page" value="2">', body)
    second = client.post(url, {"phone": PHONE, "page": "2"}).content.decode()
    assert second.count("Sample Caller") == 1 and "Page 2 of 2" in second
    assert not [address for address in _urls_in(second) if "6125550199" in address]


def test_a_phone_in_the_address_searches_for_nothing(cast: Cast) -> None:
    ParticipantFactory(organization=cast.org, phone=PHONE, preferred_name="Sample Caller")
    ParticipantFactory(organization=cast.org, phone="(612) 555-0142", preferred_name="Sample Other")
    body = _client(cast).get(reverse("recovery:participant_list"), {"phone": PHONE}).content.decode()
    assert "Sample Caller" in body and "Sample Other" in body  # the whole list: ?phone= is ignored
    field = re.search(r'<input[^>]*name="phone"[^>]*>', body)
    assert field is not None and "0199" not in field.group(0)  # nor is the number put back into the form
    # The search form posts to the bare address, so the number in this page's address is not carried along.
    assert re.search(rf'<form method="post" action="{reverse("recovery:participant_list")}"', body)
    assert not [address for address in _urls_in(body) if "6125550199" in address]


def test_the_search_is_protected_against_cross_site_requests(cast: Cast) -> None:
    ParticipantFactory(organization=cast.org, phone=PHONE)
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.alice)
    url = reverse("recovery:participant_list")
    assert client.post(url, {"phone": PHONE}).status_code == 403
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(url).content.decode())
    assert token is not None
    assert client.post(url, {"phone": PHONE, "csrfmiddlewaretoken": token.group(1)}).status_code == 200


def test_a_search_without_digits_is_an_error_next_to_the_field_with_the_typed_value(cast: Cast) -> None:
    ParticipantFactory(organization=cast.org, preferred_name="Sample Caller")
    client = _client(cast)
    before = AccessEvent.objects.count()
    response = client.post(reverse("recovery:participant_list"), {"phone": "call me"})
    assert response.status_code == 400
    body = response.content.decode()
    assert '<label for="id_phone">Find by phone number</label>' in body
    assert '<ul class="field-errors" id="id_phone_error"><li>Enter the phone number with its digits' in body
    field = re.search(r'<input[^>]*name="phone"[^>]*>', body)
    assert field is not None
    assert 'value="call me"' in field.group(0) and 'aria-invalid="true"' in field.group(0)
    assert "id_phone_error" in field.group(0)  # aria-describedby: the error is read with the field
    assert "Sample Caller" not in body and AccessEvent.objects.count() == before  # nobody listed
    empty = client.post(reverse("recovery:participant_list"), {"phone": ""})
    assert empty.status_code == 400 and "Enter the phone number to find." in empty.content.decode()


def test_a_search_logs_one_listed_event_per_person_shown(cast: Cast) -> None:
    found = ParticipantFactory(organization=cast.org, phone=PHONE)
    ParticipantFactory(organization=cast.org, phone="(612) 555-0142")
    AccessEvent.objects.all().delete()
    _client(cast).post(reverse("recovery:participant_list"), {"phone": "+1 612 555 0199"})
    [event] = AccessEvent.objects.all()
    assert (event.subject_id, event.action, event.reason) == (found.public_id, AccessAction.LISTED, "participant list")
