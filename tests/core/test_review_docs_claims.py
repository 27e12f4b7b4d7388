"""Review: concrete claims of README.md and docs/ checked against the code.

Each strict xfail asserts what a document says and the code does not do; fixing either the code or the document
makes it pass (the reason says which should change). The passing tests pin documented examples nothing else checks.
"""

from __future__ import annotations

import json
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from peerway.certification.models import private_storage
from peerway.core.management.commands.serve import gunicorn_workers_default
from peerway.env import SettingError
from peerway.matching.contract import solve_problem
from peerway.resources.csv_rows import resource_rows_parse

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def _peerway(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`peerway …` in a subprocess, in test mode on a throwaway SQLite file, with ``env`` added."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PEERWAY_", "DATABASE_URL", "DJANGO_", "LOG_LEVEL", "SMS_", "EMAIL_"))
    }
    clean.update(
        {
            "PEERWAY_MODE": "test",
            "PEERWAY_VAR_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
            **env,
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "peerway.cli", *args], env=clean, capture_output=True, text=True, timeout=120
    )


# ---------------------------------------------------------------- docs/operations.md: settings


def test_a_lower_case_log_level_is_read_or_refused_in_one_sentence(tmp_path: Path) -> None:
    result = _peerway(["check"], {"LOG_LEVEL": "debug"}, tmp_path)
    assert "Traceback" not in result.stderr
    assert result.returncode == 0 or (
        result.returncode == 2 and "LOG_LEVEL" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SMS_BACKEND", "peerway.core.sms.TwilioBackend"),
        ("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackends"),
    ],
)
def test_a_backend_class_that_does_not_exist_stops_startup(tmp_path: Path, variable: str, value: str) -> None:
    result = _peerway(["check"], {variable: value}, tmp_path)
    assert result.returncode == 2
    assert variable in result.stderr
    assert "Traceback" not in result.stderr


def test_a_malformed_web_concurrency_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEB_CONCURRENCY", "four")
    with pytest.raises(SettingError, match="WEB_CONCURRENCY"):
        gunicorn_workers_default()


def test_the_smtp_server_can_be_set_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMAIL_HOST", "smtp.example.org")
    monkeypatch.setenv("EMAIL_PORT", "587")
    namespace = runpy.run_path(str(ROOT / "src" / "peerway" / "settings.py"))
    assert namespace.get("EMAIL_HOST") == "smtp.example.org"
    assert namespace.get("EMAIL_PORT") == 587


# ---------------------------------------------------------------- docs/operations.md: backup


def test_uploaded_files_live_where_the_backup_instructions_say() -> None:
    # Every directory files are kept in is one the backup paragraph names (it once named var/media/ only, and a
    # restore by it lost every certification evidence file and CE certificate kept under var/private/).
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    backup = next(paragraph for paragraph in text.split("\n\n") if paragraph.startswith("Back up `var/media/`"))
    var = Path(settings.VAR_DIR).resolve()
    for location in (settings.STORAGES["default"]["OPTIONS"]["location"], private_storage().location):
        top = Path(location).resolve().relative_to(var).parts[0]
        assert f"`var/{top}/`" in backup, (top, backup)


# ---------------------------------------------------------------- docs/resources.md: the CSV's phone column


def test_an_eleven_digit_phone_not_starting_with_1_is_refused() -> None:
    data = b"external_id,name,category,phone\nx-1,Sample Pantry,food,9 612 555 0101\n"
    result = resource_rows_parse(data, categories={"food"}, languages=set(), communities=set(), counties={})
    assert [error.line for error in result.errors] == [2]
    assert "phone" in result.errors[0].reason


def test_a_leading_1_before_ten_digits_is_accepted() -> None:
    data = b"external_id,name,category,phone\nx-1,Sample Pantry,food,1 (612) 555-0101\n"
    result = resource_rows_parse(data, categories={"food"}, languages=set(), communities=set(), counties={})
    assert result.ok, result.errors


# ---------------------------------------------------------------- docs/matching.md: the worked example


def _json_block_after(heading: str) -> object:
    text = (DOCS / "matching.md").read_text(encoding="utf-8")
    match = re.search(rf"^### {re.escape(heading)}\n.*?```json\n(.*?)```", text, re.MULTILINE | re.DOTALL)
    assert match, f"no JSON example under {heading!r} in docs/matching.md"
    return json.loads(match.group(1))


def test_the_documented_problem_gives_the_documented_result_and_scores() -> None:
    result, scores = solve_problem(_json_block_after("problem.json"), emit_scores=True)
    assert result == _json_block_after("result.json")
    assert scores == _json_block_after("scores.json")
