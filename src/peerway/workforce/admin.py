from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from peerway.core.history_admin import HistoryAdmin
from peerway.workforce.models import PeerProfile, PeerStatus, WeeklyShift
from peerway.workforce.services import peer_shift_set


class WeeklyShiftInline(admin.TabularInline):
    """A peer's weekly shifts, which the peer keeps on their profile page; here for an administrator's help."""

    model = WeeklyShift
    extra = 0


@admin.register(PeerProfile)
class PeerProfileAdmin(HistoryAdmin):
    """Peer profiles, read-mostly: the peer fills theirs in on the staff site, where it is made on their first
    visit; an administrator only puts a peer on leave or makes them inactive here. No participant data is shown."""

    list_display = ["display_name", "user", "organization", "status", "on_shift"]
    list_filter = ["status", "on_shift", "organization"]
    search_fields = ["display_name", "user__username", "organization__name"]
    list_select_related = ["user", "organization"]
    fields = ["display_name", "user", "organization", "status", "on_shift", "on_shift_since", "caseload_limit"]
    readonly_fields = ["display_name", "user", "organization", "on_shift", "on_shift_since", "caseload_limit"]
    inlines = [WeeklyShiftInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A profile belongs to an organization where its person holds a peer role: it is made on their first
        # visit to their queue or profile page, never here.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Engagements, offers and contacts point at the profile; "inactive" is how a peer stops working.
        return False

    def save_model(self, request: HttpRequest, obj: PeerProfile, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if obj.status != PeerStatus.ACTIVE and obj.on_shift:
            # A peer on leave or inactive takes no request: their shift ends as if they had switched it off, so
            # their open offers lapse and those requests are routed again, in the admin's transaction.
            peer_shift_set(profile=obj, on_shift=False)
