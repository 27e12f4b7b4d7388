"""The questionnaire engine and its FHIR R4B adapter: pure code, no database."""

from __future__ import annotations

import copy
import datetime as dt
import json
from dataclasses import replace
from typing import Any

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from hypothesis import given, settings
from hypothesis import strategies as st

from peerway.recovery.instruments.engine import (
    AnswerOption,
    AnswersError,
    Instrument,
    Item,
    Scoring,
    Text,
    Threshold,
    score,
)
from peerway.recovery.instruments.fhir import (
    FhirInvalid,
    Response,
    loc_path,
    questionnaire_build,
    questionnaire_parse,
    questionnaire_response_build,
    questionnaire_response_parse,
)
from peerway.recovery.services.checkins import PEERWAY_CHECKIN_FILE

LANGUAGES = ("es", "so", "hmn")
words = (
    st.text(alphabet=st.characters(categories=("L", "N", "Zs", "P")), min_size=1, max_size=40)
    .map(str.strip)
    .filter(bool)
)
codes = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=8)


@st.composite
def texts(draw: st.DrawFn) -> Text:
    translations = draw(st.dictionaries(st.sampled_from(LANGUAGES), words, max_size=3))
    return Text(draw(words), translations)


@st.composite
def items(draw: st.DrawFn, link_id: str) -> Item:
    option_codes = draw(st.lists(codes, min_size=1, max_size=7, unique=True))
    values = draw(st.lists(st.integers(-5, 20), min_size=len(option_codes), max_size=len(option_codes)))
    options = tuple(
        AnswerOption(code=code, display=draw(texts()), value=value, system=draw(st.sampled_from(["", "urn:x"])))
        for code, value in zip(option_codes, values, strict=True)
    )
    return Item(link_id=link_id, text=draw(texts()), options=options)


@st.composite
def instruments(draw: st.DrawFn) -> Instrument:
    link_ids = draw(st.lists(codes, min_size=1, max_size=12, unique=True))
    drawn = tuple(draw(items(link_id)) for link_id in link_ids)
    low = sum(item.lowest for item in drawn)
    if low < 0:
        # Scores are never below 0: lift the first item's values so the lowest total is 0. The other items
        # keep their negative values, which the engine allows.
        first = drawn[0]
        lifted = tuple(replace(option, value=option.value - low) for option in first.options)
        drawn = (replace(first, options=lifted), *drawn[1:])
        low = 0
    high = sum(item.highest for item in drawn)
    cuts = sorted(set(draw(st.lists(st.integers(low, high), max_size=3))))
    thresholds = tuple(Threshold(at_least=cut, label=draw(texts()), flag=draw(st.booleans())) for cut in cuts)
    return Instrument(
        url=f"https://example.org/Questionnaire/{draw(codes)}",
        version=draw(codes),
        name=draw(st.sampled_from(["", "Example"])),
        title=draw(texts()),
        description=draw(texts()),
        publisher=draw(st.sampled_from(["", "Example publisher"])),
        items=drawn,
        scoring=Scoring(method="sum", minimum=low, maximum=high, thresholds=thresholds),
    )


@st.composite
def instrument_and_answers(draw: st.DrawFn) -> tuple[Instrument, dict[str, str]]:
    instrument = draw(instruments())
    answers = {item.link_id: draw(st.sampled_from([o.code for o in item.options])) for item in instrument.items}
    return instrument, answers


def peerway_fixture() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PEERWAY_CHECKIN_FILE.read_text())
    return data


@settings(max_examples=25, deadline=None)
@given(instrument_and_answers())
def test_any_valid_response_scores_within_the_instruments_range(case: tuple[Instrument, dict[str, str]]) -> None:
    instrument, answers = case
    result = score(instrument, answers)
    assert instrument.scoring.minimum <= result.score <= instrument.scoring.maximum


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from([str(n) for n in range(1, 7)]), min_size=10, max_size=10))
def test_the_peerway_check_in_scores_from_10_to_60_and_flags_47_and_above(choices: list[str]) -> None:
    instrument = questionnaire_parse(peerway_fixture())
    answers = {item.link_id: code for item, code in zip(instrument.items, choices, strict=True)}
    result = score(instrument, answers)
    assert 10 <= result.score <= 60
    assert result.score == sum(int(code) for code in choices)
    assert result.flagged == (result.score >= 47)


@settings(max_examples=25, deadline=None)
@given(instruments())
def test_a_questionnaire_round_trip_through_fhir_r4b_loses_nothing(instrument: Instrument) -> None:
    built = questionnaire_build(instrument)
    # What we write is a valid R4B Questionnaire, and reading it back gives the same instrument.
    Questionnaire.model_validate(built)
    assert questionnaire_parse(json.dumps(built)) == instrument
    assert questionnaire_build(questionnaire_parse(built)) == built


@settings(max_examples=25, deadline=None)
@given(
    instrument_and_answers(),
    st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)),
)
def test_a_questionnaire_response_round_trip_loses_nothing(
    case: tuple[Instrument, dict[str, str]], authored: dt.datetime
) -> None:
    instrument, answers = case
    response = Response(
        instrument_url=instrument.url,
        instrument_version=instrument.version,
        authored=authored,
        answers=answers,
        identifier="urn:uuid:5b0b6f0e-8f0e-4a8e-9a51-2b7f1c1d2e3f",
    )
    built = questionnaire_response_build(instrument, response)
    assert questionnaire_response_parse(json.dumps(built), instrument) == response


def test_the_shipped_check_in_is_exactly_what_the_engine_writes_back() -> None:
    data = peerway_fixture()
    instrument = questionnaire_parse(data)
    assert questionnaire_build(instrument) == data
    assert len(instrument.items) == 10
    assert {"en", "es", "so", "hmn"} <= instrument.languages
    for item in instrument.items:
        assert all(item.text.translations.get(lang) for lang in LANGUAGES)
        assert [o.value for o in item.options] == [1, 2, 3, 4, 5, 6]
        assert all(o.display.translations.get(lang) for o in item.options for lang in LANGUAGES)
    assert instrument.items[0].text.in_language("so") != instrument.items[0].text.default


def test_invalid_fhir_is_rejected_with_the_path_of_the_error() -> None:
    data = peerway_fixture()
    broken = copy.deepcopy(data)
    broken["item"][3]["answerOption"][0]["valueCoding"]["code"] = 7
    with pytest.raises(FhirInvalid) as caught:
        questionnaire_parse(broken)
    assert any(p.path == "item[3].answerOption[0].valueCoding.code" for p in caught.value.problems)
    assert "item[3].answerOption[0].valueCoding.code" in str(caught.value)

    unknown = copy.deepcopy(data)
    unknown["item"][2]["colour"] = "blue"
    with pytest.raises(FhirInvalid) as caught:
        questionnaire_parse(unknown)
    assert [p.path for p in caught.value.problems] == ["item[2].colour"]


@pytest.mark.parametrize("raw", [b"[" * 100_000 + b"]" * 100_000, b'{"a": ' + b"[" * 101 + b"]" * 101 + b"}"])
def test_json_nested_too_deeply_is_rejected_not_a_recursion_error(raw: bytes) -> None:
    with pytest.raises(FhirInvalid, match="nested more than 100 levels deep"):
        questionnaire_parse(raw)


def test_inconsistent_scoring_rules_are_rejected_with_their_path() -> None:
    no_value = peerway_fixture()
    no_value["item"][4]["answerOption"][1]["extension"] = []
    with pytest.raises(FhirInvalid) as caught:
        questionnaire_parse(no_value)
    assert caught.value.problems[0].path == "item[4].answerOption[1].extension"

    wrong_range = peerway_fixture()
    wrong_range["extension"][0]["extension"][2]["valueInteger"] = 70
    with pytest.raises(FhirInvalid) as caught:
        questionnaire_parse(wrong_range)
    assert "10–60" in str(caught.value)

    for raw, path in [("not json", ""), ('{"resourceType": "Patient"}', "resourceType"), ("[]", "")]:
        with pytest.raises(FhirInvalid) as caught:
            questionnaire_parse(raw)
        assert caught.value.problems[0].path == path


def test_definitions_beyond_what_peerway_stores_are_rejected_with_their_path() -> None:
    long_version = peerway_fixture()
    long_version["version"] = "v" * 65
    long_url = peerway_fixture()
    long_url["url"] = "https://example.org/" + "x" * 236
    below_zero = peerway_fixture()
    # Every answer of the first item scores 11 less: the lowest total is -1.
    for option in below_zero["item"][0]["answerOption"]:
        option["extension"][0]["valueDecimal"] -= 11
    below_zero["extension"][0]["extension"][1]["valueInteger"] = -1
    below_zero["extension"][0]["extension"][2]["valueInteger"] = 49
    for data, path in [
        (long_version, "version"),
        (long_url, "url"),
        (below_zero, "extension[scoring].min"),
    ]:
        with pytest.raises(FhirInvalid) as caught:
            questionnaire_parse(data)
        assert [problem.path for problem in caught.value.problems] == [path]
    at_the_limits = peerway_fixture()
    at_the_limits["version"] = "v" * 64
    at_the_limits["url"] = "https://example.org/" + "x" * 235
    assert len(questionnaire_parse(at_the_limits).url) == 255


def test_a_response_must_answer_every_item_with_one_of_its_options() -> None:
    instrument = questionnaire_parse(peerway_fixture())
    answers = {item.link_id: "3" for item in instrument.items}
    answers["housing-and-safety"] = "9"
    del answers["risk-taking"]
    with pytest.raises(AnswersError) as caught:
        score(instrument, answers)
    assert set(caught.value.errors) == {"housing-and-safety", "risk-taking"}


def test_pydantic_locations_read_as_fhir_paths() -> None:
    assert loc_path(("item", 3, "answerOption", 0, "valueCoding")) == "item[3].answerOption[0].valueCoding"
    assert loc_path(()) == ""
