"""The staff side of secure messages: the thread of one engagement, and a reply form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from peerway.core.decorators import staff_view
from peerway.core.submissions import submitted_once
from peerway.recovery.selectors.messages import engagement_messages_for_user
from peerway.recovery.services.messages import (
    MAX_MESSAGE_LENGTH,
    message_send_from_staff,
    messages_mark_read_by_staff,
)


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"), max_length=MAX_MESSAGE_LENGTH, widget=forms.Textarea(attrs={"rows": 4})
    )


@staff_view
@submitted_once
def engagement_messages(request: HttpRequest, public_id: str) -> HttpResponse:
    engagement, messages = engagement_messages_for_user(request.user, public_id)  # type: ignore[arg-type]
    form = MessageForm()
    status = 200
    if request.method == "POST":
        form = MessageForm(request.POST)
        if form.is_valid():
            try:
                message_send_from_staff(engagement=engagement, actor=request.user, body=form.cleaned_data["body"])  # type: ignore[arg-type]
                return redirect("recovery:engagement_messages", public_id=engagement.public_id)
            except ValidationError as error:
                form.add_error("body", error.messages)
        status = 400
    messages_mark_read_by_staff(engagement=engagement, user=request.user)  # type: ignore[arg-type]
    return render(
        request,
        "recovery/messages.html",
        {"engagement": engagement, "participant": engagement.participant, "messages": messages, "form": form},
        status=status,
    )
