"""Staff forms for engagements: opening one, and handing it to another peer."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from peerway.recovery.models import Program
from peerway.workforce.models import PeerProfile


class EngagementStartForm(forms.Form):
    peer = forms.ModelChoiceField(label=_("Peer"), queryset=PeerProfile.objects.none())
    program = forms.ChoiceField(label=_("Program"), choices=Program.choices)
    voluntary_notice_given = forms.BooleanField(
        label=_("The person has received the written notice that participation is voluntary"), required=False
    )
    attest = forms.BooleanField(
        label=_("I am the peer: I do not live with this person, and they do not employ me"), required=False
    )

    def __init__(self, *args: object, peers: QuerySet[PeerProfile], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["peer"].queryset = peers  # type: ignore[attr-defined]


class HandoffForm(forms.Form):
    to_peer = forms.ModelChoiceField(label=_("New peer"), queryset=PeerProfile.objects.none())
    reason = forms.CharField(label=_("Why the engagement changes hands"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: object, peers: QuerySet[PeerProfile], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["to_peer"].queryset = peers  # type: ignore[attr-defined]
