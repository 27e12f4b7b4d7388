from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peerway.core.forms import ModelMultipleChoiceField
from peerway.core.models import Community, Language, LivedExperience, RecoveryPathway
from peerway.organizations.models import County
from peerway.workforce.models import Modality, PeerProfile


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
