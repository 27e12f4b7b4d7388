from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from peerway.accounts.models import User
from peerway.core.decorators import staff_view
from peerway.core.submissions import submitted_once
from peerway.privacy.blind_index import normalize_phone
from peerway.recovery.forms.engagements import EngagementStartForm
from peerway.recovery.forms.participants import MergeForm, ParticipantCreateForm, ParticipantEditForm
from peerway.recovery.models import Participant, Program
from peerway.recovery.selectors import (
    participant_access_history_for_user,
    participant_compare_for_user,
    participant_duplicates_of,
    participant_get_for_user,
    participant_page_for_user,
)
from peerway.recovery.selectors.checkups import checkup_engagement_ids
from peerway.recovery.selectors.messages import message_engagement_ids
from peerway.recovery.selectors.participants import (
    can_create_participant,
    can_edit_participant,
    can_read_access_history,
    can_send_private_link,
    organizations_for_new_record,
    participant_duplicates_listed,
    participant_for_edit_for_user,
    participant_list_open_to,
    participants_for_merge,
)
from peerway.recovery.services import (
    ActionRefused,
    engagement_start,
    participant_create,
    participant_merge,
    participant_update,
)
from peerway.recovery.services.engagements import user_leads
from peerway.workforce.models import PeerProfile


class ParticipantSearchForm(forms.Form):
    """The participant list's search: a phone number, which is personal, so it is only ever POSTed."""

    phone = forms.CharField(
        label=gettext_lazy("Find by phone number"),
        max_length=40,
        error_messages={"required": gettext_lazy("Enter the phone number to find.")},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data["phone"]
        if not normalize_phone(phone):
            raise ValidationError(_("Enter the phone number with its digits, for example 612 555 0100."))
        return phone


@staff_view
@require_http_methods(["GET", "POST"])
def participant_list(request: HttpRequest) -> HttpResponse:
    """Everyone the user may see, a page at a time; or, POSTed, the people with one phone number.

    Nothing personal goes into a URL (browser history, bookmarks, proxies' logs), so the search and its pages are
    POSTed forms and a ``?phone=`` in the address is ignored.
    """
    user: User = request.user  # type: ignore[assignment]
    # The list is a 404 for someone whose roles are all outside service organizations, typed search or not.
    if not participant_list_open_to(user):
        raise Http404("No participant list for this account.")
    context: dict[str, object] = {"can_create": can_create_participant(user)}
    if request.method != "POST":
        page = participant_page_for_user(user, page_number=request.GET.get("page", 1))
        context.update(form=ParticipantSearchForm(), page=page)
        return render(request, "recovery/participant_list.html", context)
    form = ParticipantSearchForm(request.POST)
    if not form.is_valid():
        context.update(form=form, page=None)
        return render(request, "recovery/participant_list.html", context, status=400)
    phone = form.cleaned_data["phone"]
    page = participant_page_for_user(user, page_number=request.POST.get("page", 1), phone=phone)
    context.update(form=form, page=page, phone=phone)
    return render(request, "recovery/participant_list.html", context)


@staff_view
def participant_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    participant = participant_get_for_user(user, public_id, reason="record page")
    duplicates = [] if participant.is_merged else participant_duplicates_of(participant)
    engagements = list(participant.engagements.all())
    # Each link is offered by the rule that guards its page, so none leads to a 404.
    can = {
        "edit": can_edit_participant(user, participant),
        "private_link": can_send_private_link(user, participant),
        "access_history": can_read_access_history(user, participant),
        "checkups": checkup_engagement_ids(user, engagements),
        "messages": message_engagement_ids(user, engagements),
    }
    return render(
        request,
        "recovery/participant_detail.html",
        {
            "participant": participant,
            "duplicate_ids": [other.public_id for other, _matched in duplicates],
            "can": can,
        },
    )


ACCESS_HISTORY_PAGE_SIZE = 100


@staff_view
def participant_access_history(request: HttpRequest, public_id: str) -> HttpResponse:
    participant, events = participant_access_history_for_user(request.user, public_id)  # type: ignore[arg-type]
    # Every event, a page at a time, newest first: a long history is never cut short without a word.
    page = Paginator(events.order_by("-occurred_at", "-pk"), ACCESS_HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "recovery/participant_access.html", {"participant": participant, "page": page})


def _add_refusal(form: Form, refusal: ActionRefused) -> None:
    form.add_error(None, refusal.message)


@staff_view
@submitted_once
def participant_create_page(request: HttpRequest) -> HttpResponse:
    """New participant in the user's organization. A phone, email or Medicaid id already on file offers the
    existing record(s) first; creating anyway needs an explicit "different person" check."""
    organizations = organizations_for_new_record(request.user)  # type: ignore[arg-type]
    if not organizations:
        raise Http404("No organization to add a record to.")
    form = ParticipantCreateForm(request.POST or None, organizations=organizations)
    duplicates: list[tuple[Participant, list[str]]] = []
    if request.method == "POST" and form.is_valid():
        organization = form.kept_by()
        data = form.service_kwargs()
        duplicates = participant_duplicates_listed(
            request.user,  # type: ignore[arg-type]
            organization=organization,
            phone=str(data["phone"]),
            email=str(data["email"]),
            medicaid_id=str(data["medicaid_id"]),
        )
        if duplicates and not form.cleaned_data["different_person"]:
            form.add_error(
                None,
                _("Records in your organization share these details. Open one, or confirm this is a different person."),
            )
        else:
            participant = participant_create(
                organization=organization, actor=request.user, reason="created by staff", **data
            )  # type: ignore[arg-type]
            return redirect("recovery:participant_detail", public_id=participant.public_id)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "recovery/participant_form.html",
        {"form": form, "duplicates": duplicates, "participant": None},
        status=status,
    )


@staff_view
def participant_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    participant = participant_for_edit_for_user(request.user, public_id)  # type: ignore[arg-type]
    current: dict[str, object] = {
        "preferred_name": participant.preferred_name,
        "phone": participant.phone,
        "email": participant.email,
        "language": participant.language,
        "communities": list(participant.communities.all()),
        "communities_own_words": participant.communities_own_words,
        "date_of_birth": participant.date_of_birth,
        "medicaid_id": participant.medicaid_id,
    }
    initial = {**current, "drawn": ParticipantEditForm.drawn_of(current)}
    form = ParticipantEditForm(request.POST or None, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and (details := form.merged_with(current, form.service_kwargs())) is not None
    ):
        try:
            participant_update(participant=participant, actor=request.user, **details)  # type: ignore[arg-type]
        except ActionRefused as refusal:
            _add_refusal(form, refusal)
        else:
            return redirect("recovery:participant_detail", public_id=participant.public_id)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "recovery/participant_form.html",
        {"form": form, "duplicates": [], "participant": participant},
        status=status,
    )


@staff_view
def participant_compare(request: HttpRequest, public_id: str, other_id: str) -> HttpResponse:
    first, second, matched = participant_compare_for_user(request.user, public_id, other_id)  # type: ignore[arg-type]
    leads = user_leads(request.user, first.organization_id)  # type: ignore[arg-type]
    form = MergeForm(first_id=str(first.public_id), second_id=str(second.public_id))
    return render(
        request,
        "recovery/participant_compare.html",
        {"first": first, "second": second, "matched": matched, "leads": leads, "form": form},
    )


@staff_view
@require_POST
@submitted_once
def participant_merge_action(request: HttpRequest, public_id: str, other_id: str) -> HttpResponse:
    first, second = participants_for_merge(request.user, public_id, other_id)  # type: ignore[arg-type]
    form = MergeForm(request.POST, first_id=str(first.public_id), second_id=str(second.public_id))
    if not form.is_valid():
        messages.error(request, _("Choose the record to keep."))
        return redirect("recovery:participant_compare", public_id=first.public_id, other_id=second.public_id)
    keep, duplicate = (first, second) if form.cleaned_data["keep"] == str(first.public_id) else (second, first)
    try:
        participant_merge(keep=keep, duplicate=duplicate, actor=request.user)  # type: ignore[arg-type]
    except ActionRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("recovery:participant_compare", public_id=first.public_id, other_id=second.public_id)
    messages.success(request, _("The records are merged."))
    return redirect("recovery:participant_detail", public_id=keep.public_id)


@staff_view
@submitted_once
def engagement_start_page(request: HttpRequest, public_id: str) -> HttpResponse:
    participant = participant_for_edit_for_user(request.user, public_id)  # type: ignore[arg-type]
    # Each option's label (PeerProfile.__str__) names the organization: joined here, not read once per peer.
    peers = (
        PeerProfile.objects.in_service()
        .filter(organization_id=participant.organization_id)
        .select_related("organization")
        .order_by("display_name")
    )
    own = peers.filter(user_id=request.user.pk).first()
    initial = {
        "peer": own,
        "program": participant.organization.kind if participant.organization.kind in Program.values else Program.RCO,
    }
    form = EngagementStartForm(request.POST or None, initial=initial, peers=peers)
    if request.method == "POST" and form.is_valid():
        try:
            engagement = engagement_start(participant=participant, actor=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except ActionRefused as refusal:
            _add_refusal(form, refusal)
        else:
            return redirect("recovery:engagement_detail", public_id=engagement.public_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "recovery/engagement_start.html", {"participant": participant, "form": form}, status=status)
