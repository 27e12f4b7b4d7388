"""Dates in the page's language: Django has no Somali or Hmong month names, so those languages get numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import translation

ENGLISH_NAMES = ("Jan", "January", "April", "Wednesday", "Wed", "a.m.", "p.m.", "noon", "midnight")
NAMED_FORMATS = (
    "DATE_FORMAT",
    "SHORT_DATE_FORMAT",
    "DATETIME_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "YEAR_MONTH_FORMAT",
    "MONTH_DAY_FORMAT",
)
WHEN = dt.datetime(2027, 1, 6, 14, 30)  # a Wednesday


def _rendered(language: str, name: str) -> str:
    with translation.override(language):
        return Template('{{ when|date:"' + name + '" }}').render(Context({"when": WHEN}))


@pytest.mark.parametrize(
    ("language", "expected"), [("so", "6/1/2027"), ("hmn", "1/6/2027"), ("es", "6 de enero de 2027")]
)
def test_a_date_is_written_the_languages_way(language: str, expected: str) -> None:
    assert _rendered(language, "DATE_FORMAT") == expected


@pytest.mark.parametrize("language", ["so", "hmn"])
@pytest.mark.parametrize("name", NAMED_FORMATS)
def test_somali_and_hmong_dates_have_no_english_words(language: str, name: str) -> None:
    shown = _rendered(language, name)
    assert not any(word in shown for word in ENGLISH_NAMES), f"{language} {name}: {shown!r}"
