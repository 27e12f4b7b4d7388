from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from peerway.matching import geo

latitudes = st.floats(min_value=-90, max_value=90, allow_nan=False)
longitudes = st.floats(min_value=-180, max_value=180, allow_nan=False)


def textbook_haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlam = math.radians(lon2 - lon1) / 2
    h = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlam) ** 2
    return 2 * geo.EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def test_minneapolis_to_duluth_is_about_220_km() -> None:
    assert 215 < geo.great_circle_km(44.9778, -93.2650, 46.7867, -92.1005) < 225


def test_a_point_is_zero_km_from_itself() -> None:
    assert geo.great_circle_km(44.95, -93.1, 44.95, -93.1) == 0.0


@given(latitudes, longitudes, latitudes, longitudes)
def test_it_agrees_with_the_textbook_haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> None:
    # A metre: near antipodal points both formulas lose precision (asin is ill-conditioned at 1).
    assert math.isclose(
        geo.great_circle_km(lat1, lon1, lat2, lon2), textbook_haversine_km(lat1, lon1, lat2, lon2), abs_tol=1e-3
    )


@given(latitudes, longitudes, latitudes, longitudes)
def test_distance_is_symmetric(lat1: float, lon1: float, lat2: float, lon2: float) -> None:
    assert math.isclose(
        geo.great_circle_km(lat1, lon1, lat2, lon2), geo.great_circle_km(lat2, lon2, lat1, lon1), abs_tol=1e-9
    )


@given(latitudes, longitudes, latitudes, longitudes, st.floats(min_value=0, max_value=5_000))
def test_the_radius_chord_decides_like_the_distance(
    lat1: float, lon1: float, lat2: float, lon2: float, radius: float
) -> None:
    chord2 = geo.chord_squared(geo.unit_vector(lat1, lon1), geo.unit_vector(lat2, lon2))
    distance = geo.km_from_chord_squared(chord2)
    # Away from the boundary (rounding), "within the chord" and "within the distance" are the same question.
    # Radii stay below a quarter of the globe, where distances from chords are well conditioned.
    if abs(distance - radius) > 1e-6:
        assert (chord2 <= geo.chord_squared_for_km(radius)) == (distance <= radius)


@given(
    st.lists(st.tuples(latitudes, longitudes), min_size=1, max_size=5),
    st.lists(st.tuples(latitudes, longitudes), min_size=1, max_size=5),
)
def test_the_block_matches_the_pairs_bit_for_bit(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> None:
    block = geo.chord_squared_block(geo.unit_vectors(a), geo.unit_vectors(b))
    for i, first in enumerate(a):
        for j, second in enumerate(b):
            assert block[i, j] == geo.chord_squared(geo.unit_vector(*first), geo.unit_vector(*second))
    distances = geo.km_from_chord_squared_block(block)
    assert np.allclose(distances, np.vectorize(geo.km_from_chord_squared)(block), rtol=0, atol=1e-9)
