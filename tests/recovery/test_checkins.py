"""Check-ins: loading instruments, private links, staff entry, the chart, and the access log."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from peerway.core.models import AccessEvent, Language
from peerway.core.sms import TextMessage
from peerway.recovery.charts import participant_checkin_chart_svg
from peerway.recovery.instruments import engine
from peerway.recovery.instruments.engine import AnswersError
from peerway.recovery.instruments.fhir import FhirInvalid, questionnaire_build, questionnaire_response_parse
from peerway.recovery.models import CheckIn, CheckInLink, CheckInSource, Instrument, Participant
from peerway.recovery.models import checkins as checkin_models
from peerway.recovery.services.checkins import (
    PEERWAY_CHECKIN_FILE,
    checkin_answer_by_link,
    checkin_link_create,
    checkin_record_by_staff,
    instrument_import,
)
from tests.factories import ParticipantFactory
from tests.helpers import Cast

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    # A request to /so/... leaves Somali active in this thread; later tests' reverse() would use it.
    yield
    translation.deactivate()


ITEMS = [
    "substance-use",
    "psychological-health",
    "physical-health",
    "community-involvement",
    "social-support",
    "meaningful-activities",
    "housing-and-safety",
    "risk-taking",
    "coping-and-functioning",
    "recovery-experience",
]


def peerway_instrument() -> Instrument:
    return Instrument.objects.get(organization=None, url__endswith="recovery-capital-checkin")


def answers(*values: int) -> dict[str, str]:
    return {link_id: str(value) for link_id, value in zip(ITEMS, values, strict=True)}


def form_data(values: list[int]) -> dict[str, str]:
    return {f"q_{link_id}": str(value) for link_id, value in zip(ITEMS, values, strict=True)}


def test_peerways_check_in_is_loaded_after_migrate_once() -> None:
    instrument = peerway_instrument()
    assert instrument.definition.scoring.minimum == 10
    assert instrument.definition.scoring.maximum == 60
    assert Instrument.objects.filter(organization=None).count() == 1


def test_answering_twice_through_the_same_link_keeps_the_later_answers_with_history(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.org)
    link, token = checkin_link_create(participant=participant, instrument=peerway_instrument(), actor=cast.alice)
    assert link.token_hash != token and token not in link.token_hash
    client = Client()
    url = reverse("checkins:answer", args=[token])
    assert client.post(url, form_data([2] * 10)).status_code == 200
    page = client.get(url).content.decode()
    assert "You already answered this check-in" in page
    assert client.post(url, form_data([5] * 10)).status_code == 200
    checkin = CheckIn.objects.get(participant=participant)
    assert (checkin.score, checkin.flagged, checkin.source) == (50, True, CheckInSource.LINK)
    assert checkin.answers == answers(*[5] * 10)
    assert sorted(h.score for h in checkin.history.all()) == [20, 50]


def test_an_expired_link_is_refused_with_a_clear_page(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.org)
    _, token = checkin_link_create(participant=participant, instrument=peerway_instrument(), actor=cast.alice)
    client = Client()
    with time_machine.travel(timezone.now() + dt.timedelta(days=15)):
        response = client.get(reverse("checkins:answer", args=[token]))
        assert response.status_code == 410
        assert "This check-in link has expired" in response.content.decode()
        assert client.post(reverse("checkins:answer", args=[token]), form_data([4] * 10)).status_code == 410
    assert not CheckIn.objects.exists()
    unknown = client.get(reverse("checkins:answer", args=["not-a-token"]))
    assert unknown.status_code == 404


def test_the_public_page_asks_in_the_language_of_its_url_and_keeps_typed_answers(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.org, language=Language.objects.get(slug="so"))
    _, token = checkin_link_create(participant=participant, instrument=peerway_instrument(), actor=cast.alice)
    client = Client()
    page = client.get(f"/so/c/{token}/").content.decode()
    assert "Hadda, khamriga iyo daroogadu ma maamulaan maalmahayga." in page
    assert "Gabi ahaanba waan ku raacsanahay" in page
    data = form_data([3] * 10)
    del data["q_risk-taking"]
    response = client.post(f"/so/c/{token}/", data)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="q_substance-use" value="3" id="id_q_substance-use_2" required checked' in body
    assert "field-errors" in body
    assert not CheckIn.objects.exists()


def test_check_in_answers_refused_by_the_csrf_check_come_back_filled_in(cast: Cast) -> None:
    # The CSRF cookie was lost (a phone clearing it, a page left open): every answer is shown back, nothing is saved,
    # and the page's fresh token sends them.
    participant = ParticipantFactory(organization=cast.org)
    _, token = checkin_link_create(participant=participant, instrument=peerway_instrument(), actor=cast.alice)
    browser = Client(enforce_csrf_checks=True)
    url = reverse("checkins:answer", args=[token])

    response = browser.post(url, form_data([4] * 10))  # no token

    assert response.status_code == 403
    assert not CheckIn.objects.exists()
    body = response.content.decode()
    assert re.search(r'name="q_substance-use" value="4"[^>]*checked', body), "the answers are lost"
    assert "This form was not sent" in body and "Nothing was saved" in body
    assert "no-store" in response["Cache-Control"]
    fresh = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert fresh is not None
    again = browser.post(url, {**form_data([4] * 10), "csrfmiddlewaretoken": fresh.group(1)})
    assert again.status_code == 200 and CheckIn.objects.get().answers == answers(*[4] * 10)


def test_check_in_answers_refused_by_the_csrf_check_are_told_so_in_the_pages_language(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.org)
    _, token = checkin_link_create(participant=participant, instrument=peerway_instrument(), actor=cast.alice)
    response = Client(enforce_csrf_checks=True).post(f"/es/c/{token}/", form_data([2] * 10))
    body = response.content.decode()
    assert response.status_code == 403 and "Este formulario no se envió" in body and "No se guardó" in body


def test_check_in_answers_refused_by_the_csrf_check_on_a_dead_link_get_its_usual_page(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.org)
    _, token = checkin_link_create(participant=participant, instrument=peerway_instrument(), actor=cast.alice)
    browser = Client(enforce_csrf_checks=True)
    with time_machine.travel(timezone.now() + dt.timedelta(days=15)):
        expired = browser.post(reverse("checkins:answer", args=[token]), form_data([4] * 10))
    assert expired.status_code == 410 and "This check-in link has expired" in expired.content.decode()
    unknown = browser.post(reverse("checkins:answer", args=["not-a-token"]), form_data([4] * 10))
    assert unknown.status_code == 404 and "q_substance-use" not in unknown.content.decode()
    assert not CheckIn.objects.exists()


def test_staff_text_a_link_without_personal_details(cast: Cast, text_outbox: list[TextMessage]) -> None:
    participant = ParticipantFactory(
        organization=cast.org,
        preferred_name="Sample Hodan",
        phone="(612) 555-0142",
        language=Language.objects.get(slug="so"),
    )
    client = Client()
    client.force_login(cast.alice)
    response = client.post(
        reverse("recovery:checkin_link_new", args=[participant.public_id]),
        {"instrument": peerway_instrument().pk, "send_text": "on"},
    )
    assert response.status_code == 200
    assert len(text_outbox) == 1
    message = text_outbox[0]
    assert message.to == "(612) 555-0142"
    assert "Hodan" not in message.body and "recovery" not in message.body.lower()
    assert "/so/c/" in message.body
    link = CheckInLink.objects.get(participant=participant)
    assert link.sent_at is not None
    token = message.body.rsplit("/c/", 1)[1].strip("/")
    assert Client().get(f"/so/c/{token}/").status_code == 200
    assert AccessEvent.objects.filter(subject_id=participant.public_id, action="disclosed").count() == 1


def test_billing_staff_cannot_send_links_or_enter_answers(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.org)
    client = Client()
    client.force_login(cast.bill)
    assert client.get(reverse("recovery:checkin_entry", args=[participant.public_id])).status_code == 404
    response = client.post(
        reverse("recovery:checkin_link_new", args=[participant.public_id]), {"instrument": peerway_instrument().pk}
    )
    assert response.status_code == 404
    assert not CheckInLink.objects.exists()


def test_staff_enter_answers_from_a_call_audited(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.org)
    client = Client()
    client.force_login(cast.alice)
    url = reverse("recovery:checkin_entry", args=[participant.public_id])
    future = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {**form_data([6] * 10), "answered_at": future})
    assert response.status_code == 200
    assert "This is in the future" in response.content.decode()
    assert not CheckIn.objects.exists()
    when = (timezone.localtime() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {**form_data([6, 5, 5, 4, 4, 4, 3, 3, 2, 1]), "answered_at": when})
    assert response.status_code == 302
    checkin = CheckIn.objects.get(participant=participant)
    assert (checkin.score, checkin.flagged, checkin.source, checkin.entered_by) == (37, False, "staff", cast.alice)
    assert AccessEvent.objects.filter(subject_id=participant.public_id, action="created", actor=cast.alice).count() == 1


def test_the_check_in_page_and_chart_log_each_read_and_serve_svg(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.org)
    instrument = peerway_instrument()
    for days, value in [(300, 2), (200, 3), (100, 5)]:
        checkin_record_by_staff(
            participant=participant,
            instrument=instrument,
            answers=answers(*[value] * 10),
            actor=cast.alice,
            answered_at=timezone.now() - dt.timedelta(days=days),
        )
    AccessEvent.objects.all().delete()
    client = Client()
    client.force_login(cast.sam)
    page = client.get(reverse("recovery:checkin_list", args=[participant.public_id]))
    body = page.content.decode()
    assert reverse("recovery:checkin_chart", args=[participant.public_id]) in body
    assert "<td>50" in body and "<td>20" in body
    chart = client.get(reverse("recovery:checkin_chart", args=[participant.public_id]))
    assert chart["Content-Type"] == "image/svg+xml"
    svg = chart.content
    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg
    assert b"<script" not in svg
    assert b"47" in svg
    events = AccessEvent.objects.filter(subject_id=participant.public_id, action="viewed", actor=cast.sam)
    assert sorted(events.values_list("reason", flat=True)) == ["check-in chart", "check-ins"]


def test_the_check_in_list_parses_the_instrument_once_not_once_per_row_and_again_once_edited(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every row names its instrument, a new Instrument instance per row; parsing and checking the FHIR takes
    # ~0.15 s, so the parsed definition is kept per process for as long as the instrument's FHIR is the same.
    participant = ParticipantFactory(organization=cast.org)
    instrument = peerway_instrument()
    for days in range(1, 7):
        checkin_record_by_staff(
            participant=participant,
            instrument=instrument,
            answers=answers(*[4] * 10),
            actor=cast.alice,
            answered_at=timezone.now() - dt.timedelta(days=days),
        )
    parses: list[object] = []
    parse = checkin_models.questionnaire_parse

    def counted(raw: object) -> engine.Instrument:
        parses.append(raw)
        return parse(raw)  # type: ignore[arg-type]

    monkeypatch.setattr(checkin_models, "questionnaire_parse", counted)
    client = Client()
    client.force_login(cast.sam)
    url = reverse("recovery:checkin_list", args=[participant.public_id])
    page = client.get(url).content.decode()
    assert page.count(f"<td>{instrument.title}</td>") == 6
    assert len(parses) <= 1  # none when an earlier test left it parsed
    parses.clear()
    client.get(url)
    assert parses == []
    edited = dict(instrument.fhir, title="Recovery capital check-in, edited")
    Instrument.objects.filter(pk=instrument.pk).update(fhir=edited)
    page = client.get(url).content.decode()
    assert page.count("<td>Recovery capital check-in, edited</td>") == 6
    assert len(parses) == 1


def test_the_chart_function_serves_the_persons_own_space_too(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.org)
    assert b"<svg" in participant_checkin_chart_svg(participant)
    checkin_record_by_staff(
        participant=participant, instrument=peerway_instrument(), answers=answers(*[4] * 10), actor=cast.alice
    )
    svg = participant_checkin_chart_svg(Participant.objects.get(pk=participant.pk))
    assert b"<svg" in svg and b"<script" not in svg


def test_a_check_in_exports_as_a_questionnaire_response_that_reads_back(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.org)
    instrument = peerway_instrument()
    checkin = checkin_record_by_staff(
        participant=participant, instrument=instrument, answers=answers(1, 2, 3, 4, 5, 6, 1, 2, 3, 4), actor=cast.alice
    )
    client = Client()
    client.force_login(cast.alice)
    response = client.get(reverse("recovery:checkin_fhir", args=[checkin.public_id]))
    assert response["Content-Type"] == "application/fhir+json"
    parsed = questionnaire_response_parse(response.content, instrument.definition)
    assert parsed.answers == checkin.answers
    assert parsed.authored == checkin.answered_at
    assert str(participant.preferred_name) not in response.content.decode()
    assert AccessEvent.objects.filter(subject_id=participant.public_id, action="exported").count() == 1
    client.force_login(cast.olive)
    assert client.get(reverse("recovery:checkin_fhir", args=[checkin.public_id])).status_code == 404


def test_services_refuse_incomplete_answers(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.org)
    link, _ = checkin_link_create(participant=participant, instrument=peerway_instrument(), actor=None)
    with pytest.raises(AnswersError):
        checkin_answer_by_link(link=link, answers={"substance-use": "3"})
    assert not CheckIn.objects.exists()


def _licensed_questionnaire(version: str = "1") -> dict[str, object]:
    data = json.loads(PEERWAY_CHECKIN_FILE.read_text())
    data["url"] = "https://example.org/Questionnaire/licensed"
    data["version"] = version
    data["title"] = "A licensed instrument"
    return data


def test_an_org_admin_loads_a_licensed_instrument_and_sees_errors_with_their_path(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.ada)
    url = reverse("recovery:instrument_list")
    broken = _licensed_questionnaire()
    broken["item"][3]["answerOption"][0]["valueCoding"]["code"] = 7  # type: ignore[index]
    response = client.post(
        url,
        {"organization": cast.org.pk, "file": SimpleUploadedFile("q.json", json.dumps(broken).encode())},
    )
    assert response.status_code == 200
    assert "item[3].answerOption[0].valueCoding.code" in response.content.decode()
    assert not Instrument.objects.filter(organization=cast.org).exists()
    good = SimpleUploadedFile("q.json", json.dumps(_licensed_questionnaire()).encode())
    assert client.post(url, {"organization": cast.org.pk, "file": good}).status_code == 302
    instrument = Instrument.objects.get(organization=cast.org)
    assert instrument.title == "A licensed instrument" and instrument.loaded_by == cast.ada
    # Olive's organization cannot use it; Riverbend can.
    from peerway.recovery.selectors.checkins import instruments_for_organization

    assert instrument in instruments_for_organization(cast.org)
    assert instrument not in instruments_for_organization(cast.other_org)
    other = SimpleUploadedFile("q.json", json.dumps(_licensed_questionnaire()).encode())
    assert client.post(url, {"organization": cast.other_org.pk, "file": other}).status_code == 200
    assert Instrument.objects.filter(organization=cast.other_org).count() == 0


def test_the_instrument_command_loads_a_file_for_an_organization(cast: Cast, tmp_path: Path) -> None:
    path = tmp_path / "licensed.json"
    path.write_text(json.dumps(_licensed_questionnaire("2")))
    out = io.StringIO()
    call_command("instrument", "import", str(path), "--organization", cast.org.slug, stdout=out)
    assert "Loaded A licensed instrument" in out.getvalue()
    assert Instrument.objects.filter(organization=cast.org, version="2").exists()
    with pytest.raises(CommandError, match="already loaded"):
        call_command("instrument", "import", str(path), "--organization", cast.org.slug)
    bad = tmp_path / "bad.json"
    data = _licensed_questionnaire("3")
    data["item"][0]["type"] = "string"  # type: ignore[index]
    bad.write_text(json.dumps(data))
    with pytest.raises(CommandError, match=r"item\[0\]\.type"):
        call_command("instrument", "import", str(bad))


def test_import_rejects_invalid_json_with_the_path(cast: Cast) -> None:
    data = _licensed_questionnaire()
    data["item"][1]["required"] = "perhaps"  # type: ignore[index]
    with pytest.raises(FhirInvalid) as caught:
        instrument_import(data, organization=cast.org)
    assert caught.value.problems[0].path == "item[1].required"
    assert not Instrument.objects.filter(organization=cast.org).exists()


def _scored_questionnaire(*items: tuple[int, ...]) -> dict[str, object]:
    """An instrument with one item per tuple, whose answers score the tuple's values."""
    definition = engine.Instrument(
        url="https://example.org/Questionnaire/change",
        version="1",
        name="",
        title=engine.Text("Change since last time"),
        items=tuple(
            engine.Item(
                link_id=f"item{index}",
                text=engine.Text(f"Item {index}"),
                options=tuple(
                    engine.AnswerOption(code=f"o{n}", display=engine.Text(f"Option {n}"), value=value)
                    for n, value in enumerate(values)
                ),
            )
            for index, values in enumerate(items)
        ),
        scoring=engine.Scoring(
            method="sum", minimum=sum(min(values) for values in items), maximum=sum(max(values) for values in items)
        ),
    )
    return questionnaire_build(definition)


@pytest.mark.parametrize(
    ("values", "path"),
    [((-2, 0, 2), "extension[scoring].min"), ((0, 40000), "extension[scoring].max")],
    ids=["below-zero", "too-high"],
)
def test_an_instrument_whose_scores_would_not_fit_is_refused_at_import_with_the_path(
    cast: Cast, values: tuple[int, ...], path: str
) -> None:
    # Recovery capital instruments score from 10 or 28 upwards, and a score is stored as a small non-negative
    # number: an instrument outside 0 to 32767 is refused when loaded, not when a person answers it.
    with pytest.raises(FhirInvalid) as caught:
        instrument_import(_scored_questionnaire(values), organization=cast.org, actor=cast.ada)
    assert [problem.path for problem in caught.value.problems] == [path]
    assert not Instrument.objects.filter(organization=cast.org).exists()


def test_an_instrument_with_negative_answer_values_but_no_negative_score_loads_and_is_answered(cast: Cast) -> None:
    instrument = instrument_import(_scored_questionnaire((-2, 0, 2), (2, 3, 4)), organization=cast.org, actor=cast.ada)
    participant = ParticipantFactory(organization=cast.org)
    _link, token = checkin_link_create(participant=participant, instrument=instrument, actor=cast.alice)
    response = Client().post(reverse("checkins:answer", args=[token]), {"q_item0": "o0", "q_item1": "o0"})
    assert response.status_code == 200
    assert CheckIn.objects.get(participant=participant).score == 0


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("version", "2026-01-" + "x" * 80, "version: the version is longer than 64 characters"),
        ("url", "https://example.org/Questionnaire/" + "x" * 240, "url: the url is longer than 255 characters"),
    ],
    ids=["version", "url"],
)
def test_an_uploaded_instrument_with_a_long_version_or_url_is_refused_with_the_path(
    cast: Cast, field: str, value: str, shown: str
) -> None:
    data = _licensed_questionnaire()
    data[field] = value
    client = Client()
    client.force_login(cast.ada)
    upload = SimpleUploadedFile("q.json", json.dumps(data).encode(), content_type="application/json")
    response = client.post(reverse("recovery:instrument_list"), {"organization": cast.org.pk, "file": upload})
    assert response.status_code == 200
    assert shown in response.content.decode()
    assert not Instrument.objects.filter(organization=cast.org).exists()


def _upload_instrument(cast: Cast, content: bytes) -> str:
    """Ada uploads ``content`` as an instrument for Riverbend; the page she gets back, which is never an error."""
    client = Client(raise_request_exception=False)
    client.force_login(cast.ada)
    upload = SimpleUploadedFile("q.json", content, content_type="application/json")
    response = client.post(reverse("recovery:instrument_list"), {"organization": str(cast.org.pk), "file": upload})
    assert response.status_code == 200
    assert not Instrument.objects.filter(organization=cast.org).exists()
    return response.content.decode()


def test_a_deeply_nested_json_file_is_refused_with_a_message(cast: Cast) -> None:
    body = _upload_instrument(cast, b"[" * 100_000 + b"]" * 100_000)
    assert "nested more than 100 levels deep" in body


def test_a_questionnaire_of_groups_nested_too_deeply_to_validate_is_refused_with_a_message(cast: Cast) -> None:
    # Valid JSON the parser reads, but the validation of nested items recurses once per level.
    data = _licensed_questionnaire()
    group: dict[str, object] = {"linkId": "deep", "type": "group", "text": "Deep"}
    data["item"].append(group)  # type: ignore[attr-defined]
    for level in range(200):
        inner: dict[str, object] = {"linkId": f"deep-{level}", "type": "group", "text": "Deeper"}
        group["item"] = [inner]
        group = inner
    assert "nested more than 100 levels deep" in _upload_instrument(cast, json.dumps(data).encode())


def test_an_instrument_file_over_one_megabyte_is_refused_unread(cast: Cast) -> None:
    data = _licensed_questionnaire()
    data["description"] = "x" * (1024 * 1024)
    assert "The file is larger than 1 MB." in _upload_instrument(cast, json.dumps(data).encode())


def _link_events(participant: Participant) -> list[tuple[object, str, str, str]]:
    events = AccessEvent.objects.filter(subject_id=participant.public_id).order_by("id")
    return [(e.actor, e.actor_role, e.action, e.reason) for e in events]


def test_opening_a_check_in_link_is_logged_as_viewed_by_the_person(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.org)
    _, token = checkin_link_create(participant=participant, instrument=peerway_instrument(), actor=cast.alice)
    AccessEvent.objects.all().delete()
    client = Client()
    url = reverse("checkins:answer", args=[token])
    assert client.get(url).status_code == 200
    assert client.post(url, {}).status_code == 200  # missing answers: the page again
    assert client.post(url, form_data([4] * 10)).status_code == 200
    opened = (None, "self", "viewed", "check-in link opened")
    assert _link_events(participant) == [
        opened,
        opened,
        (None, "system", "changed", "check-in answered by private link"),
    ]


def test_the_check_in_page_dates_the_link_in_the_organizations_time_zone(cast: Cast) -> None:
    cast.org.timezone = "America/Los_Angeles"
    cast.org.save()
    participant = ParticipantFactory(organization=cast.org)
    link, token = checkin_link_create(participant=participant, instrument=peerway_instrument(), actor=cast.alice)
    # 06:30 UTC on the 16th is 10:30 p.m. on the 15th in Los Angeles, already the 16th in Chicago.
    CheckInLink.objects.filter(pk=link.pk).update(expires_at=dt.datetime(2030, 1, 16, 6, 30, tzinfo=dt.UTC))
    body = Client().get(reverse("checkins:answer", args=[token])).content.decode()
    assert "works until Jan. 15, 2030" in body


def _staff_entry(participant: Participant, values: list[int], answered_at: str = "2025-01-10T10:00") -> dict[str, str]:
    return {"answered_at": answered_at, "instrument_id": str(peerway_instrument().public_id), **form_data(values)}


def test_a_double_submitted_staff_check_in_is_saved_once(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.org)
    client = Client()
    client.force_login(cast.alice)
    url = reverse("recovery:checkin_entry", args=[participant.public_id])
    data = _staff_entry(participant, [4] * 10)
    assert client.post(url, data).status_code == 302
    # The second press lands where the first would have: the list, told the check-in is saved.
    response = client.post(url, data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("recovery:checkin_list", args=[participant.public_id])
    assert "Check-in saved: score 40." in response.content.decode()
    assert CheckIn.objects.filter(participant=participant).count() == 1
    assert AccessEvent.objects.filter(subject_id=participant.public_id, action="created").count() == 1


def test_only_an_identical_repeat_of_a_staff_check_in_is_refused(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.org)
    when = timezone.now() - dt.timedelta(days=1)
    entry = {"participant": participant, "instrument": peerway_instrument(), "actor": cast.alice}
    first = checkin_record_by_staff(**entry, answers=answers(*[4] * 10), answered_at=when)
    assert checkin_record_by_staff(**entry, answers=answers(*[4] * 10), answered_at=when) == first
    other_answers = checkin_record_by_staff(**entry, answers=answers(*[5] * 10), answered_at=when)
    other_moment = checkin_record_by_staff(**entry, answers=answers(*[4] * 10), answered_at=when - dt.timedelta(days=1))
    assert len({first.pk, other_answers.pk, other_moment.pk}) == 3
    assert CheckIn.objects.filter(participant=participant).count() == 3


# Production runs views without ATOMIC_REQUESTS; pytest-django's wrapping transaction would hide a page that
# writes its AccessEvent (or locks a row) outside a transaction of its own (a 500 in production).
@pytest.mark.django_db(transaction=True)
def test_the_check_in_pages_work_outside_a_test_transaction(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.org)
    _, token = checkin_link_create(participant=participant, instrument=peerway_instrument(), actor=cast.alice)
    assert Client().get(reverse("checkins:answer", args=[token])).status_code == 200
    assert AccessEvent.objects.filter(subject_id=participant.public_id, action="viewed").count() == 1
    staff = Client()
    staff.force_login(cast.alice)
    url = reverse("recovery:checkin_entry", args=[participant.public_id])
    data = _staff_entry(participant, [3] * 10)
    assert [staff.post(url, data).status_code for _ in range(2)] == [302, 302]
    assert CheckIn.objects.filter(participant=participant, source=CheckInSource.STAFF).count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="races between writers need PostgreSQL; SQLite's IMMEDIATE transactions serialize every writer",
)
@pytest.mark.django_db(transaction=True)
def test_identical_staff_check_ins_sent_at_the_same_instant_are_saved_once(cast: Cast) -> None:
    participant = ParticipantFactory(organization=cast.org)
    instrument = peerway_instrument()
    when = timezone.now() - dt.timedelta(hours=1)
    senders = 4
    barrier = threading.Barrier(senders)
    saved: list[int] = []
    errors: list[str] = []

    def send() -> None:
        try:
            barrier.wait()
            checkin = checkin_record_by_staff(
                participant=participant,
                instrument=instrument,
                answers=answers(*[4] * 10),
                actor=cast.alice,
                answered_at=when,
            )
            saved.append(checkin.pk)
        except Exception as error:  # a deadlock or any other error breaks the guarantee
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and len(saved) == senders and len(set(saved)) == 1
    assert CheckIn.objects.filter(participant=participant).count() == 1
