"""Adversarial review of the ``peerway match solve`` file contract (docs/matching.md, schemas/*.schema.json).

What test_bad_input_cli.py, test_command.py and test_contract.py already cover is not repeated. Tests marked
``xfail(strict=True)`` show a defect found in this review; the others pin down behaviour that was checked and is
correct. Nothing here uses the database.
"""

from __future__ import annotations

import json
import os
import random
import stat
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerway.matching.command_line import main
from peerway.matching.contract import ProblemError, parse_problem, schema_errors, solve_problem
from peerway.matching.json_text import load_json
from peerway.matching.weights import load_weights
from tests.matching.cli import run_match
from tests.matching.strategies import peer_lists, request_lists
from tests.matching.test_contract import example, peer_json, request_json

WEIGHTS = load_weights()
REPOSITORY = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def solve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """``peerway match solve ARGUMENTS`` in this process (``command_line.main``, what ``peerway match`` runs), from
    ``tmp_path``: the same code as the subprocess, a second faster. An exception escaping it fails the test, as a
    traceback would."""
    monkeypatch.chdir(tmp_path)

    def run(*arguments: str) -> Run:
        returncode = main(["solve", *arguments])
        captured = capsys.readouterr()
        return Run(returncode, captured.out, captured.err)

    return run


def write_problem(tmp_path: Path, document: Any, name: str = "problem.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def assert_refused_cleanly(done: Run | subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stdout == ""


def check_result_against_scores(document: dict[str, Any], result: dict[str, Any], scores: dict[str, Any]) -> None:
    """The cross-file promises: every assignment is on a non-null cell of scores.json with the same score, every
    request is assigned or unassigned exactly once, no peer exceeds its capacity, the objective adds up, and an
    unassigned request is "taken by other requests" exactly when its row of scores.json has a feasible peer."""
    assert schema_errors("result", result) == []
    assert schema_errors("scores", scores) == []
    row = {request_id: index for index, request_id in enumerate(scores["requests"])}
    column = {peer_id: index for index, peer_id in enumerate(scores["peers"])}
    assert list(row) == [request["id"] for request in document["requests"]]
    assert list(column) == [peer["id"] for peer in document["peers"]]
    for assignment in result["assignments"]:
        cell = scores["scores"][row[assignment["request"]]][column[assignment["peer"]]]
        assert cell is not None, f"{assignment['request']} assigned to {assignment['peer']} on a null pair"
        assert abs(cell - assignment["score"]) <= 1e-9
    seen = [item["request"] for item in result["assignments"]] + [item["request"] for item in result["unassigned"]]
    assert sorted(seen) == sorted(row)
    assert [item["request"] for item in result["assignments"]] == sorted(i["request"] for i in result["assignments"])
    assert [item["request"] for item in result["unassigned"]] == sorted(i["request"] for i in result["unassigned"])
    capacity = {peer["id"]: peer["capacity"] for peer in document["peers"]}
    for peer_id, load in Counter(item["peer"] for item in result["assignments"]).items():
        assert load <= capacity[peer_id]
    assert result["objective"]["matched"] == len(result["assignments"])
    total = sum(item["score"] for item in result["assignments"])
    assert abs(result["objective"]["total_score"] - total) <= 1e-9 * max(1, len(result["assignments"]))
    for item in result["unassigned"]:
        has_feasible_peer = any(cell is not None for cell in scores["scores"][row[item["request"]]])
        assert (item["reason"]["code"] == "taken_by_other_requests") == has_feasible_peer, item


# --- Correct behaviour ------------------------------------------------------------------------------------------


@settings(deadline=None, max_examples=60)
@given(request_lists(max_size=6), peer_lists(max_size=5, max_capacity=2), st.sampled_from(("dense", "sparse")))
def test_result_and_scores_agree_on_every_pair(requests: list[Any], peers: list[Any], strategy: str) -> None:
    document = load_json(
        json.dumps({"requests": [request_json(r) for r in requests], "peers": [peer_json(p) for p in peers]})
    )
    result, scores = solve_problem(document, WEIGHTS, emit_scores=True, strategy=strategy)  # type: ignore[arg-type]
    assert scores is not None
    check_result_against_scores(document, result, scores)


def test_a_large_batch_through_the_command_keeps_every_promise(tmp_path: Path) -> None:
    rng = random.Random(20261123)
    languages = ["en", "es", "so", "hmn"]
    communities = ["somali", "hmong", "ojibwe"]
    modalities = ["phone", "text", "video", "in_person"]

    def location() -> dict[str, float] | None:
        return None if rng.random() < 0.2 else {"lat": 44.8 + rng.random() * 0.4, "lon": -93.6 + rng.random() * 0.6}

    size = 500
    document = {
        "requests": [
            {
                "id": f"r-{index}",
                "languages": rng.sample(languages, rng.randint(0, 2)),
                "language_required": rng.random() < 0.5,
                "communities": rng.sample(communities, rng.randint(0, 2)),
                "lived_experience": [],
                "pathways": [],
                "gender_preference": rng.choice([None, "woman"]),
                "modalities": rng.sample(modalities, rng.randint(1, 2)),
                "location": location(),
            }
            for index in range(size)
        ],
        "peers": [
            {
                "id": f"p-{index}",
                "languages": rng.sample(languages, rng.randint(1, 2)),
                "communities": rng.sample(communities, rng.randint(0, 2)),
                "lived_experience": [],
                "pathways": [],
                "gender": rng.choice(["woman", "man", None]),
                "age_band": None,
                "modalities": rng.sample(modalities, rng.randint(1, 3)),
                "location": location(),
                "service_radius_km": rng.choice([None, 0, 5, 20]),
                "capacity": rng.randint(0, 2),
                "active_caseload": rng.randint(0, 3),
            }
            for index in range(size // 3)
        ],
    }
    write_problem(tmp_path, document)
    done = run_match(tmp_path, "solve", "--problem", "problem.json", "--out", "r.json", "--emit-scores", "s.json")
    assert done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    scores = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    check_result_against_scores(document, result, scores)
    assert 0 < result["objective"]["matched"] < size
    assert f"Matched {result['objective']['matched']} of {size} requests" in done.stdout


@pytest.mark.parametrize(
    ("section", "index", "field", "value", "message"),
    [
        ("peers", 0, "service_radius_km", True, "field 'service_radius_km' must be a number or null, got true"),
        ("peers", 0, "capacity", 1.5, "field 'capacity' must be an integer, got 1.5"),
        ("peers", 0, "location", {"lat": 44.9, "lon": 180.5}, "field 'location.lon' must be at most 180, got 180.5"),
        ("requests", 1, "location", {"lat": "44.9", "lon": -93}, "field 'location.lat' must be a number, got '44.9'"),
        ("requests", 1, "location", {"lat": 44.9}, "field 'location.lon' is required"),
        ("requests", 0, "languages", "en", "field 'languages' must be a list, got 'en'"),
        ("requests", 0, "modalities", ["phone", ""], "field 'modalities[1]' must be one of phone, text, video"),
        ("requests", 0, "id", 1, "requests[0]: field 'id' must be a string, got 1"),
        ("peers", 0, "active", None, "field 'active' must be true or false, got null"),
    ],
)
def test_wrong_types_and_ranges_are_refused_by_the_command(
    tmp_path: Path, solve: Callable[..., Run], section: str, index: int, field: str, value: Any, message: str
) -> None:
    document = example()
    document[section][index][field] = value
    write_problem(tmp_path, document)
    done = solve("--problem", "problem.json", "--out", "r.json")
    assert_refused_cleanly(done)
    assert done.stderr.startswith("problem.json: 1 problem(s)\n")
    assert message in done.stderr
    assert not (tmp_path / "r.json").exists()


def test_negative_infinity_and_a_duplicate_peer_id_are_refused_by_the_command(
    tmp_path: Path, solve: Callable[..., Run]
) -> None:
    (tmp_path / "inf.json").write_text('{"requests": [], "peers": [], "x": -Infinity}', encoding="utf-8")
    done = solve("--problem", "inf.json", "--out", "r.json")
    assert_refused_cleanly(done)
    assert "inf.json: not valid JSON (-Infinity" in done.stderr
    document = example()
    document["peers"].append({**document["peers"][0]})
    write_problem(tmp_path, document, "dup.json")
    done = solve("--problem", "dup.json", "--out", "r.json")
    assert_refused_cleanly(done)
    assert "peers[1] (id 'p-1'): id already used by peers[0]" in done.stderr
    assert not (tmp_path / "r.json").exists()


def test_an_empty_modalities_list_is_valid_and_explained(tmp_path: Path, solve: Callable[..., Run]) -> None:
    document = example()
    document["requests"][0]["modalities"] = []
    write_problem(tmp_path, document)
    done = solve("--problem", "problem.json", "--out", "r.json")
    assert done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert result["unassigned"][0]["request"] == "r-1"
    assert result["unassigned"][0]["reason"] == {"code": "no_modality_requested", "candidates": 1}


def test_unreadable_problem_and_weights_paths_are_named_without_a_traceback(
    tmp_path: Path, solve: Callable[..., Run]
) -> None:
    write_problem(tmp_path, example())
    (tmp_path / "a-directory").mkdir()
    (tmp_path / "latin1.json").write_bytes(b'{"version": "\xe9"}')
    done = solve("--problem", "a-directory", "--out", "r.json")
    assert_refused_cleanly(done)
    assert done.stderr.startswith("a-directory: cannot read")
    for weights in ("a-directory", "latin1.json", "missing.json"):
        done = solve("--problem", "problem.json", "--out", "r.json", "--weights", weights)
        assert_refused_cleanly(done)
        assert f"weights file {weights}" in done.stderr
    assert not (tmp_path / "r.json").exists()


def test_the_django_command_reports_bad_input_as_the_bare_command_does(
    tmp_path: Path, solve: Callable[..., Run]
) -> None:
    document = example()
    document["peers"][0]["capacity"] = -3
    write_problem(tmp_path, document)
    bare = solve("--problem", "problem.json", "--out", "r.json")
    django = subprocess.run(
        [
            sys.executable,
            str(REPOSITORY / "manage.py"),
            "match",
            "solve",
            "--problem",
            "problem.json",
            "--out",
            "r.json",
        ],
        cwd=tmp_path,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert bare.returncode == django.returncode == 2, django.stderr
    assert "Traceback" not in django.stderr
    assert bare.stderr.strip() in django.stderr
    assert not (tmp_path / "r.json").exists()


# --- Defects found ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scores", ["a-directory", "/dev/full"])
def test_a_scores_path_that_fails_late_leaves_no_result_either(
    tmp_path: Path, solve: Callable[..., Run], scores: str
) -> None:
    if scores.startswith("/dev/") and not Path(scores).exists():
        pytest.skip(f"{scores} does not exist here")
    write_problem(tmp_path, example())
    (tmp_path / "a-directory").mkdir()
    done = solve("--problem", "problem.json", "--out", "result.json", "--emit-scores", scores)
    assert_refused_cleanly(done)
    assert "cannot write" in done.stderr
    assert not (tmp_path / "result.json").exists(), "a failed run left result.json behind"


@pytest.mark.parametrize("scores", ["r.json", "./r.json"])
def test_the_same_file_for_result_and_scores_is_refused(tmp_path: Path, solve: Callable[..., Run], scores: str) -> None:
    write_problem(tmp_path, example())
    done = solve("--problem", "problem.json", "--out", "r.json", "--emit-scores", scores)
    assert_refused_cleanly(done)
    assert not (tmp_path / "r.json").exists()


def test_the_problem_file_as_the_output_is_refused_and_kept(tmp_path: Path, solve: Callable[..., Run]) -> None:
    problem = write_problem(tmp_path, example())
    before = problem.read_bytes()
    done = solve("--problem", "problem.json", "--out", "./problem.json")
    assert_refused_cleanly(done)
    assert problem.read_bytes() == before


def test_a_weights_file_nested_too_deeply_is_a_clear_error(tmp_path: Path, solve: Callable[..., Run]) -> None:
    write_problem(tmp_path, example())
    (tmp_path / "deep.json").write_text('{"version": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    done = solve("--problem", "problem.json", "--out", "r.json", "--weights", "deep.json")
    assert_refused_cleanly(done)
    assert "deep.json" in done.stderr
    assert not (tmp_path / "r.json").exists()


def test_an_existing_output_file_keeps_its_permissions(tmp_path: Path, solve: Callable[..., Run]) -> None:
    write_problem(tmp_path, example())
    out = tmp_path / "r.json"
    out.write_text("{}", encoding="utf-8")
    out.chmod(0o644)
    done = solve("--problem", "problem.json", "--out", "r.json")
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["objective"]["matched"] == 1
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_an_empty_gender_preference_is_refused_or_means_none() -> None:
    blank = example()
    blank["requests"][0]["gender_preference"] = ""
    blank["peers"][0]["gender"] = ""
    unstated = example()
    unstated["requests"][0]["gender_preference"] = None
    unstated["peers"][0]["gender"] = None
    try:
        result, _ = solve_problem(blank, WEIGHTS)
    except ProblemError:
        return  # refusing the blank string is as good as reading it as no preference
    assert result == solve_problem(unstated, WEIGHTS)[0]


def test_an_item_that_is_not_an_object_is_named_as_the_item() -> None:
    document = example()
    document["requests"][0] = 1
    with pytest.raises(ProblemError) as caught:
        parse_problem(document)
    [error] = caught.value.errors
    assert error.startswith("requests[0]")
    assert "the document" not in error


def test_a_language_code_in_capitals_is_refused_or_matches_its_lower_case() -> None:
    document = example()
    document["requests"][0]["languages"] = ["EN"]
    try:
        result, _ = solve_problem(document, WEIGHTS)
    except ProblemError:
        return  # refusing a non-canonical code is as good as normalising it
    assert [item["request"] for item in result["assignments"]] == ["r-1"]


def test_the_antimeridian_written_both_ways_is_the_same_place() -> None:
    document = example()
    request, peer = document["requests"][1], document["peers"][0]
    request.update({"languages": ["en"], "modalities": ["in_person"], "location": {"lat": 0.0, "lon": -180.0}})
    peer.update({"modalities": ["in_person"], "location": {"lat": 0.0, "lon": 180.0}, "service_radius_km": 0})
    result, scores = solve_problem(document, WEIGHTS, emit_scores=True)
    assert scores is not None and scores["scores"][1][0] is not None
    assert [item["request"] for item in result["assignments"]] == ["r-17"]
