"""How django-axes finds the username in allauth's sign-in, which posts ``login`` but authenticates with
``username`` or ``email`` credentials.

Failures are counted under the account's own username, whether the person typed it or their email (in any
case), so switching between the two does not reset the count, even when another account has added the same
address as one of its own. A name that matches no account is counted as
typed. Either way at most ``AXES_USERNAME_MAX_LENGTH`` characters are kept, the size of axes' column.
"""

from __future__ import annotations

from typing import Any

from allauth.account.internal.userkit import filter_users_by_email, get_user_by_username
from django.http import HttpRequest

AXES_USERNAME_MAX_LENGTH = 255


def _typed_name(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    for key in ("username", "email", "login"):
        if credentials and credentials.get(key):
            return str(credentials[key])
    posted = request.POST.get("login") if request is not None and hasattr(request, "POST") else None
    return posted or ""


def _account_username(typed: str) -> str | None:
    """The username of the one account ``typed`` names, else None. The lookups are the ones allauth's
    AuthenticationBackend makes, so they match the same accounts (case-insensitively)."""
    if "@" in typed:
        users = filter_users_by_email(typed, prefer_verified=True, for_login=True)
        if len(users) > 1:
            # Another account added the address as one of its own (the email page takes any address, to reveal
            # nothing about who holds it): the account whose own address it is is the one being signed in to, so
            # nobody can split a colleague's count between their username and their email.
            users = [user for user in users if (user.email or "").casefold() == typed.casefold()]
        if len(users) == 1:
            return str(users[0].get_username())
    user = get_user_by_username(typed)
    return str(user.get_username()) if user is not None else None


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    typed = _typed_name(request, credentials).strip()[:AXES_USERNAME_MAX_LENGTH]
    if not typed:
        return None
    return (_account_username(typed) or typed).lower()[:AXES_USERNAME_MAX_LENGTH]
