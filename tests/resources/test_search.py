"""The directory's search folds the case of every letter, not only ASCII, on both databases."""

from __future__ import annotations

import pytest

from tests.helpers import Cast
from tests.resources.test_directory import page_for, resource

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["PEÑASCO", "peñasco", "ESPAÑOL", "éloi", "SAINT ÉLOI", "Öztürk", "peÑAsco élOI"])
def test_search_finds_non_ascii_words_in_any_case(cast: Cast, query: str) -> None:
    resource(
        "Peñasco Family Pantry",
        None,
        description="Servicios en español",
        city="Saint Éloi",
        eligibility="Ask for Şükrü Öztürk",
    )
    resource("Duluth Sober House", None, city="Duluth")
    page = page_for(cast.alice, q=query)
    assert "Peñasco Family Pantry" in page and "Duluth Sober House" not in page


def test_search_still_takes_wildcards_literally_and_needs_every_word(cast: Cast) -> None:
    resource("Peñasco Family Pantry", None, city="Saint Éloi")
    for query in ("%", "_", "pe_asco", "peñasco duluth"):
        assert "Peñasco Family Pantry" not in page_for(cast.alice, q=query), query
