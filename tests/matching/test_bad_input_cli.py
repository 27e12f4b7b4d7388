"""Bad input to ``peerway match solve``, run as a user would in a bare shell. Guards that every malformed problem
file, weights file or output path ends with exit status 2 and one clear message naming the file (and the item and
field), never a traceback, and that nothing is left behind where the output was to go: no result file and no
half-written temporary file. What the contract tests already cover (missing fields, NaN, integers beyond the caps,
a weights file missing a weight) is not repeated here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from peerway.matching.contract import schema_errors
from peerway.matching.weights import DEFAULT_WEIGHTS_FILE
from tests.matching.cli import run_match
from tests.matching.test_contract import example


def _with(section: str, index: int, field: str, value: Any) -> str:
    document = example()
    target = document[section][index]
    *parents, last = field.split(".")
    for parent in parents:
        target = target[parent]
    target[last] = value
    return json.dumps(document)


def _refused(tmp_path: Path, *arguments: str) -> str:
    """Run the command, check it refused cleanly and left nothing beside the inputs; returns its message."""
    before = set(tmp_path.iterdir())
    done = run_match(tmp_path, "solve", *arguments)
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert set(tmp_path.iterdir()) == before, "the refused run left a file behind"
    return done.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(
            json.dumps(example()).replace("somali", "somalí").encode("latin-1"), "not UTF-8 text", id="latin-1"
        ),
        pytest.param(json.dumps(example()).encode("utf-16"), "not UTF-8 text", id="utf-16"),
        pytest.param(b"\xef\xbb\xbf" + json.dumps(example()).encode(), "not valid JSON", id="byte-order-mark"),
        pytest.param(b"", "not valid JSON (line 1, column 1", id="empty-file"),
        pytest.param(b"[]", "problem: the document must be an object, got a list", id="array"),
        pytest.param(b"null", "problem: the document must be an object, got null", id="null"),
        pytest.param(
            _with("peers", 0, "capacity", True).encode(),
            "peers[0] (id 'p-1'): field 'capacity' must be an integer, got true",
            id="capacity-true",
        ),
        pytest.param(
            _with("peers", 0, "capacity", -1).encode(),
            "peers[0] (id 'p-1'): field 'capacity' must be at least 0, got -1",
            id="capacity-negative",
        ),
        pytest.param(
            _with("peers", 0, "active_caseload", False).encode(),
            "peers[0] (id 'p-1'): field 'active_caseload' must be an integer, got false",
            id="caseload-false",
        ),
        pytest.param(
            _with("requests", 1, "location.lat", True).encode(),
            "requests[1] (id 'r-17'): field 'location.lat' must be a number, got true",
            id="latitude-true",
        ),
        pytest.param(
            # 1e400 is no NaN or Infinity literal, but Python reads it as infinity.
            _with("requests", 1, "location.lat", 12345).replace("12345", "1e400").encode(),
            "requests[1] (id 'r-17'): field 'location.lat' must be a finite number",
            id="latitude-1e400",
        ),
        pytest.param(
            _with("requests", 0, "language_required", 1).encode(),
            "requests[0] (id 'r-1'): field 'language_required' must be true or false, got 1",
            id="required-as-1",
        ),
        pytest.param(
            _with("requests", 0, "modalities", ["Phone"]).encode(),
            "requests[0] (id 'r-1'): field 'modalities[0]' must be one of phone, text, video, in_person, got 'Phone'",
            id="modality-capitalised",
        ),
        pytest.param(
            _with("peers", 0, "id", "").encode(),
            "peers[0] (id ''): field 'id' must not be empty",
            id="empty-id",
        ),
    ],
)
def test_a_malformed_problem_file_is_named_and_nothing_is_written(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "problem.json").write_bytes(content)
    stderr = _refused(tmp_path, "--problem", "problem.json", "--out", "result.json")
    assert stderr.startswith("problem.json")
    assert message in stderr


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("missing/result.json", "missing/result.json: cannot write: No such file or directory"),
        (".", ".: cannot write"),
        ("a-directory", "a-directory: cannot write: Is a directory"),
    ],
)
def test_an_output_path_that_cannot_be_written_is_named_and_nothing_is_written(
    tmp_path: Path, out: str, message: str
) -> None:
    (tmp_path / "problem.json").write_text(json.dumps(example()))
    (tmp_path / "a-directory").mkdir()
    stderr = _refused(tmp_path, "--problem", "problem.json", "--out", out)
    assert message in stderr
    assert list((tmp_path / "a-directory").iterdir()) == []


def test_empty_lists_are_a_valid_problem_and_every_request_without_peers_is_explained(tmp_path: Path) -> None:
    (tmp_path / "none.json").write_text(json.dumps({"requests": [], "peers": []}))
    (tmp_path / "nobody.json").write_text(json.dumps({"requests": example()["requests"], "peers": []}))
    for name in ("none", "nobody"):
        done = run_match(tmp_path, "solve", "--problem", f"{name}.json", "--out", f"{name}-result.json")
        assert done.returncode == 0, done.stderr
    none = json.loads((tmp_path / "none-result.json").read_text())
    nobody = json.loads((tmp_path / "nobody-result.json").read_text())
    assert schema_errors("result", none) == [] and schema_errors("result", nobody) == []
    assert none["assignments"] == none["unassigned"] == [] and none["objective"]["matched"] == 0
    assert [(row["request"], row["reason"]["code"]) for row in nobody["unassigned"]] == [
        ("r-1", "no_peers"),
        ("r-17", "no_peers"),
    ]


def test_an_id_with_a_lone_surrogate_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    # json.dumps writes the escape "\ud800", which JSON's grammar allows but which is no Unicode character.
    (tmp_path / "problem.json").write_text(_with("requests", 0, "id", "r-\ud800"))
    stderr = _refused(tmp_path, "--problem", "problem.json", "--out", "result.json")
    assert "requests[0]" in stderr and "'id'" in stderr


def test_a_weight_too_large_to_compute_with_is_refused_as_a_bad_weights_file(tmp_path: Path) -> None:
    weights = json.loads(DEFAULT_WEIGHTS_FILE.read_text(encoding="utf-8"))
    weights["weights"]["languages"] = 1e308
    (tmp_path / "weights.json").write_text(json.dumps(weights))
    (tmp_path / "problem.json").write_text(json.dumps(example()))
    stderr = _refused(tmp_path, "--problem", "problem.json", "--out", "result.json", "--weights", "weights.json")
    assert stderr.startswith("weights file weights.json:")
    assert "languages" in stderr


def test_an_output_path_that_is_a_symbolic_link_is_written_through(tmp_path: Path) -> None:
    (tmp_path / "problem.json").write_text(json.dumps(example()))
    (tmp_path / "kept").mkdir()
    target = tmp_path / "kept" / "result.json"
    target.write_text("{}")
    (tmp_path / "result.json").symlink_to(target)
    done = run_match(tmp_path, "solve", "--problem", "problem.json", "--out", "result.json")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "result.json").is_symlink()
    assert json.loads(target.read_text())["objective"]["matched"] == 1


def test_an_output_path_that_is_no_regular_file_such_as_standard_output_is_written_into(tmp_path: Path) -> None:
    # /dev/stdout is a pipe here (the test captures it): it cannot be renamed over, so it is written straight into.
    (tmp_path / "problem.json").write_text(json.dumps(example()))
    done = run_match(tmp_path, "solve", "--problem", "problem.json", "--out", "/dev/stdout")
    assert done.returncode == 0, done.stderr
    result, _summary = done.stdout.split("\n", 1)
    assert json.loads(result)["objective"]["matched"] == 1
    assert sorted(path.name for path in tmp_path.iterdir()) == ["problem.json"]


def test_a_scores_path_that_cannot_be_written_leaves_no_result_either(tmp_path: Path) -> None:
    # Both files are written beside their targets before either is put in place: a run that reports failure leaves
    # neither, so a script reading result.json after a failed run does not find a file from that run.
    (tmp_path / "problem.json").write_text(json.dumps(example()))
    stderr = _refused(
        tmp_path, "--problem", "problem.json", "--out", "result.json", "--emit-scores", "missing/scores.json"
    )
    assert "missing/scores.json: cannot write: No such file or directory" in stderr


def test_a_capacity_written_as_a_whole_float_counts_as_that_integer(tmp_path: Path) -> None:
    # JSON Schema counts 2.0 an integer; the engine is given the integer, and a peer takes exactly that many.
    document = example()
    peer = document["peers"][0]
    document["peers"] = [peer]
    document["requests"] = [{**document["requests"][0], "id": f"r-{number}"} for number in range(4)]
    peer["capacity"] = 2.0
    (tmp_path / "problem.json").write_text(json.dumps(document))
    done = run_match(tmp_path, "solve", "--problem", "problem.json", "--out", "result.json")
    assert done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["objective"]["matched"] == 2
    assert len(result["unassigned"]) == 2
