"""Public pages of recovery records, reached by private link only (mounted inside i18n_patterns)."""

from django.urls import path

from peerway.recovery.views import checkins as checkin_views

app_name = "checkins"

urlpatterns = [
    path("c/<str:token>/", checkin_views.checkin_public, name="answer"),
]
