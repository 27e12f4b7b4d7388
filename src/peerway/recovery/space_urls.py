"""The person's own space: /me/<token>/. The private link's token is the only key; no row ids, no account."""

from django.urls import path

from peerway.recovery.views import space

app_name = "space"

urlpatterns = [
    path("<slug:token>/", space.enter, name="enter"),
    path("<slug:token>/code/", space.code_send, name="code_send"),
    path("<slug:token>/verify/", space.code_verify, name="code_verify"),
    path("<slug:token>/messages/", space.message_send, name="message_send"),
    path("<slug:token>/my-record.json", space.record_download, name="record_download"),
    path("<slug:token>/my-plan.pdf", space.plan_download, name="plan_download"),
    path("<slug:token>/check-ins.svg", space.checkin_chart, name="checkin_chart"),
    path("<slug:token>/leave/", space.leave, name="leave"),
]
