"""Check-in forms: the questions of an instrument, built from its definition in the reader's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerway.organizations.models import Organization
from peerway.recovery.instruments.engine import Instrument as Definition
from peerway.recovery.models import Instrument

QUESTION_PREFIX = "q_"
# Peerway's own check-in, in every language it speaks, is about 130 KB; a file eight times that is not a
# questionnaire, and parsing it would hold up the request.
MAX_INSTRUMENT_BYTES = 1024 * 1024


# The oldest a check-in entered by staff may be: paper answers from earlier years may be entered, a typo in the year
# may not.
ENTERED_CHECKIN_MAX_AGE = dt.timedelta(days=3653)


class CheckInAnswersForm(forms.Form):
    """One required single-choice field per item, labelled in ``language`` (falling back to English)."""

    def __init__(self, *args: Any, definition: Definition, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.definition = definition
        for number, item in enumerate(definition.items, start=1):
            self.fields[QUESTION_PREFIX + item.link_id] = forms.ChoiceField(
                label=f"{number}. {item.text.in_language(language)}",
                choices=[(option.code, option.display.in_language(language)) for option in item.options],
                widget=forms.RadioSelect,
                error_messages={"required": _("Please choose an answer.")},
            )

    def answers(self) -> dict[str, str]:
        return {item.link_id: self.cleaned_data[QUESTION_PREFIX + item.link_id] for item in self.definition.items}


class StaffCheckInForm(CheckInAnswersForm):
    """Answers taken on a call: also when they were given (not in the future)."""

    answered_at = forms.DateTimeField(
        label=_("When the person answered"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The moment field comes first, then the questions.
        self.order_fields(["answered_at"])
        if not self.is_bound:
            self.initial.setdefault("answered_at", timezone.localtime().replace(second=0, microsecond=0))

    def clean_answered_at(self) -> dt.datetime:
        value: dt.datetime = self.cleaned_data["answered_at"]
        if value > timezone.now() + dt.timedelta(minutes=1):
            raise forms.ValidationError(_("This is in the future. Enter when the person answered."))
        if value < timezone.now() - ENTERED_CHECKIN_MAX_AGE:
            # A typo in the year (0001, 1026) would sit at the far left of every chart of the person's check-ins.
            raise forms.ValidationError(_("This is more than ten years ago. Enter when the person answered."))
        return value


class CheckInLinkForm(forms.Form):
    instrument = forms.ModelChoiceField(queryset=Instrument.objects.none(), label=_("Check-in"), empty_label=None)
    send_text = forms.BooleanField(label=_("Text the link to the person's phone"), required=False)

    def __init__(self, *args: Any, instruments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["instrument"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = instruments


class InstrumentUploadForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), label=_("For"), empty_label=None)
    file = forms.FileField(
        label=_("FHIR R4B Questionnaire (JSON)"),
        help_text=_("Load only instruments your organization is licensed to use."),
    )

    def __init__(self, *args: Any, organizations: list[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organization.objects.filter(pk__in=[o.pk for o in organizations]).order_by("name")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_INSTRUMENT_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB."), params={"limit": MAX_INSTRUMENT_BYTES // (1024 * 1024)}
            )
        return upload
