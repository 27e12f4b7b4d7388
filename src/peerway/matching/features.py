"""Vectorized encoding of peers and requests, and the requests x peers block of feasibility and scores.

Encoding, once per pool of peers:

- The additive soft terms are one (sparse x dense) matrix product. A peer becomes a 0/1 column over the
  pool's vocabulary (its languages, communities, lived experience, pathways, gender, age band) plus one row
  holding its fairness ratio; a request becomes a row of weights: ``weight / len(request's terms)`` on each of its terms
  in that field, the gender and age-band weights on its preferences, and the fairness weight. The product
  is, for every pair at once, ``Σ shared_terms x weight / requested_terms + ... + fairness``.
- Hard constraints use small lookup tables: which peers speak each language, and for each of the 16 sets of
  modalities a request can ask for, which peers share one and which share only ``in_person``.
- Locations are unit vectors (see :mod:`geo`); distances are computed only between requests that want to meet
  in person and peers that do.

Peers are kept in id order, so a column's position is its rank by id and ties break by peer id for free.
Request terms a pool has never seen still count in the request's denominators; they are simply never shared.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, pairwise
from operator import attrgetter
from typing import Final

import numpy as np
from numpy.typing import NDArray

# SciPy ships no type stubs in this environment.
from scipy.sparse import csr_array  # type: ignore[import-untyped]

from peerway.matching import geo
from peerway.matching.specs import IN_PERSON, MODALITIES, PeerSpec, RequestSpec
from peerway.matching.weights import Weights

BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

MODALITY_BIT: Final[dict[str, int]] = {modality: 1 << position for position, modality in enumerate(MODALITIES)}
IN_PERSON_BIT: Final = MODALITY_BIT[IN_PERSON]
MODALITY_SETS: Final = 1 << len(MODALITIES)

# Soft fields in the order their columns appear; the per-pair reference adds its terms in the same order.
TERM_FIELDS: Final = ("languages", "communities", "lived_experience", "pathways")


def modality_bits(modalities: Iterable[str]) -> int:
    """The modalities as a bit set over :data:`MODALITIES`."""
    bits = 0
    for modality in modalities:
        bits |= MODALITY_BIT[modality]
    return bits


def fairness_ratio(peer: PeerSpec) -> float:
    """The share of the peer's caseload limit still free: ``capacity / (capacity + active_caseload)``, 0 if none."""
    limit = peer.capacity + peer.active_caseload
    return peer.capacity / limit if limit > 0 else 0.0


def in_person_radius_chord2(peer: PeerSpec) -> float:
    """The squared unit chord of the peer's service radius; -1 when they cannot meet anyone in person."""
    if peer.location is None or peer.service_radius_km is None or IN_PERSON not in peer.modalities:
        return -1.0
    return geo.chord_squared_for_km(peer.service_radius_km)


@dataclass(frozen=True, slots=True, eq=False)
class PeerPool:
    """Peers encoded for scoring; build it with :func:`encode_peers` and reuse it for every request.

    ``peers`` are in id order. ``features_t`` is ``(K, n)``: the vocabulary's 0/1 rows then the fairness row.
    """

    peers: tuple[PeerSpec, ...]
    ids: tuple[str, ...]
    position: dict[str, int]
    columns: dict[str, dict[str, int]]
    fairness_column: int
    features_t: FloatArray
    speaks: BoolArray
    share_modality: BoolArray
    share_only_in_person: BoolArray
    vectors: FloatArray
    radius_chord2: FloatArray
    in_person_peers: IntArray
    active: BoolArray
    on_shift: BoolArray
    capacity: IntArray
    available: BoolArray

    def __len__(self) -> int:
        return len(self.peers)


def encode_peers(peers: Iterable[PeerSpec]) -> PeerPool:
    """The pool of ``peers`` in id order; raises ``ValueError`` on a repeated peer id."""
    ordered = tuple(sorted(peers, key=lambda peer: peer.id))
    ids = tuple(peer.id for peer in ordered)
    position = {peer_id: index for index, peer_id in enumerate(ids)}
    if len(position) != len(ids):
        duplicate = next(a for a, b in pairwise(ids) if a == b)
        raise ValueError(f"peer id {duplicate!r} appears more than once")
    n = len(ordered)

    # One pass per field with C-level iteration (chain, map, np.repeat) instead of nested comprehensions:
    # encoding 10,000 peers is a large share of a batch's time.
    columns: dict[str, dict[str, int]] = {}
    next_column = 0
    vocabularies: list[tuple[str, list[tuple[str, ...]]]] = [
        *((name, list(map(attrgetter(name), ordered))) for name in TERM_FIELDS),
        ("gender", [(gender,) if gender is not None else () for gender in map(attrgetter("gender"), ordered)]),
        ("age_band", [(band,) if band is not None else () for band in map(attrgetter("age_band"), ordered)]),
    ]
    flat_rows: list[IntArray] = []
    flat_cols: list[IntArray] = []
    peer_numbers = np.arange(n, dtype=np.int64)
    for name, per_peer in vocabularies:
        flat = list(chain.from_iterable(per_peer))
        terms = sorted(set(flat))
        lookup = columns[name] = {term: next_column + offset for offset, term in enumerate(terms)}
        next_column += len(terms)
        flat_rows.append(np.fromiter(map(lookup.__getitem__, flat), dtype=np.int64, count=len(flat)))
        flat_cols.append(np.repeat(peer_numbers, np.fromiter(map(len, per_peer), dtype=np.int64, count=n)))
    fairness_column = next_column
    features_t = np.zeros((next_column + 1, n), dtype=np.float64)
    features_t[np.concatenate(flat_rows), np.concatenate(flat_cols)] = 1.0
    capacity = np.fromiter(map(attrgetter("capacity"), ordered), dtype=np.int64, count=n)
    caseload = np.fromiter(map(attrgetter("active_caseload"), ordered), dtype=np.int64, count=n)
    # fairness_ratio for every peer: the same IEEE division of the same two integers, 0 where the limit is 0.
    limit = (capacity + caseload).astype(np.float64)
    np.divide(capacity.astype(np.float64), limit, out=features_t[fairness_column], where=limit > 0.0)

    # Languages are the first block of columns, so a language's column is also its row in ``speaks``.
    speaks = features_t[: len(columns["languages"])] > 0.0

    bits_of: dict[tuple[str, ...], int] = {}
    peer_bits = np.fromiter(
        (
            bits_of[modalities] if modalities in bits_of else bits_of.setdefault(modalities, modality_bits(modalities))
            for modalities in map(attrgetter("modalities"), ordered)
        ),
        dtype=np.uint8,
        count=n,
    )
    request_bits = np.arange(MODALITY_SETS, dtype=np.uint8)[:, np.newaxis]
    common = request_bits & peer_bits[np.newaxis, :]

    # in_person_radius_chord2 per peer, the chord computed once per distinct radius.
    chord_of: dict[float, float] = {}
    radius_chord2 = np.full(n, -1.0, dtype=np.float64)
    locations = list(map(attrgetter("location"), ordered))
    for index, (location, radius, bits) in enumerate(
        zip(locations, map(attrgetter("service_radius_km"), ordered), peer_bits.tolist(), strict=True)
    ):
        if location is not None and radius is not None and bits & IN_PERSON_BIT:
            chord = chord_of.get(radius)
            if chord is None:
                chord = chord_of[radius] = geo.chord_squared_for_km(radius)
            radius_chord2[index] = chord
    vectors = np.zeros((n, 3), dtype=np.float64)
    located = [index for index, location in enumerate(locations) if location is not None]
    if located:
        vectors[located] = geo.unit_vectors([(locations[index].lat, locations[index].lon) for index in located])
    active = np.fromiter(map(attrgetter("active"), ordered), dtype=np.bool_, count=n)
    on_shift = np.fromiter(map(attrgetter("on_shift"), ordered), dtype=np.bool_, count=n)
    available = active & on_shift & (capacity > 0)
    return PeerPool(
        peers=ordered,
        ids=ids,
        position=position,
        columns=columns,
        fairness_column=fairness_column,
        features_t=features_t,
        speaks=speaks,
        share_modality=common != 0,
        share_only_in_person=common == IN_PERSON_BIT,
        vectors=vectors,
        radius_chord2=radius_chord2,
        in_person_peers=np.flatnonzero(available & (radius_chord2 >= 0.0)).astype(np.int64),
        active=active,
        on_shift=on_shift,
        capacity=capacity,
        available=available,
    )


def available_pool(pool: PeerPool) -> PeerPool:
    """The pool restricted to peers who can take someone now (active, on shift, capacity > 0), in id order.

    Scores and feasibility against it are those against ``pool`` for the same peers; batches use it so that
    no work is spent on peers who cannot be chosen.
    """
    if bool(pool.available.all()):
        return pool
    keep = np.flatnonzero(pool.available)
    peers = tuple(pool.peers[index] for index in keep.tolist())
    ids = tuple(peer.id for peer in peers)
    renumber = np.full(len(pool), -1, dtype=np.int64)
    renumber[keep] = np.arange(keep.size)
    return PeerPool(
        peers=peers,
        ids=ids,
        position={peer_id: index for index, peer_id in enumerate(ids)},
        columns=pool.columns,
        fairness_column=pool.fairness_column,
        features_t=np.ascontiguousarray(pool.features_t[:, keep]),
        speaks=np.ascontiguousarray(pool.speaks[:, keep]),
        share_modality=np.ascontiguousarray(pool.share_modality[:, keep]),
        share_only_in_person=np.ascontiguousarray(pool.share_only_in_person[:, keep]),
        vectors=pool.vectors[keep],
        radius_chord2=pool.radius_chord2[keep],
        in_person_peers=renumber[pool.in_person_peers],
        active=pool.active[keep],
        on_shift=pool.on_shift[keep],
        capacity=pool.capacity[keep],
        available=pool.available[keep],
    )


@dataclass(frozen=True, slots=True, eq=False)
class RequestBlock:
    """Requests encoded against one :class:`PeerPool` (in the order given)."""

    requests: tuple[RequestSpec, ...]
    weights_rows: FloatArray
    modality_bits: NDArray[np.uint8]
    required_languages: tuple[tuple[int, ...] | None, ...]
    in_person_located: BoolArray
    vectors: FloatArray

    def __len__(self) -> int:
        return len(self.requests)


def encode_requests(requests: Sequence[RequestSpec], pool: PeerPool, weights: Weights) -> RequestBlock:
    """``requests`` as rows of weights over ``pool``'s columns, plus what their hard constraints need."""
    m = len(requests)
    weights_rows = np.zeros((m, pool.fairness_column + 1), dtype=np.float64)
    weights_rows[:, pool.fairness_column] = weights.fairness
    required: list[tuple[int, ...] | None] = []
    language_index = pool.columns["languages"]
    for row, request in enumerate(requests):
        for name in TERM_FIELDS:
            terms: tuple[str, ...] = getattr(request, name)
            if not terms:
                continue
            share = getattr(weights, name) / len(terms)
            lookup = pool.columns[name]
            for term in terms:
                column = lookup.get(term)
                if column is not None:
                    weights_rows[row, column] = share
        if request.gender_preference is not None:
            column = pool.columns["gender"].get(request.gender_preference)
            if column is not None:
                weights_rows[row, column] = weights.gender_preference
        if request.age_band_preference is not None:
            column = pool.columns["age_band"].get(request.age_band_preference)
            if column is not None:
                weights_rows[row, column] = weights.age_band_preference
        if request.language_required and request.languages:
            required.append(tuple(sorted(language_index[t] for t in request.languages if t in language_index)))
        else:
            required.append(None)
    located = [row for row, request in enumerate(requests) if request.location is not None]
    vectors = np.zeros((m, 3), dtype=np.float64)
    if located:
        vectors[located] = geo.unit_vectors(
            [(request.location.lat, request.location.lon) for request in requests if request.location is not None]
        )
    bits = np.array([modality_bits(request.modalities) for request in requests], dtype=np.uint8)
    in_person_located = np.zeros(m, dtype=np.bool_)
    in_person_located[located] = True
    in_person_located &= (bits & IN_PERSON_BIT) != 0
    return RequestBlock(
        requests=tuple(requests),
        weights_rows=weights_rows,
        modality_bits=bits,
        required_languages=tuple(required),
        in_person_located=in_person_located,
        vectors=vectors,
    )


def _language_mask(pool: PeerPool, required: tuple[int, ...]) -> BoolArray:
    if not required:
        return np.zeros(len(pool), dtype=np.bool_)
    mask: BoolArray = np.logical_or.reduce(pool.speaks[list(required)], axis=0)
    return mask


# Up to this many requests (an immediate match is one), soft scores are summed row by row in NumPy, which
# avoids building a sparse matrix per call.
ROW_BY_ROW_LIMIT: Final = 4


def _soft_scores(weights_rows: FloatArray, features_t: FloatArray) -> FloatArray:
    """``weights_rows @ features_t``, adding each row's non-zero terms in column order.

    A request has a handful of non-zero weights among dozens of columns, so a sparse x dense product does
    several times less work than a dense one; it also runs on the calling thread (a multi-threaded BLAS
    product for a block of requests spends more CPU in its threads' spinning than it saves on a busy
    two-core server). For a few rows a plain loop over the non-zero columns is quicker still.
    """
    if weights_rows.shape[0] > ROW_BY_ROW_LIMIT:
        return np.ascontiguousarray(csr_array(weights_rows) @ features_t, dtype=np.float64)
    scores = np.zeros((weights_rows.shape[0], features_t.shape[1]), dtype=np.float64)
    term = np.empty(features_t.shape[1], dtype=np.float64)
    for row, weights in enumerate(weights_rows):
        for column in np.flatnonzero(weights).tolist():
            np.multiply(features_t[column], weights[column], out=term)
            scores[row] += term
    return scores


def score_block(
    pool: PeerPool, block: RequestBlock, weights: Weights, rows: slice | IntArray | None = None
) -> tuple[BoolArray, FloatArray]:
    """Feasibility and raw scores of ``block``'s requests (``rows`` of them) against every peer in ``pool``.

    Returns ``(feasible, scores)`` of shape ``(rows, len(pool))``. ``scores`` is only meaningful where
    ``feasible`` is true (elsewhere it holds the soft terms without proximity). Guarantees, per pair, the same
    hard constraints as :func:`peerway.matching.constraints.hard_constraint_failures`, bit for bit, and a score within
    floating-point rounding of :func:`peerway.matching.engine.score_pair`.
    """
    selected = slice(0, len(block)) if rows is None else rows
    weights_rows = block.weights_rows[selected]
    bits = block.modality_bits[selected]
    required = (
        block.required_languages[selected]
        if isinstance(selected, slice)
        else tuple(block.required_languages[row] for row in selected.tolist())
    )
    m, n = weights_rows.shape[0], len(pool)
    scores = _soft_scores(weights_rows, pool.features_t)

    # Rows sharing a hard-constraint signature (required languages, modalities) share one mask of peers.
    signature_masks: list[BoolArray] = []
    signature_of_row = np.empty(m, dtype=np.int64)
    seen: dict[tuple[tuple[int, ...] | None, int], int] = {}
    for row in range(m):
        key = (required[row], int(bits[row]))
        index = seen.get(key)
        if index is None:
            mask = pool.available & pool.share_modality[key[1]]
            if key[0] is not None:
                mask = mask & _language_mask(pool, key[0])
            index = seen[key] = len(signature_masks)
            signature_masks.append(mask)
        signature_of_row[row] = index
    feasible: BoolArray = np.stack(signature_masks)[signature_of_row] if m else np.zeros((0, n), dtype=np.bool_)

    # Where the only common modality is in person, the pair must be within the peer's service radius.
    wants_in_person = (bits & IN_PERSON_BIT) != 0
    located = block.in_person_located[selected]
    unlocated_rows = np.flatnonzero(wants_in_person & ~located)
    if unlocated_rows.size:
        feasible[unlocated_rows] &= ~pool.share_only_in_person[bits[unlocated_rows]]
    located_rows = np.flatnonzero(located)
    if located_rows.size:
        peers = pool.in_person_peers
        chord2 = geo.chord_squared_block(block.vectors[selected][located_rows], pool.vectors[peers])
        in_range = chord2 <= pool.radius_chord2[peers][np.newaxis, :]
        reachable = np.zeros((located_rows.size, n), dtype=np.bool_)
        reachable[:, peers] = in_range
        feasible[located_rows] &= reachable | ~pool.share_only_in_person[bits[located_rows]]
        if weights.proximity > 0.0:
            # Only pairs within the peer's radius earn the proximity term (elsewhere it is 0), so the
            # distances (a square root and an arcsine each) are computed for those pairs alone.
            pair_rows, pair_peers = np.nonzero(in_range)
            closeness = geo.km_from_chord_squared_block(chord2[pair_rows, pair_peers])
            closeness /= -weights.distance_scale_km
            closeness += 1.0
            np.maximum(closeness, 0.0, out=closeness)
            closeness *= weights.proximity
            scores[located_rows[pair_rows], peers[pair_peers]] += closeness
    return feasible, scores
