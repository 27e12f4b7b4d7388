from django.urls import path

from peerway.recovery import views

app_name = "recovery"

urlpatterns = [
    path("", views.participant_list, name="participant_list"),
    path("<uuid:public_id>/", views.participant_detail, name="participant_detail"),
    path("<uuid:public_id>/access/", views.participant_access_history, name="participant_access_history"),
]
