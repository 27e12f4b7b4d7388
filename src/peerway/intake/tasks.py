"""Background work of the first call. Arguments are ids, never personal data."""

from __future__ import annotations

from django_tasks import task

from peerway.core.scheduler import periodic
from peerway.intake.services import request_route, requests_escalate_due, requests_route_waiting


@task()
def request_route_task(request_id: int) -> int:
    return len(request_route(request_id=request_id))


@periodic(name="requests_escalate", every="minute")
@task()
def requests_escalate_task() -> int:
    return requests_escalate_due()


@periodic(name="requests_route_waiting", every="minute")
@task()
def requests_route_waiting_task() -> int:
    """Route every request still waiting for a first offer (after a peer starts a shift)."""
    return requests_route_waiting()
