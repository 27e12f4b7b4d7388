from django.urls import path

from peerway.recovery.views import messages as message_views
from peerway.recovery.views import participants as participant_views
from peerway.recovery.views import plans as plan_views

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
    path(
        "participants/<uuid:public_id>/private-link/",
        plan_views.participant_space_link,
        name="participant_space_link",
    ),
    path("engagements/<uuid:public_id>/plan/", plan_views.plan_detail, name="engagement_plan"),
    path("engagements/<uuid:public_id>/plan/plan.pdf", plan_views.plan_pdf, name="engagement_plan_pdf"),
    path("engagements/<uuid:public_id>/messages/", message_views.engagement_messages, name="engagement_messages"),
]
