"""CSV import: all or nothing, every bad line listed, re-import updates, encoding and size problems."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse

from peerway.resources.csv_rows import MAX_FILE_BYTES
from peerway.resources.models import Resource
from peerway.resources.services import ImportSummary, ResourceImportRejected, resources_import
from tests.helpers import Cast

pytestmark = pytest.mark.django_db

HEADER = "external_id,name,category,languages,communities,county,zip_code,latitude,longitude,phone,website,active\n"


def test_the_sample_file_imports_every_row_with_its_vocabulary(cast: Cast, sample_csv: bytes) -> None:
    summary = resources_import(data=sample_csv, organization=cast.org)
    assert (summary.created, summary.updated) == (5, 0)
    clinic = Resource.objects.get(external_id="demo-moud-002")
    assert clinic.organization == cast.org
    assert clinic.category == "moud"
    assert clinic.county is not None and clinic.county.name == "Ramsey"
    assert sorted(clinic.languages.values_list("slug", flat=True)) == ["en", "so"]
    assert list(clinic.communities.values_list("slug", flat=True)) == ["somali"]
    assert clinic.description == "Buprenorphine and methadone; same-day starts, walk-ins welcome."
    assert Resource.objects.get(external_id="demo-meeting-003").county.name == "St. Louis"  # type: ignore[union-attr]


def test_a_bad_file_imports_nothing_and_lists_every_bad_line(cast: Cast) -> None:
    data = (
        HEADER
        + "ok-1,Good Place,food,en,,Hennepin,55401,,,,,yes\n"
        + "bad-2,Bad Category,spaceship,en,,Hennepin,55401,,,,,yes\n"
        + "ok-3,Another Good Place,legal,es,,Anoka,55303,,,,,\n"
        + ",No Id,housing,xx,,Atlantis,5540,91,,123,ftp://x,maybe\n"
        + "ok-1,Duplicate Id,food,en,,Hennepin,55401,,,,,yes\n"
        + "short,row\n"
    ).encode()
    with pytest.raises(ResourceImportRejected) as caught:
        resources_import(data=data, organization=cast.org)
    lines = [error.line for error in caught.value.errors]
    reasons = {error.line: [] for error in caught.value.errors}  # type: dict[int, list[str]]
    for error in caught.value.errors:
        reasons[error.line].append(error.reason)
    assert sorted(set(lines)) == [3, 5, 6, 7]
    assert any("spaceship" in reason for reason in reasons[3])
    line_5 = " ".join(reasons[5])
    for expected in ("external_id is required", "xx", "Atlantis", "5540", "latitude", "phone", "ftp://x", "maybe"):
        assert expected in line_5, expected
    assert "also on line 2" in " ".join(reasons[6])
    assert "Expected 12 values, found 2" in " ".join(reasons[7])
    assert not Resource.objects.exists()


def test_lines_after_one_that_cannot_be_read_are_still_checked(cast: Cast) -> None:
    too_long = "x" * 140_000  # over the csv module's limit of 131,072 characters a value
    data = (
        "external_id,name,category\n"
        + "ok-2,Good Place,food\n"
        + f"long-3,Long,{too_long}\n"
        + "bad-4,Bad Category,spaceship\n"
        + f'long-5,"{too_long}",food\n'
        + "ok-6,Another Good Place,legal\n"
    ).encode()
    with pytest.raises(ResourceImportRejected) as caught:
        resources_import(data=data, organization=cast.org)
    errors = caught.value.errors
    assert [error.line for error in errors] == [3, 4, 5]
    assert "cannot be read as CSV" in errors[0].reason and "cannot be read as CSV" in errors[2].reason
    assert "spaceship" in errors[1].reason
    assert not Resource.objects.exists()


def test_a_reimport_updates_by_external_id_instead_of_duplicating(cast: Cast, sample_csv: bytes) -> None:
    resources_import(data=sample_csv, organization=cast.org)
    changed = sample_csv.replace(b"Riverside Food Shelf (sample)", b"Riverside Community Pantry (sample)")
    changed += b"demo-legal-006,Legal Aid Hour (sample),legal,,,,,,,,,,,,,,no\n"
    summary = resources_import(data=changed, organization=cast.org)
    assert (summary.created, summary.updated) == (1, 5)
    assert Resource.objects.count() == 6
    assert Resource.objects.get(external_id="demo-food-005").name == "Riverside Community Pantry (sample)"
    assert Resource.objects.get(external_id="demo-legal-006").active is False
    # The same external ids in another organization are that organization's own resources.
    resources_import(data=sample_csv, organization=cast.other_org)
    assert Resource.objects.count() == 11


def test_a_file_that_is_not_utf8_is_refused_with_the_line_it_breaks_on(cast: Cast) -> None:
    data = (HEADER + "ok-1,Good Place,food,en,,Hennepin,55401,,,,,yes\n").encode() + "x-2,Café,food".encode("cp1252")
    with pytest.raises(ResourceImportRejected) as caught:
        resources_import(data=data, organization=cast.org)
    [error] = caught.value.errors
    assert error.line == 3
    assert "not UTF-8" in error.reason
    assert not Resource.objects.exists()


def test_a_bad_byte_after_a_byte_order_mark_is_reported_at_its_own_line_and_byte(cast: Cast) -> None:
    # The three-byte mark, the header (line 1), a good row (line 2), then a cp1252 "é" opening line 3.
    data = b"\xef\xbb\xbfexternal_id,name,category\nx-1,One,food\n\xe9x-2,Two,food\n"
    with pytest.raises(ResourceImportRejected) as caught:
        resources_import(data=data, organization=cast.org)
    [error] = caught.value.errors
    assert error.line == 3
    assert "(byte 43 cannot be read)" in error.reason


def test_a_byte_order_mark_and_a_multiline_value_are_read(cast: Cast) -> None:
    data = '\ufeffexternal_id,name,category,description\na-1,Place,food,"two\nlines"\nbad,Place,nope,x\n'
    with pytest.raises(ResourceImportRejected) as caught:
        resources_import(data=data.encode(), organization=cast.org)
    assert [error.line for error in caught.value.errors] == [4]


def test_a_header_with_unknown_or_missing_columns_is_refused(cast: Cast) -> None:
    with pytest.raises(ResourceImportRejected) as caught:
        resources_import(data=b"external_id,title,category\nx,y,food\n", organization=cast.org)
    reasons = " ".join(error.reason for error in caught.value.errors)
    assert "Unknown column(s): title" in reasons
    assert "Missing required column(s): name" in reasons
    with pytest.raises(ResourceImportRejected) as caught:
        resources_import(data=b"", organization=cast.org)
    assert caught.value.errors[0].line == 1


def test_a_file_over_the_size_limit_is_refused(cast: Cast) -> None:
    data = HEADER.encode() + b"#" * (MAX_FILE_BYTES + 1)
    with pytest.raises(ResourceImportRejected) as caught:
        resources_import(data=data, organization=cast.org)
    assert "limit is 2,097,152 bytes" in caught.value.errors[0].reason


def test_the_command_imports_shared_resources_and_reports_bad_lines(
    cast: Cast, sample_csv: bytes, tmp_path: Path
) -> None:
    good = tmp_path / "good.csv"
    good.write_bytes(sample_csv)
    out = io.StringIO()
    call_command("resources", "import", str(good), stdout=out)
    assert "shared (state-wide): 5 new, 0 updated" in out.getvalue()
    assert Resource.objects.filter(organization__isnull=True).count() == 5

    call_command("resources", "import", str(good), "--organization", "riverbend", stdout=out)
    assert Resource.objects.filter(organization=cast.org).count() == 5

    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"external_id,name,category\nx-1,One,food\nx-2,Two,nope\nx-3,,food\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 problem"):
        call_command("resources", "import", str(bad), stderr=err)
    assert f"{bad}:3: category 'nope'" in err.getvalue()
    assert f"{bad}:4: name is required." in err.getvalue()
    assert not Resource.objects.filter(external_id="x-1").exists()
    with pytest.raises(CommandError, match="No organization"):
        call_command("resources", "import", str(good), "--organization", "nowhere")


def test_the_upload_page_imports_into_the_admins_organization(cast: Cast, sample_csv: bytes) -> None:
    client = Client()
    client.force_login(cast.ada)
    url = reverse("resources:import")
    response = client.post(
        url, {"organization": "riverbend", "file": SimpleUploadedFile("r.csv", sample_csv, "text/csv")}
    )
    assert response.status_code == 302
    assert Resource.objects.filter(organization=cast.org).count() == 5


def test_the_upload_page_lists_every_bad_line(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.ada)
    bad = b"external_id,name,category\nx-1,One,food\nx-2,Two,nope\nx-3,,food\n"
    response = client.post(
        reverse("resources:import"), {"organization": "riverbend", "file": SimpleUploadedFile("r.csv", bad)}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Line 3" in body and "Line 4" in body and "nothing was imported" in body
    assert not Resource.objects.exists()


def test_the_upload_page_lists_every_bad_line_even_after_a_line_that_cannot_be_read(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.ada)
    content = (
        b"external_id,name,category\n"
        b"A1,Sample Long," + b"x" * 140_000 + b"\n"  # line 2: a value over the csv module's field limit
        b"A2,Sample Two,not-a-category\n"  # line 3: a bad category
    )
    response = client.post(
        reverse("resources:import"), {"organization": "riverbend", "file": SimpleUploadedFile("r.csv", content)}
    )
    body = response.content.decode()
    assert response.status_code == 400 and not Resource.objects.exists()
    assert "Line 2" in body
    assert "Line 3" in body, "the bad category on line 3 is not reported: the parser stopped at line 2"


def test_an_admin_cannot_import_into_another_organization(cast: Cast, sample_csv: bytes) -> None:
    client = Client()
    client.force_login(cast.ada)
    response = client.post(
        reverse("resources:import"),
        {"organization": "prairie-light", "file": SimpleUploadedFile("r.csv", sample_csv)},
    )
    assert response.status_code == 400
    assert not Resource.objects.exists()


def test_a_nul_character_is_a_bad_line_not_a_server_error(cast: Cast) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(cast.ada)
    bad = b"external_id,name,category,description\nx-1,One,food,\nx-2,T\x00wo,food,\nx-3,Three,food,a\x00b\n"
    response = client.post(
        reverse("resources:import"), {"organization": "riverbend", "file": SimpleUploadedFile("r.csv", bad)}
    )
    body = " ".join(response.content.decode().split())
    assert response.status_code == 400
    assert "Line 3: name contains a NUL character" in body
    assert "Line 4: description contains a NUL character" in body
    assert not Resource.objects.exists()


def _a_backend_waits_on_a_lock(timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serializes every writer: nothing to race")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("shared", [False, True], ids=["organization", "shared"])
def test_the_same_file_imported_twice_at_once_is_updated_by_the_second_import(cast: Cast, shared: bool) -> None:
    # A double click on Import, or two administrators with the same file: the second import starts while the
    # first has written its rows and not committed. It must wait and update them, not fail on the unique
    # (owner, external_id) constraint with a server error.
    owner = None if shared else cast.org
    data = b"external_id,name,category\nrb-food-1,Sample Food Shelf,food\nrb-legal-2,Sample Legal Aid,legal\n"
    first_wrote = threading.Event()
    first_may_commit = threading.Event()
    outcomes: dict[str, ImportSummary | str] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                outcomes["first"] = resources_import(data=data, organization=owner)
                first_wrote.set()
                first_may_commit.wait(20)
        except Exception as exc:
            outcomes["first"] = f"error: {exc!r}"
        finally:
            first_wrote.set()
            connections.close_all()

    def second() -> None:
        try:
            outcomes["second"] = resources_import(data=data, organization=owner)
        except Exception as exc:  # an IntegrityError here is the server error this test is about
            outcomes["second"] = f"error: {exc!r}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert first_wrote.wait(20)
    threads[1].start()
    waiting = _a_backend_waits_on_a_lock()
    first_may_commit.set()
    for thread in threads:
        thread.join(timeout=60)

    assert waiting, "the second import did not wait for the first"
    assert outcomes == {"first": ImportSummary(created=2, updated=0), "second": ImportSummary(created=0, updated=2)}
    assert Resource.objects.filter(organization=owner, external_id__startswith="rb-").count() == 2
