"""Settings come from the environment; bad or missing values stop startup with one sentence."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from tests.migrated_sqlite import migrated_sqlite

PEERWAY = [sys.executable, "-m", "peerway.cli"]
GOOD_PRODUCTION = {
    "PEERWAY_MODE": "production",
    "SECRET_KEY": "p" * 10 + "roduction-secret-for-the-deploy-check-only-0123456789",
    "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "BLIND_INDEX_KEY": "b" * 48,
    "ALLOWED_HOSTS": "peerway.example.org",
    "SITE_URL": "https://peerway.example.org",
}


def run(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PEERWAY_", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"))
    }
    clean.update({"PEERWAY_VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", **env})
    for key in [k for k, v in clean.items() if v == ""]:
        del clean[key]
    return subprocess.run([*PEERWAY, *args], env=clean, capture_output=True, text=True, timeout=120)


def test_production_with_every_setting_passes_the_deploy_check(tmp_path: Path) -> None:
    result = run(["check", "--deploy", "--fail-level", "WARNING"], GOOD_PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("variable", "value", "sentence"),
    [
        ("SECRET_KEY", "", "SECRET_KEY is required"),
        ("SECRET_KEY", "short", "SECRET_KEY must be a random string"),
        ("FIELD_ENCRYPTION_KEY", "", "FIELD_ENCRYPTION_KEY is required"),
        ("FIELD_ENCRYPTION_KEY", "not-a-fernet-key", "FIELD_ENCRYPTION_KEY must be one or more"),
        ("BLIND_INDEX_KEY", "", "BLIND_INDEX_KEY is required"),
        ("ALLOWED_HOSTS", "", "ALLOWED_HOSTS is required"),
        ("SITE_URL", "", "SITE_URL is required"),
        ("SITE_URL", "peerway.example.org", "SITE_URL must be the site's public address"),
        ("SITE_URL", "https://peerway.example.org/?x=1", "SITE_URL must be the site's public address"),
        ("PEERWAY_REQUIRE_MFA", "maybe", "PEERWAY_REQUIRE_MFA must be true or false"),
        ("DATABASE_URL", "mongodb://nowhere", "DATABASE_URL must be a database URL"),
        ("PEERWAY_MODE", "staging", "PEERWAY_MODE must be one of"),
        # 0 failures would lock every account out at once; a negative count of proxies or HSTS seconds means nothing.
        ("AXES_FAILURE_LIMIT", "0", "AXES_FAILURE_LIMIT must be a whole number of at least 1"),
        ("PEERWAY_PROXY_COUNT", "-1", "PEERWAY_PROXY_COUNT must be a whole number of at least 0"),
        ("SECURE_HSTS_SECONDS", "-5", "SECURE_HSTS_SECONDS must be a whole number of at least 0"),
        ("LOG_LEVEL", "loud", "LOG_LEVEL must be one of DEBUG, INFO"),
    ],
)
def test_a_missing_or_malformed_setting_stops_startup_with_one_sentence(
    tmp_path: Path, variable: str, value: str, sentence: str
) -> None:
    result = run(["check"], {**GOOD_PRODUCTION, variable: value}, tmp_path)
    assert result.returncode == 2
    assert sentence in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_demo_generates_its_keys_into_var_and_keeps_them(tmp_path: Path) -> None:
    first = run(["check"], {"PEERWAY_MODE": "demo"}, tmp_path)
    assert first.returncode == 0, first.stderr
    keys = {path.name: path.read_text() for path in (tmp_path / "keys").iterdir()}
    assert set(keys) == {"secret_key", "field_encryption_key", "blind_index_key"}
    assert all((tmp_path / "keys" / name).stat().st_mode & 0o077 == 0 for name in keys)
    run(["check"], {"PEERWAY_MODE": "demo"}, tmp_path)
    assert keys == {path.name: path.read_text() for path in (tmp_path / "keys").iterdir()}


@pytest.mark.parametrize(("mode", "expected"), [("production", "True"), ("demo", "False")])
def test_mfa_is_required_by_default_outside_the_demo(tmp_path: Path, mode: str, expected: str) -> None:
    env = {**GOOD_PRODUCTION, "PEERWAY_MODE": mode, "PEERWAY_REQUIRE_MFA": ""}
    result = run(
        ["shell", "-c", "from django.conf import settings; print(settings.PEERWAY_REQUIRE_MFA)"], env, tmp_path
    )
    assert result.stdout.strip().splitlines()[-1] == expected, result.stderr


def test_an_unreachable_database_stops_a_command_with_one_sentence_and_no_password(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on: bind, note it, close
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgres://peerway:not-a-real-password@127.0.0.1:{port}/peerway"
    result = run(["migrate", "--noinput"], {"PEERWAY_MODE": "test", "DATABASE_URL": url}, tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "the database could not be used" in result.stderr and "Check DATABASE_URL" in result.stderr
    assert "not-a-real-password" not in result.stderr


def test_the_sites_address_is_kept_without_a_trailing_slash(tmp_path: Path) -> None:
    env = {**GOOD_PRODUCTION, "SITE_URL": "https://peerway.example.org/"}
    result = run(["shell", "-c", "from django.conf import settings; print(settings.SITE_URL)"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "https://peerway.example.org"


def test_with_the_database_cache_every_process_counts_against_one_limit(tmp_path: Path) -> None:
    env = {"PEERWAY_MODE": "demo", "PEERWAY_CACHE": "database"}
    # A migrated database without the cache's table: `peerway migrate` with the database cache adds it.
    migrated_sqlite(tmp_path / "db.sqlite3")
    assert run(["migrate", "--noinput", "--verbosity", "0"], env, tmp_path).returncode == 0
    count = "from django.core.cache import cache; cache.add('k', 0, 600); print('count', cache.incr('k'))"
    first = run(["shell", "-c", count], env, tmp_path)
    second = run(["shell", "-c", count], env, tmp_path)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert (first.stdout.split()[-1], second.stdout.split()[-1]) == ("1", "2")
    local = run(["shell", "-c", count], {"PEERWAY_MODE": "demo"}, tmp_path)
    assert local.stdout.split()[-1] == "1"
