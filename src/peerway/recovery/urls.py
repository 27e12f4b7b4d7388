from django.urls import path

from peerway.recovery.views import checkups as checkup_views
from peerway.recovery.views import participants as participant_views
from peerway.recovery.views import referrals as referral_views

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
        "engagements/<uuid:public_id>/referrals/",
        referral_views.engagement_referrals,
        name="engagement_referrals",
    ),
    path("referrals/due/", referral_views.referrals_due, name="referrals_due"),
    path(
        "referrals/<uuid:public_id>/transition/",
        referral_views.referral_transition_view,
        name="referral_transition",
    ),
    path("engagements/<uuid:public_id>/checkups/", checkup_views.checkup_list, name="checkup_list"),
    path(
        "engagements/<uuid:public_id>/checkups/<uuid:checkup_id>/record/",
        checkup_views.checkup_record_view,
        name="checkup_record",
    ),
    path("checkups/relinks/", checkup_views.checkup_relinks, name="checkup_relinks"),
]
