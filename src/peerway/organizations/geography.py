"""ZIP codes and counties to locations, from the bundled `zipcodes` package (no network, no geocoder)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import zipcodes

COUNTIES_FILE = Path(__file__).resolve().parent / "fixtures" / "mn_counties.json"


@dataclass(frozen=True, slots=True)
class Place:
    state: str
    county: str
    latitude: float
    longitude: float


def _county_name(raw: str) -> str:
    name = raw.removesuffix(" County").strip()
    # The ZIP data spells St. Louis County both with and without the period.
    return "St. Louis" if name in {"St Louis", "Saint Louis"} else name


def place_for_zip(zip_code: str) -> Place | None:
    """The centroid and county of a five-digit US ZIP code, or None when it is not a known ZIP code."""
    return _place_for_code(zip_code.strip()[:5])


# zipcodes scans its whole table on each lookup (about a millisecond); a ZIP code's place never changes.
@lru_cache(maxsize=4096)
def _place_for_code(code: str) -> Place | None:
    if len(code) != 5 or not code.isdigit():
        return None
    try:
        matches = zipcodes.matching(code)  # type: ignore[no-untyped-call]
    except (ValueError, TypeError):
        return None
    if not matches:
        return None
    row = matches[0]
    return Place(
        state=row["state"], county=_county_name(row["county"]), latitude=float(row["lat"]), longitude=float(row["long"])
    )


@lru_cache(maxsize=1)
def _county_centroids() -> dict[str, tuple[float, float]]:
    data = json.loads(COUNTIES_FILE.read_text())
    return {row["name"]: (row["lat"], row["lon"]) for row in data["counties"]}


def place_for_county(name: str, state: str = "MN") -> Place | None:
    """The mean of a Minnesota county's ZIP centroids: close enough for a service radius."""
    centroid = _county_centroids().get(name) if state == "MN" else None
    return Place(state=state, county=name, latitude=centroid[0], longitude=centroid[1]) if centroid else None
