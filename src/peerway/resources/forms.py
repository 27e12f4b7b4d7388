from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peerway.core.forms import KeepsOthersChangesForm
from peerway.core.models import Community, Language
from peerway.organizations.models import County, Organization
from peerway.resources.csv_rows import MAX_FILE_BYTES, ZIP_CODE
from peerway.resources.models import Resource


class ResourceImportForm(forms.Form):
    organization = forms.ModelChoiceField(
        queryset=Organization.objects.none(), to_field_name="slug", label=_("Import into"), empty_label=None
    )
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 CSV with the columns described in the directory guide, at most 2 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args: Any, organizations: list[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organization.objects.filter(pk__in=[o.pk for o in organizations])

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s bytes; the limit is %(limit)s bytes. Split it into smaller files."),
                params={"size": f"{upload.size:,}", "limit": f"{MAX_FILE_BYTES:,}"},
            )
        return upload


class TermsField(forms.ModelMultipleChoiceField):
    """Checkboxes of a vocabulary, chosen by slug and labelled in the page's language."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.label())


# What an administrator edits by hand; each is also kept when a colleague changed it meanwhile.
RESOURCE_FORM_FIELDS = (
    "name",
    "category",
    "description",
    "languages",
    "communities",
    "hours",
    "street",
    "city",
    "county",
    "zip_code",
    "phone",
    "website",
    "eligibility",
    "active",
)


class ResourceForm(KeepsOthersChangesForm, forms.ModelForm):  # type: ignore[type-arg]
    """One resource, as an administrator adds or corrects it by hand (the CSV import does many at once).

    ``organizations``: when adding, the organizations whose directory the resource may go into (a state
    agency's means the shared, state-wide directory); when editing, the owner stays as it is, and a change a
    colleague saved while the page was open is kept (``merged``).
    """

    edited_fields = RESOURCE_FORM_FIELDS

    owner = forms.ModelChoiceField(
        queryset=Organization.objects.none(), to_field_name="slug", label=_("Add to the directory of"), empty_label=None
    )
    languages = TermsField(
        queryset=Language.objects.filter(active=True), to_field_name="slug", required=False, label=_("Languages")
    )
    communities = TermsField(
        queryset=Community.objects.filter(active=True),
        to_field_name="slug",
        required=False,
        label=_("Communities served"),
    )
    website = forms.URLField(
        max_length=300, required=False, assume_scheme="https", label=_("Website"), help_text=_("Starting with https://")
    )
    county = forms.ModelChoiceField(
        queryset=County.objects.filter(state="MN"),
        to_field_name="name",
        required=False,
        label=_("County"),
        empty_label=_("No county"),
    )

    class Meta:
        model = Resource
        fields = list(RESOURCE_FORM_FIELDS)
        labels = {
            "name": _("Name"),
            "category": _("Category"),
            "description": _("What it offers"),
            "hours": _("Hours"),
            "street": _("Street address"),
            "city": _("City"),
            "zip_code": _("ZIP code"),
            "phone": _("Public phone number"),
            "eligibility": _("Who can use it"),
            "active": _("Listed in the directory"),
        }
        help_texts = {
            "phone": _("The service's own published number."),
            "active": _("Untick to hide a resource that closed; its referrals keep their history."),
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "eligibility": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, organizations: list[Organization] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        if self.instance.pk or not organizations:
            del self.fields["owner"]
        else:
            owner.queryset = Organization.objects.filter(pk__in=[o.pk for o in organizations])
            self.order_fields(["owner"])
        # The resource as saved now, read before validation writes the posted values onto the instance.
        self.current: dict[str, object] = {}
        if self.instance.pk:
            self.current = {
                name: list(getattr(self.instance, name).all())
                if name in ("languages", "communities")
                else getattr(self.instance, name)
                for name in self.edited_fields
            }
            self.initial["drawn"] = self.drawn_of(self.current)
            # A term retired since the resource was tagged with it (the import accepts any known term) stays offered,
            # ticked, on this resource: saving a correction of its hours must not drop it unseen. A retired term the
            # page sends back is accepted too: the page drew it while the resource had it, and if a colleague removed
            # it meanwhile, ``merged`` keeps their removal rather than refusing a page whose editor never touched it.
            for name, model in (("languages", Language), ("communities", Community)):
                field = self.fields[name]
                assert isinstance(field, forms.ModelMultipleChoiceField)
                tagged = getattr(self.instance, name).values("pk")
                sent = self.data.getlist(self.add_prefix(name)) if hasattr(self.data, "getlist") else []
                field.queryset = model.objects.filter(Q(active=True) | Q(pk__in=tagged) | Q(slug__in=sent))

    def clean_zip_code(self) -> str:
        zip_code = str(self.cleaned_data.get("zip_code", "")).strip()
        if zip_code and not ZIP_CODE.match(zip_code):
            raise forms.ValidationError(_("Enter a ZIP code like 55404 or 55404-1234."))
        return zip_code

    def merged(self) -> dict[str, Any] | None:
        """The values to save: the posted ones, with each field the editor left as the page drew it given what a
        colleague saved meanwhile; None, with errors on the form, when both changed a field. After ``is_valid()``."""
        data = {name: self.cleaned_data[name] for name in self.edited_fields}
        return self.merged_with(self.current, data) if self.instance.pk else data
