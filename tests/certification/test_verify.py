"""Public verification: by number or full name, only credential facts, rate-limited; HTML and JSON."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from peerway.certification import services
from peerway.certification.selectors import ReviewFilters, review_queue_page
from peerway.certification.views import VERIFY_PER_WINDOW
from tests.certification.conftest import Boards, complete_application, held_credential
from tests.helpers import Cast


@pytest.fixture
def credential(cast: Cast, boards: Boards):  # type: ignore[no-untyped-def]
    cast.alice.last_name = "Lindqvist"
    cast.alice.email = "alice@example.org"
    cast.alice.save()
    return held_credential(cast.alice, boards.cprs)


def test_search_by_number_shows_only_credential_facts(credential) -> None:  # type: ignore[no-untyped-def]
    response = Client().get(reverse("certification:verify"), {"number": credential.number.lower()})
    text = response.content.decode()
    assert response.status_code == 200
    assert credential.number in text and "Active" in text and "Minnesota Certification Board" in text
    assert "alice@example.org" not in text and "Riverbend" not in text


def test_search_by_name(credential) -> None:  # type: ignore[no-untyped-def]
    text = Client().get(reverse("certification:verify"), {"name": "alice  lindqvist"}).content.decode()
    assert credential.number in text
    assert (
        "No credential found."
        in Client().get(reverse("certification:verify"), {"name": "Alice Other"}).content.decode()
    )


@pytest.mark.parametrize(
    ("first_name", "last_name"),
    [("Ana", "Garcia Lopez"), ("Mary Ann", "Lee"), ("Maria Jose", "de la Cruz"), ("Alice", "Lindqvist")],
)
def test_search_by_name_finds_first_and_last_names_of_any_number_of_words(
    cast: Cast, boards: Boards, first_name: str, last_name: str
) -> None:
    cast.alice.first_name, cast.alice.last_name = first_name, last_name
    cast.alice.save()
    credential = held_credential(cast.alice, boards.cprs)
    body = Client().get("/api/v1/verify", {"name": f"{first_name} {last_name}".lower()}).json()
    assert [r["number"] for r in body["results"]] == [credential.number]
    page = Client().get(reverse("certification:verify"), {"name": f"{first_name}  {last_name}"}).content.decode()
    assert credential.number in page


def test_search_by_name_still_needs_the_whole_name(cast: Cast, boards: Boards) -> None:
    cast.alice.first_name, cast.alice.last_name = "Ana", "Garcia Lopez"
    cast.alice.save()
    held_credential(cast.alice, boards.cprs)
    for partial in ("Ana Garcia", "Ana Lopez", "Garcia Lopez", "Ana Garcia Lopez Diaz"):
        assert Client().get("/api/v1/verify", {"name": partial}).json()["results"] == [], partial


@pytest.mark.parametrize(
    ("first_name", "last_name", "searched"),
    [
        ("Ana", "Núñez", "ANA NÚÑEZ"),
        ("Ana", "Núñez", "ana NÚÑEZ"),
        ("Ana", "Núñez", "aNA núñez"),
        ("Şükrü", "Öztürk", "ŞÜKRÜ ÖZTÜRK"),
        ("Élodie", "Ångström Ørsted", "élodie ÅNGSTRÖM ørsted"),
    ],
)
def test_search_by_name_ignores_the_case_of_non_ascii_letters(
    cast: Cast, boards: Boards, first_name: str, last_name: str, searched: str
) -> None:
    cast.alice.first_name, cast.alice.last_name = first_name, last_name
    cast.alice.save()
    credential = held_credential(cast.alice, boards.cprs)
    body = Client().get("/api/v1/verify", {"name": searched}).json()
    assert [r["number"] for r in body["results"]] == [credential.number]
    assert credential.number in Client().get(reverse("certification:verify"), {"name": searched}).content.decode()


def test_search_by_name_takes_like_wildcards_literally(cast: Cast, boards: Boards) -> None:
    cast.alice.first_name, cast.alice.last_name = "Ana", "Núñez"
    cast.alice.save()
    held_credential(cast.alice, boards.cprs)
    for searched in ("Ana N%", "Ana N_ñez", "% %", "_na Núñez"):
        assert Client().get("/api/v1/verify", {"name": searched}).json()["results"] == [], searched


@pytest.mark.parametrize("query", ["ÖZTÜRK", "öztürk", "ŞÜK", "şükrü", "sukru.o", "SUKRU.O", "Ztür"])
def test_review_queue_search_ignores_the_case_of_non_ascii_letters(cast: Cast, boards: Boards, query: str) -> None:
    cast.alice.username, cast.alice.first_name, cast.alice.last_name = "sukru.o", "Şükrü", "Öztürk"
    cast.alice.save()
    application = services.application_submit(complete_application(cast.alice, boards.cprs), actor=cast.alice)
    services.application_submit(complete_application(cast.sam, boards.cprs), actor=cast.sam)
    page = review_queue_page(boards.bea, ReviewFilters(q=query))
    assert [a.public_id for a in page.object_list] == [application.public_id]


def test_a_single_word_is_not_a_search(credential) -> None:  # type: ignore[no-untyped-def]
    text = Client().get(reverse("certification:verify"), {"name": "Alice"}).content.decode()
    assert "Enter a credential number, or a first and last name." in text and credential.number not in text


def test_json_endpoint(credential) -> None:  # type: ignore[no-untyped-def]
    body = Client().get("/api/v1/verify", {"number": credential.number}).json()
    [result] = body["results"]
    assert result == {
        "name": "Alice Lindqvist",
        "credential_type": "Certified Peer Recovery Specialist",
        "credential_code": "CPRS",
        "number": credential.number,
        "status": "active",
        "issued_on": credential.issued_on.isoformat(),
        "expires_on": None,
        "issuing_board": "Minnesota Certification Board",
        "jurisdiction": "MN",
    }
    bad = Client().get("/api/v1/verify")
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"


def test_rate_limited_as_problem_json_and_page(credential) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    for _ in range(VERIFY_PER_WINDOW):
        assert client.get("/api/v1/verify", {"number": "ZZZZZZZZ"}).status_code == 200
    limited = client.get("/api/v1/verify", {"number": credential.number})
    assert limited.status_code == 429 and limited["Content-Type"] == "application/problem+json"
    page = client.get(reverse("certification:verify"), {"number": credential.number})
    assert page.status_code == 429 and credential.number not in page.content.decode().split("Search")[-1]


def test_standards_page_compares_every_type_with_the_samhsa_topics(boards: Boards) -> None:
    text = Client().get(reverse("certification:standards")).content.decode()
    for topic in ("Lived experience", "Background check", "Costs and fees", "Peer supervision"):
        assert topic in text
    for code in ("PR-MIN", "CPRSR", "CPS"):
        assert code in text
    assert "Harm reduction: 6" in text


@pytest.mark.parametrize("query", [{"name": "Alice Lind\x00qvist"}, {"number": "AB\x00CD"}])
def test_json_endpoint_refuses_a_nul_character_as_problem_json(credential, query: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    response = Client(raise_request_exception=False).get("/api/v1/verify", query)
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Bad Request"
    assert response.json()["detail"].startswith("A search cannot contain a NUL character")


def test_an_applicant_name_searched_for_in_the_review_queue_never_goes_into_a_url(
    cast: Cast, boards: Boards, monkeypatch: pytest.MonkeyPatch
) -> None:
    from peerway.certification import selectors

    monkeypatch.setattr(selectors, "REVIEW_PAGE_SIZE", 1)
    cast.alice.first_name, cast.alice.last_name = "Şükrü", "Öztürk"
    cast.alice.save()
    cast.ada.first_name, cast.ada.last_name = "Ayla", "Öztürk"
    cast.ada.save()
    for applicant in (cast.alice, cast.sam, cast.ada):
        services.application_submit(complete_application(applicant, boards.cprs), actor=applicant)
    client = Client()
    client.force_login(boards.bea)
    url = reverse("certification:review_queue")
    response = client.post(url, {"q": "Öztürk"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Page 1 of 2" in html  # Alice's and Ada's applications, not Sam's
    assert not [u for u in re.findall(r'(?:href|action)="([^"]*)"', html) if "zt" in u.lower() or "q=" in u]
    # The next page is a POSTed form carrying the filter, so page 2 is still an Öztürk.
    second = client.post(url, {"q": "Öztürk", "page": "2"}).content.decode()
    assert "Page 2 of 2" in second and "Öztürk" in second
    # A name in the address is not a search: the queue lists everyone.
    assert "Page 1 of 3" in client.get(url, {"q": "Öztürk"}).content.decode()
