"""Admin for shared vocabularies (data, editable). Participants' records are deliberately not in the admin:
every read of a person's record goes through an audited selector."""

from django.contrib import admin

from peerway.core.models import AccessEvent, Community, Language, LivedExperience, RecoveryPathway


class VocabularyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "active", "sort_order"]
    list_editable = ["active", "sort_order"]
    search_fields = ["name", "slug"]


admin.site.register(Language, VocabularyAdmin)
admin.site.register(Community, VocabularyAdmin)
admin.site.register(LivedExperience, VocabularyAdmin)
admin.site.register(RecoveryPathway, VocabularyAdmin)


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
    """Read-only: the access log is append-only."""

    list_display = ["occurred_at", "actor", "actor_role", "organization", "action", "subject_type", "subject_id"]
    list_filter = ["action", "subject_type"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
