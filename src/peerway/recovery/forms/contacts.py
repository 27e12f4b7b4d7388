"""The contact form: short enough to fill in from a phone in under a minute."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from peerway.core.forms import DateInput, ModelMultipleChoiceField
from peerway.recovery.models import MAX_CONTACT_MINUTES, ContactKind, ContactModality, PlanGoal

DEFAULT_MINUTES = 30
ROUND_TO_MINUTES = 5


def quick_entry_start(now: dt.datetime, minutes: int = DEFAULT_MINUTES) -> dt.datetime:
    """When a session that just ended began: now minus its length, rounded down to five minutes, in the
    time zone of ``now`` (an aware datetime)."""
    # Subtracting from an aware local time moves the wall clock, which is an hour off across a change to or
    # from daylight saving time: subtract in UTC, then read the result on the local clock.
    start = (now.astimezone(dt.UTC) - dt.timedelta(minutes=minutes)).astimezone(now.tzinfo)
    return start.replace(minute=start.minute - start.minute % ROUND_TO_MINUTES, second=0, microsecond=0)


class ContactForm(forms.Form):
    occurred_on = forms.DateField(label=_("Date"), widget=DateInput())
    started_at = forms.TimeField(label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    duration_minutes = forms.IntegerField(
        label=_("Minutes"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": _("Say how many minutes the contact lasted.")},
    )
    modality = forms.ChoiceField(label=_("How"), choices=ContactModality.choices, widget=forms.RadioSelect)
    kind = forms.ChoiceField(label=_("Kind"), choices=ContactKind.choices)
    person_present = forms.BooleanField(label=_("The person took part"), required=False, initial=True)
    goals = ModelMultipleChoiceField(
        label=_("Plan goals worked on"),
        queryset=PlanGoal.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Note: what you worked on and how it ties to the plan"), widget=forms.Textarea(attrs={"rows": 3})
    )
    place = forms.CharField(label=_("Place (optional)"), max_length=255, required=False)

    def __init__(self, *args: object, goals: QuerySet[PlanGoal], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["goals"].queryset = goals  # type: ignore[attr-defined]
        self.fields["goals"].label_from_instance = lambda goal: goal.description  # type: ignore[attr-defined]

    def clean_duration_minutes(self) -> int:
        minutes: int = self.cleaned_data["duration_minutes"]
        if minutes <= 0:
            raise forms.ValidationError(_("A contact lasts at least one minute."))
        if minutes > MAX_CONTACT_MINUTES:
            raise forms.ValidationError(_("A contact cannot last more than 12 hours (720 minutes)."))
        return minutes


class ContactCorrectionForm(ContactForm):
    reason = forms.CharField(
        label=_("Reason for the correction"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
