from django.contrib import admin

from peerway.core.history_admin import HistoryAdmin
from peerway.organizations.models import County, Organization, ServiceArea, Site


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0
    fields = ["name", "street", "city", "zip_code", "county"]


class ServiceAreaInline(admin.TabularInline):
    model = ServiceArea
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(HistoryAdmin):
    list_display = ["name", "kind", "slug", "part2_program", "active"]
    list_filter = ["kind", "active", "part2_program"]
    search_fields = ["name", "slug"]
    inlines = [SiteInline, ServiceAreaInline]


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ["name", "state", "region"]
    list_filter = ["state", "region"]
    search_fields = ["name"]
