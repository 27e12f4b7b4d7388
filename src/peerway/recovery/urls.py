from django.urls import path

from peerway.recovery.views import checkins as checkin_views
from peerway.recovery.views import participants as participant_views

app_name = "recovery"

# Mounted at /staff/: each kind of record adds its own prefix (participants/, engagements/, ...).

urlpatterns = [
    path("participants/", participant_views.participant_list, name="participant_list"),
    path("participants/<uuid:public_id>/", participant_views.participant_detail, name="participant_detail"),
    path(
        "participants/<uuid:public_id>/access/",
        participant_views.participant_access_history,
        name="participant_access_history",
    ),
    path("participants/<uuid:public_id>/checkins/", checkin_views.checkin_list, name="checkin_list"),
    path("participants/<uuid:public_id>/checkins/chart.svg", checkin_views.checkin_chart, name="checkin_chart"),
    path("participants/<uuid:public_id>/checkins/new/", checkin_views.checkin_entry, name="checkin_entry"),
    path("participants/<uuid:public_id>/checkins/link/", checkin_views.checkin_link_new, name="checkin_link_new"),
    path("checkins/<uuid:public_id>/fhir/", checkin_views.checkin_fhir, name="checkin_fhir"),
    path("instruments/", checkin_views.instrument_list, name="instrument_list"),
]
