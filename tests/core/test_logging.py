from __future__ import annotations

import io
import logging
import sys

import pytest
from django_tasks import task

from peerway.core.logging import RedactPersonalData, redact
from peerway.intake.forms import PublicHelpRequestForm
from tests.core.batch_worker import run_worker_batch


def test_query_strings_emails_and_phone_numbers_are_redacted() -> None:
    line = "GET /staff/participants/?phone=6125550142 from sample.person@example.test called (612) 555-0142"
    cleaned = redact(line)
    assert "6125550142" not in cleaned
    assert "example.test" not in cleaned
    assert "555-0142" not in cleaned
    assert cleaned.startswith("GET /staff/participants/?[redacted]")


def test_the_filter_rewrites_records_before_any_handler_sees_them() -> None:
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "Not Found: %s", ("/help/?name=Sample",), None)
    assert RedactPersonalData().filter(record)
    assert record.getMessage() == "Not Found: /help/?[redacted]"


def test_uuids_and_plain_paths_are_kept() -> None:
    line = "Not Found: /staff/participants/6656181a-5abd-4149-b63a-a54fbc693966/"
    assert redact(line) == line


def test_dates_times_and_task_ids_are_not_taken_for_phone_numbers() -> None:
    line = "2026-11-23 17:40:01,123 INFO task 7f3c2a10-1c2b-4f5e-9d8a-0123456789ab done in 12.5s"
    assert redact(line) == line


def test_every_common_phone_format_is_redacted() -> None:
    for phone in ("612-555-0142", "(612) 555-0142", "+1 612 555 0142", "6125550142", "612.555.0142"):
        assert redact(f"call {phone} now") == "call [phone] now", phone
    # Typed with a word processor's dashes (en dash, non-breaking hyphen, minus sign).
    for phone in (
        "612\u2013555\u20130142",
        "612\u2011555\u20110142",
        "+1 612\u2212555\u22120142",
        "+44\u201320 7946 0129",
    ):
        assert redact(f"call {phone} now") == "call [phone] now", phone


def test_private_links_are_redacted() -> None:
    assert redact("Not Found: /es/r/Xk9_pQ2-abc/") == "Not Found: /es/r/[token]/"
    # A wrong code on a live personal-space link is a 400 that Django's request logger reports with its path.
    assert redact("Bad Request: /me/Xk9_pQ2-abc/verify/") == "Bad Request: /me/[token]/verify/"
    assert redact("Gone: /so/c/Xk9_pQ2-abc/") == "Gone: /so/c/[token]/"
    assert redact("Not Found: /staff/participants/") == "Not Found: /staff/participants/"
    # A path typed in the wrong case is a 404 that still names the token.
    assert redact("Not Found: /ME/Xk9_pQ2-abc/") == "Not Found: /ME/[token]/"


@pytest.mark.django_db
def test_a_wrong_code_on_a_live_space_link_logs_no_token(caplog: pytest.LogCaptureFixture) -> None:
    from django.test import Client

    from peerway.accounts.links import participant_link_create
    from tests.factories import OrganizationFactory
    from tests.recovery.checkups_support import engagement_for

    participant = engagement_for(OrganizationFactory(), email="sample@example.test").participant
    created = participant_link_create(participant=participant, actor=None, send=False)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        Client().post(f"/me/{created.token}/verify/", {"code": "000000"})
    logged = [RedactPersonalData().filter(record) and record.getMessage() for record in caplog.records]
    assert logged and all(created.token not in line for line in logged)


def _record_with_a_traceback() -> logging.LogRecord:
    try:
        raise ValueError("duplicate key: email=jane.doe@example.org phone 612-555-0142")
    except ValueError:
        return logging.getLogger("x").makeRecord("x", logging.ERROR, __file__, 1, "Task failed", (), sys.exc_info())


def test_exception_tracebacks_are_redacted_and_not_formatted_again_by_the_handler() -> None:
    record = _record_with_a_traceback()
    assert RedactPersonalData().filter(record)
    assert record.exc_info is None
    text = logging.Formatter().format(record)
    assert "ValueError: duplicate key: email=[email] phone [phone]" in text, text
    assert "jane.doe@example.org" not in text and "612-555-0142" not in text, text


def test_stack_info_is_redacted() -> None:
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "Here", (), None, sinfo="Stack: ask 612-555-0142")
    assert RedactPersonalData().filter(record)
    assert record.stack_info == "Stack: ask [phone]"


@task()
def refuse_a_mailbox() -> None:
    raise ValueError("Mailbox refused: jane.doe@example.org")


def _redacting_handler() -> logging.StreamHandler:  # type: ignore[type-arg]
    # The console handler settings.LOGGING installs on the root logger, with the redact filter.
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and any(
            isinstance(f, RedactPersonalData) for f in handler.filters
        ):
            return handler
    raise AssertionError("no redacting handler configured")


def test_a_failed_tasks_traceback_reaches_the_log_redacted(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    handler = _redacting_handler()
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        refuse_a_mailbox.enqueue()
        run_worker_batch(monkeypatch, "--no-scheduler")
    finally:
        handler.setStream(previous)
    logged = buffer.getvalue()
    assert "state=FAILED" in logged and "ValueError: Mailbox refused: [email]" in logged, logged[-600:]
    assert "jane.doe@example.org" not in logged, logged[-600:]


def test_account_link_keys_are_redacted() -> None:
    # allauth's password-reset link (<uidb36>-<key>) sets a staff member's password; its confirmation link
    # confirms an address. Both are answered on a GET, so the key is in the request line.
    reset = '"GET /accounts/password/reset/key/4-d9k2mz-5a0e1c7b9f3d2e4a6c8b/ HTTP/1.1" 302 0'
    assert redact(reset) == '"GET /accounts/password/reset/key/[token]/ HTTP/1.1" 302 0'
    confirm = "Not Found: /es/accounts/confirm-email/MQ:1tXyZa:Qm9vR2xlZ3JlYXRTZWNyZXRLZXk/"
    assert redact(confirm) == "Not Found: /es/accounts/confirm-email/[token]/"
    # The page allauth redirects to once the key is in the session carries no key, and stays readable.
    kept = "GET /accounts/password/reset/key/4-set-password/"
    assert redact(kept) == "GET /accounts/password/reset/key/[token]/"


# The request forms accept any number of 10 to 15 digits (intake/forms.py clean_phone): Somali and UK numbers too,
# which a carrier's or a mail server's refusal can carry into a log line. Every one here is in a range kept for
# fiction (555-01xx in North America, 020 7946 0xxx in the UK), written in the layouts other countries use: a
# Somali number's 3-2-3-4 groups, an Ethiopian's hyphens, a short German number's ten digits.
INTERNATIONAL = (
    "+442 07 946 0123",
    "+44 20 7946 0958",
    "+442079460125",
    "+44 (0)20 7946 0958",
    "+1 (612) 555-0142",
    "+44-20-794-60126",
    "+44 2079 4601",
    "00442 07 946 0127",
    "442 07 946 0128",
    "0044.20.7946.0958",
    "020 7946 0958",
)

# Other groupings the forms accept: in pairs, as in France (not an IPv4 address: five dotted groups), and with spaces
# around the hyphens (four separators between two digits).
GROUPINGS = ("06.12.34.56.78", "(612) - 555 - 0142", "612 -  555  - 0142", "06 12 34 56 78")


@pytest.mark.parametrize("number", INTERNATIONAL + GROUPINGS)
def test_international_phone_numbers_are_redacted_wholly(number: str) -> None:
    assert redact(f"Text to {number} refused by the carrier") == "Text to [phone] refused by the carrier"
    assert redact(f"SMS to {number}: refused.") == "SMS to [phone]: refused."


@pytest.mark.parametrize("number", INTERNATIONAL + GROUPINGS)
def test_every_number_the_request_form_accepts_is_redacted_from_a_log_record(db: None, number: str) -> None:
    form = PublicHelpRequestForm(language_code="en")
    form.cleaned_data = {"phone": number}
    assert form.clean_phone() == number
    record = logging.LogRecord("peerway", logging.WARNING, __file__, 1, "SMS to %s failed", (number,), None)
    assert RedactPersonalData().filter(record)
    assert record.getMessage() == "SMS to [phone] failed"


@pytest.mark.parametrize(
    "line",
    [
        "2026-12-06 23:01:21,123 INFO peerway.jobs routed 12 requests",
        "2026-12-06T23:01:21.123456+00:00 started",
        "seeded 2026-11-23 150 requests",
        "task 12345678-1234-1234-1234-123456789012 done in 0:00:01.234567",
        "done in 12.5s; took 0.0123456789 s; at 1733526081.25",
        "Listening at: http://127.0.0.1:8000 (12345)",
        '203.0.113.195 - - [06/Dec/2026:23:01:21 +0000] "GET /staff/ HTTP/1.1" 200 5123 "-" "Mozilla/5.0 (X11; '
        'Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.109 Safari/537.36"',
        "connection to server at 10.0.0.5, port 5432 failed",
        "client 203.0.113.195. Retrying 203.0.113.195:8000.",
        # Never across a line break: two lines of counts are not one number.
        "counts 10 20 30\n40 50 60",
        "counts 10 20 30\u2028 40 50 60",
        "HelpRequest 123456789 routed to peer 4321; offset +05:30, UTC+0100",
        "backup peerway-20261206-230121.dump written, 104857600 bytes",
    ],
)
def test_times_ids_addresses_and_durations_are_not_taken_for_phone_numbers(line: str) -> None:
    assert redact(line) == line


def _development_server_handler() -> logging.StreamHandler:  # type: ignore[type-arg]
    # The handler settings.LOGGING gives the development server's logger (demo mode), with the redact filter.
    for handler in logging.getLogger("django.server").handlers:
        if isinstance(handler, logging.StreamHandler) and any(
            isinstance(f, RedactPersonalData) for f in handler.filters
        ):
            return handler
    raise AssertionError("no redacting handler on django.server")


def _development_server_logs(request_line: str, status: str, size: str) -> str:
    handler = _development_server_handler()
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        # As http.server's log_request calls Django's WSGIRequestHandler.log_message.
        logging.getLogger("django.server").info(
            '"%s" %s %s', request_line, status, size, extra={"server_time": "06/Dec/2026 23:01:21", "request": None}
        )
    finally:
        handler.setStream(previous)
    return buffer.getvalue()


def test_the_development_servers_request_line_keeps_its_status_code_and_size() -> None:
    # A response of a megabyte or more (a CSV export, an evidence file) makes "200 1048576" ten digits apart by one
    # space: the request line is redacted alone, so they are not taken for a phone number.
    logged = _development_server_logs("GET /staff/workforce/supply.csv HTTP/1.1", "200", "1048576")
    assert '"GET /staff/workforce/supply.csv HTTP/1.1" 200 1048576' in logged, logged
    logged = _development_server_logs("GET /r/Xk9_pQ2-abc/?phone=6125550142 HTTP/1.1", "404", "2097152")
    assert '"GET /r/[token]/?[redacted] HTTP/1.1" 404 2097152' in logged, logged
    logged = _development_server_logs("GET /staff/find/612-555-0142/ HTTP/1.1", "200", "1048576")
    assert '"GET /staff/find/[phone]/ HTTP/1.1" 200 1048576' in logged, logged
