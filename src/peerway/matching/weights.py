"""The soft-preference weights, kept as versioned data in ``weights.json`` and loaded into :class:`Weights`.

Each soft term of a score lies between 0 and 1; a weight scales it. A score is the weighted sum, so it is never
negative and never more than :attr:`Weights.max_score`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Final

from peerway.matching.json_text import load_json

DEFAULT_WEIGHTS_FILE: Final = Path(__file__).resolve().parent / "weights.json"
# The largest weight a file may give. Weights only compare with each other (the defaults are 1 to 3), and the
# batch solver adds a bonus larger than every score together for each pair matched: with weights beyond this,
# that bonus would lose the scores' differences to rounding, and at 1e308 overflow.
MAX_WEIGHT: Final = 1000.0


class WeightsError(ValueError):
    """A weights file that is missing a weight, has an unknown one, or a value that is not a usable number."""


@dataclass(frozen=True, slots=True)
class Weights:
    """How much each soft preference counts, and the distance over which closeness stops counting.

    - ``languages``: share of the request's languages the peer speaks (a bonus; the requirement is hard).
    - ``communities``, ``lived_experience``, ``pathways``: share of the request's terms the peer shares.
    - ``gender_preference``, ``age_band_preference``: 1 when the request states one and the peer matches it.
    - ``proximity``: ``max(0, 1 - distance / distance_scale_km)`` when the pair can meet in person.
    - ``fairness``: the share of the peer's caseload limit still free, ``capacity / (capacity +
      active_caseload)``; it spreads new people towards peers with lighter caseloads.
    """

    version: str
    languages: float
    communities: float
    lived_experience: float
    pathways: float
    gender_preference: float
    age_band_preference: float
    proximity: float
    fairness: float
    distance_scale_km: float

    def __post_init__(self) -> None:
        for name in WEIGHT_NAMES:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise WeightsError(f"weight {name!r} must be a non-negative number, got {value!r}")
            if value > MAX_WEIGHT:
                raise WeightsError(f"weight {name!r} must be at most {MAX_WEIGHT:g}, got {value!r}")
            object.__setattr__(self, name, float(value))
        scale = self.distance_scale_km
        if isinstance(scale, bool) or not isinstance(scale, int | float) or not math.isfinite(scale) or scale <= 0:
            raise WeightsError(f"distance_scale_km must be a positive number, got {scale!r}")
        object.__setattr__(self, "distance_scale_km", float(scale))

    @property
    def max_score(self) -> float:
        """An upper bound of every score under these weights: the sum of the weights."""
        return float(sum(getattr(self, name) for name in WEIGHT_NAMES))


WEIGHT_NAMES: Final[tuple[str, ...]] = tuple(
    item.name for item in fields(Weights) if item.name not in ("version", "distance_scale_km")
)


def weights_from_dict(data: Any) -> Weights:
    """The :class:`Weights` described by a parsed weights file; raises :class:`WeightsError` naming the problem."""
    if not isinstance(data, dict):
        raise WeightsError("a weights file must hold a JSON object")
    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise WeightsError("a weights file needs a non-empty string 'version'")
    given = data.get("weights")
    if not isinstance(given, dict):
        raise WeightsError("a weights file needs an object 'weights'")
    missing = [name for name in WEIGHT_NAMES if name not in given]
    unknown = sorted(set(given) - set(WEIGHT_NAMES))
    if missing:
        raise WeightsError(f"weights missing: {', '.join(missing)}")
    if unknown:
        raise WeightsError(f"unknown weights: {', '.join(unknown)} (expected {', '.join(WEIGHT_NAMES)})")
    if "distance_scale_km" not in data:
        raise WeightsError("a weights file needs 'distance_scale_km'")
    return Weights(version=version, distance_scale_km=data["distance_scale_km"], **{n: given[n] for n in WEIGHT_NAMES})


def load_weights(path: Path | None = None) -> Weights:
    """The weights in ``path``, by default the versioned ``weights.json`` shipped beside this module."""
    source = DEFAULT_WEIGHTS_FILE if path is None else path
    try:
        data = load_json(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise WeightsError(f"cannot read weights file {source}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise WeightsError(f"weights file {source} is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise WeightsError(f"weights file {source}: the JSON is nested too deeply to read") from exc
    try:
        return weights_from_dict(data)
    except WeightsError as exc:
        raise WeightsError(f"weights file {source}: {exc}") from exc
