from django.urls import path

from peerway.workforce import views

app_name = "workforce"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("profile/", views.profile_edit, name="profile_edit"),
    path("shift/", views.shift_toggle, name="shift_toggle"),
    path("offers/<uuid:public_id>/accept/", views.offer_accept, name="offer_accept"),
    path("offers/<uuid:public_id>/decline/", views.offer_decline, name="offer_decline"),
    path("engagements/<uuid:public_id>/connected/", views.request_connected, name="request_connected"),
]
