from allauth.account.decorators import secure_admin_login
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.http import Http404
from django.urls import include, path
from django.views.defaults import page_not_found

from peerway.api.api import api
from peerway.api.problems import problem_urls
from peerway.core import urls as core_urls
from peerway.core import views as core_views

# The admin signs in through allauth, so MFA, rate limits and lockout apply there too.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Peerway administration"

# Django's error pages, but problem+json under /api/ (for errors raised before an API endpoint runs).
handler400 = "peerway.errors.bad_request"
handler403 = "peerway.errors.permission_denied"
handler404 = "peerway.errors.page_not_found"
handler500 = "peerway.errors.server_error"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("api/", problem_urls(api)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

urlpatterns += i18n_patterns(
    path("", include((core_urls.public_urlpatterns, "public"))),
    path("", include("peerway.intake.urls")),
    path("", include("peerway.certification.urls")),
    path("me/", include("peerway.recovery.space_urls")),
    path("", include("peerway.recovery.public_urls")),
    # allauth's "we sent you a confirmation email" page serves only sign-up and required email confirmation, and
    # Peerway has neither (no sign-up, ACCOUNT_EMAIL_VERIFICATION = "none"): nobody is sent there, so it does not
    # exist. The link in a confirmation email (confirm-email/<key>/) stays: adding an address to an account sends one.
    path("accounts/confirm-email/", page_not_found, {"exception": Http404()}),
    path("accounts/", include("allauth.urls")),
    path("staff/", include((core_urls.staff_urlpatterns, "staff"))),
    path("staff/", include("peerway.recovery.urls")),
    path("staff/resources/", include("peerway.resources.urls")),
    path("staff/queue/", include("peerway.workforce.urls")),
    path("staff/workforce/", include("peerway.workforce.career_urls")),
    path("staff/reports/matching/", include("peerway.matching.urls")),
    prefix_default_language=False,
)
