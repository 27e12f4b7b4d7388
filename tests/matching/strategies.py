"""Hypothesis strategies for matching specs: small vocabularies and a small map, so pairs often overlap."""

from __future__ import annotations

from hypothesis import strategies as st

from peerway.matching.specs import MODALITIES, Location, PeerSpec, RequestSpec

LANGUAGES = ("en", "es", "so", "hmn")
COMMUNITIES = ("somali", "hmong", "latino-mexican", "ojibwe")
LIVED = ("opioids", "alcohol", "parenting")
PATHWAYS = ("twelve-step", "medication", "faith-based")
GENDERS = ("woman", "man", "nonbinary")
AGE_BANDS = ("18-24", "25-34", "50-64")


def terms(vocabulary: tuple[str, ...], max_size: int = 3) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(vocabulary), max_size=max_size)


# Within about 40 km of Minneapolis, so service radii of 5-60 km both reach and miss.
locations = st.one_of(
    st.none(),
    st.builds(
        Location,
        lat=st.floats(min_value=44.8, max_value=45.2, allow_nan=False),
        lon=st.floats(min_value=-93.6, max_value=-93.0, allow_nan=False),
    ),
)
modalities = st.lists(st.sampled_from(MODALITIES), min_size=0, max_size=4)


@st.composite
def requests(draw: st.DrawFn, request_id: str | None = None) -> RequestSpec:
    return RequestSpec(
        id=request_id if request_id is not None else draw(st.text("abcdefghij", min_size=1, max_size=4)),
        languages=draw(terms(LANGUAGES, 2)),
        language_required=draw(st.booleans()),
        communities=draw(terms(COMMUNITIES)),
        lived_experience=draw(terms(LIVED)),
        pathways=draw(terms(PATHWAYS, 2)),
        gender_preference=draw(st.none() | st.sampled_from(GENDERS)),
        modalities=draw(modalities),
        location=draw(locations),
        age_band_preference=draw(st.none() | st.sampled_from(AGE_BANDS)),
    )


@st.composite
def peers(draw: st.DrawFn, peer_id: str | None = None, max_capacity: int = 3) -> PeerSpec:
    return PeerSpec(
        id=peer_id if peer_id is not None else draw(st.text("klmnopqrst", min_size=1, max_size=4)),
        languages=draw(terms(LANGUAGES, 2)),
        communities=draw(terms(COMMUNITIES)),
        lived_experience=draw(terms(LIVED)),
        pathways=draw(terms(PATHWAYS, 2)),
        gender=draw(st.none() | st.sampled_from(GENDERS)),
        age_band=draw(st.none() | st.sampled_from(AGE_BANDS)),
        modalities=draw(modalities),
        location=draw(locations),
        service_radius_km=draw(st.none() | st.sampled_from((0.0, 5.0, 20.0, 60.0))),
        capacity=draw(st.integers(min_value=0, max_value=max_capacity)),
        active_caseload=draw(st.integers(min_value=0, max_value=6)),
        active=draw(st.booleans() | st.just(True)),
        on_shift=draw(st.booleans() | st.just(True)),
    )


@st.composite
def request_lists(draw: st.DrawFn, max_size: int) -> list[RequestSpec]:
    count = draw(st.integers(min_value=0, max_value=max_size))
    return [draw(requests(f"r-{index:02d}")) for index in range(count)]


@st.composite
def peer_lists(draw: st.DrawFn, max_size: int, max_capacity: int = 3) -> list[PeerSpec]:
    count = draw(st.integers(min_value=0, max_value=max_size))
    return [draw(peers(f"p-{index:02d}", max_capacity)) for index in range(count)]
