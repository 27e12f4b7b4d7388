"""FHIR R4B adapter for the questionnaire engine: ``Questionnaire`` ⇄ Instrument, ``QuestionnaireResponse`` ⇄
Response. No Django: fhir.resources validates the resource, this module maps it to the engine's dataclasses.

Scoring rules travel inside the Questionnaire:

- each ``item.answerOption`` has a ``valueCoding`` and the standard ``ordinalValue`` extension
  (http://hl7.org/fhir/StructureDefinition/ordinalValue) with the option's numeric value;
- the Questionnaire carries Peerway's ``questionnaire-scoring`` extension (``SCORING_URL``) with the
  sub-extensions ``method`` (valueCode, "sum"), ``min`` and ``max`` (valueInteger) and any number of
  ``threshold`` (sub-extensions ``atLeast`` valueInteger, ``label`` valueString, ``flag`` valueBoolean, and
  the label's translations as translation extensions beside them).

Translations of the title, description, item texts, option displays and threshold labels use the standard
translation extension (http://hl7.org/fhir/StructureDefinition/translation, sub-extensions ``lang`` and
``content``) on the primitive's ``_element``, so one Questionnaire carries every language.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import ValidationError

from peerway.recovery.instruments.engine import (
    AnswerOption,
    AnswersError,
    DefinitionError,
    Instrument,
    Item,
    Scoring,
    Text,
    Threshold,
    answers_check,
    definition_check,
)

ORDINAL_VALUE_URL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
TRANSLATION_URL = "http://hl7.org/fhir/StructureDefinition/translation"
SCORING_URL = "https://peerway.org/fhir/StructureDefinition/questionnaire-scoring"

JSON = dict[str, Any]
# How deeply a resource may nest arrays and objects. A Questionnaire of nested groups, options and translations
# stays within a few dozen levels; the validation of nested items recurses per level and runs out of stack after
# a couple of hundred.
MAX_DEPTH = 100


@dataclass(frozen=True)
class FhirProblem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class FhirInvalid(ValueError):
    """The JSON is not a valid resource of the expected kind; each problem names its path."""

    def __init__(self, problems: list[FhirProblem]) -> None:
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems


@dataclass(frozen=True)
class Response:
    """One completed response: the instrument it answers, when, and the chosen code per item."""

    instrument_url: str
    instrument_version: str
    authored: dt.datetime
    answers: Mapping[str, str]
    identifier: str = ""


def loc_path(loc: tuple[int | str, ...]) -> str:
    """pydantic's error location as a FHIR path: ('item', 3, 'answerOption', 0) → item[3].answerOption[0]."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _depth(data: object) -> int:
    """How many arrays and objects deep ``data`` goes, counted without recursion."""
    deepest = 0
    pending: list[tuple[object, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, Mapping):
            children: Iterable[object] = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in children)
    return deepest


def _nul_paths(data: object) -> list[str]:
    """The paths of every key or string holding a NUL character (``\\u0000``), in document order: PostgreSQL refuses
    it in text and in JSON, and no title or answer a person reads has one."""
    found: list[str] = []
    pending: list[tuple[object, tuple[int | str, ...]]] = [(data, ())]
    while pending:
        value, loc = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                found.append(loc_path(loc))
        elif isinstance(value, Mapping):
            for key, child in reversed(list(value.items())):
                # The path is shown on a page: the character itself is written as its escape.
                shown = str(key).replace("\x00", "\\u0000")
                if shown != str(key):
                    found.append(loc_path((*loc, shown)))
                pending.append((child, (*loc, shown)))
        elif isinstance(value, list):
            pending.extend((child, (*loc, index)) for index, child in reversed(list(enumerate(value))))
    return found


def _load(raw: str | bytes | Mapping[str, Any]) -> JSON:
    """The resource as a JSON object. Raises FhirInvalid when it is not JSON, not an object, or nested deeper than
    MAX_DEPTH levels (deeper nesting would exhaust the stack in the parser or in the validation)."""
    too_deep = FhirInvalid([FhirProblem("", f"the values are nested more than {MAX_DEPTH} levels deep")])
    if isinstance(raw, Mapping):
        data: object = dict(raw)
    else:
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as error:
            raise FhirInvalid([FhirProblem("", f"not JSON: {error}")]) from None
        except RecursionError:
            # The parser recurses once per level: a file of a hundred thousand "[" exhausts the stack.
            raise too_deep from None
    if not isinstance(data, dict):
        raise FhirInvalid([FhirProblem("", "a FHIR resource is a JSON object")])
    if _depth(data) > MAX_DEPTH:
        raise too_deep
    if paths := _nul_paths(data):
        problem = "holds a NUL character (\\u0000), which no text may contain"
        raise FhirInvalid([FhirProblem(path, problem) for path in paths])
    return data


def _validated(model: Any, data: JSON, resource_type: str) -> JSON:
    if data.get("resourceType") != resource_type:
        raise FhirInvalid([FhirProblem("resourceType", f"expected {resource_type!r}")])
    try:
        resource = model.model_validate(data)
    except ValidationError as error:
        raise FhirInvalid(
            [FhirProblem(loc_path(tuple(problem["loc"])), str(problem["msg"])) for problem in error.errors()]
        ) from None
    dumped: JSON = json.loads(resource.model_dump_json(exclude_none=True))
    return dumped


# Reading ---------------------------------------------------------------------------------------------


def _sub(extension: JSON, name: str) -> list[JSON]:
    return [sub for sub in extension.get("extension", []) if sub.get("url") == name]


def _translations(element: JSON | None) -> dict[str, str]:
    found: dict[str, str] = {}
    for extension in (element or {}).get("extension", []):
        if extension.get("url") != TRANSLATION_URL:
            continue
        lang = next((sub.get("valueCode") for sub in _sub(extension, "lang")), None)
        content = next((sub.get("valueString") for sub in _sub(extension, "content")), None)
        if lang and content is not None:
            found[str(lang)] = str(content)
    return found


def _text(owner: JSON, key: str) -> Text:
    return Text(str(owner.get(key, "")), _translations(owner.get(f"_{key}")))


def _ordinal(option: JSON, path: str) -> int:
    for extension in option.get("extension", []):
        if extension.get("url") == ORDINAL_VALUE_URL:
            value = extension.get("valueDecimal", extension.get("valueInteger"))
            if value is None or float(value) != int(float(value)):
                raise DefinitionError(f"{path}.extension[ordinalValue]", "the value must be a whole number")
            return int(float(value))
    raise DefinitionError(f"{path}.extension", f"every answer option needs the {ORDINAL_VALUE_URL} extension")


def _scoring(data: JSON) -> Scoring:
    extension = next((ext for ext in data.get("extension", []) if ext.get("url") == SCORING_URL), None)
    if extension is None:
        raise DefinitionError("extension", f"the Questionnaire needs the {SCORING_URL} extension")

    def integer(owner: JSON, name: str, path: str) -> int:
        values = [sub.get("valueInteger") for sub in _sub(owner, name)]
        if len(values) != 1 or not isinstance(values[0], int):
            raise DefinitionError(f"{path}.{name}", "needs exactly one valueInteger")
        return values[0]

    methods = [sub.get("valueCode") for sub in _sub(extension, "method")]
    thresholds = []
    for position, threshold in enumerate(_sub(extension, "threshold")):
        path = f"extension[scoring].threshold[{position}]"
        label = next(iter(_sub(threshold, "label")), {})
        flags = [sub.get("valueBoolean") for sub in _sub(threshold, "flag")]
        thresholds.append(
            Threshold(
                at_least=integer(threshold, "atLeast", path),
                # An extension holds a value or sub-extensions, not both: the label's translations are
                # standard translation extensions beside it, inside the threshold.
                label=Text(str(label.get("valueString", "")), _translations(threshold)),
                flag=bool(flags and flags[0]),
            )
        )
    return Scoring(
        method=str(methods[0]) if methods else "sum",
        minimum=integer(extension, "min", "extension[scoring]"),
        maximum=integer(extension, "max", "extension[scoring]"),
        thresholds=tuple(thresholds),
    )


def questionnaire_parse(raw: str | bytes | Mapping[str, Any]) -> Instrument:
    """An Instrument from FHIR R4B Questionnaire JSON. Raises FhirInvalid, each problem with its path."""
    data = _validated(Questionnaire, _load(raw), "Questionnaire")
    try:
        items = []
        for index, item in enumerate(data.get("item", [])):
            path = f"item[{index}]"
            if item.get("type") != "choice":
                raise DefinitionError(f"{path}.type", "Peerway scores single-choice items only (type 'choice')")
            if item.get("repeats"):
                raise DefinitionError(f"{path}.repeats", "an item takes one answer")
            options = []
            for position, option in enumerate(item.get("answerOption", [])):
                option_path = f"{path}.answerOption[{position}]"
                coding = option.get("valueCoding")
                if coding is None:
                    raise DefinitionError(f"{option_path}.valueCoding", "answer options must be codings")
                options.append(
                    AnswerOption(
                        code=str(coding.get("code", "")),
                        display=_text(coding, "display"),
                        value=_ordinal(option, option_path),
                        system=str(coding.get("system", "")),
                    )
                )
            items.append(Item(link_id=str(item.get("linkId", "")), text=_text(item, "text"), options=tuple(options)))
        instrument = Instrument(
            url=str(data.get("url", "")),
            version=str(data.get("version", "")),
            name=str(data.get("name", "")),
            title=_text(data, "title"),
            description=_text(data, "description"),
            publisher=str(data.get("publisher", "")),
            copyright=str(data.get("copyright", "")),
            status=str(data.get("status", "")),
            items=tuple(items),
            scoring=_scoring(data),
        )
        definition_check(instrument)
    except DefinitionError as error:
        raise FhirInvalid([FhirProblem(error.path, error.message)]) from None
    return instrument


def questionnaire_response_parse(raw: str | bytes | Mapping[str, Any], instrument: Instrument) -> Response:
    """A Response from FHIR R4B QuestionnaireResponse JSON, checked against ``instrument``."""
    data = _validated(QuestionnaireResponse, _load(raw), "QuestionnaireResponse")
    original = _load(raw)
    canonical = str(data.get("questionnaire", ""))
    url, _, version = canonical.partition("|")
    if url != instrument.url or (version and version != instrument.version):
        raise FhirInvalid(
            [FhirProblem("questionnaire", f"answers {canonical!r}, not {instrument.url}|{instrument.version}")]
        )
    if data.get("status") != "completed":
        raise FhirInvalid([FhirProblem("status", "only completed responses are accepted")])
    authored_text = original.get("authored")
    if not isinstance(authored_text, str):
        raise FhirInvalid([FhirProblem("authored", "a response needs the time it was authored")])
    authored = dt.datetime.fromisoformat(authored_text)
    if authored.tzinfo is None:
        raise FhirInvalid([FhirProblem("authored", "the time needs a time zone")])
    answers: dict[str, str] = {}
    for index, item in enumerate(data.get("item", [])):
        values = item.get("answer", [])
        if len(values) != 1 or "valueCoding" not in values[0]:
            raise FhirInvalid([FhirProblem(f"item[{index}].answer", "each item needs exactly one coded answer")])
        answers[str(item.get("linkId"))] = str(values[0]["valueCoding"].get("code", ""))
    try:
        answers_check(instrument, answers)
    except AnswersError as error:
        raise FhirInvalid([FhirProblem(f"item[linkId={key}]", value) for key, value in error.errors.items()]) from None
    identifier = str(data.get("identifier", {}).get("value", ""))
    return Response(
        instrument_url=instrument.url,
        instrument_version=instrument.version,
        authored=authored,
        answers=answers,
        identifier=identifier,
    )


# Writing ---------------------------------------------------------------------------------------------


def _translation_element(text: Text) -> JSON | None:
    if not text.translations:
        return None
    return {
        "extension": [
            {
                "url": TRANSLATION_URL,
                "extension": [{"url": "lang", "valueCode": lang}, {"url": "content", "valueString": content}],
            }
            for lang, content in sorted(text.translations.items())
        ]
    }


def _put_text(target: JSON, key: str, text: Text) -> None:
    if text.default:
        target[key] = text.default
    element = _translation_element(text)
    if element is not None:
        target[f"_{key}"] = element


def questionnaire_build(instrument: Instrument) -> JSON:
    """FHIR R4B Questionnaire JSON for ``instrument``; questionnaire_parse reads it back unchanged."""
    scoring: list[JSON] = [
        {"url": "method", "valueCode": instrument.scoring.method},
        {"url": "min", "valueInteger": instrument.scoring.minimum},
        {"url": "max", "valueInteger": instrument.scoring.maximum},
    ]
    for threshold in instrument.scoring.thresholds:
        parts: list[JSON] = [
            {"url": "atLeast", "valueInteger": threshold.at_least},
            {"url": "label", "valueString": threshold.label.default},
        ]
        if threshold.flag:
            parts.append({"url": "flag", "valueBoolean": True})
        parts.extend((_translation_element(threshold.label) or {"extension": []})["extension"])
        scoring.append({"url": "threshold", "extension": parts})
    data: JSON = {
        "resourceType": "Questionnaire",
        "extension": [{"url": SCORING_URL, "extension": scoring}],
        "url": instrument.url,
        "version": instrument.version,
    }
    if instrument.name:
        data["name"] = instrument.name
    _put_text(data, "title", instrument.title)
    data["status"] = instrument.status
    if instrument.publisher:
        data["publisher"] = instrument.publisher
    _put_text(data, "description", instrument.description)
    if instrument.copyright:
        data["copyright"] = instrument.copyright
    items: list[JSON] = []
    for item in instrument.items:
        entry: JSON = {"linkId": item.link_id}
        _put_text(entry, "text", item.text)
        entry["type"] = "choice"
        entry["required"] = True
        options: list[JSON] = []
        for option in item.options:
            coding: JSON = {}
            if option.system:
                coding["system"] = option.system
            coding["code"] = option.code
            _put_text(coding, "display", option.display)
            options.append(
                {"extension": [{"url": ORDINAL_VALUE_URL, "valueDecimal": option.value}], "valueCoding": coding}
            )
        entry["answerOption"] = options
        items.append(entry)
    data["item"] = items
    return data


def questionnaire_response_build(instrument: Instrument, response: Response) -> JSON:
    """FHIR R4B QuestionnaireResponse JSON for ``response`` (no subject: the record stays in Peerway)."""
    items: list[JSON] = []
    for item in instrument.items:
        code = response.answers.get(item.link_id)
        option = item.option(code) if code is not None else None
        if option is None:
            continue
        coding: JSON = {"code": option.code, "display": option.display.default}
        if option.system:
            coding = {"system": option.system, **coding}
        items.append({"linkId": item.link_id, "text": item.text.default, "answer": [{"valueCoding": coding}]})
    data: JSON = {"resourceType": "QuestionnaireResponse"}
    if response.identifier:
        data["identifier"] = {"system": "urn:ietf:rfc:3986", "value": response.identifier}
    data.update(
        {
            "questionnaire": f"{instrument.url}|{instrument.version}",
            "status": "completed",
            "authored": response.authored.isoformat(),
            "item": items,
        }
    )
    return data
