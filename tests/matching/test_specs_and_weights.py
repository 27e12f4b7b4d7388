from __future__ import annotations

import json
from pathlib import Path

import pytest

from peerway.matching.specs import Location, PeerSpec, RequestSpec
from peerway.matching.weights import DEFAULT_WEIGHTS_FILE, WEIGHT_NAMES, WeightsError, load_weights, weights_from_dict


def test_term_lists_lose_duplicates_and_keep_their_order() -> None:
    request = RequestSpec(id="r", languages=["so", "en", "so"], modalities=["text", "phone", "text"])
    assert request.languages == ("so", "en")
    # Modalities take one canonical order, so equal sets are equal specs.
    assert request.modalities == ("phone", "text")
    assert request == RequestSpec(id="r", languages=["so", "en"], modalities=["phone", "text"])


def test_bad_specs_are_refused() -> None:
    with pytest.raises(ValueError, match="fax"):
        RequestSpec(id="r", modalities=["fax"])
    with pytest.raises(TypeError):
        RequestSpec(id="r", languages="en")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="capacity"):
        PeerSpec(id="p", capacity=-1)
    with pytest.raises(ValueError, match="latitude"):
        Location(91, 0)
    with pytest.raises(ValueError, match="service_radius_km"):
        PeerSpec(id="p", service_radius_km=float("nan"))


def test_the_shipped_weights_are_versioned_data() -> None:
    data = json.loads(DEFAULT_WEIGHTS_FILE.read_text())
    weights = load_weights()
    assert weights.version == data["version"]
    assert set(data["weights"]) == set(WEIGHT_NAMES)
    assert weights.max_score == pytest.approx(sum(data["weights"].values()))


def valid() -> dict[str, object]:
    return json.loads(DEFAULT_WEIGHTS_FILE.read_text())  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["weights"].pop("fairness"), "missing: fairness"),
        (lambda d: d["weights"].update(kindness=1), "unknown weights: kindness"),
        (lambda d: d["weights"].update(fairness=-1), "'fairness' must be a non-negative number"),
        (lambda d: d["weights"].update(fairness=True), "'fairness' must be a non-negative number"),
        (lambda d: d.update(distance_scale_km=0), "distance_scale_km must be a positive number"),
        (lambda d: d.pop("version"), "version"),
    ],
)
def test_a_bad_weights_file_says_what_is_wrong(change: object, message: str) -> None:
    data = valid()
    change(data)  # type: ignore[operator]
    with pytest.raises(WeightsError, match=message):
        weights_from_dict(data)


def test_an_unreadable_weights_file_is_a_weights_error(tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match="cannot read"):
        load_weights(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(WeightsError, match="not valid JSON"):
        load_weights(tmp_path / "bad.json")
