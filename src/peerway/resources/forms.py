from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerway.organizations.models import Organization
from peerway.resources.csv_rows import MAX_FILE_BYTES


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
