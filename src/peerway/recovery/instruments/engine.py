"""Instrument definitions, answers and scores. Pure: no Django imports.

An instrument is a list of single-choice items; every answer option carries a numeric value (FHIR's
``ordinalValue``). The score is the sum of the chosen values over all items, and the scoring rule declares
the range (min..max) it must lie in and the thresholds (a lower bound and a label) that name parts of it.
A definition whose declared range differs from the range its items can produce is refused, so any valid
response scores within the declared range; so is one that can score below 0 or above 32767, or whose url or
version is longer than Peerway stores, so any valid response can be saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_LANGUAGE = "en"
SCORING_METHODS = frozenset({"sum"})
# What Peerway stores: the url and version columns of an instrument, and a score as a small non-negative
# whole number. The recovery capital instruments Peerway is built for score from 10 (BARC-10) or 28 (MIRC)
# upwards, never below zero, so a definition outside these limits is refused rather than failing later.
URL_MAX_LENGTH = 255
VERSION_MAX_LENGTH = 64
SCORE_LOWEST = 0
SCORE_HIGHEST = 32767


class DefinitionError(ValueError):
    """The instrument definition is inconsistent; ``path`` says where (``item[3].answerOption[0]``)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


class AnswersError(ValueError):
    """A response does not fit the instrument: ``errors`` maps each item's linkId to what is wrong."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{key}: {value}" for key, value in errors.items()))
        self.errors = dict(errors)


@dataclass(frozen=True)
class Text:
    """A text in the instrument's default language with its translations (language code → text)."""

    default: str
    translations: Mapping[str, str] = field(default_factory=dict)

    def in_language(self, language: str) -> str:
        if language == DEFAULT_LANGUAGE:
            return self.default
        return self.translations.get(language) or self.translations.get(language.split("-")[0]) or self.default


@dataclass(frozen=True)
class AnswerOption:
    code: str
    display: Text
    value: int
    system: str = ""


@dataclass(frozen=True)
class Item:
    link_id: str
    text: Text
    options: tuple[AnswerOption, ...]

    def option(self, code: str) -> AnswerOption | None:
        for option in self.options:
            if option.code == code:
                return option
        return None

    @property
    def lowest(self) -> int:
        return min(option.value for option in self.options)

    @property
    def highest(self) -> int:
        return max(option.value for option in self.options)


@dataclass(frozen=True)
class Threshold:
    """Scores at or above ``at_least`` (up to the next threshold) carry ``label``; ``flag`` marks the one
    staff should see highlighted (for Peerway's check-in: the range associated with sustained remission)."""

    at_least: int
    label: Text
    flag: bool = False


@dataclass(frozen=True)
class Scoring:
    method: str
    minimum: int
    maximum: int
    thresholds: tuple[Threshold, ...] = ()


@dataclass(frozen=True)
class Instrument:
    url: str
    version: str
    name: str
    title: Text
    items: tuple[Item, ...]
    scoring: Scoring
    description: Text = field(default_factory=lambda: Text(""))
    publisher: str = ""
    copyright: str = ""
    status: str = "active"

    def item(self, link_id: str) -> Item | None:
        for item in self.items:
            if item.link_id == link_id:
                return item
        return None

    @property
    def languages(self) -> frozenset[str]:
        found = {DEFAULT_LANGUAGE}
        for item in self.items:
            found |= set(item.text.translations)
        return frozenset(found)


@dataclass(frozen=True)
class Result:
    score: int
    threshold: Threshold | None

    @property
    def flagged(self) -> bool:
        return self.threshold is not None and self.threshold.flag


def definition_check(instrument: Instrument) -> None:
    """Raise DefinitionError (with the path of the problem) unless the definition can be scored."""
    if not instrument.url:
        raise DefinitionError("url", "an instrument needs a canonical url")
    if len(instrument.url) > URL_MAX_LENGTH:
        raise DefinitionError("url", f"the url is longer than {URL_MAX_LENGTH} characters")
    if not instrument.version:
        raise DefinitionError("version", "an instrument needs a version")
    if len(instrument.version) > VERSION_MAX_LENGTH:
        raise DefinitionError("version", f"the version is longer than {VERSION_MAX_LENGTH} characters")
    if not instrument.items:
        raise DefinitionError("item", "an instrument needs at least one item")
    seen: set[str] = set()
    for index, item in enumerate(instrument.items):
        path = f"item[{index}]"
        if not item.link_id:
            raise DefinitionError(f"{path}.linkId", "every item needs a linkId")
        if item.link_id in seen:
            raise DefinitionError(f"{path}.linkId", f"linkId {item.link_id!r} is used twice")
        seen.add(item.link_id)
        if not item.options:
            raise DefinitionError(f"{path}.answerOption", "every item needs answer options")
        codes: set[str] = set()
        for position, option in enumerate(item.options):
            if not option.code:
                raise DefinitionError(f"{path}.answerOption[{position}].valueCoding.code", "every option needs a code")
            if option.code in codes:
                raise DefinitionError(
                    f"{path}.answerOption[{position}].valueCoding.code", f"code {option.code!r} is used twice"
                )
            codes.add(option.code)
    scoring = instrument.scoring
    if scoring.method not in SCORING_METHODS:
        raise DefinitionError("extension[scoring].method", f"unknown scoring method {scoring.method!r}")
    lowest = sum(item.lowest for item in instrument.items)
    highest = sum(item.highest for item in instrument.items)
    if (scoring.minimum, scoring.maximum) != (lowest, highest):
        raise DefinitionError(
            "extension[scoring]",
            f"the declared range {scoring.minimum}–{scoring.maximum} differs from the range the items "
            f"can score, {lowest}–{highest}",
        )
    if scoring.minimum < SCORE_LOWEST:
        raise DefinitionError(
            "extension[scoring].min", f"scores start at {SCORE_LOWEST} or above, not {scoring.minimum}"
        )
    if scoring.maximum > SCORE_HIGHEST:
        raise DefinitionError(
            "extension[scoring].max", f"scores go up to {SCORE_HIGHEST} at most, not {scoring.maximum}"
        )
    previous: int | None = None
    for position, threshold in enumerate(scoring.thresholds):
        path = f"extension[scoring].threshold[{position}]"
        if not scoring.minimum <= threshold.at_least <= scoring.maximum:
            raise DefinitionError(path, f"threshold {threshold.at_least} lies outside the range")
        if previous is not None and threshold.at_least <= previous:
            raise DefinitionError(path, "thresholds must be in increasing order")
        previous = threshold.at_least


def answers_check(instrument: Instrument, answers: Mapping[str, str]) -> dict[str, AnswerOption]:
    """The chosen option per item; AnswersError names every unanswered item and every unknown answer."""
    errors: dict[str, str] = {}
    chosen: dict[str, AnswerOption] = {}
    for item in instrument.items:
        code = answers.get(item.link_id)
        if code is None or code == "":
            errors[item.link_id] = "unanswered"
            continue
        option = item.option(str(code))
        if option is None:
            errors[item.link_id] = f"{code!r} is not one of the answers"
            continue
        chosen[item.link_id] = option
    for link_id in answers:
        if instrument.item(link_id) is None:
            errors[link_id] = "no such item"
    if errors:
        raise AnswersError(errors)
    return chosen


def score(instrument: Instrument, answers: Mapping[str, str]) -> Result:
    """Score a complete response. Raises AnswersError when it does not fit the instrument."""
    chosen = answers_check(instrument, answers)
    total = sum(option.value for option in chosen.values())
    return Result(score=total, threshold=threshold_for(instrument.scoring, total))


def threshold_for(scoring: Scoring, total: int) -> Threshold | None:
    found: Threshold | None = None
    for threshold in scoring.thresholds:
        if total >= threshold.at_least:
            found = threshold
    return found


def flag_threshold(scoring: Scoring) -> int | None:
    """The lower bound of the flagged range, for a chart's threshold line."""
    for threshold in scoring.thresholds:
        if threshold.flag:
            return threshold.at_least
    return None
