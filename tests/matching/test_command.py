"""``peerway match solve`` end to end, in a subprocess with no settings, secrets or database; and the same as a
Django command."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from peerway.matching.contract import schema_errors
from tests.matching.cli import run_match
from tests.matching.test_contract import example


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


def test_a_whole_number_too_long_to_read_is_named_in_plain_words(tmp_path: Path) -> None:
    document = example()
    document["peers"][0]["capacity"] = "LONG"
    (tmp_path / "long.json").write_text(json.dumps(document).replace('"LONG"', "1" + "0" * 5000))
    (tmp_path / "weights.json").write_text('{"version": ' + "9" * 4301 + "}")
    done = run_match(tmp_path, "solve", "--problem", "long.json", "--out", "result.json")
    assert done.returncode == 2, done.stderr
    assert "a whole number of 5001 digits is too long to read; at most 4300" in done.stderr
    assert "set_int_max_str_digits" not in done.stderr and "Traceback" not in done.stderr
    weights = run_match(tmp_path, "solve", "--problem", "long.json", "--out", "r.json", "--weights", "weights.json")
    assert weights.returncode == 2 and "a whole number of 4301 digits" in weights.stderr, weights.stderr


def test_bad_input_is_reported_without_a_prefix(tmp_path: Path) -> None:
    document = example()
    del document["requests"][1]["modalities"]
    (tmp_path / "bad.json").write_text(json.dumps(document))
    done = run_match(tmp_path, "solve", "--problem", "bad.json", "--out", "result.json")
    assert done.stderr.splitlines()[0] == "bad.json: 1 problem(s)"


@pytest.mark.django_db
def test_the_django_command_solves_the_same_and_refuses_the_same(tmp_path: Path, problem: Path) -> None:
    out = io.StringIO()
    call_command("match", "solve", "--problem", str(problem), "--out", str(tmp_path / "r.json"), stdout=out)
    assert "Matched 1 of 2 requests" in out.getvalue()
    assert json.loads((tmp_path / "r.json").read_text())["assignments"][0]["peer"] == "p-1"
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(CommandError, match="not valid JSON") as refused:
        call_command("match", "solve", "--problem", str(tmp_path / "bad.json"), "--out", str(tmp_path / "x.json"))
    assert refused.value.returncode == 2


def test_a_weights_file_that_breaks_the_rules_is_named(tmp_path: Path, problem: Path) -> None:
    (tmp_path / "w.json").write_text(json.dumps({"version": "x", "weights": {}, "distance_scale_km": 50}))
    done = run_match(tmp_path, "solve", "--problem", str(problem), "--out", "result.json", "--weights", "w.json")
    assert done.returncode == 2
    assert done.stderr.startswith("weights file w.json: weights missing:")
