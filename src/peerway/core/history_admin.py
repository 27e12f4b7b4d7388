"""The admin's history pages, to read only.

django-simple-history's admin lets a past version be "reverted" by posting its form, which writes back every field
of that version past the services (a peer put back on shift with nothing routed, a name the peer chose undone).
``SIMPLE_HISTORY_REVERT_DISABLED`` only hides the button; this refuses the POST too.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        if request.method == "POST":
            raise PermissionDenied("Past versions are shown, not restored: change the record through its own page.")
        response: HttpResponse = super().history_form_view(request, object_id, version_id, extra_context)
        return response
