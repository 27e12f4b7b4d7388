from __future__ import annotations

from hypothesis import given, settings

from peerway.matching.assignment import assign_batch
from peerway.matching.constraints import Constraint, hard_constraint_failures, is_feasible
from peerway.matching.explain import (
    LOCATION_NEEDED,
    NO_ACTIVE_PEER,
    NO_CAPACITY,
    NO_COMMON_MODALITY,
    NO_MODALITY_REQUESTED,
    NO_PEER_IN_RANGE,
    NO_PEER_ON_SHIFT,
    NO_PEER_SPEAKS_LANGUAGE,
    NO_PEERS,
    REASON_TEXT_EN,
    TAKEN_BY_OTHER_REQUESTS,
    Reason,
    explain_pair,
    explain_unmatched,
    reason_text_en,
)
from peerway.matching.specs import Location, PeerSpec, RequestSpec
from peerway.matching.weights import load_weights
from tests.matching.strategies import peer_lists, requests

WEIGHTS = load_weights()
BINDING_CODES = {
    Constraint.ACTIVE: {NO_ACTIVE_PEER},
    Constraint.ON_SHIFT: {NO_PEER_ON_SHIFT},
    Constraint.LANGUAGE: {NO_PEER_SPEAKS_LANGUAGE},
    Constraint.MODALITY: {NO_COMMON_MODALITY, NO_MODALITY_REQUESTED},
    Constraint.IN_RANGE: {NO_PEER_IN_RANGE, LOCATION_NEEDED},
    Constraint.CAPACITY: {NO_CAPACITY},
}


@settings(deadline=None, max_examples=300)
@given(requests(), peer_lists(max_size=8))
def test_the_reason_names_a_constraint_every_remaining_peer_truly_fails(
    request: RequestSpec, peers: list[PeerSpec]
) -> None:
    unmatched = explain_unmatched(request, peers)
    feasible = [peer for peer in peers if is_feasible(request, peer)]
    assert unmatched.funnel[-1].remaining == len(feasible)
    if not peers:
        assert unmatched.reason.code == NO_PEERS
        return
    if feasible:
        assert unmatched.reason == Reason(TAKEN_BY_OTHER_REQUESTS, candidates=len(feasible))
        return
    binding = next(step.constraint for step in unmatched.funnel if step.remaining == 0)
    assert unmatched.reason.code in BINDING_CODES[binding]
    earlier = list(Constraint)[: list(Constraint).index(binding)]
    candidates = [peer for peer in peers if not set(hard_constraint_failures(request, peer)) & set(earlier)]
    # There were candidates before the binding constraint, and it is a true failure for every one of them.
    assert len(candidates) == unmatched.reason.candidates > 0
    assert all(binding in hard_constraint_failures(request, peer) for peer in candidates)


def test_no_on_shift_peer_speaks_hmong() -> None:
    request = RequestSpec(id="r-1", languages=["hmn"], language_required=True, modalities=["phone"])
    peers = [
        PeerSpec(id="p-1", languages=["en", "hmn"], modalities=["phone"], capacity=2, on_shift=False),
        PeerSpec(id="p-2", languages=["en", "so"], modalities=["phone"], capacity=2),
    ]
    unmatched = explain_unmatched(request, peers)
    assert unmatched.reason.as_dict() == {"code": "no_peer_speaks_language", "candidates": 1, "languages": ["hmn"]}
    assert reason_text_en(unmatched.reason) == "No on-shift peer speaks Hmong."
    assert reason_text_en(unmatched.reason, immediate=False) == "No available peer speaks Hmong."


def test_nobody_on_shift_comes_before_language() -> None:
    request = RequestSpec(id="r-1", languages=["hmn"], language_required=True, modalities=["phone"])
    peers = [PeerSpec(id="p-1", languages=["en"], modalities=["phone"], capacity=2, on_shift=False)]
    assert explain_unmatched(request, peers).reason.code == NO_PEER_ON_SHIFT


def test_in_person_without_a_location_asks_for_one() -> None:
    request = RequestSpec(id="r-1", modalities=["in_person"])
    peers = [PeerSpec(id="p-1", modalities=["in_person"], location=Location(45, -93), service_radius_km=30, capacity=1)]
    reason = explain_unmatched(request, peers).reason
    assert reason.code == LOCATION_NEEDED
    assert "ZIP code" in reason_text_en(reason)


def test_in_person_out_of_every_radius() -> None:
    request = RequestSpec(id="r-1", modalities=["in_person"], location=Location(46.79, -92.10))
    peers = [
        PeerSpec(id="p-1", modalities=["in_person"], location=Location(44.98, -93.27), service_radius_km=30, capacity=1)
    ]
    assert explain_unmatched(request, peers).reason.code == NO_PEER_IN_RANGE


def test_everyone_suitable_is_full() -> None:
    request = RequestSpec(id="r-1", modalities=["text"])
    peers = [PeerSpec(id="p-1", modalities=["text"], capacity=0), PeerSpec(id="p-2", modalities=["phone"], capacity=3)]
    unmatched = explain_unmatched(request, peers)
    assert unmatched.reason == Reason(NO_CAPACITY, candidates=1)
    assert reason_text_en(unmatched.reason) == "Every on-shift peer who could help is at their caseload limit."


def test_modalities_are_named_in_english() -> None:
    request = RequestSpec(id="r-1", modalities=["text", "video"])
    reason = explain_unmatched(request, [PeerSpec(id="p-1", modalities=["phone"], capacity=1)]).reason
    assert reason.code == NO_COMMON_MODALITY
    assert reason_text_en(reason) == "No on-shift peer who could help meets by text or video."


def test_a_batch_says_when_others_took_the_only_peer() -> None:
    asks = [RequestSpec(id=f"r-{index}", modalities=["phone"]) for index in range(2)]
    peers = [PeerSpec(id="p-1", modalities=["phone"], capacity=1)]
    result = assign_batch(asks, peers, WEIGHTS)
    [left] = result.unassigned
    reason = explain_unmatched(next(r for r in asks if r.id == left), peers).reason
    assert reason == Reason(TAKEN_BY_OTHER_REQUESTS, candidates=1)
    assert (
        reason_text_en(reason, immediate=False) == "Every peer who could help (1) was matched with someone else first."
    )


def test_every_code_has_english_words() -> None:
    for code in REASON_TEXT_EN:
        assert reason_text_en(Reason(code, candidates=2, languages=("so",), modalities=("phone",)))


def test_the_pair_explanation_lists_only_what_is_shared() -> None:
    request = RequestSpec(
        id="r-1",
        languages=["es", "en"],
        communities=["latino-mexican"],
        lived_experience=["opioids", "parenting"],
        pathways=["medication"],
        gender_preference="woman",
        modalities=["phone", "in_person"],
        location=Location(44.98, -93.27),
    )
    peer = PeerSpec(
        id="p-1",
        languages=["en", "es"],
        communities=["latino-central-american"],
        lived_experience=["parenting"],
        pathways=["medication", "twelve-step"],
        gender="woman",
        modalities=["in_person"],
        location=Location(44.95, -93.09),
        service_radius_km=25,
        capacity=1,
    )
    explanation = explain_pair(request, peer)
    assert explanation.languages == ("es", "en")
    assert explanation.communities == ()
    assert explanation.lived_experience == ("parenting",)
    assert explanation.pathways == ("medication",)
    assert explanation.modalities == ("in_person",)
    assert explanation.gender_preference_met is True
    assert explanation.age_band_preference_met is None
    assert explanation.distance_km is not None and 13 < explanation.distance_km < 16


def test_a_full_peer_at_the_same_place_is_full_not_out_of_range() -> None:
    # Found by the property above: the range check looked only at peers with room, so a full peer in range
    # was reported as out of range.
    here = Location(lat=45.0, lon=-93.0)
    request = RequestSpec(id="r-1", modalities=["in_person"], location=here)
    peer = PeerSpec(id="p-1", modalities=["in_person"], location=here, service_radius_km=0.0, capacity=0)
    assert hard_constraint_failures(request, peer) == (Constraint.CAPACITY,)
    assert explain_unmatched(request, [peer]).reason == Reason(NO_CAPACITY, candidates=1)


def test_in_person_is_shared_only_where_they_can_meet() -> None:
    peer = PeerSpec(
        id="p-1",
        modalities=["phone", "in_person"],
        location=Location(44.98, -93.27),
        service_radius_km=10,
        capacity=1,
    )
    nowhere = RequestSpec(id="r-1", modalities=["phone", "in_person"], location=None)
    far = RequestSpec(id="r-2", modalities=["phone", "in_person"], location=Location(46.79, -92.10))
    near = RequestSpec(id="r-3", modalities=["phone", "in_person"], location=Location(44.95, -93.25))
    # The pairs are feasible by phone; the status page must not promise a meeting the rules would not allow.
    assert explain_pair(nowhere, peer).modalities == ("phone",)
    assert explain_pair(far, peer).modalities == ("phone",)
    assert explain_pair(near, peer).modalities == ("phone", "in_person")
