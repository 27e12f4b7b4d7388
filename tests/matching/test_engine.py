from __future__ import annotations

import math
from random import Random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerway.matching import geo
from peerway.matching.constraints import Constraint, hard_constraint_failures
from peerway.matching.engine import feasible_and_scores, feasible_peer_ids, rank_peers, score_pair
from peerway.matching.features import encode_peers
from peerway.matching.specs import IN_PERSON, Location, PeerSpec, RequestSpec
from peerway.matching.weights import Weights, load_weights
from tests.matching.strategies import peer_lists, peers, request_lists, requests

WEIGHTS = load_weights()
MINNEAPOLIS = Location(44.9778, -93.2650)
ST_PAUL = Location(44.9537, -93.0900)  # about 14 km east
DULUTH = Location(46.7867, -92.1005)


def a_request(**changes: object) -> RequestSpec:
    fields: dict[str, object] = {"id": "r-1", "languages": ["en"], "modalities": ["phone"]}
    return RequestSpec(**(fields | changes))  # type: ignore[arg-type]


def a_peer(**changes: object) -> PeerSpec:
    fields: dict[str, object] = {"id": "p-1", "languages": ["en"], "modalities": ["phone"], "capacity": 1}
    return PeerSpec(**(fields | changes))  # type: ignore[arg-type]


def assert_satisfies_every_hard_constraint(request: RequestSpec, peer: PeerSpec) -> None:
    """The hard rules written out independently of the engine's own code."""
    assert peer.active and peer.on_shift and peer.capacity > 0
    if request.language_required and request.languages:
        assert set(request.languages) & set(peer.languages)
    common = set(request.modalities) & set(peer.modalities)
    assert common
    if common == {IN_PERSON}:
        assert request.location is not None and peer.location is not None
        assert peer.service_radius_km is not None
        distance = geo.great_circle_km(request.location.lat, request.location.lon, peer.location.lat, peer.location.lon)
        assert distance <= peer.service_radius_km + 1e-9


class TestHardConstraints:
    def test_a_required_language_must_be_spoken(self) -> None:
        request = a_request(languages=["hmn"], language_required=True)
        assert hard_constraint_failures(request, a_peer()) == (Constraint.LANGUAGE,)
        assert hard_constraint_failures(request, a_peer(languages=["en", "hmn"])) == ()

    def test_a_language_that_is_not_required_is_only_a_bonus(self) -> None:
        request = a_request(languages=["hmn"], language_required=False)
        assert score_pair(request, a_peer(), WEIGHTS) is not None
        with_hmong = score_pair(request, a_peer(languages=["hmn"]), WEIGHTS)
        without = score_pair(request, a_peer(), WEIGHTS)
        assert with_hmong is not None and without is not None and with_hmong > without

    def test_required_with_no_languages_given_requires_nothing(self) -> None:
        assert hard_constraint_failures(a_request(languages=[], language_required=True), a_peer()) == ()

    def test_modalities_must_intersect(self) -> None:
        request = a_request(modalities=["text"])
        assert hard_constraint_failures(request, a_peer(modalities=["phone", "video"])) == (Constraint.MODALITY,)

    def test_in_person_only_needs_both_locations_and_the_radius(self) -> None:
        request = a_request(modalities=["in_person"], location=MINNEAPOLIS)
        near = a_peer(modalities=["in_person"], location=ST_PAUL, service_radius_km=20.0)
        assert hard_constraint_failures(request, near) == ()
        assert hard_constraint_failures(
            request, a_peer(modalities=["in_person"], location=ST_PAUL, service_radius_km=10.0)
        ) == (Constraint.IN_RANGE,)
        assert hard_constraint_failures(
            request, a_peer(modalities=["in_person"], location=None, service_radius_km=50.0)
        ) == (Constraint.IN_RANGE,)
        assert hard_constraint_failures(a_request(modalities=["in_person"], location=None), near) == (
            Constraint.IN_RANGE,
        )
        assert hard_constraint_failures(request, a_peer(modalities=["in_person"], location=ST_PAUL)) == (
            Constraint.IN_RANGE,
        )

    def test_distance_does_not_matter_when_another_modality_is_shared(self) -> None:
        request = a_request(modalities=["phone", "in_person"], location=MINNEAPOLIS)
        far = a_peer(modalities=["phone", "in_person"], location=DULUTH, service_radius_km=20.0)
        assert hard_constraint_failures(request, far) == ()

    def test_availability_and_capacity_are_hard(self) -> None:
        request = a_request()
        assert hard_constraint_failures(request, a_peer(active=False)) == (Constraint.ACTIVE,)
        assert hard_constraint_failures(request, a_peer(on_shift=False)) == (Constraint.ON_SHIFT,)
        assert hard_constraint_failures(request, a_peer(capacity=0)) == (Constraint.CAPACITY,)


class TestScores:
    def test_shared_terms_count_as_a_share_of_what_was_asked(self) -> None:
        weights = Weights(
            version="t",
            languages=0,
            communities=4,
            lived_experience=0,
            pathways=0,
            gender_preference=0,
            age_band_preference=0,
            proximity=0,
            fairness=0,
            distance_scale_km=50,
        )
        request = a_request(communities=["somali", "faith-muslim"])
        assert score_pair(request, a_peer(communities=["somali"]), weights) == 2.0
        assert score_pair(request, a_peer(communities=["faith-muslim", "somali", "oromo"]), weights) == 4.0

    def test_fairness_prefers_the_lighter_caseload(self) -> None:
        light = score_pair(a_request(), a_peer(capacity=4, active_caseload=1), WEIGHTS)
        heavy = score_pair(a_request(), a_peer(capacity=1, active_caseload=9), WEIGHTS)
        assert light is not None and heavy is not None and light > heavy

    def test_closer_is_better_in_person(self) -> None:
        request = a_request(modalities=["in_person"], location=MINNEAPOLIS)
        here = score_pair(
            request, a_peer(modalities=["in_person"], location=MINNEAPOLIS, service_radius_km=30), WEIGHTS
        )
        there = score_pair(request, a_peer(modalities=["in_person"], location=ST_PAUL, service_radius_km=30), WEIGHTS)
        assert here is not None and there is not None and here > there

    @given(requests(), peers())
    def test_scores_are_between_zero_and_the_weights_sum(self, request: RequestSpec, peer: PeerSpec) -> None:
        score = score_pair(request, peer, WEIGHTS)
        assert score is None or 0.0 <= score <= WEIGHTS.max_score + 1e-12


class TestVectorized:
    @settings(deadline=None, max_examples=150)
    @given(requests(), peer_lists(max_size=8))
    def test_feasible_peer_ids_are_the_peers_every_hard_constraint_admits(
        self, request: RequestSpec, pool: list[PeerSpec]
    ) -> None:
        expected = sorted(peer.id for peer in pool if not hard_constraint_failures(request, peer))
        assert sorted(feasible_peer_ids(request, pool, WEIGHTS)) == expected
        assert sorted(feasible_peer_ids(request, encode_peers(pool), WEIGHTS)) == expected

    @settings(deadline=None, max_examples=150)
    @given(request_lists(max_size=6), peer_lists(max_size=8))
    def test_it_agrees_with_the_per_pair_reference(self, asks: list[RequestSpec], pool: list[PeerSpec]) -> None:
        feasible, scores = feasible_and_scores(asks, pool, WEIGHTS)
        assert feasible.shape == scores.shape == (len(asks), len(pool))
        for i, request in enumerate(asks):
            for j, peer in enumerate(pool):
                expected = score_pair(request, peer, WEIGHTS)
                assert feasible[i, j] == (expected is not None)
                if expected is None:
                    assert math.isnan(scores[i, j])
                else:
                    assert abs(scores[i, j] - expected) <= 1e-9

    @settings(deadline=None)
    @given(request_lists(max_size=4), peer_lists(max_size=6))
    def test_a_pool_gives_the_same_numbers_in_peer_id_order(
        self, asks: list[RequestSpec], pool: list[PeerSpec]
    ) -> None:
        encoded = encode_peers(pool)
        feasible, scores = feasible_and_scores(asks, encoded, WEIGHTS)
        by_id = sorted(pool, key=lambda peer: peer.id)
        again, again_scores = feasible_and_scores(asks, by_id, WEIGHTS)
        assert np.array_equal(feasible, again)
        assert np.array_equal(np.nan_to_num(scores, nan=-1), np.nan_to_num(again_scores, nan=-1))

    def test_a_repeated_peer_id_is_refused(self) -> None:
        with pytest.raises(ValueError, match="p-1"):
            encode_peers([a_peer(), a_peer()])


class TestRankPeers:
    @settings(deadline=None, max_examples=150)
    @given(requests(), peer_lists(max_size=10), st.integers(min_value=1, max_value=4))
    def test_it_proposes_the_best_feasible_peers_best_first(
        self, request: RequestSpec, pool: list[PeerSpec], top: int
    ) -> None:
        proposed = rank_peers(request, pool, WEIGHTS, top=top)
        reference = sorted(
            ((score, peer.id) for peer in pool if (score := score_pair(request, peer, WEIGHTS)) is not None),
            key=lambda item: (-item[0], item[1]),
        )
        assert len(proposed) == min(top, len(reference))
        for match, (score, _) in zip(proposed, reference, strict=False):
            assert abs(match.score - score) <= 1e-9
        for match in proposed:
            assert_satisfies_every_hard_constraint(request, next(p for p in pool if p.id == match.peer_id))
        scores = [match.score for match in proposed]
        assert scores == sorted(scores, reverse=True)

    def test_equal_scores_are_broken_by_peer_id(self) -> None:
        twins = [a_peer(id=peer_id) for peer_id in ("p-c", "p-a", "p-d", "p-b")]
        assert [match.peer_id for match in rank_peers(a_request(), twins, WEIGHTS, top=3)] == ["p-a", "p-b", "p-c"]

    @settings(deadline=None)
    @given(requests(), peer_lists(max_size=8), st.randoms(use_true_random=False))
    def test_the_order_of_the_peers_given_does_not_matter(
        self, request: RequestSpec, pool: list[PeerSpec], random: Random
    ) -> None:
        shuffled = list(pool)
        random.shuffle(shuffled)
        assert rank_peers(request, pool, WEIGHTS) == rank_peers(request, shuffled, WEIGHTS)

    def test_the_explanation_says_what_is_shared(self) -> None:
        request = a_request(
            languages=["so", "en"], communities=["somali", "oromo"], lived_experience=["medication-recovery"]
        )
        peer = a_peer(
            languages=["en", "so"], communities=["somali"], lived_experience=["medication-recovery", "alcohol"]
        )
        [match] = rank_peers(request, [peer], WEIGHTS)
        assert match.explanation.languages == ("so", "en")
        assert match.explanation.communities == ("somali",)
        assert match.explanation.lived_experience == ("medication-recovery",)
        assert match.explanation.gender_preference_met is None

    def test_nobody_feasible_means_no_proposal(self) -> None:
        assert rank_peers(a_request(languages=["hmn"], language_required=True), [a_peer()], WEIGHTS) == []
