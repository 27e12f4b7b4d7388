from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

# The longest sign-in name looked up at all; an email has at most 254 characters and axes keeps 255.
LOGIN_MAX_LENGTH = 255

LOCKED_OUT_MESSAGE = _(
    "Too many failed sign-in attempts. For your safety, signing in is locked for one hour. "
    "Try again later, or ask your organization's administrator to unlock your account."
)


# The longest email address an account keeps (allauth's EmailAddress.email and Django's User.email hold 254).
EMAIL_MAX_LENGTH = 254


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email: str) -> str:
        # allauth's forms give the address no maximum length, and Django's check allows 320 characters: a longer
        # address than the column holds was a database error (a server error page) on PostgreSQL.
        if len(email) > EMAIL_MAX_LENGTH:
            raise forms.ValidationError(
                _("Enter an email address of at most %(limit)d characters."), params={"limit": EMAIL_MAX_LENGTH}
            )
        return super().clean_email(email)

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Staff accounts are created by an organization's administrator, never by self sign-up.
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        # allauth's LoginForm gives its username-or-email field no maximum length; refuse an overlong one here,
        # as a form error, before anything looks it up or stores it.
        if any(len(str(credentials.get(key) or "")) > LOGIN_MAX_LENGTH for key in ("username", "email", "login")):
            raise forms.ValidationError(
                _("Enter a username or email of at most %(limit)d characters."), params={"limit": LOGIN_MAX_LENGTH}
            )
        # Once axes has locked an account, say so on the form instead of "wrong password", so the person
        # knows why even the right password does not work.
        if AxesProxyHandler.is_locked(request, credentials):
            raise forms.ValidationError(LOCKED_OUT_MESSAGE)
        super().pre_authenticate(request, **credentials)
