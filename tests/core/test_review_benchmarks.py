"""Review: do the benchmarks in bench/ measure and report what they claim (issue 4's targets)?

The benchmarks are scripts, not a package: each is loaded from its file. Nothing here times anything; the
tests call the benchmarks' own functions on tiny inputs, or on a local stand-in server, and check what they
count and how they turn it into a verdict.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from peerway.matching.weights import load_weights

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _bench_module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"review_bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def intake() -> ModuleType:
    return _bench_module("intake")


@pytest.fixture(scope="module")
def matching() -> ModuleType:
    return _bench_module("matching")


def _report(intake: ModuleType, trivial: Any, submit: Any) -> dict[str, Any]:
    args = argparse.Namespace(clients=20, duration=10.0, rounds=1, warmup=0.0, threads=1)
    report: dict[str, Any] = intake.report_build(args, 5, {}, [trivial, submit])
    return report


# ---------------------------------------------------------------- bench/matching.py (a)


def test_the_immediate_match_figure_covers_encoding_the_pool_for_each_request(
    matching: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = matching.encode_peers
    calls = []

    def counted(peers: Any) -> Any:
        calls.append(len(peers))
        return real(peers)

    monkeypatch.setattr(matching, "encode_peers", counted)
    figures = matching.bench_immediate(load_weights(), 7, 40, 4, 2)

    assert figures["requests_timed"] == 4
    # Every timed immediate match encodes the pool it ranks, as the service does per request...
    assert len(calls) >= figures["requests_timed"]
    # ... and the verdict is on those figures, the kernel's on a pool kept between requests reported beside it.
    per_request = figures["per_request_encoding_p95_ms"] <= 5.0 and figures["per_request_encoding_speedup_p50"] >= 50
    assert figures["met"] is per_request and "met_with_pool_kept" in figures


# ---------------------------------------------------------------- bench/intake.py: counting


class _DropsFirstPost(BaseHTTPRequestHandler):
    """Answers every POST with the trivial view's redirect, except the first, whose connection it closes unanswered
    (a worker killed mid-request, a reset)."""

    posts = 0
    lock = threading.Lock()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.lock:
            type(self).posts += 1
            first = type(self).posts == 1
        if first:
            return  # no answer: the connection closes (HTTP/1.0)
        self.send_response(302)
        self.send_header("Location", "/help/")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def dropping_server() -> Iterator[tuple[int, type[_DropsFirstPost]]]:
    handler = type("Handler", (_DropsFirstPost,), {"posts": 0, "lock": threading.Lock()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_a_post_the_server_dropped_is_counted_not_silently_sent_again(
    intake: ModuleType, dropping_server: tuple[int, type[_DropsFirstPost]]
) -> None:
    port, handler = dropping_server
    client = intake.Client(port, seed=1)
    phase = intake.Phase("trivial", intake.TRIVIAL_PATH)
    try:
        intake.drive([client], phase, 0.3)
    finally:
        client.close()

    successes, errors = len(phase.latencies), sum(phase.errors.values())
    assert successes, "the stand-in server answered the later submissions"
    # Every POST the server received is in the figures: a success, an error, or a re-sending counted as such.
    assert handler.posts == successes + errors + getattr(phase, "retries", 0)


# ---------------------------------------------------------------- bench/intake.py: verdicts


def test_a_ratio_just_under_the_target_is_not_reported_met(intake: ModuleType) -> None:
    trivial = intake.Phase("trivial", intake.TRIVIAL_PATH, seconds=1.0, latencies=[0.02] * 1000)
    submit = intake.Phase("intake", intake.INTAKE_PATH, seconds=1.0, latencies=[0.05] * 496)

    report = _report(intake, trivial, submit)

    assert not report["targets"]["ratio_met"]


def test_timed_out_submissions_keep_the_p95_target_from_reading_met(intake: ModuleType) -> None:
    trivial = intake.Phase("trivial", intake.TRIVIAL_PATH, seconds=10.0, latencies=[0.02] * 1000)
    submit = intake.Phase(
        "intake", intake.INTAKE_PATH, seconds=10.0, latencies=[0.05] * 900, errors={"TimeoutError": 100}
    )

    report = _report(intake, trivial, submit)

    assert not report["targets"]["p95_met"]


def test_the_intake_percentiles_never_understate_the_tail(intake: ModuleType) -> None:
    phase = intake.Phase("intake", intake.INTAKE_PATH, seconds=1.0, latencies=[n / 1000 for n in range(1, 1001)])

    figures = intake.phase_figures(phase)

    assert figures["successes"] == 1000
    assert 950.0 <= figures["p95_ms"] <= 951.0
    assert 990.0 <= figures["p99_ms"] <= 991.0
    assert figures["p50_ms"] == 500.5
