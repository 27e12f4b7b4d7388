from django.urls import path

from peerway.recovery.views import caseload as caseload_views
from peerway.recovery.views import checkins as checkin_views
from peerway.recovery.views import checkups as checkup_views
from peerway.recovery.views import contacts as contact_views
from peerway.recovery.views import engagements as engagement_views
from peerway.recovery.views import messages as message_views
from peerway.recovery.views import participants as participant_views
from peerway.recovery.views import plans as plan_views
from peerway.recovery.views import referrals as referral_views

app_name = "recovery"

# Mounted at /staff/: each kind of record adds its own prefix (participants/, engagements/, ...).

urlpatterns = [
    path("caseload/", caseload_views.caseload, name="caseload"),
    path("caseload/team/", caseload_views.team_caseload, name="team_caseload"),
    path("participants/", participant_views.participant_list, name="participant_list"),
    path("participants/new/", participant_views.participant_create_page, name="participant_create"),
    path("participants/<uuid:public_id>/", participant_views.participant_detail, name="participant_detail"),
    path("participants/<uuid:public_id>/edit/", participant_views.participant_edit, name="participant_edit"),
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
    path(
        "participants/<uuid:public_id>/duplicates/<uuid:other_id>/",
        participant_views.participant_compare,
        name="participant_compare",
    ),
    path(
        "participants/<uuid:public_id>/duplicates/<uuid:other_id>/merge/",
        participant_views.participant_merge_action,
        name="participant_merge",
    ),
    path(
        "participants/<uuid:public_id>/engagements/new/",
        participant_views.engagement_start_page,
        name="engagement_start",
    ),
    path("engagements/<uuid:public_id>/", engagement_views.engagement_detail, name="engagement_detail"),
    path("engagements/<uuid:public_id>/status/", engagement_views.engagement_status, name="engagement_status"),
    path("engagements/<uuid:public_id>/notice/", engagement_views.engagement_notice, name="engagement_notice"),
    path("engagements/<uuid:public_id>/attest/", engagement_views.engagement_attestation, name="engagement_attest"),
    path("engagements/<uuid:public_id>/handoff/", engagement_views.engagement_handoff_page, name="engagement_handoff"),
    path("engagements/<uuid:public_id>/contacts/new/", contact_views.contact_create, name="contact_create"),
    path("contacts/cosign/", contact_views.contact_cosign_queue, name="contact_cosign_queue"),
    path("contacts/<uuid:public_id>/", contact_views.contact_detail, name="contact_detail"),
    path("contacts/<uuid:public_id>/correct/", contact_views.contact_correct_page, name="contact_correct"),
    path("contacts/<uuid:public_id>/cosign/", contact_views.contact_cosign_action, name="contact_cosign"),
    path(
        "participants/<uuid:public_id>/private-link/",
        plan_views.participant_space_link,
        name="participant_space_link",
    ),
    path("engagements/<uuid:public_id>/plan/", plan_views.plan_detail, name="engagement_plan"),
    path("engagements/<uuid:public_id>/plan/plan.pdf", plan_views.plan_pdf, name="engagement_plan_pdf"),
    path("engagements/<uuid:public_id>/messages/", message_views.engagement_messages, name="engagement_messages"),
    path("participants/<uuid:public_id>/checkins/", checkin_views.checkin_list, name="checkin_list"),
    path("participants/<uuid:public_id>/checkins/chart.svg", checkin_views.checkin_chart, name="checkin_chart"),
    path("participants/<uuid:public_id>/checkins/new/", checkin_views.checkin_entry, name="checkin_entry"),
    path("participants/<uuid:public_id>/checkins/link/", checkin_views.checkin_link_new, name="checkin_link_new"),
    path("checkins/<uuid:public_id>/fhir/", checkin_views.checkin_fhir, name="checkin_fhir"),
    path("instruments/", checkin_views.instrument_list, name="instrument_list"),
]
