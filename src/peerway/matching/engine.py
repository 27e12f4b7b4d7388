"""The matching engine: hard constraints, scores, and the best peers for one request.

Pure: no Django. Inputs are :class:`~peerway.matching.specs.RequestSpec` and
:class:`~peerway.matching.specs.PeerSpec`; weights come from versioned data (:mod:`weights`).

- :func:`score_pair` is the plain per-pair reference: ``None`` when a hard constraint fails, else a score.
- :func:`feasible_and_scores` computes every pair of a batch with matrix operations and agrees with it.
- :func:`rank_peers` proposes the best peers for an immediate offer, best first, ties broken by peer id.

Batch assignment lives in :mod:`assignment`; explanations in :mod:`explain`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from peerway.matching.constraints import Constraint, hard_constraint_failures, is_feasible, soft_score
from peerway.matching.explain import PairExplanation, explain_pair
from peerway.matching.features import BoolArray, FloatArray, PeerPool, encode_peers, encode_requests, score_block
from peerway.matching.specs import PeerSpec, RequestSpec
from peerway.matching.weights import Weights

__all__ = [
    "Constraint",
    "ProposedMatch",
    "feasible_and_scores",
    "hard_constraint_failures",
    "rank_peers",
    "score_pair",
]


@dataclass(frozen=True, slots=True)
class ProposedMatch:
    """A peer proposed for a request, with the pair's score and what they share."""

    request_id: str
    peer_id: str
    score: float
    explanation: PairExplanation


def score_pair(request: RequestSpec, peer: PeerSpec, weights: Weights) -> float | None:
    """The pair's score (0 to ``weights.max_score``), or ``None`` when it fails a hard constraint.

    The plain per-pair reference; tests and the benchmark's naive loop use it.
    """
    if not is_feasible(request, peer):
        return None
    return soft_score(request, peer, weights)


def _pool(peers: Sequence[PeerSpec] | PeerPool) -> PeerPool:
    return peers if isinstance(peers, PeerPool) else encode_peers(peers)


def feasible_and_scores(
    requests: Sequence[RequestSpec], peers: Sequence[PeerSpec] | PeerPool, weights: Weights
) -> tuple[BoolArray, FloatArray]:
    """Feasibility and score of every request x peer pair, as two ``(len(requests), len(peers))`` matrices.

    Rows follow ``requests``; columns follow ``peers`` as given (a :class:`PeerPool` is in peer-id order).
    ``feasible[i, j]`` is exactly ``score_pair(requests[i], peers[j], weights) is not None``;
    ``scores[i, j]`` is that score within 1e-9, and NaN where the pair is infeasible.
    """
    pool = _pool(peers)
    feasible, scores = score_block(pool, encode_requests(requests, pool, weights), weights)
    if not isinstance(peers, PeerPool):
        given_order = np.array([pool.position[peer.id] for peer in peers], dtype=np.int64)
        feasible, scores = feasible[:, given_order], scores[:, given_order]
    scores[~feasible] = np.nan
    return feasible, scores


def feasible_peer_ids(request: RequestSpec, peers: Sequence[PeerSpec] | PeerPool, weights: Weights) -> list[str]:
    """The ids of every peer that meets every hard constraint for ``request``, in peer-id order (no scores or
    explanations: for asking who could take a request, vectorized like :func:`rank_peers`)."""
    pool = _pool(peers)
    if not pool.ids:
        return []
    feasible, _ = score_block(pool, encode_requests([request], pool, weights), weights)
    return [pool.ids[column] for column in np.flatnonzero(feasible[0]).tolist()]


def rank_peers(
    request: RequestSpec, peers: Sequence[PeerSpec] | PeerPool, weights: Weights, top: int = 3
) -> list[ProposedMatch]:
    """Up to ``top`` feasible peers for ``request``, best score first, equal scores in peer-id order.

    Empty when no peer is feasible; :func:`peerway.matching.explain.explain_unmatched` then says why. Pass a
    :class:`PeerPool` (from :func:`~peerway.matching.features.encode_peers`) to score many requests against
    the same peers without encoding them again.
    """
    if top <= 0:
        return []
    pool = _pool(peers)
    feasible, scores = score_block(pool, encode_requests([request], pool, weights), weights)
    candidates = np.flatnonzero(feasible[0])
    candidate_scores = scores[0, candidates]
    if candidates.size > top:
        # Every peer scoring at least the top-th best score, so ties at the cut are all considered.
        cut = np.partition(candidate_scores, candidates.size - top)[candidates.size - top]
        keep = candidate_scores >= cut
        candidates, candidate_scores = candidates[keep], candidate_scores[keep]
    # Columns are in peer-id order, so a stable sort on score keeps equal scores in id order.
    best = np.argsort(-candidate_scores, kind="stable")[:top]
    return [
        ProposedMatch(
            request_id=request.id,
            peer_id=pool.ids[column],
            score=float(candidate_scores[position]),
            explanation=explain_pair(request, pool.peers[column]),
        )
        for position, column in zip(best.tolist(), candidates[best].tolist(), strict=True)
    ]
