"""Guards found by mutation testing: the access log names the system, not "no role", when no staff member acts."""

from __future__ import annotations

from collections.abc import Callable

from peerway.core.models import AccessEvent
from peerway.intake.models import HelpRequest
from peerway.intake.services import request_accept, request_route, request_withdraw
from tests.factories import OrganizationFactory, peer_profile

Submit = Callable[..., tuple[HelpRequest, str]]


def test_the_person_stopping_a_taken_request_is_logged_as_the_system_closing_the_engagement(submit: Submit) -> None:
    amina = peer_profile(OrganizationFactory(), name="Amina")
    request, _ = submit()
    request_route(request_id=request.pk)
    engagement = request_accept(request=request, peer=amina)

    request_withdraw(request=request)

    closing = AccessEvent.objects.filter(
        subject_id=engagement.participant.public_id, reason__contains="stopped their request"
    ).get()
    assert (closing.actor, closing.actor_role) == (None, "system")
