"""Staff forms for participants' records: the minimum necessary data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerway.core.forms import DateInput, KeepsOthersChangesForm, ModelMultipleChoiceField
from peerway.core.models import Community, Language
from peerway.organizations.models import Organization

# The earliest date of birth the form takes: an earlier one is a typo (year 1, or 190 for 1990).
EARLIEST_DATE_OF_BIRTH = dt.date(1900, 1, 1)


class ParticipantForm(forms.Form):
    preferred_name = forms.CharField(label=_("Preferred name"), max_length=255)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    # An address may be up to 320 characters, but the record keeps 255: say so on the form, not with an error page.
    email = forms.EmailField(label=_("Email"), max_length=255, required=False)
    language = forms.ModelChoiceField(label=_("Language"), queryset=Language.objects.all(), required=False)
    communities = ModelMultipleChoiceField(
        label=_("Communities"), queryset=Community.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    communities_own_words = forms.CharField(
        label=_("Communities, in their own words"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    date_of_birth = forms.DateField(label=_("Date of birth (optional)"), required=False, widget=DateInput())
    medicaid_id = forms.CharField(label=_("Medicaid or insurance id (optional)"), max_length=64, required=False)
    different_person = forms.BooleanField(
        label=_("I checked: this is a different person from the records listed above"), required=False
    )

    def clean_date_of_birth(self) -> dt.date | None:
        born: dt.date | None = self.cleaned_data["date_of_birth"]
        if born is not None and born > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        if born is not None and born < EARLIEST_DATE_OF_BIRTH:
            raise forms.ValidationError(_("Enter a date of birth in 1900 or later."))
        return born

    def service_kwargs(self) -> dict[str, object]:
        data = dict(self.cleaned_data)
        data.pop("different_person", None)
        return data


class ParticipantCreateForm(ParticipantForm):
    """A new record. ``organizations`` are those where the user may create one; with more than one, the form asks
    which one keeps the record (a peer at one organization who supervises at another must not file a person met as
    the first one's peer with the second)."""

    organization = forms.ModelChoiceField(
        label=_("Record kept by"), queryset=Organization.objects.none(), to_field_name="slug", empty_label=None
    )

    field_order = ["organization"]

    def __init__(self, *args: Any, organizations: list[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organizations = organizations
        if len(organizations) == 1:
            del self.fields["organization"]
        else:
            organization: Any = self.fields["organization"]
            organization.queryset = Organization.objects.filter(pk__in=[o.pk for o in organizations])

    def kept_by(self) -> Organization:
        """The organization that keeps the record. Call only after ``is_valid()``."""
        if "organization" in self.fields:
            return self.cleaned_data["organization"]  # type: ignore[no-any-return]
        return self.organizations[0]

    def service_kwargs(self) -> dict[str, object]:
        data = super().service_kwargs()
        data.pop("organization", None)
        return data


class ParticipantEditForm(ParticipantForm, KeepsOthersChangesForm):
    """The details form for an existing record: a change someone else saved while the page was open is kept."""

    edited_fields = (
        "preferred_name",
        "phone",
        "email",
        "language",
        "communities",
        "communities_own_words",
        "date_of_birth",
        "medicaid_id",
    )

    def service_kwargs(self) -> dict[str, object]:
        data = super().service_kwargs()
        data.pop("drawn", None)
        return data


class MergeForm(forms.Form):
    keep = forms.ChoiceField(label=_("Keep which record"), widget=forms.RadioSelect)

    def __init__(self, *args: object, first_id: str, second_id: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["keep"].choices = [(first_id, _("The first record")), (second_id, _("The second record"))]
