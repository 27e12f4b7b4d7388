from django.urls import path

from peerway.resources import views

app_name = "resources"

# Mounted at /staff/resources/.
urlpatterns = [
    path("", views.resource_directory, name="directory"),
    path("import/", views.resource_import, name="import"),
    path("new/", views.resource_create, name="create"),
    path("<uuid:public_id>/edit/", views.resource_edit, name="edit"),
]
