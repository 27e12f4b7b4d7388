from typing import Any

from allauth.mfa.admin import AuthenticatorAdmin as AllauthAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from peerway.accounts.models import Membership, User
from peerway.core.history_admin import HistoryAdmin

# allauth registers its own admin for authenticators (loaded first: allauth.mfa is earlier in INSTALLED_APPS), whose
# change page shows and edits a person's TOTP secret and recovery-code seed.
if admin.site.is_registered(Authenticator):
    admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(AllauthAuthenticatorAdmin):
    """A staff member's second factors, to list and delete only (a lost phone: delete it, and they enrol again). The
    secret (``data``) is never shown, and nobody adds or changes another person's second factor here."""

    exclude = ("data",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["organization", "role", "active"]
    autocomplete_fields = ["organization"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin, HistoryAdmin):
    list_display = ["username", "first_name", "last_name", "is_active", "is_superuser"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(HistoryAdmin):
    list_display = ["user", "organization", "role", "active"]
    list_filter = ["role", "active"]
    search_fields = ["user__username", "organization__name"]
    autocomplete_fields = ["user", "organization"]
