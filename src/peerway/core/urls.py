from django.urls import path

from peerway.core import views

public_urlpatterns = [
    path("", views.home, name="home"),
]

staff_urlpatterns = [
    path("", views.staff_home, name="home"),
    path("jobs/<uuid:public_id>/", views.job_detail, name="job_detail"),
    path("jobs/<uuid:public_id>/download/", views.job_download, name="job_download"),
    path("access-log/export/", views.access_log_export, name="access_log_export"),
]
