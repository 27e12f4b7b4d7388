"""Benchmark of the matching engine: an immediate match among 10,000 peers, and a 2,000 x 10,000 batch.

Run from the repository root: ``.venv/bin/python bench/matching.py``. No Django, no database: requests and
peers are synthetic, from a seeded generator with Minnesota-like languages, communities and places. Prints the
figures and writes them to ``var/bench/matching.json``.

(a) Immediate match: p50/p95 of :func:`rank_peers` (top 3) for one request against 10,000 on-shift peers
    encoded once, over 300 requests; the same with the pool encoded for each request, as Peerway's immediate
    match does today (``matching.service.proposals_for_request``), over 40; the same requests through the plain
    per-pair Python loop (:func:`score_pair` on every peer, then the best 3) over fewer requests; the speed-ups
    of the p50s. The verdict ("met") is on the per-request encoding, what a match costs today;
    "met_with_pool_kept" is the kernel's, on a pool kept between requests.
(b) Batch: 2,000 requests x 10,000 peers: encoding the peers, :func:`solve_batch` (scoring, pruning, building
    the cost matrix, solving, certifying, reading the result) and the explanations of every assignment and
    every unassigned request; the best of ``--repeats`` runs. The issue compares that total with "the bare
    solver call on the same matrix", which reads two ways, and both are reported: (1) SciPy's
    ``linear_sum_assignment`` on the batch's requests x slots cost matrix (each peer's remaining capacity as
    slots, as the issue describes), timed alone on a matrix built beforehand; (2) the solver call the
    pipeline itself makes, on its own pruned sparse matrix (the very ``AssignmentProblem.cost`` object of
    its last round), timed alone. Also reported: CPU time (all threads) beside wall-clock time; one
    in-place float64 pass over a requests x available-peers array, a floor for any method that scores every
    pair (see docs/performance.md); and the load average, which shows how busy the machine was.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import scipy

from peerway.matching.assignment import AssignmentProblem, run_solver, solve_batch
from peerway.matching.engine import rank_peers, score_pair
from peerway.matching.explain import explain_pair, explain_unmatched
from peerway.matching.features import encode_peers
from peerway.matching.specs import MODALITIES, Location, PeerSpec, RequestSpec
from peerway.matching.weights import Weights, load_weights

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench" / "matching.json"
VOCABULARY = ROOT / "src" / "peerway" / "core" / "fixtures" / "vocabulary.json"

LANGUAGES = ("en", "es", "so", "hmn", "om", "ksw", "oj", "dak", "am", "vi")
# Share of requests by first language, and of peers who speak each besides English (roughly Minnesota's).
REQUEST_LANGUAGE_SHARE = (0.70, 0.10, 0.06, 0.05, 0.02, 0.02, 0.015, 0.01, 0.015, 0.01)
PEER_SPEAKS_SHARE = {
    "es": 0.14,
    "so": 0.07,
    "hmn": 0.06,
    "om": 0.025,
    "ksw": 0.02,
    "oj": 0.02,
    "dak": 0.01,
    "am": 0.02,
    "vi": 0.02,
}
LANGUAGE_COMMUNITIES = {
    "es": ("latino-mexican", "latino-central-american"),
    "so": ("somali", "faith-muslim"),
    "hmn": ("hmong",),
    "om": ("oromo", "faith-muslim"),
    "ksw": ("karen",),
    "oj": ("ojibwe",),
    "dak": ("dakota", "two-spirit"),
    "am": ("ethiopian",),
    "vi": ("vietnamese",),
}
GENDERS = ("woman", "man", "nonbinary", "two-spirit")
AGE_BANDS = ("18-24", "25-34", "35-49", "50-64", "65+")
# Minnesota's bounding box, and where people mostly live within it (share, lat, lon, spread in degrees).
LAT_RANGE, LON_RANGE = (43.5, 49.4), (-97.2, -89.5)
PLACES = (
    (0.55, 44.97, -93.22, 0.25),
    (0.05, 44.02, -92.47, 0.12),
    (0.04, 46.79, -92.10, 0.12),
    (0.04, 45.56, -94.16, 0.12),
    (0.03, 44.16, -94.00, 0.10),
    (0.02, 46.87, -96.77, 0.10),
    (0.02, 47.47, -94.88, 0.10),
)


def _vocabulary() -> dict[str, list[str]]:
    data = json.loads(VOCABULARY.read_text(encoding="utf-8"))
    return {key: [row["slug"] for row in data[key]] for key in ("communities", "lived_experience", "pathways")}


class Synthetic:
    """Seeded synthetic requests and peers."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        vocabulary = _vocabulary()
        self.communities = vocabulary["communities"]
        self.lived = vocabulary["lived_experience"]
        self.pathways = vocabulary["pathways"]

    def location(self) -> Location:
        rng = self.rng
        roll = rng.random()
        for share, lat, lon, spread in PLACES:
            if roll < share:
                return Location(
                    min(max(rng.gauss(lat, spread), LAT_RANGE[0]), LAT_RANGE[1]),
                    min(max(rng.gauss(lon, spread * 1.4), LON_RANGE[0]), LON_RANGE[1]),
                )
            roll -= share
        return Location(rng.uniform(*LAT_RANGE), rng.uniform(*LON_RANGE))

    def _communities(self, language: str, count: int) -> list[str]:
        own = list(LANGUAGE_COMMUNITIES.get(language, ()))
        picked = own[: self.rng.randint(0, len(own))] if own else []
        return list(dict.fromkeys([*picked, *self.rng.sample(self.communities, count)]))

    def request(self, index: int) -> RequestSpec:
        rng = self.rng
        language = rng.choices(LANGUAGES, REQUEST_LANGUAGE_SHARE)[0]
        languages = [language] if language == "en" or rng.random() < 0.4 else [language, "en"]
        modalities = [m for m, share in zip(MODALITIES, (0.7, 0.5, 0.3, 0.35), strict=True) if rng.random() < share]
        return RequestSpec(
            id=f"r-{index:05d}",
            languages=languages,
            language_required=rng.random() < (0.25 if language == "en" else 0.7),
            communities=self._communities(language, rng.randint(0, 2)),
            lived_experience=rng.sample(self.lived, rng.randint(1, 3)),
            pathways=rng.sample(self.pathways, rng.randint(0, 2)),
            gender_preference=rng.choice(GENDERS[:2]) if rng.random() < 0.4 else None,
            modalities=modalities or ["phone"],
            location=self.location() if rng.random() < 0.8 else None,
            age_band_preference=rng.choice(AGE_BANDS) if rng.random() < 0.15 else None,
        )

    def peer(self, index: int, *, capacity: int) -> PeerSpec:
        rng = self.rng
        extra = [code for code, share in PEER_SPEAKS_SHARE.items() if rng.random() < share]
        languages = (["en"] if rng.random() < 0.95 or not extra else []) + extra
        modalities = [m for m, share in zip(MODALITIES, (0.9, 0.8, 0.6, 0.55), strict=True) if rng.random() < share]
        return PeerSpec(
            id=f"p-{index:05d}",
            languages=languages,
            communities=self._communities(extra[0] if extra else "en", rng.randint(1, 3)),
            lived_experience=rng.sample(self.lived, rng.randint(2, 5)),
            pathways=rng.sample(self.pathways, rng.randint(1, 3)),
            gender=rng.choices(GENDERS, (0.48, 0.45, 0.05, 0.02))[0] if rng.random() < 0.97 else None,
            age_band=rng.choice(AGE_BANDS),
            modalities=modalities or ["phone"],
            location=self.location() if rng.random() < 0.95 else None,
            service_radius_km=rng.choice((10.0, 20.0, 40.0, 80.0)),
            capacity=capacity,
            active_caseload=rng.randint(0, 12),
        )


def _ms(seconds: float) -> float:
    return round(seconds * 1000.0, 3)


def bench_immediate(
    weights: Weights, seed: int, peers_count: int, requests: int, loop_requests: int, encode_requests: int = 40
) -> dict[str, Any]:
    data = Synthetic(seed)
    peers = [data.peer(index, capacity=data.rng.randint(1, 4)) for index in range(peers_count)]
    asks = [data.request(index) for index in range(requests)]
    started = time.perf_counter()
    pool = encode_peers(peers)
    encode_seconds = time.perf_counter() - started

    for request in asks[:20]:  # warm-up
        rank_peers(request, pool, weights)
    vectorized: list[float] = []
    vectorized_cpu: list[float] = []
    proposals = {}
    for request in asks:
        started, started_cpu = time.perf_counter(), time.thread_time()
        proposals[request.id] = rank_peers(request, pool, weights)
        vectorized.append(time.perf_counter() - started)
        vectorized_cpu.append(time.thread_time() - started_cpu)

    # What Peerway's immediate match does today (matching.service.proposals_for_request): each request builds the
    # peers' specs for itself (a served county widens a peer's reach) and encodes the whole pool before ranking it.
    per_request: list[float] = []
    for request in asks[:encode_requests]:
        started = time.perf_counter()
        matches = rank_peers(request, encode_peers(peers), weights)
        per_request.append(time.perf_counter() - started)
        assert [m.peer_id for m in matches] == [m.peer_id for m in proposals[request.id]]

    naive: list[float] = []
    agree = 0
    for request in asks[:loop_requests]:
        started = time.perf_counter()
        scored = [(score, peer.id, peer) for peer in peers if (score := score_pair(request, peer, weights)) is not None]
        scored.sort(key=lambda item: (-item[0], item[1]))
        best = [(request.id, peer.id, score, explain_pair(request, peer)) for score, _, peer in scored[:3]]
        naive.append(time.perf_counter() - started)
        fast = proposals[request.id]
        agree += [peer_id for _, peer_id, _, _ in best] == [match.peer_id for match in fast]

    def quantiles(samples: list[float]) -> tuple[float, float]:
        cuts = statistics.quantiles(samples, n=100, method="inclusive")
        return cuts[49], cuts[94]

    p50, p95 = quantiles(vectorized)
    cpu_p50, cpu_p95 = quantiles(vectorized_cpu)
    loop_p50, loop_p95 = quantiles(naive)
    encoded_p50, encoded_p95 = quantiles(per_request)
    return {
        "peers": peers_count,
        "requests_timed": len(vectorized),
        "pool_encoding_ms": _ms(encode_seconds),
        "vectorized_p50_ms": _ms(p50),
        "vectorized_p95_ms": _ms(p95),
        # CPU time of the calling thread: what the wall-clock figures would be on an idle machine.
        "vectorized_cpu_p50_ms": _ms(cpu_p50),
        "vectorized_cpu_p95_ms": _ms(cpu_p95),
        "loop_requests_timed": len(naive),
        "loop_p50_ms": _ms(loop_p50),
        "loop_p95_ms": _ms(loop_p95),
        "speedup_p50": round(loop_p50 / p50, 1),
        "same_top3_as_loop": f"{agree}/{len(naive)}",
        # Encoding the pool and ranking it, per request, as the service does today.
        "per_request_encoding_requests_timed": len(per_request),
        "per_request_encoding_p50_ms": _ms(encoded_p50),
        "per_request_encoding_p95_ms": _ms(encoded_p95),
        "per_request_encoding_speedup_p50": round(loop_p50 / encoded_p50, 1),
        "target_p95_ms": 5.0,
        "target_speedup": 50.0,
        # The ranking kernel on a pool kept between requests ...
        "met_with_pool_kept": p95 * 1000.0 <= 5.0 and loop_p50 / p50 >= 50.0,
        # ... and what a match costs in Peerway today, which encodes the pool for every request: the verdict.
        "met": encoded_p95 * 1000.0 <= 5.0 and loop_p50 / encoded_p50 >= 50.0,
    }


def _solver_seconds(problem: AssignmentProblem, repeats: int) -> tuple[float, float]:
    """The bare solver call on ``problem``'s cost matrix, timed alone: the best wall and CPU seconds of
    ``repeats`` calls."""
    wall, cpu = [], []
    for _ in range(repeats):
        gc.collect()
        started, started_cpu = time.perf_counter(), time.process_time()
        run_solver(problem)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return min(wall), min(cpu)


def bench_batch(weights: Weights, seed: int, requests_count: int, peers_count: int, repeats: int) -> dict[str, Any]:
    data = Synthetic(seed + 1)
    capacities = data.rng.choices((0, 1, 2, 3), (0.15, 0.35, 0.3, 0.2), k=peers_count)
    peers = [data.peer(index, capacity=capacities[index]) for index in range(peers_count)]
    asks = [data.request(index) for index in range(requests_count)]
    by_id = {request.id: request for request in asks}

    runs: list[dict[str, float]] = []
    for _ in range(repeats):
        gc.collect()
        started, started_cpu = time.perf_counter(), time.process_time()
        pool = encode_peers(peers)
        encoded = time.perf_counter()
        result, problem = solve_batch(asks, pool, weights, "sparse")
        solved = time.perf_counter()
        shared = [explain_pair(by_id[a.request_id], pool.peers[pool.position[a.peer_id]]) for a in result.assignments]
        reasons = [explain_unmatched(by_id[request_id], pool) for request_id in result.unassigned]
        finished = time.perf_counter()
        runs.append(
            {
                "encode_peers_s": encoded - started,
                "score_prune_solve_s": solved - encoded,
                "solver_calls_s": result.solver_seconds,
                "explain_s": finished - solved,
                "total_s": finished - started,
                # CPU time of the whole process (all its threads) over the same span.
                "total_cpu_s": time.process_time() - started_cpu,
            }
        )
    # The solver call the pipeline makes: the very AssignmentProblem.cost (CSR matrix) its last round handed
    # to run_solver, object for object, timed alone.
    own, own_cpu = _solver_seconds(problem, repeats)

    # A floor for any pipeline that scores every feasible-or-not pair: one in-place float64 pass over a
    # requests x available-peers matrix (already allocated and touched), the least work that writes a score
    # per pair.
    pairs = np.ones((requests_count, int(pool.available.sum())), dtype=np.float64)
    pass_runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        np.add(pairs, 1.0, out=pairs)
        pass_runs.append(time.perf_counter() - started)
    final_shape = list(problem.cost.shape)
    del pairs, problem

    # The bare solver on the batch's matrix: requests x slots, cost -(BIG + score) on feasible pairs, built
    # beforehand by the dense formulation (which also checks that it reaches the same optimum); only the
    # linear_sum_assignment call is timed.
    gc.collect()
    dense_result, dense = solve_batch(asks, pool, weights, "dense")
    bare, bare_cpu = _solver_seconds(dense, repeats)

    best = min(runs, key=lambda run: run["total_s"])
    best_cpu = min(run["total_cpu_s"] for run in runs)
    total = best["total_s"]
    return {
        "requests": requests_count,
        "peers": peers_count,
        "slots": int(np.minimum(pool.capacity, requests_count)[pool.available].sum()),
        "matched": result.matched,
        "unassigned": len(result.unassigned),
        "unassigned_reasons": dict(sorted(Counter(reason.reason.code for reason in reasons).items())),
        "explained_pairs": len(shared),
        "total_score": round(result.total_score, 6),
        "strategy": result.strategy,
        "rounds": result.rounds,
        "final_matrix_shape": final_shape,
        "final_matrix_edges": result.edges,
        "repeats": repeats,
        **{name: round(value, 4) for name, value in best.items()},
        "total_s_median": round(statistics.median(run["total_s"] for run in runs), 4),
        "bare_solver_s": round(bare, 4),
        "bare_solver_matrix": "linear_sum_assignment on the dense requests x slots cost matrix",
        "bare_solver_matrix_shape": list(np.asarray(dense.cost).shape),
        "bare_solver_same_optimum": dense_result.matched == result.matched
        and abs(dense_result.total_score - result.total_score) <= 1e-6,
        "total_over_bare_solver": round(total / bare, 2),
        "target_total_over_bare_solver": 1.5,
        # The words ("the bare solver call on the same matrix") read two ways; both are reported.
        "met": {
            "against the bare solver on the batch's requests x slots matrix": total <= 1.5 * bare,
            "against the pipeline's own solver call on its pruned matrix": total <= 1.5 * own,
        },
        # CPU seconds (all threads of the process): steadier than wall time on a shared machine.
        "total_cpu_s_best": round(best_cpu, 4),
        "bare_solver_cpu_s": round(bare_cpu, 4),
        "total_cpu_over_bare_solver_cpu": round(best_cpu / max(bare_cpu, 1e-9), 2),
        # The solver call inside the pipeline, on its own pruned matrix, and the whole pipeline over it.
        "pipeline_solver_call_s": round(own, 4),
        "pipeline_solver_call_cpu_s": round(own_cpu, 4),
        "pipeline_solver_matrix": "the CSR cost matrix of the pipeline's last solver round (same object)",
        "total_over_pipeline_solver_call": round(total / own, 2),
        "one_pass_over_all_pairs_s": round(min(pass_runs), 4),
        "one_pass_over_all_pairs_over_pipeline_solver_call": round(min(pass_runs) / own, 2),
    }


def _at_least_two(raw: str) -> int:
    """A count of timed requests: percentiles need two at least."""
    value = int(raw)
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be at least 2, not {raw}")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--peers", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300, help="requests timed for (a)")
    parser.add_argument(
        "--loop-requests", type=_at_least_two, default=20, help="requests timed through the per-pair loop"
    )
    parser.add_argument(
        "--encode-requests", type=_at_least_two, default=40, help="requests timed encoding the pool each time"
    )
    parser.add_argument("--batch-requests", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=3, help="batch runs; the best is reported")
    args = parser.parse_args()

    weights = load_weights()
    report: dict[str, Any] = {
        "benchmark": "matching",
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
        },
        "weights_version": weights.version,
        "seed": args.seed,
    }
    report["immediate"] = bench_immediate(
        weights, args.seed, args.peers, args.requests, args.loop_requests, args.encode_requests
    )
    print(json.dumps({"immediate": report["immediate"]}, indent=2))
    report["batch"] = bench_batch(weights, args.seed, args.batch_requests, args.peers, args.repeats)
    print(json.dumps({"batch": report["batch"]}, indent=2))
    report["machine"]["load_average_at_end"] = [round(load, 2) for load in os.getloadavg()]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
