"""``peerway match solve`` end to end, in a subprocess (no database is touched)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from peerway.matching.contract import schema_errors
from tests.matching.test_contract import example

# Until peerway.matching is in INSTALLED_APPS, a throwaway settings module adds it for the subprocess.
SETTINGS = """
from peerway.settings import *  # noqa: F403

if "peerway.matching" not in INSTALLED_APPS:  # noqa: F405
    INSTALLED_APPS = [*INSTALLED_APPS, "peerway.matching"]  # noqa: F405
"""


def run_match(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "matching_cli_settings.py").write_text(SETTINGS)
    environment = os.environ | {
        "DJANGO_SETTINGS_MODULE": "matching_cli_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]),
        "PEERWAY_MODE": "test",
        "PEERWAY_VAR_DIR": str(tmp_path / "var"),
    }
    return subprocess.run(
        [sys.executable, "-m", "peerway.cli", "match", *arguments],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def problem(tmp_path: Path) -> Path:
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(example()))
    return path


def test_it_writes_the_result_and_the_scores(tmp_path: Path, problem: Path) -> None:
    done = run_match(
        tmp_path, "solve", "--problem", str(problem), "--out", "result.json", "--emit-scores", "scores.json"
    )
    assert done.returncode == 0, done.stderr
    assert "Matched 1 of 2 requests" in done.stdout
    result = json.loads((tmp_path / "result.json").read_text())
    scores = json.loads((tmp_path / "scores.json").read_text())
    assert schema_errors("result", result) == [] and schema_errors("scores", scores) == []
    assert result["assignments"][0]["peer"] == "p-1"


def test_bad_input_exits_2_with_the_item_and_field(tmp_path: Path) -> None:
    document = example()
    del document["requests"][1]["modalities"]
    (tmp_path / "bad.json").write_text(json.dumps(document))
    done = run_match(tmp_path, "solve", "--problem", "bad.json", "--out", "result.json")
    assert done.returncode == 2
    assert "requests[1] (id 'r-17'): field 'modalities' is required" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "result.json").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read"), ("{not json", "not valid JSON (line 1, column 2"), ('{"requests": NaN}', "NaN")],
)
def test_unreadable_problems_exit_2(tmp_path: Path, content: str | None, message: str) -> None:
    if content is not None:
        (tmp_path / "problem.json").write_text(content)
    done = run_match(tmp_path, "solve", "--problem", "problem.json", "--out", "result.json")
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("capacity", 10**20, "field 'capacity' must be at most 1000000"),
        ("active_caseload", 2**70, "field 'active_caseload' must be at most 1000000"),
        ("service_radius_km", 10**400, "field 'service_radius_km' must be at most 20038"),
    ],
)
def test_numbers_too_large_to_hold_are_a_clear_error(tmp_path: Path, field: str, value: int, message: str) -> None:
    document = example()
    document["peers"][0][field] = value
    (tmp_path / "big.json").write_text(json.dumps(document))
    done = run_match(tmp_path, "solve", "--problem", "big.json", "--out", "result.json")
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr


def test_json_nested_too_deeply_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "deep.json").write_text('{"requests": ' + "[" * 100_000 + "]" * 100_000 + "}")
    done = run_match(tmp_path, "solve", "--problem", "deep.json", "--out", "result.json")
    assert done.returncode == 2
    assert "nested too deeply" in done.stderr and "Traceback" not in done.stderr
