"""URLs of the first call for help. The status link's token is the only key: no account, no row ids.

Staff entry of a call, text or walk-in lives here too, under /staff/ like every other staff page.
"""

from django.urls import path

from peerway.intake import views

app_name = "intake"

urlpatterns = [
    path("help/", views.help_form, name="help"),
    path("help/deleted/", views.deleted, name="deleted"),
    path("r/<slug:token>/", views.status, name="status"),
    path("r/<slug:token>/choose/", views.status_choose, name="choose"),
    path("r/<slug:token>/choose-for-me/", views.status_choose_for_me, name="choose_for_me"),
    path("r/<slug:token>/different-peer/", views.status_rematch, name="rematch"),
    path("r/<slug:token>/withdraw/", views.status_withdraw, name="withdraw"),
    path("r/<slug:token>/delete/", views.status_delete, name="erase"),
    path("staff/intake/new/", views.staff_entry, name="staff_entry"),
]
