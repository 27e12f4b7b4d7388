"""Certification URLs: the applicant's and reviewer's pages under /staff/certification/, and public pages."""

from django.urls import path

from peerway.certification import views

app_name = "certification"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("certification/standards/", views.standards, name="standards"),
    path("staff/certification/", views.my_certification, name="my"),
    path("staff/certification/applications/<uuid:public_id>/", views.application_detail, name="application"),
    path("staff/certification/applications/<uuid:public_id>/add/<slug:kind>/", views.entry_add, name="entry_add"),
    path("staff/certification/applications/<uuid:public_id>/remove/", views.entry_delete, name="entry_delete"),
    path("staff/certification/applications/<uuid:public_id>/submit/", views.application_submit, name="submit"),
    path("staff/certification/applications/<uuid:public_id>/letter.pdf", views.decision_letter, name="letter"),
    path("staff/certification/evidence/<uuid:public_id>/", views.evidence_download, name="evidence"),
    path("staff/certification/review/", views.review_queue, name="review_queue"),
    path("staff/certification/review/<uuid:public_id>/", views.review_detail, name="review"),
    path("staff/certification/review/<uuid:public_id>/<slug:action>/", views.review_action, name="review_action"),
]
