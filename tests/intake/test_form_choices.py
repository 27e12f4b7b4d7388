"""The help form validates vocabulary and county choices against a per-process copy: never stale in a way
that refuses a valid choice or accepts one changed in this process, and the submit stores every link."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from peerway.core.models import Community, Language, LivedExperience, RecoveryPathway
from peerway.intake.forms import (
    CHOICES_MAX_AGE_SECONDS,
    PublicHelpRequestForm,
    StaffHelpRequestForm,
    vocabulary_choices_clear,
)
from peerway.intake.services import request_submit
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_copy_from_earlier_tests() -> Iterator[None]:
    # A rolled-back test may leave a copy behind (a rollback sends no signal): start and end with none.
    vocabulary_choices_clear()
    yield
    vocabulary_choices_clear()


def _data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "contact_method": "call",
        "phone": "612-555-0101",
        "language": "es",
        "modalities": ["phone", "in_person"],
        "county": "Hennepin",
        "communities": ["somali", "hmong"],
        "lived_experience": ["alcohol", "opioids"],
        "pathways": ["medication"],
        "consent_to_contact": "on",
    }
    data.update(changes)
    return data


def _form(**changes: Any) -> PublicHelpRequestForm:
    form = PublicHelpRequestForm(_data(**changes))
    form.is_valid()
    return form


def test_a_second_form_validates_its_choices_without_queries() -> None:
    assert _form().is_valid()
    with CaptureQueriesContext(connection) as queries:
        form = _form()
    assert form.is_valid(), form.errors
    assert len(queries.captured_queries) == 0
    assert form.cleaned_data["language"] == Language.objects.get(slug="es")
    assert {c.slug for c in form.cleaned_data["communities"]} == {"somali", "hmong"}
    assert form.cleaned_data["county"].name == "Hennepin"


def test_a_term_deactivated_in_this_process_is_refused_at_once() -> None:
    assert _form().is_valid()
    somali = Community.objects.get(slug="somali")
    somali.active = False
    somali.save()
    form = _form()
    assert not form.is_valid()
    assert "communities" in form.errors


def test_a_term_added_elsewhere_is_accepted_before_the_copy_expires() -> None:
    assert _form().is_valid()
    # As if another process added it: no signal reaches this process's copy.
    Community.objects.bulk_create([Community(slug="test-new-community", name="New community")])
    form = _form(communities=["somali", "test-new-community"])
    assert form.is_valid(), form.errors
    assert {c.slug for c in form.cleaned_data["communities"]} == {"somali", "test-new-community"}


def test_unknown_choices_get_the_usual_errors() -> None:
    form = _form(language="xx", communities=["somali", "not-a-community"], county="Atlantis")
    assert not form.is_valid()
    assert set(form.errors) >= {"language", "communities", "county"}


def test_a_term_deactivated_elsewhere_is_refused_once_the_copy_expires() -> None:
    with time_machine.travel("2026-11-23 12:00", tick=False) as traveller:
        assert _form().is_valid()
        # As if another process deactivated it: an update sends no signal, so the copy still has it.
        Community.objects.filter(slug="somali").update(active=False)
        traveller.shift(CHOICES_MAX_AGE_SECONDS / 2)
        assert _form().is_valid()
        traveller.shift(CHOICES_MAX_AGE_SECONDS)
        form = _form()
        assert not form.is_valid()
        assert "communities" in form.errors


def test_submit_links_every_chosen_term() -> None:
    form = _form()
    assert form.is_valid(), form.errors
    request, _ = request_submit(data=form.to_input())
    assert set(request.communities.values_list("slug", flat=True)) == {"somali", "hmong"}
    assert set(request.lived_experience.values_list("slug", flat=True)) == {"alcohol", "opioids"}
    assert set(request.pathways.values_list("slug", flat=True)) == {"medication"}
    assert request.history.count() == 1


def test_submit_links_a_single_vocabulary() -> None:
    form = _form(communities=[], pathways=[], lived_experience=["alcohol"])
    assert form.is_valid(), form.errors
    request, _ = request_submit(data=form.to_input())
    assert list(request.lived_experience.values_list("slug", flat=True)) == ["alcohol"]
    assert not request.communities.exists()
    assert not request.pathways.exists()
    assert LivedExperience.objects.filter(slug="alcohol").exists()
    assert RecoveryPathway.objects.exists()


def test_migrate_and_flush_forget_the_copy() -> None:
    # Both reload the vocabularies in bulk after post_migrate, with new primary keys after a flush; a copy from
    # before would link a request to rows that no longer exist (a browser test met exactly that).
    from django.core.management.sql import emit_post_migrate_signal

    assert _form().is_valid()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    with CaptureQueriesContext(connection) as queries:
        assert _form().is_valid()
    assert len(queries.captured_queries) > 0


def test_what_one_form_changes_in_its_fields_stays_in_that_form() -> None:
    # The forms' copies of the constant and vocabulary fields share their choices and declared querysets
    # (forms.ConstantChoiceField, CachedChoicesMixin.__deepcopy__): changing them in one form must not show
    # in another, and each copy's widget must list the copy's own choices.
    staff = StaffHelpRequestForm(organizations=[OrganizationFactory()])
    staff.fields["language"].queryset = Language.objects.filter(slug="es")  # type: ignore[attr-defined]
    public = PublicHelpRequestForm()

    assert [value for value, _ in public.fields["contact_method"].choices][-1] == "page"  # type: ignore[attr-defined]
    assert "They will keep their status page open" in str(staff["contact_method"])
    assert "They will keep their status page open" not in str(public["contact_method"])
    assert "Choose their county" in str(staff["county"]) and "Choose their county" not in str(public["county"])
    assert "Choose your county" in str(public["county"])
    assert 'value="es"' in str(staff["language"]) and 'value="so"' not in str(staff["language"])
    assert 'value="so"' in str(public["language"]) and 'value="es"' in str(public["language"])
    assert public.fields["language"].queryset.count() == Language.objects.filter(active=True).count()  # type: ignore[attr-defined]
    assert PublicHelpRequestForm.base_fields["contact_method"].choices == public.fields["contact_method"].choices  # type: ignore[attr-defined]
