"""Forms for applicants and reviewers. They check what a person typed; services check it again and change state."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from peerway.certification.models import (
    EXAM_CHOICES,
    Application,
    ApplicationKind,
    Attestation,
    CredentialType,
    EvidenceKind,
)
from peerway.certification.selectors import VERIFY_NAME_MAX_LENGTH, VERIFY_NUMBER_MAX_LENGTH, credential_types_open
from peerway.certification.services import hours_errors
from peerway.core.forms import DateInput

DATE = DateInput()


class _HoursForm(forms.Form):
    start_field = "started_on"
    end_field = ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        hours = data.get("hours")
        start = data.get(self.start_field)
        end = data.get(self.end_field) if self.end_field else None
        for field, message in hours_errors(hours, start, end).items():
            target = self.start_field if field == "started_on" else field
            if target in self.fields and target not in self.errors:
                self.add_error(target, message)
        return data


class NewApplicationForm(forms.Form):
    credential_type = forms.ModelChoiceField(queryset=CredentialType.objects.none(), label=_("Credential"))
    kind = forms.ChoiceField(
        choices=ApplicationKind.choices, label=_("Kind of application"), initial=ApplicationKind.INITIAL
    )
    held = forms.ChoiceField(
        required=False,
        label=_("Credential you hold"),
        help_text=_("For reciprocity or a renewal: the credential you already hold."),
    )

    def __init__(self, *args: Any, credentials: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        queryset = credential_types_open()
        self.fields["credential_type"].queryset = queryset  # type: ignore[attr-defined]
        self.fields["credential_type"].label_from_instance = lambda t: f"{t.board.name}: {t.name} ({t.code})"  # type: ignore[attr-defined]
        self.credentials = {str(c.public_id): c for c in credentials}
        self.fields["held"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (key, f"{c.credential_type.board.name} {c.credential_type.code} {c.number}")
            for key, c in self.credentials.items()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["held_credential"] = self.credentials.get(data.get("held") or "")
        if data.get("kind") in (ApplicationKind.RECIPROCITY, ApplicationKind.RENEWAL) and not data["held_credential"]:
            self.add_error("held", _("Choose the credential you hold."))
        return data


class TrainingForm(_HoursForm):
    start_field = "completed_on"

    domain = forms.ChoiceField(label=_("Domain"))
    provider = forms.CharField(max_length=200, label=_("Training provider"))
    course = forms.CharField(max_length=200, required=False, label=_("Course"))
    completed_on = forms.DateField(label=_("Date completed"), widget=DATE)
    hours = forms.DecimalField(max_digits=6, decimal_places=2, label=_("Hours"), min_value=Decimal("-10000"))

    def __init__(self, *args: Any, application: Application, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Domain labels come from the board's rules data; their translations are listed in
        # templates/i18n/strings_from_code.html.
        self.fields["domain"].choices = [  # type: ignore[attr-defined]
            (d.slug, gettext(d.label)) for d in application.credential_type.spec.training_domains
        ]


class ExperienceForm(_HoursForm):
    end_field = "ended_on"

    setting = forms.CharField(max_length=200, label=_("Where (organization or program, paid or volunteer)"))
    started_on = forms.DateField(label=_("From"), widget=DATE)
    ended_on = forms.DateField(label=_("To"), widget=DATE)
    hours = forms.DecimalField(max_digits=7, decimal_places=2, label=_("Hours"), min_value=Decimal("-10000"))


class SupervisionForm(_HoursForm):
    end_field = "ended_on"

    supervisor_name = forms.CharField(max_length=200, label=_("Supervisor"))
    started_on = forms.DateField(label=_("From"), widget=DATE)
    ended_on = forms.DateField(label=_("To"), widget=DATE)
    hours = forms.DecimalField(max_digits=6, decimal_places=2, label=_("Hours"), min_value=Decimal("-10000"))


class ExamForm(forms.Form):
    exam = forms.ChoiceField(choices=EXAM_CHOICES, label=_("Exam"))
    taken_on = forms.DateField(label=_("Date taken"), widget=DATE)
    passed = forms.BooleanField(required=False, label=_("I passed this exam"))
    score = forms.IntegerField(required=False, min_value=0, max_value=1000, label=_("Score (if given)"))

    def clean_taken_on(self) -> Any:
        taken_on = self.cleaned_data["taken_on"]
        if hours_errors(None, taken_on):
            raise forms.ValidationError(_("The date cannot be in the future."))
        return taken_on


class AttestationForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        choices=Attestation.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("I attest that"),
        help_text=_("Lived experience is your own statement: never enter a diagnosis."),
    )
    jurisdiction_share_percent = forms.IntegerField(
        min_value=0,
        max_value=100,
        label=_("Share of your residence or work in the board's state (%)"),
    )


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(choices=EvidenceKind.choices, label=_("What the file shows"))
    file = forms.FileField(label=_("File (PDF, PNG or JPEG, at most 5 MB)"))


class ReviewActionForm(forms.Form):
    message = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Message or reason"),
        help_text=_("Sent to the applicant when you ask for more information; the reason of a decision."),
    )


class ReviewFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, label=_("Status"))
    credential_type = forms.CharField(required=False, max_length=24, label=_("Credential code"))
    kind = forms.ChoiceField(required=False, choices=[("", _("Any")), *ApplicationKind.choices], label=_("Kind"))
    q = forms.CharField(required=False, max_length=100, label=_("Applicant name"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from peerway.certification.models import ApplicationStatus

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Open (to act on)"))] + [  # type: ignore[attr-defined]
            (value, label) for value, label in ApplicationStatus.choices if value != ApplicationStatus.DRAFT
        ]


class VerifyForm(forms.Form):
    number = forms.CharField(required=False, max_length=VERIFY_NUMBER_MAX_LENGTH, label=_("Credential number"))
    name = forms.CharField(required=False, max_length=VERIFY_NAME_MAX_LENGTH, label=_("Full name (first and last)"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("number") and len((data.get("name") or "").split()) < 2:
            raise forms.ValidationError(_("Enter a credential number, or a first and last name."))
        return data
