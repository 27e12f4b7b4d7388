"""The web servers' request logs hold no private links: gunicorn's access log and the development server's."""

from __future__ import annotations

import io
import logging
import os
import secrets
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from gunicorn.config import Config

from peerway.core.gunicorn_logging import RedactingLogger
from peerway.core.management.commands.serve import server_command
from tests.migrated_sqlite import migrated_sqlite

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_listening(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the server exited with status {server.returncode}:\n{log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"the server did not start listening:\n{log.read_text()[-2000:]}")


def wait_until_logged(log: Path, *, requests: int) -> None:
    # Both servers log a request after sending its response, so the client can finish before the line is written.
    deadline = time.monotonic() + 10
    while log.read_text().count(' HTTP/1.1"') < requests and time.monotonic() < deadline:
        time.sleep(0.05)


def get(url: str) -> None:
    try:
        urllib.request.urlopen(url, timeout=30).close()  # noqa: S310 (a local http URL)
    except urllib.error.HTTPError as error:
        error.close()


@pytest.fixture(scope="module")
def server_environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An environment for a server in its own process, with a migrated SQLite database of its own."""
    directory = tmp_path_factory.mktemp("served")
    environment = {
        **os.environ,
        "PEERWAY_MODE": "test",
        "PEERWAY_VAR_DIR": str(directory),
        "DATABASE_URL": f"sqlite:///{directory / 'db.sqlite3'}",
    }
    migrated_sqlite(directory / "db.sqlite3")
    return environment


@pytest.fixture
def tokens() -> Iterator[dict[str, str]]:
    yield {prefix: secrets.token_urlsafe(16) for prefix in ("r", "me", "c")}


@pytest.mark.parametrize("production", [True, False], ids=["gunicorn", "development server"])
def test_a_served_request_logs_its_private_link_redacted(
    production: bool, server_environment: dict[str, str], tokens: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    log = tmp_path / "server.log"
    command = server_command(production=production, host="127.0.0.1", port=port, workers=1)
    with log.open("wb") as output:
        server = subprocess.Popen(
            command, cwd=ROOT, env=server_environment, stdout=output, stderr=subprocess.STDOUT, process_group=0
        )
        try:
            wait_until_listening(port, server, log)
            for prefix, token in tokens.items():
                get(f"http://127.0.0.1:{port}/{prefix}/{token}/?code=123456")
            wait_until_logged(log, requests=len(tokens))
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    logged = log.read_text()
    # Each request is still logged, with its method and path, the token replaced.
    for prefix in tokens:
        assert f"GET /{prefix}/[token]/" in logged, logged[-2000:]
    for token in tokens.values():
        assert token not in logged, logged[-2000:]
    assert "123456" not in logged, logged[-2000:]


def test_the_development_servers_request_lines_are_redacted(tokens: dict[str, str]) -> None:
    # The handlers settings.LOGGING gives the logger (pytest adds capturing handlers of its own).
    handlers = logging.getLogger("django.server").handlers
    streams = [h for h in handlers if isinstance(h, logging.StreamHandler) and h.get_name() == "django.server"]
    assert streams, "django.server has no stream handler from settings.LOGGING"
    buffers = [io.StringIO() for _ in streams]
    previous = [handler.setStream(buffer) for handler, buffer in zip(streams, buffers, strict=True)]
    try:
        # As django.core.servers.basehttp.WSGIRequestHandler.log_message logs a request.
        for prefix, token in tokens.items():
            logging.getLogger("django.server").info(
                '"%s" %s %s',
                f"GET /{prefix}/{token}/?phone=6125550142 HTTP/1.1",
                "200",
                "1234",
                extra={"status_code": 200, "server_time": "23/Nov/2026 17:40:01"},
            )
    finally:
        for handler, stream in zip(streams, previous, strict=True):
            handler.setStream(stream)
    for buffer in buffers:
        logged = buffer.getvalue()
        assert '"GET /r/[token]/?[redacted] HTTP/1.1" 200 1234' in logged, logged
        assert not any(token in logged for token in tokens.values()), logged
        assert "6125550142" not in logged, logged


def test_gunicorns_atoms_carry_no_token_query_string_or_referer_secret() -> None:
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/es/me/Xk9_pQ2-abc/?code=123456",
        "PATH_INFO": "/es/me/Xk9_pQ2-abc/",
        "QUERY_STRING": "code=123456",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "https://peerway.example/r/Zz8-tok3n/",
        "REMOTE_ADDR": "127.0.0.1",
    }

    class Response:
        status, sent, headers = "200 OK", 1234, [("Content-Type", "text/html")]

    atoms = RedactingLogger(Config()).atoms(Response(), [], environ, timedelta(milliseconds=12))
    assert atoms["U"] == "/es/me/[token]/"
    assert atoms["r"] == "GET /es/me/[token]/?[redacted] HTTP/1.1"
    assert atoms["q"] == "[redacted]"
    assert atoms["f"] == "https://peerway.example/r/[token]/"
    assert (atoms["m"], atoms["s"], atoms["B"], atoms["M"]) == ("GET", "200", 1234, 12)
    assert not any("Xk9_pQ2-abc" in str(value) or "123456" in str(value) for value in atoms.values())


@pytest.mark.parametrize(
    ("path", "secret"),
    [
        ("/accounts/password/reset/key/4-d9k2mz-5a0e1c7b9f3d2e4a6c8b/", "d9k2mz-5a0e1c7b9f3d2e4a6c8b"),
        ("/es/accounts/confirm-email/MQ:1tXyZa:Qm9vR2xlZ3JlYXRTZWNyZXRLZXk/", "Qm9vR2xlZ3JlYXRTZWNyZXRLZXk"),
    ],
)
def test_gunicorns_atoms_carry_no_account_link_key(path: str, secret: str) -> None:
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }

    class Response:
        status, sent, headers = "302 Found", 0, [("Content-Type", "text/html")]

    atoms = RedactingLogger(Config()).atoms(Response(), [], environ, timedelta(milliseconds=3))
    assert secret not in atoms["U"]
    assert secret not in atoms["r"]
    assert atoms["U"].endswith("/[token]/")
