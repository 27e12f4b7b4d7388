"""Credential status, renewal reminders and expiry, continuing education and the renewal page."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import threading
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse

from peerway.accounts.models import User
from peerway.certification.models import Application, ApplicationKind, Credential, CredentialStatus
from peerway.core.scheduler import periodic_jobs
from peerway.workforce import credentials as service
from peerway.workforce.credentials import CredentialState, peer_credential_status
from peerway.workforce.models import ContinuingEducation, CredentialReminder
from tests.factories import peer_profile
from tests.helpers import Cast, until_waiting_or_done
from tests.workforce.credentials_helpers import credential

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXPIRES = dt.date(2027, 3, 1)
REFUSED_ADDRESS = "alice@example.test"
ALREADY_OPEN = "A renewal of this credential is already open"


class RefusingBackend(EmailBackend):
    """Refuses alice's mailbox, as an SMTP server refuses an address that no longer exists."""

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        for message in messages:
            if REFUSED_ADDRESS in message.to:
                raise smtplib.SMTPRecipientsRefused({REFUSED_ADDRESS: (550, b"No such user")})
        return super().send_messages(messages)


def _at(day: dt.date) -> time_machine.travel:
    # 15:00 UTC is the same calendar day in Minnesota.
    return time_machine.travel(dt.datetime.combine(day, dt.time(15, 0), tzinfo=dt.UTC), tick=False)


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_daily_jobs_are_registered() -> None:
    names = {job.name: job for job in periodic_jobs()}
    assert names["credential_reminders"].every == "daily"
    assert names["credentials_expire"].every == "daily"


def test_reminders_at_90_60_and_30_days_each_once(cast: Cast) -> None:
    cast.alice.email = "alice@example.test"
    cast.alice.save()
    held = credential(cast.alice, expires_on=EXPIRES)
    sent = []
    for days_before in (120, 91, 90, 90, 89, 61, 60, 59, 31, 30, 29, 1, 0):
        with _at(EXPIRES - dt.timedelta(days=days_before)):
            sent.append(service.credential_reminders_send())
    assert sent == [0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0]
    assert list(CredentialReminder.objects.filter(credential=held).values_list("days_before", flat=True)) == [
        90,
        60,
        30,
    ]
    assert len(mail.outbox) == 3
    for message in mail.outbox:
        assert message.to == ["alice@example.test"]
        # No personal details: no name, no credential number, no credential type.
        assert "Alice" not in message.body and held.number not in message.body and "CPRS" not in message.body
    assert "90 days" in mail.outbox[0].body and "30 days" in mail.outbox[2].body


def test_a_credential_first_seen_late_gets_only_the_latest_reminder(cast: Cast) -> None:
    credential(cast.alice, expires_on=EXPIRES)
    with _at(EXPIRES - dt.timedelta(days=45)):
        assert service.credential_reminders_send() == 1
        assert service.credential_reminders_send() == 0
    assert list(CredentialReminder.objects.values_list("days_before", flat=True)) == [60]


def test_a_renewed_credential_is_reminded_again_for_its_new_expiry(cast: Cast) -> None:
    held = credential(cast.alice, expires_on=EXPIRES)
    with _at(EXPIRES - dt.timedelta(days=30)):
        assert service.credential_reminders_send() == 1
        held.expires_on = EXPIRES + dt.timedelta(days=60)
        held.save()
    with _at(held.expires_on - dt.timedelta(days=30)):
        assert service.credential_reminders_send() == 1


def test_reminders_skip_credentials_not_active(cast: Cast) -> None:
    credential(cast.alice, expires_on=EXPIRES, status=CredentialStatus.SUSPENDED)
    with _at(EXPIRES - dt.timedelta(days=30)):
        assert service.credential_reminders_send() == 0
    assert mail.outbox == []


def test_reminders_skip_holders_whose_account_is_deactivated(cast: Cast) -> None:
    credential(cast.alice, expires_on=EXPIRES)
    User.objects.filter(pk=cast.alice.pk).update(is_active=False)
    with _at(EXPIRES - dt.timedelta(days=30)):
        assert service.credential_reminders_send() == 0
    assert mail.outbox == []


def test_a_refused_mailbox_is_logged_without_its_address_and_holds_up_no_other_reminder(
    cast: Cast, settings: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"  # type: ignore[attr-defined]
    refused = credential(cast.alice, expires_on=EXPIRES)
    credential(cast.sam, expires_on=EXPIRES)
    with _at(EXPIRES - dt.timedelta(days=30)), caplog.at_level(logging.WARNING, logger="peerway.workforce.credentials"):
        assert service.credential_reminders_send() == 1
    assert [m.to for m in mail.outbox] == [[cast.sam.email]]
    assert list(CredentialReminder.objects.values_list("credential__holder", flat=True)) == [cast.sam.pk]
    assert str(refused.public_id) in caplog.text and "SMTPRecipientsRefused" in caplog.text
    assert REFUSED_ADDRESS not in caplog.text and "Alice" not in caplog.text and refused.number not in caplog.text

    # Not recorded as sent: the next run tries alice's reminder again, and only hers.
    cast.alice.email = "alice.new@example.test"
    cast.alice.save()
    with _at(EXPIRES - dt.timedelta(days=29)):
        assert service.credential_reminders_send() == 1
    assert mail.outbox[-1].to == ["alice.new@example.test"]
    assert CredentialReminder.objects.filter(credential=refused, days_before=30).count() == 1


def test_expiry_job_marks_credentials_past_their_date(cast: Cast) -> None:
    lapsed = credential(cast.alice, expires_on=dt.date(2026, 11, 22))
    today = credential(cast.sam, expires_on=dt.date(2026, 11, 23))
    open_ended = credential(cast.ada, expires_on=None)
    with _at(dt.date(2026, 11, 23)):
        assert service.credentials_expire() == 1
        assert service.credentials_expire() == 0
    lapsed.refresh_from_db()
    today.refresh_from_db()
    open_ended.refresh_from_db()
    assert lapsed.status == CredentialStatus.EXPIRED
    assert today.status == open_ended.status == CredentialStatus.ACTIVE
    assert lapsed.history.order_by("-history_id").first().status == CredentialStatus.EXPIRED  # type: ignore[attr-defined]


def test_peer_credential_status(cast: Cast) -> None:
    with _at(dt.date(2026, 11, 23)):
        assert peer_credential_status(cast.alice) is CredentialState.NONE
        credential(cast.alice, expires_on=dt.date(2026, 11, 22))  # past its date, not yet marked expired
        assert peer_credential_status(cast.alice) is CredentialState.LAPSED
        credential(cast.alice, expires_on=dt.date(2027, 1, 1), status=CredentialStatus.REVOKED)
        assert peer_credential_status(cast.alice) is CredentialState.LAPSED
        credential(cast.alice, expires_on=dt.date(2026, 11, 23))
        assert peer_credential_status(cast.alice) is CredentialState.ACTIVE
        assert peer_credential_status(cast.alice.pk) is CredentialState.ACTIVE


def test_a_lapsed_peer_is_flagged_on_the_live_queue_and_the_matching_report(cast: Cast) -> None:
    lapsed = peer_profile(cast.org, name="Lena")
    credential(lapsed.user, expires_on=dt.date(2020, 1, 1), status=CredentialStatus.EXPIRED)
    certified = peer_profile(cast.org, name="Cora")
    credential(certified.user, expires_on=dt.date(2099, 1, 1))
    page = _client(lapsed.user).get(reverse("workforce:queue")).content.decode()
    assert "Your credential has lapsed" in page
    assert "Your credential has lapsed" not in _client(certified.user).get(reverse("workforce:queue")).content.decode()
    supervisor_page = _client(cast.sam).get(reverse("workforce:queue")).content.decode()
    assert "On shift without an active credential" in supervisor_page
    assert "Lena" in supervisor_page and "Cora" not in supervisor_page
    # Olive supervises another organization: she is not shown Riverbend's peers.
    assert "Lena" not in _client(cast.olive).get(reverse("workforce:queue")).content.decode()
    report = _client(cast.analyst).get(reverse("matching:report")).content.decode()
    assert (
        "Peers without an active credential, in every organization: 1 lapsed, 0 with none recorded (1 active)."
        in report
    )
    # A supervisor's report counts their own organization's peers only.
    report = _client(cast.sam).get(reverse("matching:report")).content.decode()
    assert "Your organization's peers without an active credential: 1 lapsed, 0 with none recorded" in report
    assert 'id="credential-flag"' not in _client(cast.olive).get(reverse("matching:report")).content.decode()


def test_ce_add_refuses_bad_hours_and_dates(cast: Cast) -> None:
    with _at(dt.date(2026, 11, 23)):
        for hours, day, field in (
            (Decimal(-1), dt.date(2026, 11, 1), "hours"),
            (Decimal(0), dt.date(2026, 11, 1), "hours"),
            (Decimal(25), dt.date(2026, 11, 1), "hours"),
            (Decimal(2), dt.date(2026, 11, 24), "completed_on"),
        ):
            with pytest.raises(ValidationError) as error:
                service.ce_add(peer=cast.alice, provider="P", topic="T", completed_on=day, hours=hours)
            assert field in error.value.message_dict
    assert not ContinuingEducation.objects.exists()


def test_ce_certificate_is_checked_and_served_only_to_its_peer(cast: Cast, tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as error:
        service.ce_add(
            peer=cast.alice,
            provider="P",
            topic="T",
            completed_on=dt.date(2026, 1, 5),
            hours=Decimal(3),
            certificate=SimpleUploadedFile("c.pdf", b"MZ not a pdf at all"),
        )
    assert "certificate" in error.value.message_dict
    assert not ContinuingEducation.objects.exists()
    assert not any((tmp_path / "private").rglob("*.*")) and not [
        p for p in (tmp_path / "private").rglob("*") if p.is_file()
    ]
    entry = service.ce_add(
        peer=cast.alice,
        provider="P",
        topic="T",
        completed_on=dt.date(2026, 1, 5),
        hours=Decimal(3),
        certificate=SimpleUploadedFile("c.pdf", PDF),
    )
    url = reverse("career:ce_certificate", args=[entry.public_id])
    response = _client(cast.alice).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    for other in (cast.sam, cast.olive, cast.nobody):
        assert _client(other).get(url).status_code == 404
    assert Client().get(url).status_code == 302


def test_renewal_page_computes_ce_against_the_rule_and_starts_a_renewal(cast: Cast) -> None:
    with _at(dt.date(2026, 11, 23)):
        held = credential(cast.alice, expires_on=dt.date(2027, 1, 31), issued_on=dt.date(2025, 1, 31))
        service.ce_add(
            peer=cast.alice,
            provider="P",
            topic="Ethics",
            completed_on=dt.date(2025, 6, 1),
            hours=Decimal(4),
            ethics=True,
        )
        service.ce_add(
            peer=cast.alice, provider="P", topic="Skills", completed_on=dt.date(2026, 2, 1), hours=Decimal(8)
        )
        # Before the period: not counted.
        service.ce_add(peer=cast.alice, provider="P", topic="Old", completed_on=dt.date(2024, 12, 1), hours=Decimal(10))
        client = _client(cast.alice)
        page = client.get(reverse("career:renewal")).content.decode()
        assert "Continuing education: 12 of 20 hours" in " ".join(page.split())
        assert "Continuing education in ethics: 4 of 6 hours" in " ".join(page.split())
        assert "in 69 days" in page
        # The form keeps typed values and names the error.
        response = client.post(
            reverse("career:renewal"),
            {"provider": "P", "topic": "Typed topic", "completed_on": "2026-11-30", "hours": "2"},
        )
        assert response.status_code == 400
        assert "The date cannot be in the future." in response.content.decode()
        assert 'value="Typed topic"' in response.content.decode()
        response = client.post(reverse("career:renewal_start", args=[held.public_id]))
        application = Application.objects.get(applicant=cast.alice)
        assert application.kind == ApplicationKind.RENEWAL and application.held_credential == held
        assert response["Location"] == reverse("certification:application", args=[application.public_id])
        assert "Your renewal application" in client.get(reverse("career:renewal")).content.decode()
        # Someone else's credential: 404.
        other = credential(cast.sam, expires_on=dt.date(2027, 1, 31))
        assert client.post(reverse("career:renewal_start", args=[other.public_id])).status_code == 404
    assert Credential.objects.count() == 2


def test_a_renewal_is_judged_by_the_renewal_rule_from_the_ce_log(cast: Cast) -> None:
    from peerway.certification import services as cert_services
    from peerway.certification.models import Board
    from peerway.certification.selectors import application_checklist
    from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

    board_org = OrganizationFactory(name="Board", slug="mcb-org", kind="cert_board")
    Board.objects.filter(slug="mn-mcb").update(organization=board_org)
    reviewer = UserFactory(username="bea", first_name="Bea")
    MembershipFactory(user=reviewer, organization=board_org, role="board_admin")
    with _at(dt.date(2026, 11, 23)):
        held = credential(cast.alice, expires_on=dt.date(2027, 1, 31), issued_on=dt.date(2025, 1, 31))
        application = service.renewal_start(user=cast.alice, credential_public_id=str(held.public_id))
        lines = {line.key: line for line in application_checklist(application).lines}
        assert all(key.startswith("ce") for key in lines), lines  # no first-credential training or exam lines
        cert_services.application_submit(application, actor=cast.alice)
        cert_services.review_start(application, reviewer=reviewer)
        with pytest.raises(cert_services.TransitionRefused, match="Continuing education"):
            cert_services.review_approve(application, reviewer=reviewer)
        service.ce_add(
            peer=cast.alice,
            provider="P",
            topic="Ethics",
            completed_on=dt.date(2026, 3, 1),
            hours=Decimal(6),
            ethics=True,
        )
        service.ce_add(
            peer=cast.alice, provider="P", topic="Skills", completed_on=dt.date(2026, 4, 1), hours=Decimal(14)
        )
        assert application_checklist(application).complete
        renewed = cert_services.review_approve(application, reviewer=reviewer)
    assert renewed == held and renewed.expires_on == dt.date(2029, 1, 31)


@pytest.mark.parametrize("status", [CredentialStatus.SUSPENDED, CredentialStatus.REVOKED])
def test_a_suspended_or_revoked_credential_cannot_be_renewed_from_the_page(cast: Cast, status: str) -> None:
    with _at(dt.date(2026, 11, 23)):
        held = credential(cast.alice, expires_on=dt.date(2027, 1, 31), status=status)
        with pytest.raises(ValidationError, match="only an active or expired credential can be renewed"):
            service.renewal_start(user=cast.alice, credential_public_id=str(held.public_id))
        client = _client(cast.alice)
        # The page offers no button, and a hand-made POST is refused with the reason.
        response = client.post(reverse("career:renewal_start", args=[held.public_id]), follow=True)
        assert response.redirect_chain == [(reverse("career:renewal"), 302)]
        assert "only an active or expired credential can be renewed" in response.content.decode()
    assert not Application.objects.exists()


def test_starting_a_renewal_twice_opens_one_application_and_says_why(cast: Cast) -> None:
    with _at(dt.date(2026, 11, 23)):
        held = credential(cast.alice, expires_on=dt.date(2027, 1, 31), issued_on=dt.date(2025, 1, 31))
        client = _client(cast.alice)
        url = reverse("career:renewal_start", args=[held.public_id])
        first = client.post(url)
        application = Application.objects.get(held_credential=held)
        assert first["Location"] == reverse("certification:application", args=[application.public_id])
        # The same form sent again (a double click, a resent page): refused with the reason, no second draft.
        again = client.post(url, follow=True)
        assert again.redirect_chain == [(reverse("career:renewal"), 302)]
        assert ALREADY_OPEN in again.content.decode()
        with pytest.raises(ValidationError, match=ALREADY_OPEN):
            service.renewal_start(user=cast.alice, credential_public_id=str(held.public_id))
    assert list(Application.objects.filter(held_credential=held)) == [application]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serializes every writer: nothing to race")
@pytest.mark.django_db(transaction=True)
def test_two_renewal_starts_at_once_open_one_application(cast: Cast) -> None:
    held = credential(cast.alice, expires_on=dt.date(2099, 1, 31), issued_on=dt.date(2097, 1, 31))
    outcome: list[str] = []

    def second_start() -> None:
        try:
            service.renewal_start(user=cast.alice, credential_public_id=str(held.public_id))
            outcome.append("opened")
        except ValidationError as error:
            outcome.append(" ".join(error.messages))
        finally:
            connections.close_all()

    second = threading.Thread(target=second_start)
    with transaction.atomic():  # the first request: its application created, not yet committed
        first = service.renewal_start(user=cast.alice, credential_public_id=str(held.public_id))
        second.start()
        until_waiting_or_done(second)
    second.join(timeout=30)
    assert len(outcome) == 1 and outcome[0].startswith(ALREADY_OPEN), outcome
    assert list(Application.objects.filter(held_credential=held)) == [first]


def test_a_course_on_the_old_expiry_day_counts_in_one_renewal_period_only(cast: Cast) -> None:
    with _at(dt.date(2026, 3, 1)):
        held = credential(cast.alice, expires_on=dt.date(2026, 3, 1), issued_on=dt.date(2024, 3, 1))
        for day in (dt.date(2024, 3, 1), dt.date(2026, 3, 1)):
            service.ce_add(peer=cast.alice, provider="P", topic="Skills", completed_on=day, hours=Decimal(8))
        entries = service.ce_entries_for_peer(cast.alice)
        first = service.renewal_evaluate(held, entries)
        held.expires_on = dt.date(2028, 3, 1)  # renewed: approval extends from the old expiry date
        second = service.renewal_evaluate(held, entries)
    assert (first.period_start, first.period_end) == (dt.date(2024, 3, 1), dt.date(2026, 3, 1))
    assert (second.period_start, second.period_end) == (dt.date(2026, 3, 2), dt.date(2028, 3, 1))
    assert first.checklist is not None and second.checklist is not None
    assert first.checklist.line("ce_total").have == Decimal(16)
    assert second.checklist.line("ce_total").have == Decimal(0)


def test_renewal_page_does_not_show_an_expired_credential_as_active(cast: Cast) -> None:
    with time_machine.travel(dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC), tick=False):
        # Expired yesterday; the nightly credentials_expire job has not run yet, so its status is still "active".
        credential(cast.alice, expires_on=dt.date(2026, 11, 22), issued_on=dt.date(2024, 11, 22))
        client = Client()
        client.force_login(cast.alice)
        page = " ".join(client.get(reverse("career:renewal")).content.decode().split())
    assert "your credential has lapsed" in page
    assert "<strong>Active</strong>" not in page
    assert "<strong>Expired</strong>" in page
