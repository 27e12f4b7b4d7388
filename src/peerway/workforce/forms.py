from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from peerway.core.forms import ModelMultipleChoiceField
from peerway.core.models import Community, Language, LivedExperience, RecoveryPathway
from peerway.organizations.models import County
from peerway.workforce.models import Modality, PeerProfile, WeeklyShift


class VocabularyChoiceField(ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.label())


class PeerProfileForm(forms.ModelForm):
    """What a peer chooses to share for matching. Nothing here is required but a name and how they meet."""

    languages = VocabularyChoiceField(
        Language.objects.filter(active=True), required=False, label=_("Languages I speak")
    )
    communities = VocabularyChoiceField(
        Community.objects.filter(active=True), required=False, label=_("Communities I belong to")
    )
    lived_experience = VocabularyChoiceField(
        LivedExperience.objects.filter(active=True), required=False, label=_("Lived experience I am willing to share")
    )
    pathways = VocabularyChoiceField(
        RecoveryPathway.objects.filter(active=True), required=False, label=_("Recovery pathways I know")
    )
    modalities = forms.MultipleChoiceField(
        choices=Modality.choices, widget=forms.CheckboxSelectMultiple, label=_("How I meet people")
    )
    service_counties = ModelMultipleChoiceField(
        County.objects.filter(state="MN"), required=False, label=_("Counties I serve in person")
    )

    class Meta:
        model = PeerProfile
        fields = [
            "display_name",
            "introduction",
            "languages",
            "communities",
            "lived_experience",
            "pathways",
            "gender",
            "age_band",
            "modalities",
            "service_counties",
            "service_radius_km",
            "caseload_limit",
        ]
        labels = {
            "display_name": _("First name people see"),
            "introduction": _("A few words about yourself"),
            "gender": _("Gender (optional)"),
            "age_band": _("Age (optional)"),
            "service_radius_km": _("How far I travel to meet in person (km)"),
            "caseload_limit": _("Most people I can support at once"),
        }
        help_texts = {
            "service_radius_km": _(
                "You meet people anywhere in the counties you serve, and also this far from the centre of the first"
                " one."
            ),
        }
        widgets = {"introduction": forms.Textarea(attrs={"rows": 4, "maxlength": 600})}

    def clean_caseload_limit(self) -> int:
        limit = self.cleaned_data["caseload_limit"]
        if not 1 <= limit <= 200:
            raise forms.ValidationError(_("Enter a number from 1 to 200."))
        return int(limit)


class WeeklyShiftForm(forms.ModelForm):
    """One weekly shift: a day and the hours, in the organization's time zone."""

    weekday = forms.TypedChoiceField(
        choices=[("", "—"), *sorted(WEEKDAYS.items())], coerce=int, empty_value=None, label=_("Day")
    )

    class Meta:
        model = WeeklyShift
        fields = ["weekday", "starts_at", "ends_at"]
        labels = {"starts_at": _("From"), "ends_at": _("Until")}
        widgets = {
            "starts_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "ends_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts is not None and ends is not None and ends <= starts:
            self.add_error(
                "ends_at",
                _(
                    "The shift must end after it starts, on the same day. A shift past midnight is two: one until "
                    "23:59, and one from 00:00 on the next day."
                ),
            )
        return cleaned


# A week holds at most four shifts a day: more rows than that is a mistake, not a schedule.
MAX_WEEKLY_SHIFTS = 28


class BaseWeeklyShiftFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this shift")

    def clean(self) -> None:
        # Two shifts that overlap are one longer shift typed twice, or a typo in one of them: either way the peer
        # should see it, next to the later one, rather than a week that reads differently from what they meant.
        # Each is compared with the one of that day reaching latest so far (a short shift inside a long one is
        # named even when another lies between them), its hours read before any error is added.
        super().clean()
        shifts = []
        for index, form in enumerate(self.forms):
            if not form.is_valid() or self._should_delete_form(form):
                continue
            hours = tuple(form.cleaned_data.get(name) for name in ("weekday", "starts_at", "ends_at"))
            if None not in hours:
                shifts.append((*hours, index, form))
        shifts.sort(key=lambda shift: shift[:4])
        latest: tuple[int, dt.time, dt.time] | None = None
        for weekday, starts, ends, _index, form in shifts:
            if latest is not None and latest[0] == weekday and starts < latest[2]:
                form.add_error(
                    "starts_at",
                    _(
                        "This overlaps the %(day)s shift from %(start)s to %(end)s: make them one shift, or change the "
                        "hours."
                    )
                    % {"day": WEEKDAYS[weekday], "start": f"{latest[1]:%H:%M}", "end": f"{latest[2]:%H:%M}"},
                )
            if latest is None or latest[0] != weekday or ends > latest[2]:
                latest = (weekday, starts, ends)


WeeklyShiftFormSet = forms.inlineformset_factory(
    PeerProfile,
    WeeklyShift,
    form=WeeklyShiftForm,
    formset=BaseWeeklyShiftFormSet,
    extra=2,
    can_delete=True,
    max_num=MAX_WEEKLY_SHIFTS,
    validate_max=True,
)
