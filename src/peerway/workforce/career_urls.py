"""Credentialing pages of the workforce, under /staff/workforce/."""

from django.urls import path

from peerway.workforce import career_views as views

app_name = "career"

urlpatterns = [
    path("renewal/", views.renewal, name="renewal"),
    path("renewal/<uuid:public_id>/start/", views.renewal_start, name="renewal_start"),
    path("ce/<uuid:public_id>/certificate/", views.ce_certificate, name="ce_certificate"),
    path("supervision/", views.supervision_page, name="supervision"),
    path("pathway/", views.pathway_page, name="pathway"),
    path("supply/", views.supply_page, name="supply"),
    path("supply.csv", views.supply_csv, name="supply_csv"),
    path("supply/<slug:facet>.svg", views.supply_chart, name="supply_chart"),
]
