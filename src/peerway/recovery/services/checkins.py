"""Changes to check-ins: loading instruments, creating and sending private links, recording answers.

One transaction each; reads and changes of a person's record write their AccessEvent inside it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from peerway.accounts.models import User
from peerway.accounts.roles import Role
from peerway.core.access import access_events_record, acting_role
from peerway.core.models import AccessAction
from peerway.core.sms import send_text
from peerway.organizations.models import Organization
from peerway.recovery.instruments.engine import score
from peerway.recovery.instruments.fhir import questionnaire_parse
from peerway.recovery.models import (
    SUBJECT_PARTICIPANT,
    CheckIn,
    CheckInLink,
    CheckInSource,
    Engagement,
    Instrument,
    Participant,
)
from peerway.recovery.selectors.space import SELF_ROLE

PEERWAY_CHECKIN_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "recovery_capital_checkin.json"
LINK_LIFETIME = dt.timedelta(days=14)


class InstrumentExists(ValueError):
    """This organization (or Peerway, for a global instrument) already has this url and version."""


# Who enters check-ins and makes their private links (and so the role their audit rows name).
CHECKIN_ENTRY_ROLES = frozenset({Role.PEER, Role.SUPERVISOR, Role.ORG_ADMIN})


def checkin_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def instrument_import(
    raw: str | bytes | Mapping[str, Any], *, organization: Organization | None, actor: User | None = None
) -> Instrument:
    """Load a FHIR R4B Questionnaire as an instrument. Raises FhirInvalid (with paths) or InstrumentExists."""
    definition = questionnaire_parse(raw)
    existing = Instrument.objects.filter(url=definition.url, version=definition.version, organization=organization)
    if existing.exists():
        raise InstrumentExists(f"{definition.url} version {definition.version} is already loaded.")
    data = raw if isinstance(raw, Mapping) else json.loads(raw)
    return Instrument.objects.create(
        # Peerway's own instruments get the same id in every database; loaded ones a random one.
        public_id=(
            uuid.uuid5(uuid.NAMESPACE_URL, f"{definition.url}|{definition.version}")
            if organization is None
            else uuid.uuid4()
        ),
        loaded_at=timezone.now() if organization is not None else None,
        organization=organization,
        url=definition.url,
        version=definition.version,
        title=definition.title.default[:255],
        fhir=dict(data),
        loaded_by=actor,
    )


def instruments_load() -> int:
    """Load Peerway's own check-in when it is missing; return how many instruments were added."""
    data = json.loads(PEERWAY_CHECKIN_FILE.read_text())
    if Instrument.objects.filter(organization=None, url=data["url"], version=data["version"]).exists():
        return 0
    instrument_import(data, organization=None)
    return 1


def instruments_load_on_migrate(*, using: str = "default", **kwargs: object) -> None:
    instruments_load()


def _record_access(actor: User | None, participant: Participant, action: AccessAction, reason: str) -> None:
    access_events_record(
        actor=actor,
        role=acting_role(actor, participant.organization, CHECKIN_ENTRY_ROLES),
        organization=participant.organization,
        subject_type=SUBJECT_PARTICIPANT,
        subject_ids=[participant.public_id],
        action=action,
        reason=reason,
    )


@transaction.atomic
def checkin_link_create(
    *,
    participant: Participant,
    instrument: Instrument,
    actor: User | None,
    engagement: Engagement | None = None,
    lifetime: dt.timedelta = LINK_LIFETIME,
) -> tuple[CheckInLink, str]:
    """A new private link for ``participant`` to answer ``instrument``; returns it and its token (shown once)."""
    token = secrets.token_urlsafe(24)
    link = CheckInLink.objects.create(
        participant=participant,
        engagement=engagement,
        instrument=instrument,
        token_hash=checkin_token_hash(token),
        expires_at=timezone.now() + lifetime,
        created_by=actor,
    )
    _record_access(actor, participant, AccessAction.CHANGED, "check-in link created")
    return link, token


@transaction.atomic
def checkin_link_send(*, link: CheckInLink, url: str, actor: User | None, language: str = "en") -> None:
    """Text the link to the participant's phone, in ``language``. The body names no person and no health
    detail. Raises ValueError when there is no phone number, SmsNotConfigured when texts are not set up, SmsFailed
    when the carrier refused."""
    participant = link.participant
    if not participant.phone:
        raise ValueError("The person has no phone number to text.")
    with translation.override(language):
        body = _("Peerway: a short check-in is waiting for you. %(url)s") % {"url": url}
    send_text(participant.phone, body)
    link.sent_at = timezone.now()
    link.save(update_fields=["sent_at", "updated_at"])
    _record_access(actor, participant, AccessAction.DISCLOSED, "check-in link texted")


@transaction.atomic
def checkin_link_opened(*, link: CheckInLink) -> None:
    """Log that the check-in page of ``link`` was shown (to whoever holds the link: the person, as far as Peerway
    can tell). One `viewed` AccessEvent with no actor and the role "self" per page shown."""
    access_events_record(
        actor=None,
        role=SELF_ROLE,
        organization=link.participant.organization,
        subject_type=SUBJECT_PARTICIPANT,
        subject_ids=[link.participant.public_id],
        action=AccessAction.VIEWED,
        reason="check-in link opened",
    )


@transaction.atomic
def checkin_answer_by_link(*, link: CheckInLink, answers: Mapping[str, str]) -> CheckIn:
    """Record the person's answers; answering again through the same link replaces the earlier response
    (the change history keeps it). Raises AnswersError when the answers do not fit the instrument."""
    link = CheckInLink.objects.select_for_update().select_related("participant", "instrument").get(pk=link.pk)
    result = score(link.instrument.definition, answers)
    checkin = CheckIn.objects.filter(link=link).first()
    if checkin is None:
        checkin = CheckIn(
            participant=link.participant,
            engagement=link.engagement,
            instrument=link.instrument,
            link=link,
            source=CheckInSource.LINK,
        )
    checkin.answers_json = json.dumps(dict(answers), sort_keys=True)
    checkin.score = result.score
    checkin.flagged = result.flagged
    checkin.answered_at = timezone.now()
    checkin.save()
    _record_access(None, link.participant, AccessAction.CHANGED, "check-in answered by private link")
    return checkin


@transaction.atomic
def checkin_record_by_staff(
    *,
    participant: Participant,
    instrument: Instrument,
    answers: Mapping[str, str],
    actor: User,
    answered_at: dt.datetime | None = None,
    engagement: Engagement | None = None,
) -> CheckIn:
    """Answers a staff member took from a call; audited as a creation by that staff member.

    An identical repeat — the same person, instrument, engagement, moment and answers as a check-in already
    saved, as when the form is sent twice — saves nothing and returns the check-in already saved.
    """
    result = score(instrument.definition, answers)
    answers_json = json.dumps(dict(answers), sort_keys=True)
    moment = answered_at or timezone.now()
    # Two submissions of one form can arrive at once: the lock on the person's row makes the second wait for
    # the first to commit, so it finds the first's check-in (SQLite's IMMEDIATE transactions serialize anyway).
    list(Participant.objects.select_for_update().filter(pk=participant.pk).values_list("pk", flat=True))
    # Answers are encrypted at rest, so they are compared here rather than in the query.
    for earlier in CheckIn.objects.filter(
        participant=participant, engagement=engagement, instrument=instrument, answered_at=moment
    ):
        if earlier.answers == dict(answers):
            return earlier
    checkin = CheckIn.objects.create(
        participant=participant,
        engagement=engagement,
        instrument=instrument,
        answers_json=answers_json,
        score=result.score,
        flagged=result.flagged,
        answered_at=moment,
        source=CheckInSource.STAFF,
        entered_by=actor,
    )
    _record_access(actor, participant, AccessAction.CREATED, "check-in entered by staff")
    return checkin
