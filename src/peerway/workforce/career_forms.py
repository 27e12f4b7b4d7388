"""Forms of the credentialing pages (CE log, supervision sessions). Services check everything again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerway.core.forms import DateInput
from peerway.workforce.credentials import ce_errors
from peerway.workforce.models import SupervisionFormat
from peerway.workforce.supervision import Supervisee, session_errors, supervision_topics

DATE = DateInput()


class ContinuingEducationForm(forms.Form):
    provider = forms.CharField(max_length=200, label=_("Provider"))
    topic = forms.CharField(max_length=200, label=_("Topic"))
    ethics = forms.BooleanField(required=False, label=_("This course counts as ethics"))
    completed_on = forms.DateField(widget=DATE, label=_("Completed on"))
    hours = forms.DecimalField(max_digits=5, decimal_places=2, label=_("Hours"))
    certificate = forms.FileField(
        required=False, label=_("Certificate (optional)"), help_text=_("PDF, PNG or JPEG, at most 5 MB.")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for field, message in ce_errors(data.get("hours"), data.get("completed_on")).items():
            if field in self.fields and field not in self.errors:
                self.add_error(field, message)
        return data


class SupervisionSessionForm(forms.Form):
    supervisee = forms.ChoiceField(label=_("Peer"))
    held_on = forms.DateField(widget=DATE, label=_("Date"))
    minutes = forms.IntegerField(label=_("Minutes"))
    format = forms.ChoiceField(choices=SupervisionFormat.choices, label=_("Format"), widget=forms.RadioSelect)
    topics = forms.MultipleChoiceField(required=False, label=_("Topics"), widget=forms.CheckboxSelectMultiple)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label=_("Notes"))

    def __init__(self, *args: Any, supervisees: list[Supervisee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.supervisees = {s.key: s for s in supervisees}
        several_orgs = len({s.organization.pk for s in supervisees}) > 1
        self.fields["supervisee"].choices = [("", _("Choose a peer"))] + [
            (s.key, s.user.get_full_name() or s.user.username)
            if not several_orgs
            else (s.key, f"{s.user.get_full_name() or s.user.username} ({s.organization.name})")
            for s in supervisees
        ]
        self.fields["topics"].choices = list(supervision_topics().items())
        self.fields["format"].initial = SupervisionFormat.INDIVIDUAL

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        supervisee = self.supervisees.get(data.get("supervisee", ""))
        data["supervisee_obj"] = supervisee
        errors = session_errors(
            peer=supervisee.user if supervisee else None,
            held_on=data.get("held_on"),
            minutes=data.get("minutes"),
            organization=supervisee.organization if supervisee else None,
        )
        for field, message in errors.items():
            if field not in self.errors:
                self.add_error(field, message)
        return data
