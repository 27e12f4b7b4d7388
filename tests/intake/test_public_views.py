"""The person's side of the first call: the public request form at /help/ and the private status page.

Routing runs on the worker in production; here the tests call request_route directly when they need it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from peerway.intake.models import HelpRequest, Offer, OfferStatus, RequestStatus
from peerway.intake.selectors import request_status_page, typical_wait_minutes
from peerway.intake.services import (
    OfferNotAvailable,
    request_accept,
    request_choose_peer,
    request_get_by_token,
    request_route,
    requests_escalate_due,
    requests_route_waiting,
)
from peerway.intake.views import SUBMISSIONS_PER_WINDOW
from peerway.workforce.models import WeeklyShift
from tests.factories import OrganizationFactory, peer_profile

Submit = Callable[..., tuple[HelpRequest, str]]
LANGUAGE_PREFIXES = [("", "en"), ("/es", "es"), ("/so", "so"), ("/hmn", "hmn")]

pytestmark = pytest.mark.django_db


def form_data(**changes: Any) -> dict[str, Any]:
    """A valid request as the form posts it; a value of None leaves that field out."""
    data: dict[str, Any] = {
        "contact_method": "call",
        "phone": "612-555-0101",
        "first_name": "Sample",
        "language": "en",
        "modalities": ["phone"],
        "consent_to_contact": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def routing_jobs() -> list[list[int]]:
    return [row.args_kwargs["args"] for row in DBTaskResult.objects.filter(task_path__endswith="request_route_task")]


def main_html(response: Any) -> str:
    html = response.content.decode()
    return html[html.index('<main id="main"') :]


# ---------- The request form ----------


@pytest.mark.parametrize(("prefix", "lang"), LANGUAGE_PREFIXES)
def test_crisis_lines_come_first_on_the_help_page_in_every_language(prefix: str, lang: str) -> None:
    response = Client().get(f"{prefix}/help/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}"' in html
    main = main_html(response)
    crisis, form = main.index('class="crisis crisis-routing"'), main.index('<form method="post" action="')
    assert crisis < form
    assert main.index("<h1>") > crisis, "crisis routing is the first thing in the page's content"
    for line in ('href="tel:911"', 'href="tel:988"', 'href="sms:988"', 'href="tel:**274747"', "741741"):
        assert line in main[:form], f"{line} missing before the form in {lang}"


def test_the_help_page_has_no_inline_script_or_style_and_works_without_javascript() -> None:
    html = Client().get("/help/").content.decode()
    assert "<script>" not in html and " style=" not in html and "<style" not in html
    assert 'method="post"' in html and 'action="/help/"' in html


def test_the_form_is_in_the_pages_language_with_vocabulary_labels_and_the_language_preselected() -> None:
    html = Client().get("/es/help/").content.decode()
    assert "Somalí" in html  # the Somali community's Spanish label
    assert "Recuperación con medicamentos" in html
    assert re.search(r'<option value="es" selected>', html)


def test_the_honeypot_is_hidden_labelled_and_out_of_the_tab_order() -> None:
    html = Client().get("/help/").content.decode()
    field = re.search(r'<input[^>]*name="website"[^>]*>', html)
    assert field is not None
    assert 'tabindex="-1"' in field.group(0) and 'autocomplete="off"' in field.group(0)
    assert '<div class="visually-hidden">' in html[: field.start()][-200:]


def test_a_valid_request_creates_one_request_redirects_to_its_status_link_and_queues_routing() -> None:
    response = Client().post(
        "/help/",
        form_data(communities=["somali", "hmong"], lived_experience=["opioids"], pathways=["medication"]),
    )
    assert response.status_code == 302
    request = HelpRequest.objects.get()
    token = response["Location"].removeprefix("/r/").removesuffix("/")
    assert response["Location"] == f"/r/{token}/"
    assert request_get_by_token(token) == request
    assert token not in request.status_token_hash
    assert routing_jobs() == [[request.pk]]
    assert sorted(c.slug for c in request.communities.all()) == ["hmong", "somali"]
    assert [p.slug for p in request.pathways.all()] == ["medication"]
    assert (request.first_name, request.phone, request.modalities) == ("Sample", "612-555-0101", ["phone"])


def test_a_request_made_in_spanish_lands_on_the_spanish_status_page() -> None:
    response = Client().post("/es/help/", form_data(language="es"))
    assert response.status_code == 302
    assert response["Location"].startswith("/es/r/")


def test_bad_input_shows_each_error_next_to_its_field_keeps_the_values_and_sums_them_up() -> None:
    response = Client().post(
        "/help/",
        form_data(
            contact_method="text",
            phone="",
            first_name="Sample Kept",
            communities=["somali"],
            communities_own_words="Sample own words",
            consent_to_contact=None,
            modalities=None,
        ),
    )
    assert response.status_code == 400
    assert not HelpRequest.objects.exists()
    html = response.content.decode()
    # Values typed are kept.
    assert 'value="Sample Kept"' in html
    assert "Sample own words</textarea>" in html
    assert re.search(r'<input[^>]*value="somali"[^>]*checked', html)
    assert re.search(r'<input[^>]*value="text"[^>]*checked', html)
    # Each error sits with its field and is tied to it for screen readers.
    assert '<ul class="field-errors" id="id_phone_error">' in html
    assert re.search(r'<input[^>]*name="phone"[^>]*aria-invalid="true"', html)
    assert '<ul class="field-errors" id="id_consent_to_contact_error">' in html
    assert '<ul class="field-errors" id="id_modalities_error">' in html
    # The summary at the top links to each field.
    summary = html[html.index('class="form-errors error-summary"') : html.index("<form method")]
    assert 'href="#id_phone"' in summary
    assert 'href="#id_consent_to_contact"' in summary
    assert 'href="#id_modalities_0"' in summary
    assert "<title>Error:" in html


@pytest.mark.parametrize("method", ["call", "text"])
def test_a_phone_number_is_required_for_a_call_or_a_text(method: str) -> None:
    response = Client().post("/help/", form_data(contact_method=method, phone=""))
    assert response.status_code == 400
    assert "Add a phone number so a peer can call or text you." in response.content.decode()
    assert not HelpRequest.objects.exists()


def test_no_phone_is_needed_to_keep_the_page_open() -> None:
    response = Client().post("/help/", form_data(contact_method="page", phone=""))
    assert response.status_code == 302
    assert not HelpRequest.objects.get().phone


def test_an_email_address_is_required_for_email() -> None:
    response = Client().post("/help/", form_data(contact_method="email", phone=""))
    assert "Add an email address so a peer can write to you." in response.content.decode()
    response = Client().post("/help/", form_data(contact_method="email", phone="", email="sample@example.test"))
    assert response.status_code == 302


def test_a_phone_number_needs_its_area_code() -> None:
    response = Client().post("/help/", form_data(phone="555-0101"))
    assert "Enter a phone number with its area code" in response.content.decode()


def test_consent_is_required() -> None:
    response = Client().post("/help/", form_data(consent_to_contact=None))
    assert response.status_code == 400
    assert "We can&#x27;t connect you with a peer without your OK." in response.content.decode()
    assert not HelpRequest.objects.exists()


def test_meeting_in_person_needs_a_county_or_a_known_zip_code() -> None:
    response = Client().post("/help/", form_data(modalities=["in_person"]))
    assert "To meet in person, choose your county or enter your ZIP code." in response.content.decode()
    response = Client().post("/help/", form_data(modalities=["in_person"], zip_code="00000"))
    assert "We don&#x27;t know this ZIP code." in response.content.decode()
    response = Client().post("/help/", form_data(modalities=["in_person"], county="Ramsey"))
    assert response.status_code == 302
    assert HelpRequest.objects.get().county.name == "Ramsey"


def test_the_honeypot_discards_a_bot_submission_but_answers_as_if_it_worked() -> None:
    response = Client().post("/help/", form_data(website="http://spam.example"))
    assert response.status_code == 302
    assert re.fullmatch(r"/r/[\w-]+/", response["Location"])
    assert not HelpRequest.objects.exists()
    assert routing_jobs() == []
    # The link leads nowhere.
    assert Client().get(response["Location"]).status_code == 404


def test_too_many_requests_from_one_address_get_a_kind_429_with_the_crisis_lines() -> None:
    client = Client()
    for _ in range(SUBMISSIONS_PER_WINDOW):
        assert client.post("/help/", form_data(), REMOTE_ADDR="203.0.113.7").status_code == 302
    response = client.post("/help/", form_data(first_name="Sample Shelter"), REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429
    assert response["Retry-After"] == "600"
    body = response.content.decode()
    assert 'href="tel:988"' in body
    # Someone behind a shared address (a shelter, a clinic) keeps what they typed for when the wait is over.
    assert 'value="Sample Shelter"' in body and 'value="612-555-0101"' in body
    assert HelpRequest.objects.count() == SUBMISSIONS_PER_WINDOW
    # Another address is not affected, and the window ends.
    assert client.post("/help/", form_data(), REMOTE_ADDR="203.0.113.8").status_code == 302


def test_a_form_with_mistakes_does_not_use_up_the_limit() -> None:
    client = Client()
    for _ in range(SUBMISSIONS_PER_WINDOW + 2):
        assert client.post("/help/", form_data(consent_to_contact=None)).status_code == 400
    assert client.post("/help/", form_data()).status_code == 302


# ---------- The status page ----------


def test_a_new_request_says_it_was_received_and_that_there_is_no_honest_wait_figure_yet(submit: Submit) -> None:
    _, token = submit()
    response = Client().get(f"/r/{token}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "We have your request" in html
    assert "too few people have asked in the last 7 days" in html
    assert 'hx-trigger="every 5s"' in html
    assert f'href="/r/{token}/">Refresh</a>' in html
    assert response["Cache-Control"].startswith("max-age=0")
    assert "Sample" not in html and "555-0101" not in html, "the page shows nothing the person entered"


def test_the_typical_wait_is_the_median_of_the_last_seven_days(submit: Submit) -> None:
    peer = peer_profile(OrganizationFactory(), name="Amina")
    now = timezone.now()
    for minutes in (2, 4, 6, 8, 30):
        request, _ = submit()
        HelpRequest.objects.filter(pk=request.pk).update(
            accepted_by=peer, created_at=now - dt.timedelta(minutes=minutes), accepted_at=now
        )
    old, _ = submit()
    HelpRequest.objects.filter(pk=old.pk).update(
        created_at=now - dt.timedelta(days=9), accepted_at=now - dt.timedelta(days=8)
    )
    assert typical_wait_minutes(now=now) == 6
    assert typical_wait_minutes(now=now - dt.timedelta(days=8)) is None  # one request is not a figure

    _, token = submit()
    html = Client().get(f"/r/{token}/").content.decode()
    assert "Right now a peer usually says yes within about 6 minutes." in html


def test_the_typical_wait_counts_the_people_still_waiting(submit: Submit) -> None:
    """The page says "Half of the people who asked in the last 7 days had a peer say yes within that time."

    Five people had a peer say yes within 2 to 30 minutes; six more asked three hours ago and still wait (nobody
    speaks their language). Of the eleven who asked, only three had a yes within 6 minutes: 6 is not the time
    within which half of them had one (the true median wait is at least three hours)."""
    cache.clear()
    peer = peer_profile(OrganizationFactory(), name="Amina")
    now = timezone.now()
    for minutes in (2, 4, 6, 8, 30):
        request, _ = submit()
        HelpRequest.objects.filter(pk=request.pk).update(
            accepted_by=peer, created_at=now - dt.timedelta(minutes=minutes), accepted_at=now
        )
    for _ in range(6):
        request, _ = submit(language="hmn", language_required=True)
        HelpRequest.objects.filter(pk=request.pk).update(
            status=RequestStatus.OFFERED, created_at=now - dt.timedelta(hours=3)
        )
    minutes = typical_wait_minutes(now=now)
    assert minutes is None or minutes >= 180, f"{minutes} minutes, while 8 of 11 people waited longer"

    cache.clear()
    _, token = submit()
    html = Client().get(f"/r/{token}/").content.decode()
    assert "usually says yes within about 6 minutes" not in html
    # Twelve people asked: not too few, but fewer than half of them had a yes, and the page says just that.
    assert "too few people have asked" not in html
    assert "fewer than half of the people who asked in the last 7 days have had a peer say yes so far" in html


def test_the_typical_wait_is_the_time_within_which_half_of_everyone_who_asked_had_a_yes(submit: Submit) -> None:
    """Six yeses within 2 to 50 minutes; a person who stopped their request unanswered after a minute, and three
    still waiting for a minute: of the ten, five had a yes within 20 minutes (the 5th shortest wait), however
    briefly the others waited, not within 8 (the median of the yeses alone). A yes that came after the moment
    asked about had not happened yet."""
    peer = peer_profile(OrganizationFactory(), name="Amina")
    now = timezone.now()
    for minutes in (2, 4, 6, 10, 20, 50):
        request, _ = submit()
        HelpRequest.objects.filter(pk=request.pk).update(
            accepted_by=peer, created_at=now - dt.timedelta(minutes=minutes), accepted_at=now
        )
    stopped, _ = submit()
    HelpRequest.objects.filter(pk=stopped.pk).update(
        status=RequestStatus.WITHDRAWN,
        created_at=now - dt.timedelta(minutes=3),
        closed_at=now - dt.timedelta(minutes=2),
    )
    for _ in range(3):
        request, _ = submit()
        HelpRequest.objects.filter(pk=request.pk).update(created_at=now - dt.timedelta(minutes=1))
    assert typical_wait_minutes(now=now) == 20
    # Half a minute earlier none of the ten had had a yes yet: no figure.
    assert typical_wait_minutes(now=now - dt.timedelta(seconds=30)) is None


def test_the_typical_wait_in_hours_is_rounded_up(submit: Submit) -> None:
    """Half of the people had a yes within 2 hours 30 minutes: the page says about 3 hours, not 2."""
    peer = peer_profile(OrganizationFactory(), name="Amina")
    now = timezone.now()
    for minutes in (130, 140, 150, 160, 170):
        request, _ = submit()
        HelpRequest.objects.filter(pk=request.pk).update(
            accepted_by=peer, created_at=now - dt.timedelta(minutes=minutes), accepted_at=now
        )
    assert typical_wait_minutes(now=now) == 150
    _, token = submit()
    html = Client().get(f"/r/{token}/").content.decode()
    assert "Right now a peer usually says yes within about 3 hours." in html
    assert "Half of the people who asked in the last 7 days had a peer say yes within that time." in html


def test_an_accepted_request_shows_the_peer_and_what_they_share_in_spanish(submit: Submit) -> None:
    amina = peer_profile(
        OrganizationFactory(name="Sample Recovery Community"),
        name="Amina",
        languages=("so", "en"),
        communities=("somali",),
        lived_experience=("medication-recovery",),
    )
    amina.introduction = "Sample introduction."
    amina.save()
    request, token = submit(
        language="so", communities=("somali",), lived_experience=("medication-recovery",), contact_method="text"
    )
    request_route(request_id=request.pk)
    request_accept(request=request, peer=amina)

    html = Client().get(f"/es/r/{token}/").content.decode()
    assert '<html lang="es"' in html
    assert "Amina" in html
    assert "En común: Somalí, Recuperación con medicamentos" in html
    assert "Habla: Inglés, Somalí" in html
    assert "Sample Recovery Community" in html
    assert "Sample introduction." in html


def test_the_page_follows_the_request_to_connected_and_closed(submit: Submit) -> None:
    amina = peer_profile(OrganizationFactory(), name="Amina")
    request, token = submit()
    request_route(request_id=request.pk)
    request_accept(request=request, peer=amina)
    # The peer's side moves these states through its own services; the transitions are what matter here.
    fresh = HelpRequest.objects.get(pk=request.pk)
    fresh.connect()
    fresh.save()
    html = Client().get(f"/r/{token}/").content.decode()
    assert "You are connected with Amina" in html
    assert "Ask for a different peer" not in html and "Stop this request" in html

    fresh.close()
    fresh.save()
    html = Client().get(f"/r/{token}/").content.decode()
    assert "This request is closed" in html
    assert "hx-get" not in html and 'href="/help/"' in html


def test_when_nobody_speaks_the_language_the_page_says_so_and_shows_the_crisis_lines(submit: Submit) -> None:
    peer_profile(OrganizationFactory(), name="Bea", languages=("en",))
    request, token = submit(language="hmn", language_required=True)
    request_route(request_id=request.pk)
    html = Client().get(f"/r/{token}/").content.decode()
    assert "No peer is free right now" in html
    assert "No peer who speaks Hmong is on shift right now." in html
    assert 'href="tel:988"' in main_html_of(html)


def test_outside_every_shift_the_page_says_when_the_next_shift_starts(submit: Submit) -> None:
    off = peer_profile(OrganizationFactory(), name="Bea", on_shift=False)
    # Wednesday 2026-11-25, 10:00 in Minnesota (then Tuesday); the shift is Thursday 08:00 to 16:00.
    WeeklyShift.objects.create(peer=off, weekday=3, starts_at=dt.time(8), ends_at=dt.time(16))
    with time_machine.travel(dt.datetime(2026, 11, 25, 16, 0, tzinfo=dt.UTC), tick=False):
        request, token = submit()
        request_route(request_id=request.pk)
        request.refresh_from_db()
        assert request.routing_note["code"] == "no_peer_on_shift"
        html = Client().get(f"/r/{token}/").content.decode()
        assert "No peer is on shift right now." in html
        assert "The next peer shift starts tomorrow at 8 a.m. (Minnesota time)." in html
        # Each language writes the time its own way (formats/so: 24-hour clock).
        assert "08:00" in Client().get(f"/so/r/{token}/").content.decode()
    with time_machine.travel(dt.datetime(2026, 11, 24, 16, 0, tzinfo=dt.UTC), tick=False):
        request_route(request_id=request.pk)
        html = Client().get(f"/r/{token}/").content.decode()
        assert "The next peer shift starts on Thursday at 8 a.m. (Minnesota time)." in html
        assert "jueves" in Client().get(f"/es/r/{token}/").content.decode()


def test_an_htmx_poll_gets_only_the_partial_and_nothing_when_nothing_changed(submit: Submit) -> None:
    _, token = submit()
    client = Client()
    response = client.get(f"/r/{token}/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "<main" not in html
    assert html.lstrip().startswith('<div id="request-status"')
    assert 'id="status-announce" hx-swap-oob="innerHTML"' in html
    fingerprint = re.search(r"seen=(\w+)", html).group(1)  # type: ignore[union-attr]

    unchanged = client.get(f"/r/{token}/?seen={fingerprint}", headers={"HX-Request": "true"})
    assert unchanged.status_code == 204


def test_a_poll_after_a_peer_accepts_returns_the_new_state(submit: Submit) -> None:
    amina = peer_profile(OrganizationFactory(), name="Amina")
    request, token = submit()
    client = Client()
    first = client.get(f"/r/{token}/", headers={"HX-Request": "true"}).content.decode()
    fingerprint = re.search(r"seen=(\w+)", first).group(1)  # type: ignore[union-attr]
    request_route(request_id=request.pk)
    request_accept(request=request, peer=amina)
    response = client.get(f"/r/{token}/?seen={fingerprint}", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Amina is reaching out to you" in response.content.decode()


def test_asking_for_a_different_peer_rematches_and_routes_again(submit: Submit) -> None:
    org = OrganizationFactory()
    amina = peer_profile(org, name="Amina")
    request, token = submit()
    request_route(request_id=request.pk)
    request_accept(request=request, peer=amina)
    assert "Ask for a different peer" in Client().get(f"/r/{token}/").content.decode()

    response = Client().post(f"/r/{token}/different-peer/", {"reason": "Sample reason"})
    assert response.status_code == 302 and response["Location"] == f"/r/{token}/"
    request.refresh_from_db()
    assert request.status == RequestStatus.RECEIVED
    assert Offer.objects.get(peer=amina).status == OfferStatus.DECLINED
    assert routing_jobs()[-1] == [request.pk]


def test_the_reason_a_person_gives_for_a_different_peer_is_not_stored_in_clear_text(submit: Submit) -> None:
    from django.db import connection

    amina = peer_profile(OrganizationFactory(), name="Amina")
    request, token = submit()
    request_route(request_id=request.pk)
    request_accept(request=request, peer=amina)
    said = "She knew my ex from the clinic on Lake Street"
    Client().post(f"/r/{token}/different-peer/", {"reason": said})
    with connection.cursor() as cursor:
        cursor.execute("SELECT decline_reason FROM intake_offer")
        stored = " ".join(row[0] or "" for row in cursor.fetchall())
    assert said not in stored
    assert Offer.objects.get(peer=amina).decline_reason == f"rematch: {said}"


def test_widening_that_finds_nobody_new_does_not_tell_the_person_no_peer_is_on_shift(submit: Submit) -> None:
    org = OrganizationFactory(escalation_minutes=5)
    peer_profile(org, name="Bea")  # on shift, holds the offer
    peer_profile(org, name="Cy", on_shift=False)
    start = dt.datetime(2026, 11, 23, 18, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        request, token = submit()
        assert len(request_route(request_id=request.pk)) == 1
    with time_machine.travel(start + dt.timedelta(minutes=5), tick=False):
        assert requests_escalate_due() == 1
        html = main_html(Client().get(f"/r/{token}/"))
    assert "No peer is on shift right now." not in html
    assert "The next peer shift starts" not in html
    assert "We are asking peers now" in html
    request.refresh_from_db()
    assert request.routing_note == {}


def test_widening_when_the_peer_holding_the_offer_went_off_shift_says_so(submit: Submit) -> None:
    from peerway.workforce.models import PeerProfile

    org = OrganizationFactory(escalation_minutes=5)
    bea = peer_profile(org, name="Bea")
    start = dt.datetime(2026, 11, 23, 18, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        request, token = submit()
        request_route(request_id=request.pk)
    PeerProfile.objects.filter(pk=bea.pk).update(on_shift=False)
    with time_machine.travel(start + dt.timedelta(minutes=5), tick=False):
        requests_escalate_due()
        html = main_html(Client().get(f"/r/{token}/"))
    assert "No peer is on shift right now." in html


def test_withdrawing_stops_the_request(submit: Submit) -> None:
    peer_profile(OrganizationFactory(), name="Amina")
    request, token = submit()
    request_route(request_id=request.pk)
    response = Client().post(f"/r/{token}/withdraw/")
    assert response["Location"] == f"/r/{token}/"
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    html = Client().get(f"/r/{token}/").content.decode()
    assert "You stopped this request" in html
    assert "hx-get" not in html, "a finished request is not polled"
    # Withdrawing twice changes nothing and does not fail.
    assert Client().post(f"/r/{token}/withdraw/").status_code == 302


def test_deleting_asks_first_then_removes_what_the_person_entered(submit: Submit) -> None:
    request, token = submit(first_name="Sample Erase", zip_code="55404")
    confirm = Client().get(f"/r/{token}/delete/")
    assert confirm.status_code == 200
    assert f'action="/r/{token}/delete/"' in confirm.content.decode()
    request.refresh_from_db()
    assert request.first_name == "Sample Erase", "looking at the confirmation deletes nothing"

    response = Client().post(f"/r/{token}/delete/")
    assert response["Location"] == "/help/deleted/"
    request.refresh_from_db()
    assert (request.first_name, request.phone, request.zip_code) == (None, None, "")
    assert request.status == RequestStatus.WITHDRAWN
    assert Client().get(response["Location"]).status_code == 200
    # The link is gone with the rest: found later in a browser's history, it shows nothing was ever there.
    assert Client().get(f"/r/{token}/").status_code == 404
    assert Client().post(f"/r/{token}/delete/").status_code == 404
    assert request_get_by_token(token) is None


def test_deleting_removes_the_gender_the_person_asked_their_peer_to_be(submit: Submit) -> None:
    from peerway.intake.services import request_erase

    request, token = submit(
        gender_preference="woman", language_required=True, modalities=("phone", "video"), wants_to_choose=True
    )
    page = Client().get(f"/r/{token}/delete/").content.decode()
    assert "everything you chose about the peer you would" in page
    request_erase(request=request)
    request.refresh_from_db()
    assert request.gender_preference == ""
    assert (request.modalities, request.language_required, request.wants_to_choose) == ([], False, False)
    assert request.language.slug == "en", "the language is kept, as the page says"


def test_deleting_while_a_peer_accepts_still_deletes(submit: Submit, monkeypatch: pytest.MonkeyPatch) -> None:
    from django_fsm import ConcurrentTransition

    from peerway.intake import views

    request, token = submit(first_name="Sample Erase")
    erase = views.request_erase
    calls: list[int] = []

    def erase_after_a_race(*, request: HelpRequest) -> None:
        calls.append(request.pk)
        if len(calls) == 1:
            raise ConcurrentTransition("the request changed between reading and saving it")
        erase(request=request)

    monkeypatch.setattr(views, "request_erase", erase_after_a_race)
    response = Client().post(f"/r/{token}/delete/")

    assert response["Location"] == "/help/deleted/"
    request.refresh_from_db()
    assert request.first_name is None


def test_an_expired_or_unknown_link_is_a_kind_404_with_the_crisis_lines(submit: Submit) -> None:
    request, token = submit()
    for url in ("/r/not-a-real-token/", "/es/r/not-a-real-token/"):
        response = Client().get(url)
        assert response.status_code == 404
        assert 'href="tel:988"' in response.content.decode()
    with time_machine.travel(request.status_token_expires_at + dt.timedelta(minutes=1)):
        response = Client().get(f"/r/{token}/")
        assert response.status_code == 404
        assert "This link doesn't work" in response.content.decode()
        assert Client().post(f"/r/{token}/withdraw/").status_code == 404
    request.refresh_from_db()
    assert request.status == RequestStatus.RECEIVED


# ---------- Choosing a peer ----------


def _three_peers_and_one_off_shift() -> dict[str, Any]:
    org = OrganizationFactory()
    return {
        "amina": peer_profile(org, name="Amina", languages=("so", "en"), communities=("somali",)),
        "bea": peer_profile(org, name="Bea", communities=("somali",)),
        "cal": peer_profile(org, name="Cal"),
        "dee": peer_profile(org, name="Dee"),
        "off": peer_profile(org, name="Off", on_shift=False),
    }


def test_a_person_who_wants_to_choose_is_offered_to_nobody_until_they_pick(submit: Submit) -> None:
    peers = _three_peers_and_one_off_shift()
    request, token = submit(wants_to_choose=True, communities=("somali",))
    assert request_route(request_id=request.pk) == []
    request.refresh_from_db()
    assert request.status == RequestStatus.RECEIVED
    assert not Offer.objects.exists()

    html = Client().get(f"/r/{token}/").content.decode()
    assert "Choose your peer" in html
    assert html.count('name="peer"') == 3
    assert "Amina" in html and "Hi, I&#x27;m Amina." in html
    assert str(peers["off"].public_id) not in html
    assert 'hx-trigger="every 30s"' in html

    response = Client().post(f"/r/{token}/choose/", {"peer": str(peers["bea"].public_id)})
    assert response["Location"] == f"/r/{token}/"
    request.refresh_from_db()
    assert request.status == RequestStatus.OFFERED
    offer = Offer.objects.get()
    assert (offer.peer, offer.status) == (peers["bea"], OfferStatus.OFFERED)
    assert offer.explanation["communities"] == ["somali"]
    assert "We have asked Bea" in Client().get(f"/r/{token}/").content.decode()

    request_accept(request=request, peer=peers["bea"])
    assert "Bea is reaching out to you" in Client().get(f"/r/{token}/").content.decode()


def test_a_peer_who_cannot_take_the_request_now_cannot_be_chosen(submit: Submit) -> None:
    peers = _three_peers_and_one_off_shift()
    request, token = submit(wants_to_choose=True)
    with pytest.raises(OfferNotAvailable):
        request_choose_peer(request=request, peer_public_id=peers["off"].public_id)
    response = Client().post(f"/r/{token}/choose/", {"peer": str(peers["off"].public_id)}, follow=True)
    assert "That peer is no longer free." in response.content.decode()
    assert Client().post(f"/r/{token}/choose/", {"peer": "not-a-uuid"}).status_code == 302
    assert not Offer.objects.exists()


def test_a_chosen_peer_who_declines_is_not_shown_again(submit: Submit) -> None:
    from peerway.intake.services import request_decline

    peers = _three_peers_and_one_off_shift()
    request, _ = submit(wants_to_choose=True)
    request_choose_peer(request=request, peer_public_id=peers["cal"].public_id)
    request_decline(request=request, peer=peers["cal"])
    page = request_status_page(request=HelpRequest.objects.get(pk=request.pk))
    assert page.choosing
    assert "Cal" not in [card.display_name for card in page.choices]


def test_a_person_can_let_peerway_choose_after_all(submit: Submit) -> None:
    _three_peers_and_one_off_shift()
    request, token = submit(wants_to_choose=True)
    response = Client().post(f"/r/{token}/choose-for-me/")
    assert response["Location"] == f"/r/{token}/"
    request.refresh_from_db()
    assert request.wants_to_choose is False
    assert routing_jobs()[-1] == [request.pk]
    assert len(request_route(request_id=request.pk)) == 3


def test_a_person_who_never_picks_is_offered_the_best_match_and_may_still_choose(submit: Submit) -> None:
    peers = _three_peers_and_one_off_shift()
    start = dt.datetime(2026, 11, 23, 18, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        request, token = submit(wants_to_choose=True, communities=("somali",))
        request_route(request_id=request.pk)
        assert "If you do not choose soon" in main_html(Client().get(f"/r/{token}/"))
    with time_machine.travel(start + dt.timedelta(minutes=5), tick=False):
        assert requests_route_waiting() == 1
        html = main_html(Client().get(f"/r/{token}/"))
    request.refresh_from_db()
    assert request.status == RequestStatus.OFFERED
    assert Offer.objects.filter(request=request, status=OfferStatus.OFFERED).count() == 3
    assert "We are asking peers now" in html
    assert "You can still choose" in html and html.count('name="peer"') == 3
    assert "Let Peerway choose for me" not in html

    Client().post(f"/r/{token}/choose/", {"peer": str(peers["cal"].public_id)})
    offered = Offer.objects.filter(request=request, status=OfferStatus.OFFERED)
    assert [offer.peer for offer in offered] == [peers["cal"]]
    assert "We have asked Cal" in Client().get(f"/r/{token}/").content.decode()


@pytest.mark.parametrize(("prefix", "lang"), LANGUAGE_PREFIXES)
def test_the_status_page_and_its_404_work_in_every_language(submit: Submit, prefix: str, lang: str) -> None:
    _, token = submit()
    response = Client().get(f"{prefix}/r/{token}/")
    assert response.status_code == 200
    assert f'<html lang="{lang}"' in response.content.decode()
    assert 'href="tel:988"' in main_html(response)
    assert Client().get(f"{prefix}/r/nothing-here/").status_code == 404


def main_html_of(html: str) -> str:
    return html[html.index('<main id="main"') :]
