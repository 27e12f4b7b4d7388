"""Staff forms for participants' records: the minimum necessary data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core import signing
from django.db.models import Model
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from peerway.core.forms import ModelMultipleChoiceField
from peerway.core.models import Community, Language

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
    date_of_birth = forms.DateField(
        label=_("Date of birth (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
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


# The details an edit changes (ParticipantForm.service_kwargs without the duplicate check).
EDITED_FIELDS = (
    "preferred_name",
    "phone",
    "email",
    "language",
    "communities",
    "communities_own_words",
    "date_of_birth",
    "medicaid_id",
)
_DRAWN_SALT = "peerway.recovery.participant_edit.drawn"


def _comparable(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Model):
        return str(value.pk)
    if isinstance(value, list | tuple | set) or hasattr(value, "all"):
        items = value.all() if hasattr(value, "all") else value  # type: ignore[union-attr]
        return ",".join(sorted(str(item.pk) for item in items))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _digest(value: object) -> str:
    return salted_hmac(_DRAWN_SALT, _comparable(value), algorithm="sha256").hexdigest()[:20]


def drawn_values(values: Mapping[str, object]) -> str:
    """What the edit page drew, for its hidden ``drawn`` field: a signed keyed digest of each detail's value (the
    values themselves stay out of it: the field is no second copy of the person's phone or Medicaid id)."""
    return signing.dumps({name: _digest(values[name]) for name in EDITED_FIELDS}, salt=_DRAWN_SALT)


class ParticipantEditForm(ParticipantForm):
    """The details form for an existing record, which keeps a change someone else saved while this page was open.

    Each detail the person editing left as the page drew it takes the record's value now, so saving a fixed name
    does not put back an old phone number saved meanwhile. A detail both changed, to different values, is an error
    at its field saying what it now reads; the page then draws the record as it is, so saving again keeps theirs.
    """

    drawn = forms.CharField(required=False, widget=forms.HiddenInput)

    def merged_with(self, current: Mapping[str, object]) -> dict[str, object] | None:
        """The service's arguments merged with ``current`` (the record's details now); None, with errors on the
        form, when someone else changed a detail this person changed too. Call only after ``is_valid()``."""
        data = self.service_kwargs()
        data.pop("drawn", None)
        try:
            drawn: dict[str, str] = signing.loads(self.cleaned_data.get("drawn") or "", salt=_DRAWN_SALT)
        except signing.BadSignature:
            return data  # an older page, or a form sent by hand: saved as it is
        for name in EDITED_FIELDS:
            if name not in drawn or _digest(current[name]) == drawn[name]:
                continue  # nobody else changed it
            if _digest(data[name]) == drawn[name]:
                data[name] = current[name]  # only the other person changed it: theirs stays
            elif _comparable(data[name]) != _comparable(current[name]):
                shown = _comparable_for_person(current[name])
                self.add_error(
                    name,  # type: ignore[arg-type]
                    _(
                        "Someone else changed this while your page was open; it now reads “%(value)s”. Save again "
                        "to keep yours."
                    )
                    % {"value": shown},
                )
        if self.errors:
            self.data = self.data.copy()
            self.data["drawn"] = drawn_values(current)
            return None
        return data


def _comparable_for_person(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if hasattr(value, "all") or isinstance(value, list | tuple | set):
        items = value.all() if hasattr(value, "all") else value
        return ", ".join(str(item) for item in items) or "—"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class MergeForm(forms.Form):
    keep = forms.ChoiceField(label=_("Keep which record"), widget=forms.RadioSelect)

    def __init__(self, *args: object, first_id: str, second_id: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["keep"].choices = [(first_id, _("The first record")), (second_id, _("The second record"))]
