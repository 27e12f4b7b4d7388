from __future__ import annotations

import itertools
import random
from collections import Counter
from random import Random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerway.matching.assignment import _keep, assign_batch, solve_batch
from peerway.matching.engine import score_pair
from peerway.matching.specs import Location, PeerSpec, RequestSpec
from peerway.matching.weights import load_weights
from tests.matching.strategies import COMMUNITIES, LANGUAGES, LIVED, peer_lists, request_lists
from tests.matching.test_engine import assert_satisfies_every_hard_constraint

WEIGHTS = load_weights()
STRATEGIES = ("dense", "sparse")


def brute_force_optimum(requests: list[RequestSpec], peers: list[PeerSpec]) -> tuple[int, float]:
    """The best (matched, total score) over every assignment that respects capacities, by enumeration."""
    scores = [[score_pair(request, peer, WEIGHTS) for peer in peers] for request in requests]
    options = [[None, *(j for j, score in enumerate(row) if score is not None)] for row in scores]
    best = (0, 0.0)
    for choice in itertools.product(*options):
        taken = Counter(j for j in choice if j is not None)
        if any(count > peers[j].capacity for j, count in taken.items()):
            continue
        matched = sum(taken.values())
        total = sum(scores[i][j] for i, j in enumerate(choice) if j is not None)  # type: ignore[misc]
        if matched > best[0] or (matched == best[0] and total > best[1]):
            best = (matched, total)
    return best


@settings(deadline=None, max_examples=300)
@given(request_lists(max_size=5), peer_lists(max_size=4, max_capacity=2), st.sampled_from(STRATEGIES))
def test_the_batch_reaches_the_brute_force_optimum(
    requests: list[RequestSpec], peers: list[PeerSpec], strategy: str
) -> None:
    result = assign_batch(requests, peers, WEIGHTS, strategy)  # type: ignore[arg-type]
    matched, total = brute_force_optimum(requests, peers)
    assert result.matched == matched
    assert abs(result.total_score - total) <= 1e-9


@settings(deadline=None, max_examples=200)
@given(request_lists(max_size=8), peer_lists(max_size=8), st.sampled_from(STRATEGIES))
def test_every_pair_is_feasible_and_no_capacity_is_exceeded(
    requests: list[RequestSpec], peers: list[PeerSpec], strategy: str
) -> None:
    result = assign_batch(requests, peers, WEIGHTS, strategy)  # type: ignore[arg-type]
    by_id = {peer.id: peer for peer in peers}
    asks = {request.id: request for request in requests}
    for assignment in result.assignments:
        assert_satisfies_every_hard_constraint(asks[assignment.request_id], by_id[assignment.peer_id])
        assert assignment.score == pytest.approx(
            score_pair(asks[assignment.request_id], by_id[assignment.peer_id], WEIGHTS), abs=1e-9
        )
    load = Counter(assignment.peer_id for assignment in result.assignments)
    assert all(count <= by_id[peer_id].capacity for peer_id, count in load.items())
    matched = [assignment.request_id for assignment in result.assignments]
    assert len(matched) == len(set(matched))
    assert sorted(matched + list(result.unassigned)) == sorted(asks)
    assert result.matched == len(matched)
    assert result.total_score == pytest.approx(sum(assignment.score for assignment in result.assignments), abs=1e-9)


@settings(deadline=None, max_examples=100)
@given(
    request_lists(max_size=8), peer_lists(max_size=8), st.randoms(use_true_random=False), st.sampled_from(STRATEGIES)
)
def test_same_input_in_any_order_gives_the_same_output(
    requests: list[RequestSpec], peers: list[PeerSpec], shuffler: Random, strategy: str
) -> None:
    first = assign_batch(requests, peers, WEIGHTS, strategy)  # type: ignore[arg-type]
    assert assign_batch(requests, peers, WEIGHTS, strategy) == first  # type: ignore[arg-type]
    shuffled_requests, shuffled_peers = list(requests), list(peers)
    shuffler.shuffle(shuffled_requests)
    shuffler.shuffle(shuffled_peers)
    assert assign_batch(shuffled_requests, shuffled_peers, WEIGHTS, strategy) == first  # type: ignore[arg-type]


def seeded_problem(seed: int, requests: int, peers: int) -> tuple[list[RequestSpec], list[PeerSpec]]:
    """A crowded random problem: many peers share a language and phone, so pruning removes most edges."""
    rng = random.Random(seed)

    def place() -> Location:
        return Location(rng.uniform(44.8, 45.2), rng.uniform(-93.6, -93.0))

    asks = [
        RequestSpec(
            id=f"r-{index:03d}",
            languages=rng.sample(LANGUAGES, rng.randint(1, 2)),
            language_required=rng.random() < 0.3,
            communities=rng.sample(COMMUNITIES, rng.randint(0, 2)),
            lived_experience=rng.sample(LIVED, rng.randint(0, 2)),
            modalities=rng.sample(["phone", "text", "in_person"], rng.randint(1, 2)),
            location=place(),
        )
        for index in range(requests)
    ]
    pool = [
        PeerSpec(
            id=f"p-{index:03d}",
            languages=["en", *rng.sample(LANGUAGES, 1)],
            communities=rng.sample(COMMUNITIES, rng.randint(0, 2)),
            lived_experience=rng.sample(LIVED, rng.randint(0, 2)),
            modalities=rng.sample(["phone", "text", "in_person"], rng.randint(1, 3)),
            location=place(),
            service_radius_km=rng.choice([5.0, 15.0, 40.0]),
            capacity=rng.randint(0, 3),
            active_caseload=rng.randint(0, 5),
        )
        for index in range(peers)
    ]
    return asks, pool


@pytest.mark.parametrize(
    ("seed", "requests", "peers"), [(1, 40, 300), (2, 120, 60), (3, 200, 900), (4, 25, 25), (5, 300, 150)]
)
def test_the_pruned_sparse_problem_has_the_dense_optimum(seed: int, requests: int, peers: int) -> None:
    asks, pool = seeded_problem(seed, requests, peers)
    dense = assign_batch(asks, pool, WEIGHTS, "dense")
    sparse, problem = solve_batch(asks, pool, WEIGHTS, "sparse")
    assert sparse.matched == dense.matched
    assert sparse.total_score == pytest.approx(dense.total_score, abs=1e-9)
    # Where peers outnumber requests, the test is only worth something if pruning actually dropped pairs.
    assert requests >= peers or problem.pair_keys.size < sum(
        score_pair(r, p, WEIGHTS) is not None and p.capacity > 0 for r in asks for p in pool
    )


def test_requests_that_fail_the_certificate_get_more_candidates() -> None:
    # Far more requests than slots: the first pruned problem cannot be certified, so it takes more rounds.
    asks, pool = seeded_problem(6, 160, 40)
    sparse = assign_batch(asks, pool, WEIGHTS, "sparse")
    dense = assign_batch(asks, pool, WEIGHTS, "dense")
    assert sparse.rounds > 1
    assert (sparse.matched, sparse.total_score) == (dense.matched, pytest.approx(dense.total_score, abs=1e-9))


def test_it_prefers_one_more_match_to_a_higher_score() -> None:
    # p-1 is the best peer for both; giving it to r-a would leave r-b (who speaks only Somali) without a peer.
    r_a = RequestSpec(id="r-a", languages=["en"], communities=["somali"], modalities=["phone"])
    r_b = RequestSpec(id="r-b", languages=["so"], language_required=True, modalities=["phone"])
    p_1 = PeerSpec(id="p-1", languages=["en", "so"], communities=["somali"], modalities=["phone"], capacity=1)
    p_2 = PeerSpec(id="p-2", languages=["en"], modalities=["phone"], capacity=1)
    result = assign_batch([r_a, r_b], [p_1, p_2], WEIGHTS)
    assert {(a.request_id, a.peer_id) for a in result.assignments} == {("r-a", "p-2"), ("r-b", "p-1")}


def test_an_empty_batch_is_an_empty_result() -> None:
    for strategy in STRATEGIES:
        result = assign_batch([], [], WEIGHTS, strategy)  # type: ignore[arg-type]
        assert result.matched == 0 and result.assignments == () and result.unassigned == ()


def test_a_repeated_request_id_is_refused() -> None:
    request = RequestSpec(id="r-1", modalities=["phone"])
    with pytest.raises(ValueError, match="r-1"):
        assign_batch([request, request], [], WEIGHTS)


@settings(deadline=None, max_examples=200)
@given(
    st.integers(min_value=1, max_value=6),
    st.integers(min_value=1, max_value=40),
    st.integers(min_value=1, max_value=30),
    st.randoms(use_true_random=False),
)
def test_pruning_keeps_enough_slots_and_only_the_best(rows: int, peers: int, target: int, rng: Random) -> None:
    """The invariant the optimality certificate needs, on arbitrary score matrices (including many ties)."""
    feasible = np.array([[rng.random() < 0.7 for _ in range(peers)] for _ in range(rows)])
    scores = np.array(
        [[float(rng.randint(0, 5)) + rng.choice([0.0, rng.random()]) for _ in range(peers)] for _ in range(rows)]
    )
    slots = np.array([rng.choice([1, 1, 1, 3]) for _ in range(peers)], dtype=np.int64)
    sample = np.arange(0, peers, max(1, peers // 7))  # a coarse sample, so estimates often fall short
    targets = np.full(rows, target, dtype=np.int64)
    keep, complete = _keep(feasible.copy(), scores, slots.astype(np.float64), targets, sample)
    for row in range(rows):
        assert not (keep[row] & ~feasible[row]).any()
        assert complete[row] == (keep[row] == feasible[row]).all()
        if slots[feasible[row]].sum() <= target:
            assert complete[row]
        else:
            assert slots[keep[row]].sum() >= target
            dropped = feasible[row] & ~keep[row]
            if dropped.any():
                assert scores[row, keep[row]].min() > scores[row, dropped].max()


def test_a_threshold_estimate_that_falls_short_is_corrected() -> None:
    # The best peers hold one slot each and the rest three, so a count-based estimate keeps too few slots.
    best = [
        PeerSpec(id=f"p-a{index:02d}", languages=["en"], communities=["somali"], modalities=["phone"], capacity=1)
        for index in range(30)
    ]
    rest = [PeerSpec(id=f"p-b{index:03d}", languages=["en"], modalities=["phone"], capacity=3) for index in range(100)]
    asks = [
        RequestSpec(id=f"r-{index:02d}", languages=["en"], communities=["somali"], modalities=["phone"])
        for index in range(40)
    ]
    sparse = assign_batch(asks, best + rest, WEIGHTS, "sparse")
    dense = assign_batch(asks, best + rest, WEIGHTS, "dense")
    assert (sparse.matched, sparse.total_score) == (dense.matched, pytest.approx(dense.total_score, abs=1e-9))
    assert sum(a.peer_id.startswith("p-a") for a in sparse.assignments) == 30
