from django.urls import path

from peerway.recovery.views import checkups as checkup_views
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
    path("engagements/<uuid:public_id>/checkups/", checkup_views.checkup_list, name="checkup_list"),
    path(
        "engagements/<uuid:public_id>/checkups/<uuid:checkup_id>/record/",
        checkup_views.checkup_record_view,
        name="checkup_record",
    ),
    path("checkups/relinks/", checkup_views.checkup_relinks, name="checkup_relinks"),
]
