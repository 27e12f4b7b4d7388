"""The person's own space: private links, one-time codes, the session, downloads and their AccessEvents."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Iterator

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone, translation

from peerway.accounts.links import (
    CODE_ATTEMPTS,
    CODES_PER_WINDOW,
    LINK_CODE_FAILURES,
    LINK_LIFETIME,
    CodeExpired,
    CodeLocked,
    CodeRateLimited,
    link_code_send,
    link_code_verify,
    participant_link_create,
    participant_link_get_by_token,
    participant_link_revoke,
)
from peerway.accounts.models import Membership, ParticipantLink
from peerway.core.models import AccessEvent
from peerway.core.sms import SmsNotConfigured, TextMessage
from peerway.recovery.models import Checkup, Engagement, Message
from peerway.recovery.selectors.messages import unread_message_count
from peerway.recovery.services import engagement_transition
from peerway.recovery.services import plans as plan_svc
from peerway.recovery.services.checkups import checkups_schedule
from peerway.recovery.services.messages import message_send_from_staff
from tests.helpers import Cast, until_waiting_or_done
from tests.recovery.plan_helpers import CaptureOnCommit, engagement_for
from tests.recovery.records import ready_engagement

CODE = re.compile(r"\b(\d{6})\b")
TEXTS_OFF = override_settings(SMS_BACKEND="peerway.core.sms.DisabledBackend")


@pytest.fixture(autouse=True)
def _back_to_english() -> Iterator[None]:
    # A request under /es/ (or a language switch) activates its language in this thread; each test starts in English.
    yield
    translation.deactivate()


def _code_from(outbox: list[TextMessage]) -> str:
    match = CODE.search(outbox[-1].body)
    assert match, outbox[-1].body
    return match.group(1)


def test_a_link_is_stored_hashed_and_a_new_one_revokes_the_old(cast: Cast, text_outbox: list[TextMessage]) -> None:
    engagement = engagement_for(cast)
    first = participant_link_create(participant=engagement.participant, actor=cast.alice)
    assert first.sent_by == "phone" and first.url in text_outbox[-1].body
    assert first.token not in first.link.token_hash
    assert participant_link_get_by_token(first.token) == first.link
    second = participant_link_create(participant=engagement.participant, actor=cast.alice)
    assert participant_link_get_by_token(first.token) is None
    assert participant_link_get_by_token(second.token) == second.link
    participant_link_revoke(link=second.link, actor=cast.alice)
    assert participant_link_get_by_token(second.token) is None
    assert AccessEvent.objects.filter(
        subject_id=engagement.participant.public_id, reason="private link revoked"
    ).exists()


def test_a_link_expires(cast: Cast) -> None:
    engagement = engagement_for(cast)
    created = participant_link_create(participant=engagement.participant, actor=cast.alice)
    with time_machine.travel(timezone.now() + LINK_LIFETIME + dt.timedelta(minutes=1)):
        assert participant_link_get_by_token(created.token) is None
        assert Client().get(reverse("space:enter", args=[created.token])).status_code == 404


def test_the_link_is_in_the_persons_language(cast: Cast, text_outbox: list[TextMessage]) -> None:
    engagement = engagement_for(cast, language="es")
    created = participant_link_create(participant=engagement.participant, actor=cast.alice)
    assert "/es/me/" in created.url


def test_code_expiry_attempts_and_constant_time_check(cast: Cast, text_outbox: list[TextMessage]) -> None:
    engagement = engagement_for(cast)
    created = participant_link_create(participant=engagement.participant, actor=cast.alice, send=False)
    link = created.link
    assert link_code_send(link=link) == "phone"
    code = _code_from(text_outbox)
    body = text_outbox[-1].body
    assert engagement.participant.preferred_name not in body  # no personal details in the text
    wrong = "000000" if code != "000000" else "111111"
    assert link_code_verify(link=link, code=wrong) is False
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)), pytest.raises(CodeExpired):
        link_code_verify(link=link, code=code)
    link_code_send(link=link)
    code = _code_from(text_outbox)
    for _ in range(CODE_ATTEMPTS):
        assert link_code_verify(link=link, code=wrong) is False
    with pytest.raises(CodeLocked):
        link_code_verify(link=link, code=code)
    link_code_send(link=link)
    code = _code_from(text_outbox)
    assert link_code_verify(link=link, code=code) is True
    with pytest.raises(CodeExpired):  # used up
        link_code_verify(link=link, code=code)


def test_codes_are_rate_limited(cast: Cast, text_outbox: list[TextMessage]) -> None:
    engagement = engagement_for(cast)
    link = participant_link_create(participant=engagement.participant, actor=cast.alice, send=False).link
    for _ in range(CODES_PER_WINDOW):
        link_code_send(link=link)
    with pytest.raises(CodeRateLimited):
        link_code_send(link=link)
    assert len(text_outbox) == CODES_PER_WINDOW


def test_the_code_goes_by_email_when_there_is_no_phone(cast: Cast, text_outbox: list[TextMessage]) -> None:
    engagement = engagement_for(cast, phone=None)
    link = participant_link_create(participant=engagement.participant, actor=cast.alice, send=False).link
    mail.outbox.clear()
    assert link_code_send(link=link) == "email"
    assert not text_outbox and CODE.search(mail.outbox[-1].body)


def test_with_neither_phone_nor_email_the_link_alone_opens_the_space(cast: Cast) -> None:
    engagement = engagement_for(cast, phone=None, email=None, preferred_name="Sample Ife")
    created = participant_link_create(participant=engagement.participant, actor=cast.alice)
    assert created.sent_by == ""
    body = Client().get(reverse("space:enter", args=[created.token])).content.decode()
    assert "Sample Ife" in body and "My recovery plan" in body


@TEXTS_OFF
def test_with_texts_off_a_person_who_gave_only_a_phone_opens_the_space_with_the_link(cast: Cast) -> None:
    engagement = engagement_for(cast, phone="6125550142", email=None, preferred_name="Sample Ife")
    created = participant_link_create(participant=engagement.participant, actor=cast.alice)
    assert created.sent_by == "" and created.phone_unreachable
    body = Client().get(reverse("space:enter", args=[created.token])).content.decode()
    assert "Send me a code" not in body
    assert "Sample Ife" in body and "My recovery plan" in body


@TEXTS_OFF
def test_with_texts_off_staff_are_told_the_phone_cannot_be_reached_and_the_link_needs_no_code(cast: Cast) -> None:
    engagement = engagement_for(cast, phone="6125550142", email=None)
    client = Client()
    client.force_login(cast.alice)
    url = reverse("recovery:participant_space_link", args=[engagement.participant.public_id])
    body = client.post(url, {"action": "create"}).content.decode()
    assert "Texts are not set up in Peerway" in body and "opens their space without a code" in body
    assert "gave no phone or email" not in body


@TEXTS_OFF
def test_with_texts_off_the_code_goes_by_email_and_the_code_page_says_so(
    cast: Cast, text_outbox: list[TextMessage]
) -> None:
    engagement = engagement_for(cast, phone="6125550142", email="sample@example.test")
    created = participant_link_create(participant=engagement.participant, actor=cast.alice, send=False)
    client = Client()
    assert "your email at example.test" in client.get(reverse("space:enter", args=[created.token])).content.decode()
    mail.outbox.clear()
    response = client.post(reverse("space:code_send", args=[created.token]))
    body = response.content.decode()
    assert response.status_code == 200 and CODE.search(mail.outbox[-1].body) and not text_outbox
    assert "your email at example.test" in body and "phone ending in" not in body


class RefusingCarrier:
    """A configured carrier that turns out to refuse, as DisabledBackend does."""

    def send(self, message: TextMessage) -> None:
        raise SmsNotConfigured("refused")


@override_settings(SMS_BACKEND=f"{__name__}.RefusingCarrier")
def test_the_code_page_names_the_email_when_the_carrier_refused_and_the_code_went_by_email(cast: Cast) -> None:
    engagement = engagement_for(cast, phone="6125550142", email="sample@example.test")
    created = participant_link_create(participant=engagement.participant, actor=cast.alice, send=False)
    mail.outbox.clear()
    body = Client().post(reverse("space:code_send", args=[created.token])).content.decode()
    assert CODE.search(mail.outbox[-1].body)
    assert "your email at example.test" in body and "phone ending in" not in body


def test_the_code_page_names_the_phone_when_the_code_was_texted(cast: Cast, text_outbox: list[TextMessage]) -> None:
    engagement = engagement_for(cast, phone="6125550142", email="sample@example.test")
    created = participant_link_create(participant=engagement.participant, actor=cast.alice, send=False)
    body = Client().post(reverse("space:code_send", args=[created.token])).content.decode()
    assert text_outbox and "your phone ending in 42" in body


def test_a_link_stops_working_after_too_many_wrong_codes_in_all(cast: Cast, text_outbox: list[TextMessage]) -> None:
    engagement = engagement_for(cast)
    token = participant_link_create(participant=engagement.participant, actor=cast.alice, send=False).token
    client = Client()
    wrong_tries = 0
    stopped = None
    start = timezone.now()
    # New codes every 16 minutes reset the per-code count; the per-link count must not reset with them.
    for window in range(8):
        with time_machine.travel(start + dt.timedelta(minutes=16 * window), tick=False):
            for _ in range(CODES_PER_WINDOW):
                if client.post(reverse("space:code_send", args=[token])).status_code != 200:
                    break
                for _ in range(CODE_ATTEMPTS):
                    response = client.post(reverse("space:code_verify", args=[token]), {"code": "1234567"})
                    if "not right" in response.content.decode():
                        wrong_tries += 1
                    elif "stopped working" in response.content.decode():
                        stopped = response
    assert wrong_tries == LINK_CODE_FAILURES - 1
    assert stopped is not None and "Ask your peer to send you a new link" in stopped.content.decode()
    link = ParticipantLink.objects.get(participant=engagement.participant)
    assert link.revoked_at is not None and participant_link_get_by_token(token) is None
    assert AccessEvent.objects.filter(
        subject_id=engagement.participant.public_id,
        actor=None,
        reason="private link stopped after too many wrong codes",
    ).exists()


def _signed_in_client(cast: Cast, engagement, text_outbox) -> tuple[Client, str]:  # type: ignore[no-untyped-def]
    token = participant_link_create(participant=engagement.participant, actor=cast.alice, send=False).token
    client = Client()
    response = client.get(reverse("space:enter", args=[token]))
    assert response.status_code == 200 and "Send me a code" in response.content.decode()
    assert client.get(reverse("space:record_download", args=[token])).status_code == 302  # not yet signed in
    client.post(reverse("space:code_send", args=[token]))
    response = client.post(reverse("space:code_verify", args=[token]), {"code": "12"})
    assert response.status_code == 400
    response = client.post(reverse("space:code_verify", args=[token]), {"code": _code_from(text_outbox)})
    assert response.status_code == 302
    return client, token


def test_the_space_shows_the_plan_and_the_session_ends(cast: Cast, text_outbox: list[TextMessage]) -> None:
    engagement = engagement_for(cast)
    plan = plan_svc.plan_get_or_create(engagement)
    goal = plan_svc.goal_add(plan=plan, actor=cast.alice, life_area="housing", description="A quiet room")
    plan_svc.step_add(goal=goal, actor=cast.alice, description="Apply at the co-op", who_helps="Navigator Jo")
    client, token = _signed_in_client(cast, engagement, text_outbox)
    body = client.get(reverse("space:enter", args=[token])).content.decode()
    assert "A quiet room" in body and "Apply at the co-op" in body and "Navigator Jo" in body
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
        assert "Send me a code" in client.get(reverse("space:enter", args=[token])).content.decode()


def test_revoking_the_link_closes_an_open_session(cast: Cast, text_outbox: list[TextMessage]) -> None:
    engagement = engagement_for(cast)
    client, token = _signed_in_client(cast, engagement, text_outbox)
    link = ParticipantLink.objects.get(participant=engagement.participant)
    participant_link_revoke(link=link, actor=cast.alice)
    assert client.get(reverse("space:enter", args=[token])).status_code == 404


def test_downloads_hold_the_record_and_are_logged_as_self(cast: Cast, text_outbox: list[TextMessage]) -> None:
    engagement = engagement_for(cast, preferred_name="Sample Dawit", medicaid_id="DEMO-1")
    plan = plan_svc.plan_get_or_create(engagement)
    goal = plan_svc.goal_add(plan=plan, actor=cast.alice, life_area="work", description="Get my CDL")
    plan_svc.step_add(goal=goal, actor=cast.alice, description="Study the manual")
    plan_svc.progress_note_add(
        plan=plan, actor=cast.alice, text="Passed the permit test", noted_on=timezone.localdate()
    )
    message_send_from_staff(engagement=engagement, actor=cast.alice, body="Proud of you")
    message_send_from_staff(engagement=engagement, actor=cast.sam, body="Alice is away this week")
    client, token = _signed_in_client(cast, engagement, text_outbox)
    AccessEvent.objects.all().delete()
    response = client.get(reverse("space:record_download", args=[token]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["participant"]["preferred_name"] == "Sample Dawit"
    assert data["participant"]["medicaid_id"] == "DEMO-1"
    [exported] = data["engagements"]
    assert exported["plan"]["goals"][0]["description"] == "Get my CDL"
    assert exported["plan"]["goals"][0]["steps"][0]["description"] == "Study the manual"
    assert exported["plan"]["progress_notes"][0]["text"] == "Passed the permit test"
    assert exported["messages"][0] == {**exported["messages"][0], "from": "peer", "body": "Proud of you"}
    # A supervisor's answer is the team's, not the person's peer's.
    assert exported["messages"][1] == {**exported["messages"][1], "from": "team", "body": "Alice is away this week"}
    response = client.get(reverse("space:plan_download", args=[token]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    events = list(AccessEvent.objects.filter(subject_id=engagement.participant.public_id).order_by("id"))
    assert [(e.actor, e.actor_role, e.action) for e in events] == [(None, "self", "exported")] * 2


def test_staff_create_and_revoke_the_link_from_the_participant_page(cast: Cast, text_outbox: list[TextMessage]) -> None:
    engagement = engagement_for(cast)
    url = reverse("recovery:participant_space_link", args=[engagement.participant.public_id])
    client = Client()
    client.force_login(cast.alice)
    page = client.get(reverse("recovery:participant_detail", args=[engagement.participant.public_id]))
    assert url in page.content.decode()
    response = client.post(url, {"action": "create"})
    assert response.status_code == 200 and "/me/" in response.content.decode()
    assert ParticipantLink.objects.filter(participant=engagement.participant, revoked_at__isnull=True).count() == 1
    client.post(url, {"action": "revoke"})
    assert not ParticipantLink.objects.filter(participant=engagement.participant, revoked_at__isnull=True).exists()
    client.force_login(cast.bill)
    assert client.post(url, {"action": "create"}).status_code == 404


def test_public_pages_follow_the_language_prefix(cast: Cast) -> None:
    engagement = engagement_for(cast, language="es")
    created = participant_link_create(participant=engagement.participant, actor=cast.alice, send=False)
    # The request activates Spanish in this thread (LocaleMiddleware); the override puts English back after.
    with translation.override("es"):
        url = reverse("space:enter", args=[created.token])
        response = Client().get(url)
    assert url.startswith("/es/")
    assert response.status_code == 200 and 'lang="es"' in response.content.decode()


def test_the_code_page_says_when_too_many_codes_were_asked_for(cast: Cast, text_outbox: list[TextMessage]) -> None:
    engagement = engagement_for(cast)
    token = participant_link_create(participant=engagement.participant, actor=cast.alice, send=False).token
    client = Client()
    url = reverse("space:code_send", args=[token])
    for _ in range(CODES_PER_WINDOW):
        assert client.post(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 429 and "Too many codes" in response.content.decode()


def test_an_unknown_link_and_leaving(cast: Cast, text_outbox: list[TextMessage]) -> None:
    assert Client().get(reverse("space:enter", args=["not-a-real-token"])).status_code == 404
    engagement = engagement_for(cast)
    client, token = _signed_in_client(cast, engagement, text_outbox)
    assert client.post(reverse("space:leave", args=[token])).status_code == 200
    assert client.get(reverse("space:record_download", args=[token])).status_code == 302


def test_the_space_shows_next_check_ups_and_check_in_scores_with_their_chart(
    cast: Cast, text_outbox: list[TextMessage]
) -> None:
    from peerway.recovery.services.checkins import checkin_record_by_staff
    from tests.recovery.test_checkins import answers, peerway_instrument

    engagement = engagement_for(cast)
    checkups_schedule(engagement=engagement)
    for days, value in ((200, 3), (20, 5)):
        checkin_record_by_staff(
            participant=engagement.participant,
            instrument=peerway_instrument(),
            answers=answers(*[value] * 10),
            actor=cast.alice,
            answered_at=timezone.now() - dt.timedelta(days=days),
        )
    client, token = _signed_in_client(cast, engagement, text_outbox)
    body = client.get(reverse("space:enter", args=[token])).content.decode()
    first_due = engagement.checkups.order_by("due_on").first()
    assert first_due is not None
    assert "My next check-ups" in body and first_due.due_on.strftime("%Y") in body
    assert "<td>30</td>" in body and "<td>50</td>" in body and "47" in body
    chart = client.get(reverse("space:checkin_chart", args=[token]))
    assert chart["Content-Type"] == "image/svg+xml" and b"<svg" in chart.content and b"<script" not in chart.content
    data = json.loads(client.get(reverse("space:record_download", args=[token])).content)
    assert [c["score"] for c in data["checkins"]] == [30, 50]
    assert len(data["engagements"][0]["checkups"]) == engagement.checkups.count() > 0
    # Another person's browser, not signed in to this space, gets no chart.
    assert Client().get(reverse("space:checkin_chart", args=[token])).status_code == 302


def _link_only_client(cast: Cast, **participant: object) -> tuple[Engagement, Client, str]:
    """A person who gave neither phone nor email: the link alone opens their space."""
    engagement = engagement_for(cast, phone="", email="", **participant)
    token = participant_link_create(participant=engagement.participant, actor=cast.alice, send=False).token
    return engagement, Client(), token


def _self_events(engagement: Engagement) -> list[tuple[object, str, str, str]]:
    events = AccessEvent.objects.filter(subject_id=engagement.participant.public_id).order_by("id")
    return [(e.actor, e.actor_role, e.action, e.reason) for e in events]


def test_opening_the_space_through_the_link_is_logged_as_viewed_by_the_person(cast: Cast) -> None:
    engagement, client, token = _link_only_client(cast)
    plan = plan_svc.plan_get_or_create(engagement)
    plan_svc.goal_add(plan=plan, actor=cast.alice, life_area="work", description="Get my CDL")
    AccessEvent.objects.all().delete()
    response = client.get(reverse("space:enter", args=[token]))
    assert response.status_code == 200 and "Get my CDL" in response.content.decode()
    assert _self_events(engagement) == [(None, "self", "viewed", "own space page")]


def test_the_space_check_in_chart_is_logged_as_viewed_by_the_person(cast: Cast) -> None:
    engagement, client, token = _link_only_client(cast)
    client.get(reverse("space:enter", args=[token]))
    AccessEvent.objects.all().delete()
    response = client.get(reverse("space:checkin_chart", args=[token]))
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert _self_events(engagement) == [(None, "self", "viewed", "own check-in chart")]


def test_a_refused_message_shows_the_space_again_and_is_logged_as_viewed(cast: Cast) -> None:
    engagement, client, token = _link_only_client(cast)
    client.get(reverse("space:enter", args=[token]))
    AccessEvent.objects.all().delete()
    response = client.post(reverse("space:message_send", args=[token]), {"body": ""})
    assert response.status_code == 400 and "My recovery plan" in response.content.decode()
    assert _self_events(engagement) == [(None, "self", "viewed", "own space page")]


# Production runs views without ATOMIC_REQUESTS; pytest-django's wrapping transaction would hide a page that
# writes its AccessEvent outside a transaction of its own (a 500 in production).
@pytest.mark.django_db(transaction=True)
def test_every_space_page_is_shown_and_logged_outside_a_test_transaction(cast: Cast) -> None:
    engagement, client, token = _link_only_client(cast)
    plan_svc.goal_add(plan=plan_svc.plan_get_or_create(engagement), actor=cast.alice, life_area="work", description="A")
    AccessEvent.objects.all().delete()
    assert client.get(reverse("space:enter", args=[token])).status_code == 200
    assert client.get(reverse("space:checkin_chart", args=[token])).status_code == 200
    assert client.post(reverse("space:message_send", args=[token]), {"body": ""}).status_code == 400
    assert client.get(reverse("space:record_download", args=[token])).status_code == 200
    assert client.get(reverse("space:plan_download", args=[token])).status_code == 200
    assert [(action, reason) for _, _, action, reason in _self_events(engagement)] == [
        ("viewed", "own space page"),
        ("viewed", "own check-in chart"),
        ("viewed", "own space page"),
        ("exported", "own record download (JSON)"),
        ("exported", "own plan PDF download"),
    ]


LOS_ANGELES = "America/Los_Angeles"


def test_the_space_shows_times_in_the_organizations_time_zone(cast: Cast) -> None:
    cast.org.timezone = LOS_ANGELES
    cast.org.save()
    engagement, client, token = _link_only_client(cast)
    message = message_send_from_staff(engagement=engagement, actor=cast.alice, body="See you Tuesday")
    # 17:00 UTC is 9 a.m. in Los Angeles (and 11 a.m. in Chicago, the default zone).
    Message.objects.filter(pk=message.pk).update(created_at=dt.datetime(2025, 1, 15, 17, 0, tzinfo=dt.UTC))
    staff = Client()
    staff.force_login(cast.alice)
    staff_page = staff.get(reverse("recovery:engagement_messages", args=[engagement.public_id])).content.decode()
    assert "01/15/2025 9 a.m." in staff_page
    body = client.get(reverse("space:enter", args=[token])).content.decode()
    assert re.findall(r"01/15/2025 [^<]*", body) == ["01/15/2025 9 a.m."]


def test_the_space_lists_check_ups_from_today_in_the_organizations_time_zone(cast: Cast) -> None:
    cast.org.timezone = LOS_ANGELES
    cast.org.save()
    engagement, client, token = _link_only_client(cast)
    checkups_schedule(engagement=engagement)
    first, *later = engagement.checkups.order_by("due_on")
    Checkup.objects.filter(pk__in=[c.pk for c in later]).delete()
    Checkup.objects.filter(pk=first.pk).update(due_on=dt.date(2025, 1, 15))
    # 07:00 UTC on the 16th is still the 15th in Los Angeles (11 p.m.), already the 16th in Chicago.
    with time_machine.travel(dt.datetime(2025, 1, 16, 7, 0, tzinfo=dt.UTC), tick=False):
        body = client.get(reverse("space:enter", args=[token])).content.decode()
    assert "My next check-ups" in body and "Jan. 15, 2025" in body


def test_the_plan_pdf_from_the_space_is_dated_in_the_organizations_time_zone(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    cast.org.timezone = LOS_ANGELES
    cast.org.save()
    engagement, client, token = _link_only_client(cast)
    plan_svc.plan_get_or_create(engagement)
    printed_on: list[dt.date] = []

    def pdf_noting_the_date(engagement: Engagement) -> bytes:
        printed_on.append(timezone.localdate())  # what the PDF's "Printed on" is made from
        return b"%PDF-1.7"

    monkeypatch.setattr("peerway.recovery.selectors.space.plan_pdf_bytes", pdf_noting_the_date)
    client.get(reverse("space:enter", args=[token]))
    with time_machine.travel(dt.datetime(2025, 1, 16, 7, 0, tzinfo=dt.UTC), tick=False):
        response = client.get(reverse("space:plan_download", args=[token]))
    assert response.status_code == 200 and printed_on == [dt.date(2025, 1, 15)]


def _switcher_next(body: str) -> str:
    """The "next" address the page's language switcher posts, exactly as rendered."""
    match = re.search(r'<form class="language-switcher"[^>]*>.*?name="next" type="hidden" value="([^"]*)"', body, re.S)
    assert match, "the page has a language switcher"
    return match.group(1).replace("&amp;", "&")


@pytest.mark.parametrize("step", ["code_send", "code_verify", "message_send", "leave"])
def test_changing_language_on_a_page_shown_after_a_space_form_lands_on_the_space_in_that_language(
    cast: Cast, text_outbox: list[TextMessage], step: str
) -> None:
    # The page a form's POST shows keeps the form's address; the switcher sends the person back to it with a GET.
    engagement = engagement_for(cast)
    if step == "message_send":
        client, token = _signed_in_client(cast, engagement, text_outbox)
    else:
        client = Client()
        token = participant_link_create(participant=engagement.participant, actor=cast.alice, send=False).token
    with translation.override("so"):
        url = reverse(f"space:{step}", args=[token])
    page = client.post(url, {"code": "000000"} if step == "code_verify" else {"body": ""})
    assert page.status_code in (200, 400)

    switched = client.post("/i18n/setlang/", {"language": "es", "next": _switcher_next(page.content.decode())})
    assert switched.status_code == 302 and switched["Location"] == f"/es/me/{token}/{url.split('/')[-2]}/"
    landed = client.get(switched["Location"])
    assert landed.status_code == 302 and landed["Location"] == f"/es/me/{token}/"
    entry = client.get(landed["Location"])
    assert entry.status_code == 200 and '<html lang="es"' in entry.content.decode()


@pytest.mark.parametrize("step", ["code_send", "code_verify", "message_send", "leave"])
def test_a_space_form_address_opened_directly_goes_to_the_space_and_sends_nothing(
    cast: Cast, text_outbox: list[TextMessage], step: str
) -> None:
    engagement = engagement_for(cast)
    client, token = _signed_in_client(cast, engagement, text_outbox)
    sent_before = len(text_outbox)
    with translation.override("hmn"):
        url = reverse(f"space:{step}", args=[token])
        entry = reverse("space:enter", args=[token])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == entry and entry.startswith("/hmn/")
    assert response["Referrer-Policy"] == "same-origin"
    assert client.put(url).status_code == 405
    assert len(text_outbox) == sent_before, "no code sent"
    assert not Message.objects.filter(engagement=engagement).exists()
    page = client.get(entry)
    assert page.status_code == 200 and f'action="/hmn/me/{token}/messages/"' in page.content.decode(), "still in"


WORDS = "I relapsed last night and I am scared to tell anyone.\r\nCan we talk tomorrow?"


def _shows_draft(body: str) -> bool:
    return "I relapsed last night and I am scared to tell anyone." in body and "Can we talk tomorrow?" in body


def test_a_message_written_while_the_session_ran_out_comes_back_unsent_once_the_code_is_accepted(
    cast: Cast, text_outbox: list[TextMessage]
) -> None:
    from django.contrib.sessions.models import Session

    engagement = engagement_for(cast)
    client, token = _signed_in_client(cast, engagement, text_outbox)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
        # Pressing "Send" after the 30 minutes: the code page, with the message shown and carried in its forms.
        response = client.post(reverse("space:message_send", args=[token]), {"body": WORDS})
        body = response.content.decode()
        assert response.status_code == 200 and "Send me a code" in body and _shows_draft(body)
        assert body.count('name="draft"') == 2, "both forms carry the message"
        assert response["Referrer-Policy"] == "same-origin" and "no-store" in response["Cache-Control"]
        # Asking for a code and typing a wrong one keep it.
        response = client.post(reverse("space:code_send", args=[token]), {"draft": WORDS})
        assert response.status_code == 200 and _shows_draft(response.content.decode())
        response = client.post(reverse("space:code_verify", args=[token]), {"code": "000000", "draft": WORDS})
        assert response.status_code == 400 and _shows_draft(response.content.decode())
        # The right code opens the space with the message back in the box, still not sent.
        response = client.post(
            reverse("space:code_verify", args=[token]), {"code": _code_from(text_outbox), "draft": WORDS}
        )
        body = response.content.decode()
        assert response.status_code == 200 and "Messages with my peer" in body
        assert re.search(r'<textarea name="body"[^>]*>\s*I relapsed last night', body), "in the message box"
        assert "Your message is not sent yet" in body
        assert not Message.objects.filter(engagement=engagement).exists(), "never sent without pressing Send"
        # A reload of that page (the same code again) neither asks for a code nor counts a wrong one.
        again = client.post(
            reverse("space:code_verify", args=[token]), {"code": _code_from(text_outbox), "draft": WORDS}
        )
        assert again.status_code == 200 and _shows_draft(again.content.decode())
        # Kept on the person's screen only: not in the session, which is stored in the database.
        assert not any("scared" in str(session.get_decoded()) for session in Session.objects.all())
        # Pressing "Send" sends it.
        sent = client.post(reverse("space:message_send", args=[token]), {"body": WORDS})
        assert sent.status_code == 302
    assert Message.objects.get(engagement=engagement).body == WORDS


def test_a_message_written_while_the_session_ran_out_comes_back_at_once_when_the_link_needs_no_code(
    cast: Cast,
) -> None:
    engagement, client, token = _link_only_client(cast)
    client.get(reverse("space:enter", args=[token]))
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
        response = client.post(reverse("space:message_send", args=[token]), {"body": WORDS})
    body = response.content.decode()
    assert response.status_code == 200 and re.search(r'<textarea name="body"[^>]*>\s*I relapsed last night', body)
    assert not Message.objects.filter(engagement=engagement).exists()


def test_an_empty_message_after_the_session_ran_out_just_asks_for_the_code(
    cast: Cast, text_outbox: list[TextMessage]
) -> None:
    engagement = engagement_for(cast)
    client, token = _signed_in_client(cast, engagement, text_outbox)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=31)):
        response = client.post(reverse("space:message_send", args=[token]), {"body": "  "})
    assert response.status_code == 302 and response["Location"] == reverse("space:enter", args=[token])


def _checkin_near_midnight(cast: Cast, language: str = "en"):  # type: ignore[no-untyped-def]
    from peerway.recovery.models import Instrument
    from peerway.recovery.services.checkins import checkin_record_by_staff

    engagement = engagement_for(cast, phone="", email="", language=language)
    instrument = Instrument.objects.get(organization=None)
    answers = {item.link_id: item.options[-1].code for item in instrument.definition.items}
    # 04:30 UTC on the 16th is 10:30 p.m. on the 15th in Chicago, the organization's zone.
    checkin_record_by_staff(
        participant=engagement.participant,
        instrument=instrument,
        answers=answers,
        actor=cast.alice,
        answered_at=dt.datetime(2025, 1, 16, 4, 30, tzinfo=dt.UTC),
    )
    token = participant_link_create(participant=engagement.participant, actor=cast.alice, send=False).token
    return instrument.definition, token


@pytest.mark.parametrize("language", ["so", "hmn", "es"])
def test_the_persons_own_check_in_chart_names_the_check_in_in_their_language(cast: Cast, language: str) -> None:
    definition, token = _checkin_near_midnight(cast, language)
    client = Client()
    with translation.override(language):
        client.get(reverse("space:enter", args=[token]))
        svg = client.get(reverse("space:checkin_chart", args=[token])).content.decode()
    assert definition.title.in_language(language) != definition.title.in_language("en")
    assert definition.title.in_language(language) in svg
    assert definition.title.in_language("en") not in svg


def test_the_persons_own_check_in_chart_dates_a_late_evening_check_in_on_its_own_day(cast: Cast) -> None:
    cast.org.timezone = "America/Chicago"
    cast.org.save()
    _, token = _checkin_near_midnight(cast)
    client = Client()
    client.get(reverse("space:enter", args=[token]))
    svg = client.get(reverse("space:checkin_chart", args=[token])).content.decode()
    assert "2025-01-15" in svg
    assert "2025-01-16" not in svg


def test_a_person_writing_after_the_engagement_closed_does_not_mail_a_peer_who_left(
    cast: Cast, text_outbox: list[TextMessage], django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    engagement = ready_engagement(cast)
    engagement_transition(engagement=engagement, action="close", actor=cast.sam)
    Membership.objects.filter(user=cast.alice, organization=cast.org).update(active=False)
    participant = engagement.participant
    participant.phone = ""
    participant.email = ""
    participant.save()
    token = participant_link_create(participant=participant, actor=cast.sam, send=False).token
    client = Client()
    page = client.get(reverse("space:enter", args=[token]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "goes to the team at Riverbend Recovery Community" in body and "Send to the team" in body
    assert "988" in body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("space:message_send", args=[token]), {"body": "Are you there? I need help"})
    assert response.status_code == 302
    sent = Message.objects.filter(engagement=engagement).count()
    assert sent == 1
    assert cast.alice.email not in [address for m in mail.outbox for address in m.to]
    # The supervisor is told, without the person's words, and can open the thread the notice links to.
    [notice] = [m for m in mail.outbox if cast.sam.email in m.to]
    assert notice.to == [cast.sam.email] and "help" not in notice.subject + notice.body
    thread = reverse("recovery:engagement_messages", args=[engagement.public_id])
    assert thread in notice.body
    staff = Client()
    staff.force_login(cast.sam)
    assert "Are you there? I need help" in staff.get(thread).content.decode()
    # The supervisor answers for the peer who left, so opening the thread is reading it.
    assert unread_message_count(engagement) == 0
    # The supervisor's answer reaches the person as the team's, not as the former peer's.
    staff.post(thread, {"body": "We are here. Call 988 if you need someone now."})
    assert (
        "The team at Riverbend Recovery Community" in client.get(reverse("space:enter", args=[token])).content.decode()
    )


def test_the_space_names_the_peer_as_the_one_who_reads_while_the_engagement_is_open(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    participant = engagement.participant
    participant.phone = ""
    participant.email = ""
    participant.save()
    token = participant_link_create(participant=participant, actor=cast.sam, send=False).token
    body = Client().get(reverse("space:enter", args=[token])).content.decode()
    assert "Send to my peer" in body and "goes to the team" not in body


def test_a_message_sent_twice_by_a_double_click_is_stored_once(
    cast: Cast, django_capture_on_commit_callbacks: CaptureOnCommit
) -> None:
    # A double click on "Send to my peer", or a slow phone sending again: the same words a moment apart.
    engagement, client, token = _link_only_client(cast)
    assert client.get(reverse("space:enter", args=[token])).status_code == 200
    url = reverse("space:message_send", args=[token])
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, {"body": "Can we talk tomorrow morning?"})
        second = client.post(url, {"body": " Can we talk tomorrow morning? "})

    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    stored = list(Message.objects.filter(engagement=engagement, sender="participant").values_list("body", flat=True))
    assert stored == ["Can we talk tomorrow morning?"], f"one message sent twice is stored {len(stored)} times"
    assert [m.to for m in mail.outbox] == [[cast.alice.email]], "the peer is told once"


def test_other_words_or_the_same_words_later_are_a_new_message(cast: Cast) -> None:
    engagement, client, token = _link_only_client(cast)
    client.get(reverse("space:enter", args=[token]))
    url = reverse("space:message_send", args=[token])
    client.post(url, {"body": "Can we talk tomorrow morning?"})
    client.post(url, {"body": "Or in the afternoon?"})
    client.post(url, {"body": "Can we talk tomorrow morning?"})  # not the latest one: a new message
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=31)):
        client.post(url, {"body": "Can we talk tomorrow morning?"})
    assert Message.objects.filter(engagement=engagement, sender="participant").count() == 4


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="races between writers need PostgreSQL; SQLite's IMMEDIATE transactions serialize every writer",
)
@pytest.mark.django_db(transaction=True)
def test_the_same_message_sent_twice_at_the_same_instant_is_stored_once(cast: Cast) -> None:
    from django.db import transaction

    engagement, client, token = _link_only_client(cast)
    client.get(reverse("space:enter", args=[token]))
    url = reverse("space:message_send", args=[token])
    data = {"body": "Can we talk tomorrow morning?"}
    statuses: list[int] = []

    def second_click() -> None:
        try:
            statuses.append(client.post(url, data).status_code)
        finally:
            connection.close()

    # The first sending holds the engagement's row, uncommitted, while the second arrives.
    with transaction.atomic():
        statuses.append(client.post(url, data).status_code)
        thread = threading.Thread(target=second_click)
        thread.start()
        until_waiting_or_done(thread)
    thread.join(timeout=10)
    assert statuses == [302, 302]
    assert Message.objects.filter(engagement=engagement, sender="participant").count() == 1


def _csrf_token_in(body: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert match is not None, "the page carries a fresh token"
    return match.group(1)


def test_a_message_refused_by_the_csrf_check_comes_back_in_the_box(cast: Cast) -> None:
    # The CSRF cookie was lost (a phone clearing it): the message is shown back, unsent, and can be sent again.
    engagement, _client, token = _link_only_client(cast)
    browser = Client(enforce_csrf_checks=True)
    assert browser.get(reverse("space:enter", args=[token])).status_code == 200
    url = reverse("space:message_send", args=[token])

    response = browser.post(url, {"body": "Sample: I relapsed last night"})  # no token

    assert response.status_code == 403
    assert not Message.objects.filter(sender="participant").exists()
    body = response.content.decode()
    assert re.search(r'<textarea name="body"[^>]*>\s*Sample: I relapsed last night', body), "back in the box"
    assert "Your message is not sent yet" in body
    assert response["Referrer-Policy"] == "same-origin" and "no-store" in response["Cache-Control"]
    again = browser.post(url, {"body": "Sample: I relapsed last night", "csrfmiddlewaretoken": _csrf_token_in(body)})
    assert again.status_code == 302
    assert Message.objects.get(engagement=engagement).body == "Sample: I relapsed last night"


def test_a_message_refused_by_the_csrf_check_outside_the_space_asks_for_the_code_and_shows_nothing_else(
    cast: Cast,
) -> None:
    # A browser not signed in to the space (the session cookie went with the CSRF cookie) gets the code page,
    # with the message kept in it, and nothing of the space.
    engagement = engagement_for(cast)
    plan_svc.goal_add(plan=plan_svc.plan_get_or_create(engagement), actor=cast.alice, life_area="work", description="A")
    token = participant_link_create(participant=engagement.participant, actor=cast.alice, send=False).token
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(reverse("space:message_send", args=[token]), {"body": WORDS})

    assert response.status_code == 403
    body = response.content.decode()
    assert "Send me a code" in body and _shows_draft(body)
    assert body.count('name="draft"') == 2, "both forms carry the message"
    assert "My recovery plan" not in body and "Messages with my peer" not in body
    assert not Message.objects.exists()


def test_a_message_refused_by_the_csrf_check_on_a_dead_link_or_blank_gets_the_usual_pages(cast: Cast) -> None:
    _engagement, _client, token = _link_only_client(cast)
    browser = Client(enforce_csrf_checks=True)
    unknown = browser.post(reverse("space:message_send", args=["not-a-token"]), {"body": WORDS})
    assert unknown.status_code == 404 and WORDS not in unknown.content.decode()
    blank = browser.post(reverse("space:message_send", args=[token]), {"body": "  "})
    assert blank.status_code == 403 and "This form was not sent" in blank.content.decode()
    assert not Message.objects.exists()


def test_revoking_when_no_link_works_says_so_and_is_still_recorded(cast: Cast, text_outbox: list[TextMessage]) -> None:
    # A second click, or a page left open after a colleague revoked the link: the staff member is told nothing was
    # live, and the record's history still shows who acted on the person's link.
    engagement = engagement_for(cast)
    participant = engagement.participant
    url = reverse("recovery:participant_space_link", args=[participant.public_id])
    client = Client()
    client.force_login(cast.alice)
    client.post(url, {"action": "create"})
    first = client.post(url, {"action": "revoke"})
    second = client.post(url, {"action": "revoke"})
    assert "no longer works" in first.content.decode()
    assert "There was no working private link" in second.content.decode()
    reasons = list(
        AccessEvent.objects.filter(subject_id=participant.public_id, actor=cast.alice, action="changed")
        .order_by("id")
        .values_list("reason", flat=True)
    )
    assert reasons[-2:] == ["private link revoked", "private link revoke asked: no link was live"]
