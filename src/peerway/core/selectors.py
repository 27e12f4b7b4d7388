from __future__ import annotations

from django.http import Http404

from peerway.accounts.models import User
from peerway.core.models import Job


def job_get_for_user(user: User, public_id: str) -> Job:
    """A job the user started themselves; anybody else's job does not exist for them."""
    try:
        return Job.objects.select_related("organization").get(public_id=public_id, requested_by=user)
    except (Job.DoesNotExist, ValueError):
        raise Http404("No such job.") from None
