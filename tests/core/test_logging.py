from __future__ import annotations

import logging

from peerway.core.logging import RedactPersonalData, redact


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


def test_private_status_links_are_redacted() -> None:
    assert redact("Not Found: /es/r/Xk9_pQ2-abc/") == "Not Found: /es/r/[token]/"
