"""Great-circle distance on a spherical Earth, the same numbers per pair and for whole matrices.

Distances go through the chord between two unit vectors: the great-circle distance is
``2 R asin(chord / 2)``, which is the haversine formula written without its cancellation-prone
``1 - cos`` and which lets a whole requests x peers block be computed with subtractions and products only.
``unit_vector`` is computed with :mod:`math` per point in both the per-pair and the vectorized path, so a
radius check (``chord² <= radius_chord²``) gives bit-identical answers in both.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
from numpy.typing import NDArray

# The mean Earth radius (IUGG); the error of a sphere is under 0.5 % anywhere, far below a ZIP centroid's.
EARTH_RADIUS_KM: Final = 6371.0088

Vector = tuple[float, float, float]


def unit_vector(lat: float, lon: float) -> Vector:
    """The point at (``lat``, ``lon``) degrees as a unit vector from the Earth's centre."""
    phi = math.radians(lat)
    lam = math.radians(lon)
    cos_phi = math.cos(phi)
    return (cos_phi * math.cos(lam), cos_phi * math.sin(lam), math.sin(phi))


def chord_squared(a: Vector, b: Vector) -> float:
    """The squared straight-line distance between two unit vectors (0 to 4)."""
    dx = a[0] - b[0]
    dy = a[1] - b[1]
    dz = a[2] - b[2]
    return dx * dx + dy * dy + dz * dz


def km_from_chord_squared(chord2: float) -> float:
    """The great-circle distance in km for a squared unit chord."""
    return 2.0 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(chord2) / 2.0))


def chord_squared_for_km(km: float) -> float:
    """The squared unit chord of a great-circle distance of ``km``; beyond half the globe, 4 (everything).

    ``great_circle_km(a, b) <= km`` holds exactly when ``chord_squared(a, b) <= chord_squared_for_km(km)``,
    up to the rounding of this one number, which is the same for every pair a peer is checked against.
    """
    if km >= math.pi * EARTH_RADIUS_KM:
        return 4.0
    half_chord = math.sin(km / (2.0 * EARTH_RADIUS_KM))
    return 4.0 * half_chord * half_chord


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance in km between two points given in degrees; symmetric, 0 for equal points."""
    return km_from_chord_squared(chord_squared(unit_vector(lat1, lon1), unit_vector(lat2, lon2)))


def unit_vectors(points: list[tuple[float, float]]) -> NDArray[np.float64]:
    """An ``(n, 3)`` array of :func:`unit_vector` for each (lat, lon), identical to the per-point values."""
    if not points:
        return np.zeros((0, 3), dtype=np.float64)
    # unit_vector's operations inlined (the same math calls in the same order, so the same bits).
    radians, cos, sin = math.radians, math.cos, math.sin
    out = np.empty((len(points), 3), dtype=np.float64)
    out[:, 0], out[:, 1], out[:, 2] = zip(
        *[
            (cos_phi * cos(lam), cos_phi * sin(lam), sin(phi))
            for phi, lam, cos_phi in ((radians(lat), radians(lon), cos(radians(lat))) for lat, lon in points)
        ],
        strict=True,
    )
    return out


def chord_squared_block(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    """The ``(len(a), len(b))`` matrix of :func:`chord_squared`, with the same operations in the same order."""
    dx = a[:, 0:1] - b[:, 0][np.newaxis, :]
    out = dx * dx
    dy = a[:, 1:2] - b[:, 1][np.newaxis, :]
    out += dy * dy
    dz = a[:, 2:3] - b[:, 2][np.newaxis, :]
    out += dz * dz
    return out


def km_from_chord_squared_block(chord2: NDArray[np.float64]) -> NDArray[np.float64]:
    """:func:`km_from_chord_squared` elementwise."""
    half = np.sqrt(chord2)
    half /= 2.0
    np.minimum(half, 1.0, out=half)
    np.arcsin(half, out=half)
    half *= 2.0 * EARTH_RADIUS_KM
    return half
