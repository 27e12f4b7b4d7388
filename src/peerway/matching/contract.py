"""The file contract of ``peerway match solve``: problem in, result (and optionally scores) out.

Pure functions over parsed JSON, so the command, tests and other callers share one implementation:

- :func:`parse_problem` validates a problem against ``schemas/problem.schema.json`` and builds the specs;
  every problem is reported as ``requests[3] (id 'r-17'): field 'modalities' is required``.
- :func:`solve_problem` runs the batch assignment and returns the result document, and the scores document
  when asked. Both validate against ``schemas/result.schema.json`` and ``schemas/scores.schema.json``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

import numpy as np

# jsonschema ships no type stubs in this environment.
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]

from peerway.matching.assignment import BatchResult, Strategy, assign_batch
from peerway.matching.engine import feasible_and_scores
from peerway.matching.explain import explain_pair, explain_unmatched, reason_text_en
from peerway.matching.features import PeerPool, encode_peers
from peerway.matching.specs import Location, PeerSpec, RequestSpec
from peerway.matching.weights import Weights, load_weights

SCHEMAS_DIR: Final = Path(__file__).resolve().parent / "schemas"
MAX_REPORTED_ERRORS: Final = 20


class ProblemError(ValueError):
    """A problem document that does not follow the contract; ``errors`` has one line per problem found."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors = tuple(errors)
        shown = list(self.errors[:MAX_REPORTED_ERRORS])
        if len(self.errors) > MAX_REPORTED_ERRORS:
            shown.append(f"... and {len(self.errors) - MAX_REPORTED_ERRORS} more")
        super().__init__("\n".join(shown))


@dataclass(frozen=True, slots=True)
class Problem:
    """A validated problem: requests and peers in the order of the file."""

    requests: tuple[RequestSpec, ...]
    peers: tuple[PeerSpec, ...]


@cache
def schema(name: str) -> dict[str, Any]:
    """The JSON Schema ``schemas/<name>.schema.json`` (``problem``, ``result`` or ``scores``)."""
    loaded: dict[str, Any] = json.loads((SCHEMAS_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
    return loaded


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(schema(name))


def schema_errors(name: str, document: Any) -> list[str]:
    """Every way ``document`` breaks schema ``name``, as readable lines naming the item and field."""
    errors = sorted(_validator(name).iter_errors(document), key=lambda error: _document_order(error.absolute_path))
    return list(dict.fromkeys(_describe(error, document) for error in errors))


def _document_order(path: Iterable[str | int]) -> list[tuple[int, int, str]]:
    """A sort key that lists errors in the order a reader meets them: requests, then peers, by index."""
    sections = {"requests": 0, "peers": 1}
    return [(0, part, "") if isinstance(part, int) else (1, sections.get(part, 2), part) for part in path]


_TYPE_NAMES: Final = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
    "null": "null",
}
_REQUIRED = re.compile(r"^'(?P<name>.+)' is a required property$")


def _describe(error: ValidationError, document: Any) -> str:
    path = list(error.absolute_path)
    where, field_path = _location(path, document)
    if error.validator == "required":
        match = _REQUIRED.match(error.message)
        name = match.group("name") if match else error.message
        field = f"{field_path}.{name}" if field_path else name
        return f"{where}: field '{field}' is required"
    in_item = len(path) >= 2 and path[0] in ("requests", "peers")
    subject = f"field '{field_path}'" if field_path else "the item" if in_item else "the document"
    got = _shown(error.instance)
    if error.validator == "type":
        expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        names = " or ".join(_TYPE_NAMES.get(str(name), str(name)) for name in expected)
        return f"{where}: {subject} must be {names}, got {got}"
    if error.validator == "enum":
        return f"{where}: {subject} must be one of {', '.join(map(str, error.validator_value))}, got {got}"
    if (
        error.validator in ("minimum", "maximum")
        and isinstance(error.instance, float)
        and not math.isfinite(error.instance)
    ):
        return f"{where}: {subject} must be a finite number"
    if error.validator == "minimum":
        return f"{where}: {subject} must be at least {error.validator_value}, got {got}"
    if error.validator == "maximum":
        return f"{where}: {subject} must be at most {error.validator_value}, got {got}"
    if error.validator == "minLength":
        return f"{where}: {subject} must not be empty"
    return f"{where}: {subject}: {error.message}"


def _location(path: list[str | int], document: Any) -> tuple[str, str]:
    """``("requests[3] (id 'r-17')", "location.lat")`` for a path into the problem; ``("problem", ...)`` above."""
    if len(path) >= 2 and path[0] in ("requests", "peers") and isinstance(path[1], int):
        collection, index = str(path[0]), path[1]
        where = f"{collection}[{index}]"
        item = document.get(collection, [])[index] if isinstance(document, dict) else None
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            where += f" (id {item['id']!r})"
        rest = path[2:]
    else:
        where, rest = "problem", path
    field = ""
    for part in rest:
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
    return where, field


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:37] + "...")
    if isinstance(value, int | float):
        return repr(value)
    return "a list" if isinstance(value, list) else "an object"


def parse_problem(document: Any) -> Problem:
    """The requests and peers of a parsed ``problem.json``; raises :class:`ProblemError` listing what is wrong.

    Checks beyond the schema: ids unique among requests and among peers, every number finite, and every string
    Unicode text (JSON's ``\\ud800`` escape makes a lone surrogate, which no UTF-8 result file can hold).
    """
    errors = schema_errors("problem", document)
    if errors:
        raise ProblemError(errors)
    errors = [
        *_duplicate_ids(document, "requests"),
        *_duplicate_ids(document, "peers"),
        *_non_finite(document),
        *_not_unicode(document),
    ]
    if errors:
        raise ProblemError(errors)
    return Problem(
        requests=tuple(_request(item) for item in document["requests"]),
        peers=tuple(_peer(item) for item in document["peers"]),
    )


def _duplicate_ids(document: dict[str, Any], collection: str) -> Iterable[str]:
    first: dict[str, int] = {}
    for index, item in enumerate(document[collection]):
        earlier = first.setdefault(item["id"], index)
        if earlier != index:
            yield f"{collection}[{index}] (id {item['id']!r}): id already used by {collection}[{earlier}]"


def _non_finite(document: dict[str, Any]) -> Iterable[str]:
    for collection in ("requests", "peers"):
        for index, item in enumerate(document[collection]):
            numbers = {"service_radius_km": item.get("service_radius_km")}
            if isinstance(item.get("location"), dict):
                numbers |= {"location.lat": item["location"]["lat"], "location.lon": item["location"]["lon"]}
            for field, value in numbers.items():
                if isinstance(value, float) and not math.isfinite(value):
                    yield f"{collection}[{index}] (id {item['id']!r}): field '{field}' must be a finite number"


# The contract's string fields and lists of strings, which the engine reads and the result may repeat.
TEXT_FIELDS = (
    "id",
    "languages",
    "communities",
    "lived_experience",
    "pathways",
    "gender_preference",
    "gender",
    "age_band",
)


def _not_unicode(document: dict[str, Any]) -> Iterable[str]:
    for collection in ("requests", "peers"):
        for index, item in enumerate(document[collection]):
            for field in TEXT_FIELDS:
                value = item.get(field)
                for text in value if isinstance(value, list) else [value]:
                    if isinstance(text, str) and not _is_unicode(text):
                        yield (
                            f"{collection}[{index}] (id {item['id']!r}): field '{field}' holds {text!r}, "
                            "which is not Unicode text (a lone surrogate)"
                        )


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _location_of(value: dict[str, Any] | None) -> Location | None:
    """The location, one way of writing each place: longitude 180 is -180, and a pole has longitude 0 (else two
    spellings of one place would be a rounding error apart, out of a radius of 0)."""
    if value is None:
        return None
    lat, lon = float(value["lat"]), float(value["lon"])
    return Location(lat=lat, lon=0.0 if abs(lat) == 90.0 else -180.0 if lon == 180.0 else lon)


def _codes(values: list[str]) -> tuple[str, ...]:
    """Language codes in lower case: BCP 47 tags are case-insensitive ("EN" is "en")."""
    return tuple(value.lower() for value in values)


def _preference(value: str | None) -> str | None:
    """An empty string is no preference (or, for a peer, nothing said), as the Django side reads it."""
    return value or None


def _request(item: dict[str, Any]) -> RequestSpec:
    return RequestSpec(
        id=item["id"],
        languages=_codes(item["languages"]),
        language_required=item["language_required"],
        communities=item["communities"],
        lived_experience=item["lived_experience"],
        pathways=item["pathways"],
        gender_preference=_preference(item["gender_preference"]),
        modalities=item["modalities"],
        location=_location_of(item["location"]),
        age_band_preference=_preference(item.get("age_band_preference")),
    )


def _peer(item: dict[str, Any]) -> PeerSpec:
    radius = item["service_radius_km"]
    return PeerSpec(
        id=item["id"],
        languages=_codes(item["languages"]),
        communities=item["communities"],
        lived_experience=item["lived_experience"],
        pathways=item["pathways"],
        gender=_preference(item["gender"]),
        age_band=_preference(item["age_band"]),
        modalities=item["modalities"],
        location=_location_of(item["location"]),
        service_radius_km=None if radius is None else float(radius),
        capacity=int(item["capacity"]),  # JSON Schema counts 2.0 an integer: the engine gets 2
        active_caseload=int(item.get("active_caseload", 0)),
        active=item.get("active", True),
        on_shift=item.get("on_shift", True),
    )


def result_document(problem: Problem, result: BatchResult, pool: PeerPool, weights: Weights) -> dict[str, Any]:
    """``result.json`` for ``result``: assignments with what each pair shares, unassigned with the reason."""
    requests = {request.id: request for request in problem.requests}
    assignments = [
        {
            "request": assignment.request_id,
            "peer": assignment.peer_id,
            "score": assignment.score,
            "shared": explain_pair(
                requests[assignment.request_id], pool.peers[pool.position[assignment.peer_id]]
            ).as_dict(),
        }
        for assignment in result.assignments
    ]
    unassigned = []
    for request_id in result.unassigned:
        reason = explain_unmatched(requests[request_id], pool).reason
        unassigned.append(
            {"request": request_id, "reason": reason.as_dict(), "message": reason_text_en(reason, immediate=False)}
        )
    return {
        "weights_version": weights.version,
        "assignments": assignments,
        "unassigned": unassigned,
        "objective": {"matched": result.matched, "total_score": result.total_score},
    }


def scores_document(problem: Problem, pool: PeerPool, weights: Weights) -> dict[str, Any]:
    """``scores.json``: every request x peer score in the file's order, null where the pair is infeasible."""
    feasible, scores = feasible_and_scores(problem.requests, pool, weights)
    order = np.array([pool.position[peer.id] for peer in problem.peers], dtype=np.int64)
    rows: list[list[float | None]] = [
        [score if ok else None for ok, score in zip(feasible_row.tolist(), score_row.tolist(), strict=True)]
        for feasible_row, score_row in zip(feasible[:, order], scores[:, order], strict=True)
    ]
    return {
        "weights_version": weights.version,
        "requests": [request.id for request in problem.requests],
        "peers": [peer.id for peer in problem.peers],
        "scores": rows,
    }


def solve_problem(
    document: Any, weights: Weights | None = None, *, emit_scores: bool = False, strategy: Strategy = "auto"
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """``(result, scores)`` for a parsed ``problem.json``; ``scores`` is ``None`` unless ``emit_scores``.

    Raises :class:`ProblemError` when the document breaks the contract. The same document, or one with its
    requests and peers in another order, always gives the same result.
    """
    used = load_weights() if weights is None else weights
    problem = parse_problem(document)
    pool = encode_peers(problem.peers)
    result = assign_batch(problem.requests, pool, used, strategy)
    scores = scores_document(problem, pool, used) if emit_scores else None
    return result_document(problem, result, pool, used), scores
