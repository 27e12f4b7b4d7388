"""Bad files at the resource CSV import (docs/resources.md): other line endings than "\\n", a header repeated or
with a cell that has no name, and a write that fails half-way. Every refusal names its line; nothing is
half-imported."""

from __future__ import annotations

import pytest

from peerway.resources.models import Resource
from peerway.resources.services import ResourceImportRejected, resources_import
from tests.helpers import Cast

pytestmark = pytest.mark.django_db


def _refusal(data: bytes, cast: Cast) -> list[tuple[int, str]]:
    with pytest.raises(ResourceImportRejected) as caught:
        resources_import(data=data, organization=cast.org)
    assert not Resource.objects.exists()
    return [(error.line, error.reason) for error in caught.value.errors]


def test_windows_line_endings_keep_every_line_number_right(cast: Cast) -> None:
    # Excel on Windows writes \r\n; a quoted note spanning two lines holds one too.
    data = (
        b"external_id,name,category,description\r\n"
        b"x-2,Sample One,food,\r\n"
        b"x-3,Sample Two,spaceship,\r\n"
        b'x-4,Sample Three,food,"first\r\nsecond"\r\n'
        b"x-6,Sample Four,nope,\r\n"
    )
    assert [line for line, _reason in _refusal(data, cast)] == [3, 6]
    good = data.replace(b"spaceship", b"legal").replace(b"nope", b"housing")
    assert resources_import(data=good, organization=cast.org).created == 4
    assert Resource.objects.get(external_id="x-4").description == "first\r\nsecond"


def test_a_bad_byte_in_a_file_with_carriage_return_line_endings_is_reported_at_its_own_line(cast: Cast) -> None:
    # Excel for Mac's "CSV (Macintosh)" writes \r line endings in Mac Roman: "é" is the byte 0x8E, not UTF-8.
    # The reader itself counts \r as a line end (a bad category on line 3 is reported at 3), so the two must agree.
    data = b"external_id,name,category\rx-2,Sample One,food\rx-3,Sample Caf\x8e,food\r"
    [(line, reason)] = _refusal(data, cast)
    assert "not UTF-8" in reason
    assert line == 3


@pytest.mark.parametrize(
    ("header", "twice"),
    [("external_id,name,category,name", "name"), ("external_id,Name,category, NAME ", "name")],
)
def test_a_column_given_twice_is_refused_on_line_1_however_it_is_written(cast: Cast, header: str, twice: str) -> None:
    data = f"{header}\nx-2,Sample,food,Other\n".encode()
    assert _refusal(data, cast) == [(1, f"Column(s) given twice: {twice}.")]


def test_a_header_line_repeated_in_the_middle_is_a_bad_line_of_its_own(cast: Cast) -> None:
    # Two exports pasted into one file: the second header is read as a resource with the category "category".
    data = b"external_id,name,category\nx-2,Sample One,food\nexternal_id,name,category\nx-4,Sample Two,food\n"
    [(line, reason)] = _refusal(data, cast)
    assert line == 3 and "'category'" in reason


@pytest.mark.parametrize("header", ["external_id,name,category,", 'external_id,name,category,""'])
def test_a_header_cell_with_no_name_and_nothing_under_it_is_left_out(cast: Cast, header: str) -> None:
    # Excel writes a trailing comma on every line once a cell right of the table has been formatted.
    data = f"{header}\nx-2,Sample,food,\nx-3,Sample Two,food, \n".encode()
    assert resources_import(data=data, organization=cast.org).created == 2
    assert sorted(Resource.objects.values_list("external_id", flat=True)) == ["x-2", "x-3"]


def test_a_value_under_a_header_cell_with_no_name_is_reported_at_its_line(cast: Cast) -> None:
    # Left out silently, it would be lost: the person meant it to go somewhere.
    data = b"external_id,name,category,\nx-2,Sample,food,\nx-3,Sample Two,food,open late\n"
    [(line, reason)] = _refusal(data, cast)
    assert line == 3 and "Column(s) 4" in reason and "no name" in reason


def test_a_write_failing_half_way_leaves_nothing_imported_or_changed(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every row passed the checks; the third save fails (the database refused it, the connection dropped).
    resources_import(data=b"external_id,name,category\nx-1,Sample Before,food\n", organization=cast.org)
    real_save = Resource.save
    saves: list[str] = []

    def save_then_fail(self: Resource, *args: object, **kwargs: object) -> None:
        saves.append(self.external_id)
        if len(saves) == 3:
            raise RuntimeError("the database went away")
        real_save(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Resource, "save", save_then_fail)
    data = b"external_id,name,category\nx-1,Sample After,food\nx-2,Sample Two,food\nx-3,Sample Three,food\n"
    with pytest.raises(RuntimeError):
        resources_import(data=data, organization=cast.org)
    assert saves == ["x-1", "x-2", "x-3"]
    assert list(Resource.objects.values_list("external_id", "name")) == [("x-1", "Sample Before")]


def test_a_second_byte_order_mark_before_the_header_does_not_hide_the_first_column(cast: Cast) -> None:
    # A file saved twice "with BOM" starts with two marks; the decoder removes one. The first column read
    # "\ufeffexternal_id": an unknown column and a missing required one, though the header looked right.
    data = b"\xef\xbb\xbf\xef\xbb\xbfexternal_id,name,category\nx-2,Sample,food\n"
    assert resources_import(data=data, organization=cast.org).created == 1
    assert Resource.objects.get().external_id == "x-2"
