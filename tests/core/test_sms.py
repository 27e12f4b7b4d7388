from __future__ import annotations

import json

import pytest
from django.test import override_settings

from peerway.core import sms


def test_test_mode_keeps_texts_in_memory(text_outbox: list[sms.TextMessage]) -> None:
    sms.send_text("+1-555-0100", "Your peer wrote to you in Peerway.")
    assert text_outbox == [sms.TextMessage(to="+1-555-0100", body="Your peer wrote to you in Peerway.")]


def test_file_backend_appends_json_lines(tmp_path) -> None:
    path = tmp_path / "sms" / "out.jsonl"
    with override_settings(SMS_BACKEND="peerway.core.sms.FileBackend", SMS_FILE_PATH=str(path)):
        sms.send_text("+1-555-0101", "one")
        sms.send_text("+1-555-0101", "two")
    assert [json.loads(line)["body"] for line in path.read_text().splitlines()] == ["one", "two"]


def test_disabled_backend_refuses() -> None:
    with override_settings(SMS_BACKEND="peerway.core.sms.DisabledBackend"), pytest.raises(sms.SmsNotConfigured):
        sms.send_text("+1-555-0102", "never sent")
