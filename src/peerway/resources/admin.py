from django.contrib import admin

from peerway.resources.models import Resource


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "county", "organization", "active")
    list_filter = ("category", "active")
    search_fields = ("name", "external_id", "city")
    filter_horizontal = ("languages", "communities")
