"""Staff entry of a request taken on a phone line, a text line or in person, at /staff/intake/new/.

The same questions as the public form plus the request's source; the request is recorded with who entered it
and a "created" access event in the staff member's organization. Routing runs on the worker; here it is only
checked to be queued.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from peerway.accounts.models import User
from peerway.core.models import AccessEvent, Language
from peerway.intake import services
from peerway.intake.models import HelpRequest, RequestSource
from peerway.intake.services import RequestInput, request_get_by_token, request_submit_by_staff
from tests.factories import MembershipFactory, UserFactory
from tests.helpers import Cast, assert_staff_view_guarded

URL = "/staff/intake/new/"


@pytest.fixture(autouse=True)
def _english() -> Any:
    yield
    # A request to /es/... leaves Spanish active in this thread; later tests' reverse() would use it.
    translation.deactivate()


def entry(**changes: Any) -> dict[str, Any]:
    """A valid phone-line entry as the form posts it; a value of None leaves that field out."""
    data: dict[str, Any] = {
        "source": "phone_line",
        "contact_method": "call",
        "phone": "612-555-0142",
        "first_name": "Sample",
        "language": "en",
        "lived_experience": ["alcohol"],
        "modalities": ["phone"],
        "consent_to_contact": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def status_link(response: Any) -> str:
    match = re.search(r'<code id="status-link">([^<]+)</code>', response.content.decode())
    assert match, "the confirmation shows no status link"
    return match.group(1)


def routing_jobs() -> list[list[int]]:
    return [row.args_kwargs["args"] for row in DBTaskResult.objects.filter(task_path__endswith="request_route_task")]


def test_it_is_open_to_peers_supervisors_and_administrators_of_service_organizations(cast: Cast) -> None:
    assert_staff_view_guarded(
        URL,
        allowed=[cast.alice, cast.sam, cast.ada, cast.olive],
        outsiders=[],
        without_role=[cast.bill, cast.analyst, cast.nobody],
    )


def test_an_administrator_of_the_state_agency_is_not_offered_it(cast: Cast) -> None:
    # Administrators also run boards and the state agency, which take no calls from people seeking help.
    admin = UserFactory(username="state-admin")
    MembershipFactory(user=admin, organization=cast.state, role="org_admin")
    assert signed_in(admin).get(URL).status_code == 404
    assert signed_in(admin).post(URL, entry()).status_code == 404
    assert not HelpRequest.objects.exists()


def test_the_form_asks_for_the_source_and_the_persons_consent_but_has_no_honeypot(cast: Cast) -> None:
    html = signed_in(cast.alice).get(URL).content.decode()
    for source in ("phone_line", "text_line", "walk_in", "emergency_department", "program_245g", "other"):
        assert f'name="source" value="{source}"' in html
    assert 'value="web"' not in html and 'value="relink"' not in html
    # The questions speak about the person, not to them.
    assert "The person agreed to be contacted" in html
    assert "Call them" in html and "Choose their county" in html and "Call me" not in html
    assert 'name="website"' not in html
    # With one organization the form does not ask which.
    assert 'name="organization"' not in html


def test_a_phone_line_entry_creates_one_request_with_its_source_author_access_event_and_routing(cast: Cast) -> None:
    response = signed_in(cast.alice).post(URL, entry())

    assert response.status_code == 200
    request = HelpRequest.objects.get()
    assert request.source == RequestSource.PHONE_LINE
    assert request.entered_by == cast.alice
    assert request.consent_to_contact is True
    assert request.phone == "612-555-0142"
    assert [slug for slug in request.lived_experience.values_list("slug", flat=True)] == ["alcohol"]
    event = AccessEvent.objects.get()
    assert (event.action, event.subject_type, event.subject_id) == ("created", "help_request", request.public_id)
    assert (event.actor, event.actor_role, event.organization) == (cast.alice, "peer", cast.org)
    assert routing_jobs() == [[request.pk]]

    link = status_link(response)
    assert link.startswith("http://testserver/r/")
    token = link.removeprefix("http://testserver/r/").removesuffix("/")
    assert request_get_by_token(token) == request
    assert response["Cache-Control"] == "no-store, private"


def test_the_status_link_opens_in_the_language_the_person_asked_for(cast: Cast) -> None:
    response = signed_in(cast.sam).post(URL, entry(language="es"))
    assert status_link(response).startswith("http://testserver/es/r/")
    assert AccessEvent.objects.get().actor_role == "supervisor"


def test_invalid_input_is_shown_next_to_each_field_with_the_typed_values_kept(cast: Cast) -> None:
    response = signed_in(cast.alice).post(
        URL, entry(consent_to_contact=None, phone="call me", first_name="Sample", source="walk_in")
    )

    assert response.status_code == 400
    assert not HelpRequest.objects.exists()
    assert not AccessEvent.objects.exists()
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Ask the person for their OK first" in html
    assert "Enter a phone number with its area code" in html
    assert 'id="id_consent_to_contact_error"' in html and 'id="id_phone_error"' in html
    assert re.search(r'<input type="text" name="first_name" value="Sample"', html)
    assert re.search(r'<input type="radio" name="source" value="walk_in"[^>]* checked', html)
    assert re.search(r'<input type="checkbox" name="lived_experience" value="alcohol"[^>]* checked', html)


def test_a_database_failure_keeps_what_was_typed_and_stores_nothing(
    cast: Cast, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def failing_job(*_: Any, **__: Any) -> None:
        raise OperationalError("could not write to file: Failing row contains (612-555-0142)")

    # The routing job is written last in the same transaction: everything before it must be rolled back.
    monkeypatch.setattr(services, "_enqueue_routing", failing_job)
    monkeypatch.setattr("peerway.intake.one_statement.supported", lambda task: False)
    response = signed_in(cast.alice).post(URL, entry(source="walk_in"))

    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert not HelpRequest.objects.exists() and not AccessEvent.objects.exists()
    html = response.content.decode()
    assert "could not be saved just now" in html
    assert re.search(r'<input type="text" name="first_name" value="Sample"', html)
    assert re.search(r'<input type="radio" name="source" value="walk_in"[^>]* checked', html)
    assert "612-555-0142" not in caplog.text, "the database's message is not logged"
    assert "OperationalError" in caplog.text


def test_a_source_outside_the_staff_choices_is_refused(cast: Cast) -> None:
    response = signed_in(cast.alice).post(URL, entry(source="web"))
    assert response.status_code == 400
    assert 'id="id_source_error"' in response.content.decode()
    assert not HelpRequest.objects.exists()


def test_staff_of_two_organizations_choose_which_one_and_no_other(cast: Cast) -> None:
    MembershipFactory(user=cast.alice, organization=cast.other_org, role="supervisor")
    client = signed_in(cast.alice)
    html = client.get(URL).content.decode()
    assert '<select name="organization"' in html and cast.other_org.name in html

    response = client.post(URL, entry(organization=cast.other_org.slug))
    assert response.status_code == 200
    event = AccessEvent.objects.get()
    assert (event.organization, event.actor_role) == (cast.other_org, "supervisor")

    refused = client.post(URL, entry(organization=cast.state.slug))
    assert 'id="id_organization_error"' in refused.content.decode()
    assert HelpRequest.objects.count() == 1


def test_the_service_refuses_staff_without_an_entry_role_and_web_as_a_source(cast: Cast) -> None:
    data = RequestInput(
        contact_method="call",
        phone="612-555-0142",
        language=Language.objects.get(slug="en"),
        consent_to_contact=True,
        modalities=("phone",),
    )
    with pytest.raises(PermissionError):
        request_submit_by_staff(data=data, source="phone_line", actor=cast.bill, organization=cast.org)
    with pytest.raises(PermissionError):
        request_submit_by_staff(data=data, source="phone_line", actor=cast.olive, organization=cast.org)
    with pytest.raises(ValueError, match="not a source"):
        request_submit_by_staff(data=data, source="web", actor=cast.alice, organization=cast.org)
    assert not HelpRequest.objects.exists()


def test_the_request_and_its_access_event_are_written_together_or_not_at_all(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_record(**kwargs: Any) -> None:
        raise RuntimeError("the access log is unavailable")

    monkeypatch.setattr(services, "access_events_record", failing_record)
    with pytest.raises(RuntimeError):
        signed_in(cast.alice).post(URL, entry())
    assert not HelpRequest.objects.exists()
    assert routing_jobs() == []


def test_the_staff_home_and_the_live_queue_offer_it_to_those_who_may_enter(cast: Cast) -> None:
    entry_url = reverse("intake:staff_entry")
    assert entry_url == URL
    assert f'href="{URL}"' in signed_in(cast.alice).get("/staff/").content.decode()
    assert f'href="{URL}"' in signed_in(cast.ada).get("/staff/").content.decode()
    assert f'href="{URL}"' not in signed_in(cast.bill).get("/staff/").content.decode()
    assert f'href="{URL}"' in signed_in(cast.sam).get("/staff/queue/").content.decode()
