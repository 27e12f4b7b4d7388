"""The request for a peer: what the public page asks, and what staff entry of a call or walk-in reuses.

Only how to reach the person, their consent and how they want to meet are required; everything else is a
preference they may leave blank. Vocabulary terms are chosen by slug (and counties by name), so no row id
ever appears in the page.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any

from django import forms
from django.db.models import Model, QuerySet
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _

from peerway.core.models import Community, Language, LivedExperience, RecoveryPathway
from peerway.intake.models import ContactMethod, RequestSource
from peerway.intake.services import RequestInput
from peerway.organizations.geography import place_for_zip
from peerway.organizations.models import County, Organization
from peerway.workforce.models import Gender, Modality

CONTACT_CHOICES = [
    (ContactMethod.CALL, _("Call me")),
    (ContactMethod.TEXT, _("Text me")),
    (ContactMethod.EMAIL, _("Email me")),
    (ContactMethod.PAGE, _("I'll keep this page open")),
]
MEETING_CHOICES = [
    (Modality.PHONE, _("Phone call")),
    (Modality.TEXT, _("Text messages")),
    (Modality.VIDEO, _("Video call")),
    (Modality.IN_PERSON, _("In person")),
]
GENDER_CHOICES = [
    ("", _("No preference")),
    (Gender.WOMAN, _("A woman")),
    (Gender.MAN, _("A man")),
    (Gender.NONBINARY, _("A nonbinary person")),
    (Gender.TWO_SPIRIT, _("A Two-Spirit person")),
]
PHONE_CHARACTERS = re.compile(r"^[0-9+().\-\s]+$")
ZIP_CODE = re.compile(r"^\d{5}(-\d{4})?$")


# Validating a submission looks its chosen terms up in a per-process copy of each vocabulary's choices
# instead of querying four vocabularies and the counties on every submit (five round trips). The copy is
# dropped whenever a term or county is saved or deleted in this process, and is at most this old otherwise,
# so a change made through another process is seen within a minute. A value not found in the copy is
# always looked up in the database (so nothing valid is ever refused, e.g. a term added a moment ago in
# another process); the one thing the copy can do is accept, for up to a minute, a term another process
# has just deactivated (rows are never deleted: HelpRequest protects them).
CHOICES_MAX_AGE_SECONDS = 60.0
_choices_lock = threading.Lock()
_choices: dict[object, tuple[float, dict[str, Model]]] = {}


def vocabulary_choices_clear(**_: Any) -> None:
    """Forget every cached copy of the choices (connected to saves and deletes of the vocabularies)."""
    with _choices_lock:
        _choices.clear()


for _model in (Language, Community, LivedExperience, RecoveryPathway, County):
    post_save.connect(vocabulary_choices_clear, sender=_model, dispatch_uid=f"intake-choices-{_model.__name__}-save")
    post_delete.connect(vocabulary_choices_clear, sender=_model, dispatch_uid=f"intake-choices-{_model.__name__}-del")
# migrate and flush reload the vocabularies in bulk (no per-row signals), with new primary keys after a flush:
# a copy from before would point at rows that no longer exist.
post_migrate.connect(vocabulary_choices_clear, dispatch_uid="intake-choices-migrate")


def _cached_choices(cache_key: object, queryset: QuerySet[Any], key: str) -> dict[str, Model]:
    """The queryset's rows by ``key`` (slug or name), from the per-process copy when it is fresh enough."""
    now = time.time()
    entry = _choices.get(cache_key)
    if entry is not None and 0.0 <= now - entry[0] <= CHOICES_MAX_AGE_SECONDS:
        return entry[1]
    rows = {str(getattr(row, key)): row for row in queryset.all()}
    with _choices_lock:
        _choices[cache_key] = (now, rows)
    return rows


class CachedChoicesMixin:
    """For a model choice field declared with a fixed queryset: validate against the cached copy of its rows.

    The copy belongs to the declared field (the forms' per-instance copies of it share it), so a form must
    not give one of these fields another queryset; use a plain model choice field for that.
    """

    queryset: QuerySet[Any]
    to_field_name: str | None
    empty_values: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choices_key = object()

    def _rows(self) -> dict[str, Model]:
        return _cached_choices(self._choices_key, self.queryset, self.to_field_name or "pk")

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        # Every form instance deep-copies its fields, and a model choice field's copy clones its queryset twice
        # (Django ticket #11183: results cached through one form must not show in the next). These fields never
        # evaluate their declared queryset in place (choices are read through a fresh iterator, submitted values
        # through the cached copy or a new filtered queryset), so the copy shares it and gets its own choices
        # iterator, which reads the copy's labels and empty label.
        result = super(forms.ChoiceField, self).__deepcopy__(memo)  # type: ignore[misc]
        result._queryset = self._queryset
        result.widget.choices = result.choices
        return result

    def _lookup(self, value: Any, fallback: Callable[[Any], Any]) -> Any:
        row = self._rows().get(str(value))
        return row if row is not None else fallback(value)


class VocabularyMultipleChoiceField(CachedChoicesMixin, forms.ModelMultipleChoiceField):
    """Checkboxes of a vocabulary, labelled in the page's language."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, queryset: Any, **kwargs: Any) -> None:
        super().__init__(queryset, to_field_name="slug", required=False, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.label())

    def clean(self, value: Any) -> Any:
        # Nothing chosen: an empty list, not ``queryset.none()`` (a queryset each caller would build and
        # compile only to learn it is empty).
        if not self.required and value in self.empty_values:
            return []
        return super().clean(value)

    def _check_values(self, value: Any) -> Any:
        # Every chosen slug known to the cached copy: its rows, in the queryset's order; else the database
        # decides (and words the errors), exactly as before.
        try:
            chosen = {str(slug) for slug in value}
        except TypeError:
            return super()._check_values(value)
        rows = self._rows()
        if not chosen <= rows.keys():
            return super()._check_values(value)
        return [row for slug, row in rows.items() if slug in chosen]


class CachedModelChoiceField(CachedChoicesMixin, forms.ModelChoiceField):
    """A single choice validated against the cached copy of the queryset's rows."""

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        return self._lookup(value, super().to_python)


class LanguageChoiceField(CachedModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        # The language's own name too, so a Somali speaker on the English page still finds "Soomaali".
        label = obj.label()
        return f"{label} ({obj.name_local})" if obj.name_local and obj.name_local != label else label


class CountyChoiceField(CachedModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class ConstantChoiceField(forms.ChoiceField):
    """A choice among module-level constant choices: each form's copy of the field shares them.

    Django deep-copies a choice field's choices for every form instance so that one form may change them in
    place; these are only ever replaced (``field.choices = …``), which does not touch the shared list.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return super(forms.ChoiceField, self).__deepcopy__(memo)


class ConstantMultipleChoiceField(forms.MultipleChoiceField):
    """Like ``ConstantChoiceField``, for several choices."""

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return super(forms.ChoiceField, self).__deepcopy__(memo)


class HelpRequestForm(forms.Form):
    """A person's request for a peer. ``to_input()`` gives what ``request_submit`` takes.

    Staff entry of phone calls and walk-ins subclasses this form and adds the request's source.
    """

    contact_method = ConstantChoiceField(
        label=_("How should a peer reach you?"),
        choices=CONTACT_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how a peer should reach you.")},
    )
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=30,
        help_text=_("Needed if you want a call or a text."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("Email address"),
        required=False,
        max_length=254,
        help_text=_("Needed if you want an email."),
        error_messages={"invalid": _("Enter an email address like name@example.com.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    first_name = forms.CharField(
        label=_("Your first name or a nickname (optional)"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    language = LanguageChoiceField(
        label=_("The language you would like to talk in"),
        queryset=Language.objects.filter(active=True),
        to_field_name="slug",
        empty_label=None,
    )
    language_required = forms.BooleanField(label=_("I need a peer who speaks this language"), required=False)
    communities = VocabularyMultipleChoiceField(
        Community.objects.filter(active=True), label=_("Communities you belong to (optional)")
    )
    communities_own_words = forms.CharField(
        label=_("In your own words (optional)"),
        help_text=_("Any community, culture or identity that matters to you."),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    lived_experience = VocabularyMultipleChoiceField(
        LivedExperience.objects.filter(active=True), label=_("Experience you would like your peer to share (optional)")
    )
    pathways = VocabularyMultipleChoiceField(
        RecoveryPathway.objects.filter(active=True),
        label=_("A path to recovery you would like them to know (optional)"),
    )
    gender_preference = ConstantChoiceField(
        label=_("Would you like to talk with… (optional)"),
        choices=GENDER_CHOICES,
        required=False,
        widget=forms.RadioSelect,
    )
    modalities = ConstantMultipleChoiceField(
        label=_("How would you like to meet?"),
        help_text=_("Choose one or more."),
        choices=MEETING_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one way to meet.")},
    )
    county = CountyChoiceField(
        label=_("County"),
        queryset=County.objects.filter(state="MN"),
        to_field_name="name",
        required=False,
        empty_label=_("Choose your county"),
        help_text=_("Only needed to meet in person: a county or a ZIP code is enough."),
    )
    zip_code = forms.CharField(
        label=_("ZIP code"),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    wants_to_choose = forms.BooleanField(
        label=_("I'd like to choose my peer"),
        help_text=_(
            "We will show you up to three peers who are free now, and you pick one. If you have not picked in a few "
            "minutes, we ask the one who fits best for you."
        ),
        required=False,
    )
    consent_to_contact = forms.BooleanField(
        label=_("It's OK for a peer to contact me the way I chose above."),
        help_text=_("Only peers and their supervisors see what you tell us, and only to connect you with a peer."),
        error_messages={"required": _("Please tick this box. We can't connect you with a peer without your OK.")},
    )

    def __init__(self, *args: Any, language_code: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if language_code and not self.is_bound:
            self.fields["language"].initial = language_code.split("-")[0]

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        digits = re.sub(r"\D", "", phone)
        if phone and (not PHONE_CHARACTERS.match(phone) or not 10 <= len(digits) <= 15):
            raise forms.ValidationError(_("Enter a phone number with its area code, like 612-555-0100."))
        return phone

    def clean_zip_code(self) -> str:
        zip_code = self.cleaned_data["zip_code"].strip()
        if zip_code and (not ZIP_CODE.match(zip_code) or place_for_zip(zip_code) is None):
            raise forms.ValidationError(_("We don't know this ZIP code. Check it, or choose your county instead."))
        return zip_code

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        method = data.get("contact_method")
        if method in (ContactMethod.CALL, ContactMethod.TEXT) and not data.get("phone") and "phone" not in self.errors:
            self.add_error("phone", _("Add a phone number so a peer can call or text you."))
        if method == ContactMethod.EMAIL and not data.get("email") and "email" not in self.errors:
            self.add_error("email", _("Add an email address so a peer can write to you."))
        in_person = Modality.IN_PERSON in (data.get("modalities") or ())
        if in_person and not data.get("county") and not data.get("zip_code") and "zip_code" not in self.errors:
            self.add_error("county", _("To meet in person, choose your county or enter your ZIP code."))
        return data

    def to_input(self) -> RequestInput:
        """What the person asked for, ready for ``request_submit``. Call only after ``is_valid()``."""
        data = self.cleaned_data
        return RequestInput(
            contact_method=data["contact_method"],
            language=data["language"],
            consent_to_contact=data["consent_to_contact"],
            first_name=data["first_name"],
            phone=data["phone"],
            email=data["email"],
            language_required=data["language_required"],
            communities=list(data["communities"]),
            communities_own_words=data["communities_own_words"],
            lived_experience=list(data["lived_experience"]),
            pathways=list(data["pathways"]),
            gender_preference=data["gender_preference"],
            modalities=data["modalities"],
            county=data["county"],
            zip_code=data["zip_code"],
            wants_to_choose=data["wants_to_choose"],
        )


class PublicHelpRequestForm(HelpRequestForm):
    """The public page's form: the same questions plus a honeypot field that only bots fill in."""

    # Named like a field bots love to fill; people never see it (visually hidden, out of the tab order).
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def is_bot(self) -> bool:
        """True when the honeypot was filled in: the submission is discarded without telling the sender."""
        return bool(self.data.get("website", "").strip())


# The doors a request reaches staff through (services.STAFF_ENTRY_SOURCES), labelled in the page's language.
STAFF_SOURCE_CHOICES = [
    (RequestSource.PHONE_LINE, _("Phone line")),
    (RequestSource.TEXT_LINE, _("Text line")),
    (RequestSource.WALK_IN, _("Walk-in")),
    (RequestSource.EMERGENCY_DEPARTMENT, _("Emergency department")),
    (RequestSource.PROGRAM_245G, _("245G program")),
    (RequestSource.WITHDRAWAL_DISCHARGE, _("Withdrawal management discharge")),
    (RequestSource.OTHER, _("Other")),
]
STAFF_CONTACT_CHOICES = [
    (ContactMethod.CALL, _("Call them")),
    (ContactMethod.TEXT, _("Text them")),
    (ContactMethod.EMAIL, _("Email them")),
    (ContactMethod.PAGE, _("They will keep their status page open")),
]
# The public form speaks to the person; staff fill it in for them, so its words speak about the person.
STAFF_LABELS = {
    "contact_method": _("How should a peer reach the person?"),
    "first_name": _("Their first name or a nickname (optional)"),
    "language": _("The language they would like to talk in"),
    "language_required": _("They need a peer who speaks this language"),
    "communities": _("Communities they belong to (optional)"),
    "communities_own_words": _("In their own words (optional)"),
    "lived_experience": _("Experience they would like their peer to share (optional)"),
    "pathways": _("A path to recovery they would like the peer to know (optional)"),
    "gender_preference": _("Would they like to talk with… (optional)"),
    "modalities": _("How would they like to meet?"),
    "wants_to_choose": _("They would like to choose their peer"),
    "consent_to_contact": _("The person agreed to be contacted"),
}
STAFF_HELP_TEXTS = {
    "phone": _("Needed for a call or a text."),
    "email": _("Needed for an email."),
    "communities_own_words": _("Any community, culture or identity that matters to them."),
    "wants_to_choose": _(
        "Their status page will show up to three peers who are free now, and they pick one. If they have not picked "
        "in a few minutes, the one who fits best is asked."
    ),
    "consent_to_contact": _(
        "Ask them: is it OK for a peer to contact you the way you chose? Only peers and their supervisors see "
        "what they tell us, and only to connect them with a peer."
    ),
}


class StaffHelpRequestForm(HelpRequestForm):
    """A request taken by staff on a phone line, a text line or in person: the same questions plus its source.

    ``organizations`` are those in which the staff member may enter requests; with more than one, the form
    asks which one the entry is made for (it is recorded in that organization's access log).
    """

    source = forms.ChoiceField(
        label=_("Where did this request come from?"),
        choices=STAFF_SOURCE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose where this request came from.")},
    )
    organization = forms.ModelChoiceField(
        label=_("Entered for"),
        queryset=Organization.objects.none(),
        to_field_name="slug",
        empty_label=None,
    )

    field_order = ["source", "organization"]

    def __init__(self, *args: Any, organizations: list[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not organizations:
            raise ValueError("Staff entry needs at least one organization.")
        self.organizations = organizations
        if len(organizations) == 1:
            del self.fields["organization"]
        else:
            organization: Any = self.fields["organization"]
            organization.queryset = Organization.objects.filter(pk__in=[o.pk for o in organizations])
        contact_method: Any = self.fields["contact_method"]
        contact_method.choices = STAFF_CONTACT_CHOICES
        # Typed in for someone else: the browser must not offer the staff member's own phone, email, name or ZIP.
        for name in ("phone", "email", "first_name", "zip_code"):
            self.fields[name].widget.attrs["autocomplete"] = "off"
        for name, label in STAFF_LABELS.items():
            self.fields[name].label = label
        for name, help_text in STAFF_HELP_TEXTS.items():
            self.fields[name].help_text = help_text
        county: Any = self.fields["county"]
        county.empty_label = _("Choose their county")
        self.fields["contact_method"].error_messages["required"] = _("Choose how a peer should reach the person.")
        self.fields["consent_to_contact"].error_messages["required"] = _(
            "Ask the person for their OK first: without it no peer can contact them."
        )

    def entered_for(self) -> Organization:
        """The organization the entry is made for. Call only after ``is_valid()``."""
        if "organization" in self.fields:
            return self.cleaned_data["organization"]  # type: ignore[no-any-return]
        return self.organizations[0]
