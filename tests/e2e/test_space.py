"""The person's own space on a 360 px phone: open the private link, enter the texted code, see the plan,
send the peer a message. axe-core checks the code page and the space."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from peerway.accounts.links import participant_link_create
from peerway.core import sms
from peerway.core.models import Language
from peerway.recovery.models import Engagement, Message
from peerway.recovery.services import plans as plan_services
from tests.e2e.conftest import page_url
from tests.factories import OrganizationFactory, ParticipantFactory, peer_profile

pytestmark = pytest.mark.e2e

CheckAxe = Callable[[Page, str], list[dict[str, Any]]]


def test_the_person_opens_their_space_with_a_code_and_writes_to_their_peer(
    live_server: Any, page: Page, check_axe: CheckAxe
) -> None:
    organization = OrganizationFactory(name="Riverbend Recovery Community", slug="riverbend")
    peer = peer_profile(organization, name="Amina")
    person = ParticipantFactory(
        organization=organization, preferred_name="Sample Lupe", language=Language.objects.get(slug="en")
    )
    engagement = Engagement.objects.create(
        participant=person, organization=organization, peer=peer, program="rco", started_at=timezone.now()
    )
    plan = plan_services.plan_get_or_create(engagement)
    goal = plan_services.goal_add(plan=plan, actor=peer.user, life_area="work", description="Finish my GED")
    plan_services.step_add(goal=goal, actor=peer.user, description="Sign up for the Tuesday class", who_helps="Amina")
    token = participant_link_create(participant=person, actor=peer.user, send=False).token
    sms.outbox.clear()

    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(page_url(live_server.url, "en", f"me/{token}/"))
    expect(page.get_by_role("heading", name="Your private space")).to_be_visible()
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_label("Code")).to_be_visible()
    check_axe(page, "space code")
    code = re.search(r"\b(\d{6})\b", sms.outbox[-1].body)
    assert code is not None
    page.get_by_label("Code").fill(code.group(1))
    page.get_by_role("button", name="Open my space").click()

    expect(page.get_by_text("Finish my GED")).to_be_visible()
    expect(page.get_by_text("Sign up for the Tuesday class")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    check_axe(page, "space home")

    page.get_by_label("Message to your peer").fill("Can we meet on Thursday?")
    page.get_by_role("button", name="Send to my peer").click()
    expect(page.get_by_text("Can we meet on Thursday?")).to_be_visible()
    [message] = Message.objects.filter(engagement=engagement)
    assert message.from_participant and message.body == "Can we meet on Thursday?"
