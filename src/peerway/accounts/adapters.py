from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

LOCKED_OUT_MESSAGE = _(
    "Too many failed sign-in attempts. For your safety, signing in is locked for one hour. "
    "Try again later, or ask your organization's administrator to unlock your account."
)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Staff accounts are created by an organization's administrator, never by self sign-up.
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        # Once axes has locked an account, say so on the form instead of "wrong password", so the person
        # knows why even the right password does not work.
        if AxesProxyHandler.is_locked(request, credentials):
            raise forms.ValidationError(LOCKED_OUT_MESSAGE)
        super().pre_authenticate(request, **credentials)
