from typing import Any

from django.contrib import admin

from peerway.certification.models import ApplicationTransition, Board, Credential, CredentialType
from peerway.core.history_admin import HistoryAdmin


class CredentialTypeInline(admin.TabularInline):
    model = CredentialType
    extra = 0
    fields = ["code", "name", "level", "version", "effective_from", "effective_to", "reference_standard"]
    show_change_link = True


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = ["name", "jurisdiction", "icrc_member", "organization"]
    list_filter = ["icrc_member", "jurisdiction"]
    search_fields = ["name", "slug"]
    inlines = [CredentialTypeInline]


@admin.register(CredentialType)
class CredentialTypeAdmin(admin.ModelAdmin):
    """Requirements are edited here as JSON (shape in docs/certification.md); a malformed document is refused."""

    list_display = ["code", "name", "board", "version", "effective_from", "effective_to", "reference_standard"]
    list_filter = ["board", "reference_standard"]
    search_fields = ["code", "name"]


@admin.register(Credential)
class CredentialAdmin(HistoryAdmin):
    """Credentials as the board's staff keep them: a credential entered here (a board's earlier record) is added
    whole; once it exists, only its status (suspended, revoked) and expiry change here, with history. Who holds it,
    its number, type, issue date and the application it came from are what public verification answers with:
    never moved to another person or renumbered, and never deleted."""

    list_display = ["number", "credential_type", "status", "issued_on", "expires_on"]
    list_filter = ["status", "credential_type__board"]
    search_fields = ["number"]
    raw_id_fields = ["holder", "application"]

    def get_readonly_fields(self, request: Any, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return ["holder", "credential_type", "number", "issued_on", "application"]

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(ApplicationTransition)
class ApplicationTransitionAdmin(admin.ModelAdmin):
    """The certification audit trail, read-only: rows are written by the services, never added or changed here. The
    reason (a decision's or an information request's words, encrypted) is not shown: reading it is a board
    reviewer's, on the audited board pages."""

    list_display = ["application", "source", "target", "actor", "at"]
    list_filter = ["target"]
    exclude = ["reason"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
