from __future__ import annotations

import copy
import json
import math
from random import Random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerway.matching.contract import ProblemError, parse_problem, schema_errors, solve_problem
from peerway.matching.engine import score_pair
from peerway.matching.json_text import load_json
from peerway.matching.specs import PeerSpec, RequestSpec
from peerway.matching.weights import load_weights
from tests.matching.strategies import peer_lists, request_lists

WEIGHTS = load_weights()


def request_json(request: RequestSpec) -> dict[str, Any]:
    location = None if request.location is None else {"lat": request.location.lat, "lon": request.location.lon}
    return {
        "id": request.id,
        "languages": list(request.languages),
        "language_required": request.language_required,
        "communities": list(request.communities),
        "lived_experience": list(request.lived_experience),
        "pathways": list(request.pathways),
        "gender_preference": request.gender_preference,
        "modalities": list(request.modalities),
        "location": location,
        "age_band_preference": request.age_band_preference,
    }


def peer_json(peer: PeerSpec) -> dict[str, Any]:
    location = None if peer.location is None else {"lat": peer.location.lat, "lon": peer.location.lon}
    return {
        "id": peer.id,
        "languages": list(peer.languages),
        "communities": list(peer.communities),
        "lived_experience": list(peer.lived_experience),
        "pathways": list(peer.pathways),
        "gender": peer.gender,
        "age_band": peer.age_band,
        "modalities": list(peer.modalities),
        "location": location,
        "service_radius_km": peer.service_radius_km,
        "capacity": peer.capacity,
        "active_caseload": peer.active_caseload,
        "active": peer.active,
        "on_shift": peer.on_shift,
    }


def example() -> dict[str, Any]:
    return {
        "requests": [
            {
                "id": "r-1",
                "languages": ["so", "en"],
                "language_required": True,
                "communities": ["somali"],
                "lived_experience": ["medication-recovery"],
                "pathways": [],
                "gender_preference": None,
                "modalities": ["phone", "text"],
                "location": None,
            },
            {
                "id": "r-17",
                "languages": ["hmn"],
                "language_required": True,
                "communities": ["hmong"],
                "lived_experience": [],
                "pathways": [],
                "gender_preference": "woman",
                "modalities": ["phone"],
                "location": {"lat": 44.95, "lon": -93.09},
            },
        ],
        "peers": [
            {
                "id": "p-1",
                "languages": ["en", "so"],
                "communities": ["somali", "faith-muslim"],
                "lived_experience": ["medication-recovery"],
                "pathways": ["medication"],
                "gender": "man",
                "age_band": "35-49",
                "modalities": ["phone"],
                "location": {"lat": 44.97, "lon": -93.26},
                "service_radius_km": 25,
                "capacity": 2,
                "favourite_colour": "green",
            }
        ],
    }


def test_the_example_solves_and_validates() -> None:
    result, scores = solve_problem(example(), WEIGHTS, emit_scores=True)
    assert schema_errors("result", result) == []
    assert scores is not None and schema_errors("scores", scores) == []
    assert result["objective"]["matched"] == 1
    [assignment] = result["assignments"]
    assert (assignment["request"], assignment["peer"]) == ("r-1", "p-1")
    assert assignment["shared"]["languages"] == ["so", "en"]
    assert assignment["shared"]["communities"] == ["somali"]
    assert result["unassigned"] == [
        {
            "request": "r-17",
            "reason": {"code": "no_peer_speaks_language", "candidates": 1, "languages": ["hmn"]},
            "message": "No available peer speaks Hmong.",
        }
    ]
    assert scores["requests"] == ["r-1", "r-17"] and scores["peers"] == ["p-1"]
    assert scores["scores"][1] == [None]
    assert result["weights_version"] == WEIGHTS.version


def test_unknown_fields_are_ignored() -> None:
    document = example()
    document["requests"][0]["note"] = {"anything": [1, 2]}
    document["extra"] = True
    assert solve_problem(document, WEIGHTS)[0] == solve_problem(example(), WEIGHTS)[0]


def errors_of(document: Any) -> list[str]:
    with pytest.raises(ProblemError) as caught:
        parse_problem(document)
    return list(caught.value.errors)


def test_a_missing_field_names_the_item_and_the_field() -> None:
    document = example()
    del document["requests"][1]["modalities"]
    assert errors_of(document) == ["requests[1] (id 'r-17'): field 'modalities' is required"]


def test_wrong_types_name_the_item_and_the_field() -> None:
    document = example()
    document["peers"][0]["capacity"] = "2"
    document["requests"][0]["language_required"] = "yes"
    document["requests"][1]["location"] = {"lat": 95, "lon": -93}
    document["requests"][1]["modalities"] = ["phone", "fax"]
    assert errors_of(document) == [
        "requests[0] (id 'r-1'): field 'language_required' must be true or false, got 'yes'",
        "requests[1] (id 'r-17'): field 'location.lat' must be at most 90, got 95",
        "requests[1] (id 'r-17'): field 'modalities[1]' must be one of phone, text, video, in_person, got 'fax'",
        "peers[0] (id 'p-1'): field 'capacity' must be an integer, got '2'",
    ]


def test_an_item_without_an_id_is_named_by_position() -> None:
    document = example()
    del document["peers"][0]["id"]
    assert errors_of(document) == ["peers[0]: field 'id' is required"]


def test_the_document_itself_must_have_requests_and_peers() -> None:
    assert errors_of({"requests": []}) == ["problem: field 'peers' is required"]
    assert errors_of([]) == ["problem: the document must be an object, got a list"]
    assert errors_of({"requests": {}, "peers": []}) == ["problem: field 'requests' must be a list, got an object"]


def test_repeated_ids_are_refused() -> None:
    document = example()
    document["requests"].append(copy.deepcopy(document["requests"][0]))
    assert errors_of(document) == ["requests[2] (id 'r-1'): id already used by requests[0]"]


def test_non_finite_numbers_are_refused() -> None:
    document = example()
    document["peers"][0]["service_radius_km"] = math.inf
    assert errors_of(document) == ["peers[0] (id 'p-1'): field 'service_radius_km' must be a finite number"]
    with pytest.raises(ValueError, match="NaN"):
        load_json('{"requests": [], "peers": [], "x": NaN}')


def test_many_errors_are_summarised() -> None:
    document = {"requests": [{"id": f"r-{index}"} for index in range(30)], "peers": []}
    with pytest.raises(ProblemError) as caught:
        parse_problem(document)
    assert len(caught.value.errors) == 30 * 8
    assert str(caught.value).endswith(f"... and {30 * 8 - 20} more")


@settings(deadline=None, max_examples=60)
@given(request_lists(max_size=6), peer_lists(max_size=6), st.randoms(use_true_random=False))
def test_outputs_validate_and_do_not_depend_on_input_order(
    requests: list[RequestSpec], peers: list[PeerSpec], shuffler: Random
) -> None:
    document = {"requests": [request_json(r) for r in requests], "peers": [peer_json(p) for p in peers]}
    # Through real JSON text, as the command reads it.
    document = load_json(json.dumps(document))
    result, scores = solve_problem(document, WEIGHTS, emit_scores=True)
    assert schema_errors("result", result) == []
    assert scores is not None and schema_errors("scores", scores) == []
    for i, request in enumerate(requests):
        for j, peer in enumerate(peers):
            expected = score_pair(request, peer, WEIGHTS)
            assert (scores["scores"][i][j] is None) == (expected is None)
            if expected is not None:
                assert abs(scores["scores"][i][j] - expected) <= 1e-9
    shuffled = {"requests": list(document["requests"]), "peers": list(document["peers"])}
    shuffler.shuffle(shuffled["requests"])
    shuffler.shuffle(shuffled["peers"])
    assert solve_problem(shuffled, WEIGHTS)[0] == result
