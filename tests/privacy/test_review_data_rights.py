"""Review: a person's rights over their own data (the space's download, deleting a first call) and the audit of it
(the access history of a person's record, after a first call and after a merge)."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable

from django.apps import apps as django_apps
from django.test import Client
from django.urls import reverse

from peerway.accounts.links import participant_link_create
from peerway.intake.models import HelpRequest
from peerway.intake.services import request_accept, request_erase, request_rematch, request_route
from peerway.recovery.models import Engagement, Participant
from peerway.recovery.selectors.participants import participant_access_history_for_user, participant_get_for_user
from peerway.recovery.selectors.space import own_record_export
from peerway.recovery.services import participant_merge
from peerway.recovery.services.referrals import referral_create
from peerway.resources.models import Resource
from peerway.workforce.selectors import queue_for_user
from tests.factories import ParticipantFactory, peer_profile
from tests.helpers import Cast
from tests.recovery.records import ready_engagement, record

Submit = Callable[..., tuple[HelpRequest, str]]


def _export(cast: Cast, participant: Participant) -> str:
    link = participant_link_create(participant=participant, actor=cast.alice, send=False).link
    return json.dumps(own_record_export(link), ensure_ascii=False)


# --- "You can download everything Peerway keeps about you." -------------------------------------------------


def test_the_download_of_everything_holds_the_session_notes(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    record(engagement, cast.alice, note="Sample note: we walked to the library together.")

    exported = _export(cast, engagement.participant)

    assert "we walked to the library together" in exported


def test_the_download_of_everything_holds_the_referrals(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    resource = Resource.objects.create(name="Sample Food Shelf", category="food", phone="(612) 555-0150")
    referral_create(engagement=engagement, resource=resource, actor=cast.alice, note="Sample: ask for Tuesday hours")

    exported = _export(cast, engagement.participant)

    assert "Sample Food Shelf" in exported
    assert "ask for Tuesday hours" in exported


# --- The access history of a person's record ------------------------------------------------------------------


def test_the_access_history_shows_the_peers_of_the_organization_who_saw_the_first_call(
    cast: Cast, submit: Submit
) -> None:
    bea = peer_profile(cast.org, name="Bea")
    request, _ = submit(first_name="Sample Hodan")
    [offer] = request_route(request_id=request.pk)
    assert offer.peer == bea
    queue_for_user(bea.user)  # Bea's live queue shows the request, with the person's first name: a "listed" access
    engagement = request_accept(request=request, peer=bea)

    _participant, events = participant_access_history_for_user(cast.sam, engagement.participant.public_id)

    assert ("live queue", bea.user) in {(event.reason, event.actor) for event in events}


def test_after_a_merge_the_kept_records_access_history_shows_who_saw_the_duplicate(cast: Cast) -> None:
    keep = ParticipantFactory(organization=cast.org, phone="(612) 555-0111")
    duplicate = ParticipantFactory(organization=cast.org, phone="(612) 555-0111")
    participant_get_for_user(cast.alice, duplicate.public_id, reason="participant page")
    participant_merge(keep=keep, duplicate=duplicate, actor=cast.sam)

    _participant, events = participant_access_history_for_user(cast.sam, keep.public_id)

    assert ("participant page", cast.alice) in {(event.reason, event.actor) for event in events}


# --- Deleting what one entered on the first-call status page ------------------------------------------------


def test_the_delete_page_after_a_rematch_says_an_organization_keeps_its_own_record(cast: Cast, submit: Submit) -> None:
    peer_profile(cast.org, name="Bea")
    peer_profile(cast.org, name="Cai")
    request, token = submit(first_name="Sample Hodan", phone="(612) 555-0142")
    offers = request_route(request_id=request.pk)
    request_accept(request=request, peer=offers[0].peer)
    request_rematch(request=request)

    page = Client().get(reverse("intake:erase", args=[token]))
    assert page.status_code == 200 and "Delete what you entered?" in page.content.decode()
    request_erase(request=request)

    # The person's name and phone stay with Riverbend, in the record the first peer's accept began...
    kept = Participant.objects.get(organization=cast.org)
    assert (kept.preferred_name, kept.phone) == ("Sample Hodan", "(612) 555-0142")
    # ...so the page they confirmed on must have said so.
    assert "organization keeps its own record" in page.content.decode()


def test_the_upgrade_recovers_the_request_an_engagement_began_from(cast: Cast, submit: Submit) -> None:
    peer_profile(cast.org, name="Bea")
    peer_profile(cast.org, name="Cai")
    request, _token = submit(first_name="Sample Hodan")
    offers = request_route(request_id=request.pk)
    engagement = request_accept(request=request, peer=offers[0].peer)
    request_rematch(request=request)  # the engagement lets go of the request
    engagement.refresh_from_db()
    assert engagement.help_request_id is None
    # As the rows stood before recovery/0012: nothing kept which request the engagement began from.
    Engagement.objects.update(began_from_request=None)
    module = importlib.import_module("peerway.recovery.migrations.0012_engagement_began_from_request")
    module.began_from_history(django_apps, None)
    engagement.refresh_from_db()
    assert engagement.began_from_request_id == request.pk
