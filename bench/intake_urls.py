"""URLs for bench/intake.py only: Peerway's URLs plus the trivial view the intake form is measured against.

The trivial view goes through the same middleware (sessions, CSRF, locale, CSP, axes…) and the same body
parsing as the form, then does one INSERT into a table the benchmark creates itself and redirects, like the
form does on success. What it lacks is exactly the intake's own work: form validation, vocabulary lookups,
encryption, blind indexes, the request row, its links and the routing task.
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path
from django.views.decorators.http import require_POST

from peerway.urls import urlpatterns as peerway_urlpatterns

TRIVIAL_TABLE = "bench_trivial_insert"
TRIVIAL_PATH = "bench/trivial-insert/"


@require_POST
def trivial_insert(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TRIVIAL_TABLE} (created_at, note) VALUES (now(), %s)",  # noqa: S608 (a constant name)
            [request.POST.get("first_name", "")[:60]],
        )
    return HttpResponseRedirect("/help/")


urlpatterns = [path(TRIVIAL_PATH, trivial_insert), *peerway_urlpatterns]
