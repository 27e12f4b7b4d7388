from django.urls import path

from peerway.matching import views

app_name = "matching"

urlpatterns = [
    path("", views.report, name="report"),
]
