"""Batch assignment for waitlists and surges: most requests matched first, then the highest total score.

Each available peer offers ``capacity`` slots; a request takes at most one slot; only feasible pairs may be
chosen. Among all such assignments the engine returns one that matches the most requests and, among those,
has the highest total score. It is exact (up to the floating-point rounding of scores, about 1e-9) and
deterministic: requests and peers are put in id order first, so the same problem in any order gives the
same result. The fairness term is fixed for the batch (it reflects caseloads before the batch), so a pair's
score does not depend on which of a peer's slots it takes.

Two formulations of the same optimum:

``dense`` (small batches)
    :func:`scipy.optimize.linear_sum_assignment` on the requests x slots matrix with cost ``-(BIG + score)``
    on feasible pairs and 0 elsewhere. ``BIG`` exceeds any possible difference in total score, so one more
    match always outweighs any gain in score. Picks at cost 0 are dropped (the request stays unmatched).

``sparse`` (large batches): prune, solve, certify
    Each request keeps only its best feasible peers: those scoring at least a threshold chosen so that they
    hold a target number of slots (24 at first), or all its feasible peers if they hold fewer. Every request
    also gets a private "unmatched" column that costs more than any trade of score for a match, so a full
    matching always exists. :func:`scipy.sparse.csgraph.min_weight_full_bipartite_matching` solves this
    sparse problem exactly. Then the solution is checked against the full problem: every request that lost
    candidates to pruning must still have, among its kept peers, one with a free slot. Requests that fail
    the check get eight times the target and the problem is solved again; a target above the number of
    requests always passes, so this ends, typically after one or two rounds.

Why the check proves optimality for the full problem. Write the problem as a min-cost flow (request ->
peer -> sink, plus request -> sink for "unmatched"); an assignment is optimal exactly when its residual
graph has no negative cycle. Suppose one exists and take one using the fewest pruned edges; let ``i -> q``
be a pruned edge on it. Request ``i`` has a kept peer ``p`` with a free slot, and ``score(i, p) >=
score(i, q)`` because kept peers score at least the threshold and pruned ones less. Replace ``i -> q`` by
``i -> p -> sink -> q`` (``p`` has room; ``q`` has a request that the cycle moves out, so ``sink -> q``
exists). The cost does not rise and one pruned edge is gone; if the walk repeats a vertex, one of the
simple cycles it splits into is still negative and uses fewer pruned edges. Either way this contradicts
the choice of cycle, so no negative cycle uses a pruned edge, and none uses only kept edges because the
solver's assignment is optimal for them. (When ``p`` is ``i``'s own peer, drop ``i`` from the cycle and
close it through ``p -> sink -> q`` instead; the same inequality holds.)
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Literal

import numpy as np

# SciPy and jsonschema ship no type stubs in this environment; their results are converted on the way out.
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]
from scipy.sparse import csr_array  # type: ignore[import-untyped]
from scipy.sparse.csgraph import min_weight_full_bipartite_matching  # type: ignore[import-untyped]

from peerway.matching.features import (
    BoolArray,
    FloatArray,
    IntArray,
    PeerPool,
    RequestBlock,
    available_pool,
    encode_peers,
    encode_requests,
    score_block,
)
from peerway.matching.specs import PeerSpec, RequestSpec
from peerway.matching.weights import Weights

Strategy = Literal["auto", "sparse", "dense"]

# Pairs scored per block: large enough for fast matrix products, small enough to stay in the CPU caches.
BLOCK_PAIRS = 1 << 20
# Threads scoring blocks of a batch at once.
WORKERS = min(2, os.cpu_count() or 1)
# Slots each request keeps at first, and how much a request that fails the optimality check gets next.
INITIAL_SLOTS = 24
GROWTH = 8
# How many peers a request's threshold is first estimated from, and by how much the estimate overshoots.
SAMPLE_PEERS = 1024
SAMPLE_MARGIN = 1.25


@dataclass(frozen=True, slots=True)
class Assignment:
    """A request given to a peer, with the pair's score."""

    request_id: str
    peer_id: str
    score: float


@dataclass(frozen=True, slots=True)
class BatchResult:
    """An optimal assignment: ``assignments`` in request-id order, ``unassigned`` request ids in id order.

    ``strategy``, ``rounds`` (solver calls), ``edges`` (cells of the last cost matrix the solver saw) and
    ``solver_seconds`` (time inside the solver, all rounds; not part of equality) say how it was found.
    """

    assignments: tuple[Assignment, ...]
    unassigned: tuple[str, ...]
    matched: int
    total_score: float
    strategy: str
    rounds: int
    edges: int
    solver_seconds: float = field(default=0.0, compare=False)


@dataclass(frozen=True, slots=True, eq=False)
class AssignmentProblem:
    """A batch prepared for its solver: the cost matrix and what its rows and columns stand for."""

    requests: tuple[RequestSpec, ...]
    pool: PeerPool
    strategy: Literal["sparse", "dense"]
    cost: csr_array | FloatArray
    column_peer: IntArray
    # The pairs the solver may pick, as ``row * len(pool) + peer`` in ascending order, and their scores.
    pair_keys: IntArray
    pair_scores: FloatArray


@dataclass(frozen=True, slots=True, eq=False)
class Candidates:
    """The pairs kept for each request: ``(rows, peers, scores)`` sorted by row then peer, and per request
    whether every one of its feasible peers was kept (``complete``)."""

    rows: IntArray
    peers: IntArray
    scores: FloatArray
    complete: BoolArray


def _ordered_requests(requests: Sequence[RequestSpec]) -> tuple[RequestSpec, ...]:
    ordered = tuple(sorted(requests, key=lambda request: request.id))
    for before, after in pairwise(ordered):
        if before.id == after.id:
            raise ValueError(f"request id {before.id!r} appears more than once")
    return ordered


def _slots(pool: PeerPool, m: int) -> IntArray:
    """Slots per peer: its capacity, at most ``m`` (no more could be used), 0 when unavailable."""
    slots: IntArray = np.where(pool.available, np.minimum(pool.capacity, m), 0).astype(np.int64)
    return slots


def _candidates(
    pool: PeerPool, block: RequestBlock, weights: Weights, slots: IntArray, targets: IntArray, rows: IntArray
) -> Candidates:
    """For each request in ``rows``, its feasible peers scoring at least a threshold whose peers hold at
    least ``targets[row]`` slots (all of them when they hold fewer), best scores guaranteed kept."""
    n = len(pool)
    slot_weights = slots.astype(np.float64)
    sample = np.arange(0, n, max(1, n // SAMPLE_PEERS))
    step = max(1, BLOCK_PAIRS // max(n, 1))

    def kept(chunk: IntArray) -> tuple[IntArray, IntArray, FloatArray, BoolArray]:
        feasible, scores = score_block(pool, block, weights, chunk)
        keep, complete = _keep(feasible, scores, slot_weights, targets[chunk], sample)
        flat = np.flatnonzero(keep)
        return chunk[flat // n], flat % n, scores.ravel()[flat], complete

    chunks = [rows[start : start + step] for start in range(0, rows.size, step)]
    # NumPy releases the GIL in its loops, so blocks score in parallel; results are put back in order.
    if len(chunks) > 1 and WORKERS > 1:
        with ThreadPoolExecutor(max_workers=WORKERS) as executor:
            parts = list(executor.map(kept, chunks))
    else:
        parts = [kept(chunk) for chunk in chunks]
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Candidates(empty, empty, np.zeros(0, dtype=np.float64), np.zeros(0, dtype=np.bool_))
    return Candidates(
        rows=np.concatenate([part[0] for part in parts]).astype(np.int64),
        peers=np.concatenate([part[1] for part in parts]).astype(np.int64),
        scores=np.concatenate([part[2] for part in parts]),
        complete=np.concatenate([part[3] for part in parts]),
    )


def _keep(
    feasible: BoolArray, scores: FloatArray, slot_weights: FloatArray, targets: IntArray, sample: IntArray
) -> tuple[BoolArray, BoolArray]:
    """Which pairs of the block to keep, and which rows kept every feasible peer.

    A row whose feasible peers hold at most its target slots keeps them all. Any other row keeps the
    feasible peers scoring at least a threshold such that they hold at least the target; so every kept peer
    scores more than every feasible peer left out. The threshold is estimated from an evenly spaced sample
    of peers, then checked on the whole row; where the check fails it is found exactly by sorting the row.
    Only the check decides, so the guarantee never rests on the estimate.
    """
    row_slots = np.einsum("ij,j->i", feasible, slot_weights)
    crowded = np.flatnonzero(row_slots > targets)
    complete = np.ones(feasible.shape[0], dtype=np.bool_)
    complete[crowded] = False
    if crowded.size == 0:
        return feasible, complete
    wanted_slots = targets[crowded].astype(np.float64)
    sampled = scores[np.ix_(crowded, sample)]
    sampled[~feasible[np.ix_(crowded, sample)]] = -np.inf
    sampled.sort(axis=1)
    sampled_feasible = np.count_nonzero(sampled > -np.inf, axis=1)
    # The sample's share of the row's peers that should hold the target, with a margin; best is last.
    wanted = np.ceil(sampled_feasible * (wanted_slots / row_slots[crowded]) * SAMPLE_MARGIN).astype(np.int64) + 2
    position = np.maximum(sample.size - 1 - wanted, 0)
    estimate = np.take_along_axis(sampled, position[:, np.newaxis], axis=1)[:, 0]
    estimate[wanted >= sampled_feasible] = -np.inf
    thresholds = np.full(scores.shape[0], -np.inf)
    thresholds[crowded] = estimate
    keep = scores >= thresholds[:, np.newaxis]
    keep &= feasible
    # Usually every row is crowded: then no copy of the rows is needed.
    kept_slots = np.einsum("ij,j->i", keep if crowded.size == keep.shape[0] else keep[crowded], slot_weights)
    for index in np.flatnonzero(kept_slots < wanted_slots).tolist():
        row = int(crowded[index])
        peers = np.flatnonzero(feasible[row])
        order = np.argsort(-scores[row, peers], kind="stable")
        held = np.cumsum(slot_weights[peers[order]])
        cut = scores[row, peers[order[int(np.searchsorted(held, wanted_slots[index]))]]]
        keep[row] = feasible[row] & (scores[row] >= cut)
        kept_slots[index] = slot_weights[keep[row]].sum()
    # A crowded row whose threshold fell to -inf (or below every peer) kept everything after all.
    complete[crowded] = kept_slots == row_slots[crowded]
    return keep, complete


def _sparse_problem(
    requests: tuple[RequestSpec, ...], pool: PeerPool, weights: Weights, slots: IntArray, candidates: Candidates
) -> AssignmentProblem:
    m = len(requests)
    rows, peers, scores = candidates.rows, candidates.peers, candidates.scores
    first_slot = np.zeros(len(pool) + 1, dtype=np.int64)
    np.cumsum(slots, out=first_slot[1:])
    total_slots = int(first_slot[-1])
    # One edge per slot of each kept peer, pairs in row order; then each row's own "unmatched" column is
    # inserted at the end of the row's segment.
    per_pair = slots[peers]
    pair_end = np.cumsum(per_pair)
    edges = int(pair_end[-1]) if pair_end.size else 0
    indices = np.arange(edges, dtype=np.int64)
    indices += np.repeat(first_slot[peers] - (pair_end - per_pair), per_pair)
    # Costs are positive (the solver reads 0 as no edge); leaving a request unmatched costs more than any
    # total-score difference between two assignments, so the number matched comes first.
    top = weights.max_score
    data = np.repeat((top + 1.0) - scores, per_pair)
    row_end = np.concatenate([[0], pair_end])[np.searchsorted(rows, np.arange(m), side="right")]
    indices = np.insert(indices, row_end, total_slots + np.arange(m))
    data = np.insert(data, row_end, (m + 2) * (top + 1.0))
    indptr = np.zeros(m + 1, dtype=np.int64)
    indptr[1:] = row_end + np.arange(1, m + 1)
    index_type = np.int32 if edges + m < 2**31 and total_slots + m < 2**31 else np.int64
    cost = csr_array((data, indices.astype(index_type), indptr.astype(index_type)), shape=(m, total_slots + m))
    column_peer = np.concatenate([np.repeat(np.arange(len(pool)), slots), np.full(m, -1)]).astype(np.int64)
    return AssignmentProblem(requests, pool, "sparse", cost, column_peer, rows * len(pool) + peers, scores)


def _uncertified(problem: AssignmentProblem, candidates: Candidates, columns: IntArray, slots: IntArray) -> IntArray:
    """Requests that lost candidates to pruning and have no kept peer with a free slot (see module doc)."""
    chosen = problem.column_peer[columns]
    load = np.bincount(chosen[chosen >= 0], minlength=len(problem.pool))
    has_room = load < slots
    certified = candidates.complete.copy()
    certified[candidates.rows[has_room[candidates.peers]]] = True
    return np.flatnonzero(~certified)


def _sparse_solution(
    requests: tuple[RequestSpec, ...], pool: PeerPool, weights: Weights, block: RequestBlock
) -> tuple[AssignmentProblem, IntArray, IntArray, int, float]:
    """Prune, solve, certify, repeat (see module doc): the final problem, its solution, the rounds and the
    seconds spent in the solver."""
    m = len(requests)
    slots = _slots(pool, m)
    targets = np.full(m, min(INITIAL_SLOTS, m + 1), dtype=np.int64)
    candidates = _candidates(pool, block, weights, slots, targets, np.arange(m, dtype=np.int64))
    rounds, seconds = 0, 0.0
    while True:
        problem = _sparse_problem(requests, pool, weights, slots, candidates)
        started = time.perf_counter()
        rows, columns = run_solver(problem)
        seconds += time.perf_counter() - started
        rounds += 1
        retry = _uncertified(problem, candidates, columns, slots)
        if retry.size == 0:
            return problem, rows, columns, rounds, seconds
        # With m + 1 slots kept a request always has a kept peer with room (only m requests can take a
        # slot), so targets only grow up to there and the loop ends.
        if (targets[retry] > m).any():
            raise RuntimeError("batch assignment: a request with m + 1 kept slots failed the optimality check")
        targets[retry] = np.minimum(targets[retry] * GROWTH, m + 1)
        again = _candidates(pool, block, weights, slots, targets, retry)
        kept = ~np.isin(candidates.rows, retry)
        merged_rows = np.concatenate([candidates.rows[kept], again.rows])
        order = np.lexsort((np.concatenate([candidates.peers[kept], again.peers]), merged_rows))
        complete = candidates.complete.copy()
        complete[retry] = again.complete
        candidates = Candidates(
            rows=merged_rows[order],
            peers=np.concatenate([candidates.peers[kept], again.peers])[order],
            scores=np.concatenate([candidates.scores[kept], again.scores])[order],
            complete=complete,
        )


def _dense_problem(
    requests: tuple[RequestSpec, ...], pool: PeerPool, weights: Weights, block: RequestBlock
) -> AssignmentProblem:
    m, n = len(requests), len(pool)
    slots = _slots(pool, m)
    column_peer = np.repeat(np.arange(n), slots).astype(np.int64)
    big = (m + 1) * weights.max_score + 1.0
    cost = np.zeros((m, column_peer.size), dtype=np.float64)
    keys: list[IntArray] = []
    pair_scores: list[FloatArray] = []
    step = max(1, BLOCK_PAIRS // max(n, 1))
    for start in range(0, m, step):
        stop = min(start + step, m)
        feasible, scores = score_block(pool, block, weights, slice(start, stop))
        feasible &= slots[np.newaxis, :] > 0
        pair_cost = np.where(feasible, -(big + scores), 0.0)
        cost[start:stop] = pair_cost[:, column_peer]
        rows, peers = np.nonzero(feasible)
        keys.append((rows.astype(np.int64) + start) * n + peers)
        pair_scores.append(scores[rows, peers])
    return AssignmentProblem(
        requests,
        pool,
        "dense",
        cost,
        column_peer,
        _concatenated(keys, np.int64),
        _concatenated(pair_scores, np.float64),
    )


def _concatenated(parts: list[IntArray] | list[FloatArray], dtype: type) -> Any:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)


def run_solver(problem: AssignmentProblem) -> tuple[IntArray, IntArray]:
    """The bare solver call on the problem's cost matrix: matched row and column indices."""
    if problem.cost.shape[0] == 0 or problem.cost.shape[1] == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    if problem.strategy == "dense":
        rows, columns = linear_sum_assignment(problem.cost)
    else:
        rows, columns = min_weight_full_bipartite_matching(problem.cost)
    return np.asarray(rows, dtype=np.int64), np.asarray(columns, dtype=np.int64)


def _read(problem: AssignmentProblem, rows: IntArray, columns: IntArray, rounds: int, seconds: float) -> BatchResult:
    """The assignment in a solver's answer, dropping picks that are not real matches."""
    peers = problem.column_peer[columns]
    # A pick is a real match only on a pair the solver was allowed to pick (not an "unmatched" column, nor,
    # in the dense matrix, an infeasible pair at cost 0).
    keys = rows * len(problem.pool) + np.maximum(peers, 0)
    if problem.pair_keys.size:
        found = np.minimum(np.searchsorted(problem.pair_keys, keys), problem.pair_keys.size - 1)
        real = (peers >= 0) & (problem.pair_keys[found] == keys)
    else:
        found, real = np.zeros_like(keys), np.zeros(keys.shape, dtype=np.bool_)
    rows, peers, pair_scores = rows[real], peers[real], problem.pair_scores[found[real]]
    order = np.argsort(rows, kind="stable")
    assignments = tuple(
        Assignment(problem.requests[row].id, problem.pool.ids[peer], float(score))
        for row, peer, score in zip(
            rows[order].tolist(), peers[order].tolist(), pair_scores[order].tolist(), strict=True
        )
    )
    matched_rows = set(rows.tolist())
    unassigned = tuple(request.id for row, request in enumerate(problem.requests) if row not in matched_rows)
    edges = int(problem.cost.nnz) if isinstance(problem.cost, csr_array) else int(problem.cost.size)
    return BatchResult(
        assignments=assignments,
        unassigned=unassigned,
        matched=len(assignments),
        total_score=float(sum(assignment.score for assignment in assignments)),
        strategy=problem.strategy,
        rounds=rounds,
        edges=edges,
        solver_seconds=seconds,
    )


# Below this many request x slot cells the dense formulation is solved directly.
DENSE_LIMIT = 4_000_000


def solve_batch(
    requests: Sequence[RequestSpec],
    peers: Sequence[PeerSpec] | PeerPool,
    weights: Weights,
    strategy: Strategy = "auto",
) -> tuple[BatchResult, AssignmentProblem]:
    """:func:`assign_batch`, also returning the last problem given to the solver (for benchmarks)."""
    ordered = _ordered_requests(requests)
    pool = available_pool(peers if isinstance(peers, PeerPool) else encode_peers(peers))
    block = encode_requests(ordered, pool, weights)
    chosen = strategy
    if chosen == "auto":
        chosen = "dense" if len(ordered) * int(_slots(pool, len(ordered)).sum()) <= DENSE_LIMIT else "sparse"
    if chosen == "dense":
        problem = _dense_problem(ordered, pool, weights, block)
        started = time.perf_counter()
        rows, columns = run_solver(problem)
        return _read(problem, rows, columns, 1, time.perf_counter() - started), problem
    problem, rows, columns, rounds, seconds = _sparse_solution(ordered, pool, weights, block)
    return _read(problem, rows, columns, rounds, seconds), problem


def assign_batch(
    requests: Sequence[RequestSpec],
    peers: Sequence[PeerSpec] | PeerPool,
    weights: Weights,
    strategy: Strategy = "auto",
) -> BatchResult:
    """An assignment matching the most requests, then with the highest total score (see module doc).

    Guarantees: every pair is feasible; no peer gets more than ``capacity`` requests; no request appears
    twice; the result depends only on the set of requests and peers, not their order. ``strategy`` picks
    the formulation (``auto``: dense for small batches); both give an optimum of the same value.
    """
    return solve_batch(requests, peers, weights, strategy)[0]
