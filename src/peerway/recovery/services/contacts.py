"""Recording, correcting, locking and co-signing contacts. One transaction each; never a silent edit."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from peerway.accounts.models import User
from peerway.accounts.roles import Role
from peerway.core.access import access_events_record, acting_role
from peerway.core.models import AccessAction
from peerway.organizations.models import ContactCosignPolicy
from peerway.recovery.models import (
    MAX_CONTACT_MINUTES,
    SUBJECT_PARTICIPANT,
    Contact,
    ContactCosign,
    ContactVersion,
    Engagement,
    EngagementStatus,
    PlanGoal,
    RecoveryPlan,
)
from peerway.recovery.plan_rule import contact_needs_cosign, plan_compliance
from peerway.recovery.selectors.contacts import CORRECT_ROLES, COSIGN_ROLES
from peerway.recovery.services.engagements import peer_has_attested, user_leads
from peerway.recovery.services.refusals import ActionRefused

# Who bills a contact (contact_lock_for_billing): billing staff and the organization's leads.
LOCK_ROLES = frozenset({Role.BILLING, Role.SUPERVISOR, Role.ORG_ADMIN})

CONTENT_FIELDS = (
    "occurred_on",
    "started_at",
    "duration_minutes",
    "modality",
    "place",
    "kind",
    "note",
    "person_present",
)


def _log(
    actor: User | None, engagement: Engagement, action: AccessAction, reason: str, roles: Iterable[Role] = CORRECT_ROLES
) -> None:
    # ``roles``: those that allow the action, so the row names the role the actor acted in (not, say, billing).
    access_events_record(
        actor=actor,
        role=acting_role(actor, engagement.organization, roles),
        organization=engagement.organization,
        subject_type=SUBJECT_PARTICIPANT,
        subject_ids=[engagement.participant.public_id],
        action=action,
        reason=reason,
    )


def _version_checked(
    *,
    engagement: Engagement,
    number: int,
    actor: User | None,
    occurred_on: dt.date,
    started_at: dt.time,
    duration_minutes: int,
    modality: str,
    kind: str,
    note: str,
    place: str,
    person_present: bool,
    goals: Iterable[PlanGoal],
    reason: str,
) -> tuple[ContactVersion, list[PlanGoal]]:
    """One version of a contact of ``engagement``, validated but not written, and its goals. Goals must come from
    the engagement's own plan; the date may be neither in the future nor before the engagement began."""
    version = ContactVersion(
        number=number,
        occurred_on=occurred_on,
        started_at=started_at,
        duration_minutes=duration_minutes,
        modality=modality,
        kind=kind,
        note=note,
        place=place,
        person_present=person_present,
        reason=reason,
        created_by=actor,
    )
    version.full_clean(exclude=["contact"])
    version.clean_in(
        engagement.organization.zone, engagement_began=engagement.started_at, engagement_ended=engagement.ended_at
    )
    goals = list(goals)
    if any(goal.plan.engagement_id != engagement.pk for goal in goals):
        raise ValidationError({"goals": _("Choose goals from this engagement's plan.")})
    return version, goals


def _overlap_refused(engagement: Engagement, version: ContactVersion, *, other_than: Contact | None = None) -> None:
    """Refuse a session that overlaps another contact of the same engagement (one peer, one person: a session
    cannot happen twice at once, and its minutes would be billed twice), as the contacts' current versions say."""
    zone = engagement.organization.zone
    starts = version.occurred_at(zone)
    ends = starts + dt.timedelta(minutes=version.duration_minutes)
    nearby = Contact.objects.filter(
        engagement=engagement,
        occurred_at__gt=starts - dt.timedelta(minutes=MAX_CONTACT_MINUTES),
        occurred_at__lt=ends,
    ).select_related("current_version")
    if other_than is not None:
        nearby = nearby.exclude(pk=other_than.pk)
    for contact in nearby:
        minutes = contact.current_version.duration_minutes if contact.current_version is not None else 0
        if contact.occurred_at + dt.timedelta(minutes=minutes) > starts:
            local = contact.occurred_at.astimezone(zone)
            message = _(
                "Another contact with this person, on %(date)s at %(time)s for %(minutes)s minutes, overlaps this one."
            )
            params = {
                "date": date_format(local.date(), "SHORT_DATE_FORMAT"),
                "time": time_format(local.time(), "TIME_FORMAT"),
                "minutes": minutes,
            }
            raise ValidationError({"started_at": ValidationError(message, params=params)})


def _unchanged(contact: Contact, version: ContactVersion, goals: list[PlanGoal]) -> bool:
    """Whether ``version`` says what the contact's current version says (its reason aside)."""
    current = contact.current_version
    if current is None:
        return False
    fields = ("occurred_on", "started_at", "duration_minutes", "modality", "kind", "note", "place", "person_present")
    same = all((getattr(current, name) or "") == (getattr(version, name) or "") for name in fields)
    return same and {goal.pk for goal in goals} == set(current.goals.values_list("pk", flat=True))


def _version_save(contact: Contact, version: ContactVersion, goals: list[PlanGoal]) -> ContactVersion:
    version.contact = contact
    version.goal_words = json.dumps({str(goal.pk): goal.description for goal in goals}) if goals else None
    version.save()
    version.goals.set(goals)
    return version


def sessions_held(engagement: Engagement) -> int:
    """Contacts of the engagement in which the person took part, as their current versions say."""
    return Contact.objects.filter(engagement=engagement, current_version__person_present=True).count()


def _needs_cosign(engagement: Engagement) -> bool:
    policy = engagement.organization.contact_cosign_policy
    if policy != ContactCosignPolicy.UNCREDENTIALED:
        return contact_needs_cosign(policy=policy)
    # The same credential status the live queue and the matching report show (workforce/credentials.py).
    from peerway.workforce.credentials import CredentialState, peer_credential_status

    active = peer_credential_status(engagement.peer.user_id) == CredentialState.ACTIVE
    return contact_needs_cosign(policy=policy, peer_has_active_credential=active)


@transaction.atomic
def contact_record(
    *,
    engagement: Engagement,
    actor: User,
    occurred_on: dt.date,
    started_at: dt.time,
    duration_minutes: int,
    modality: str,
    kind: str,
    note: str,
    place: str = "",
    person_present: bool = True,
    goals: Iterable[PlanGoal] = (),
) -> Contact:
    """Record a contact by the engagement's peer.

    Refused (ActionRefused) when the engagement is closed, the written notice is missing, or the peer has
    not attested (Minn. Stat. 254B.052). Invalid content raises ValidationError naming the field. A contact
    after the third session while the plan is not complete is stored with ``plan_missing`` set.
    """
    engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
    engagement = Engagement.objects.select_related("organization", "participant", "peer").get(pk=engagement.pk)
    if engagement.peer.user_id != actor.pk:
        raise ActionRefused(_("Only the engagement's peer records its contacts."))
    if engagement.status == EngagementStatus.CLOSED:
        raise ActionRefused(_("The engagement is closed; reopen it to record a contact."))
    if engagement.voluntary_notice_at is None:
        raise ActionRefused(_("Record the written notice that participation is voluntary first."))
    if not peer_has_attested(engagement, engagement.peer):
        raise ActionRefused(_("Attest that you do not live with or work for this person before recording contacts."))
    before = sessions_held(engagement)
    plan_complete = RecoveryPlan.objects.filter(engagement=engagement, completed_at__isnull=False).exists()
    compliance = plan_compliance(sessions_done=before, plan_complete=plan_complete)
    # The content is checked before the contact is written: a date far out of range (year 9999) is refused at
    # its field, where turning it into the contact's instant would overflow.
    version, goal_list = _version_checked(
        engagement=engagement,
        number=1,
        actor=actor,
        occurred_on=occurred_on,
        started_at=started_at,
        duration_minutes=duration_minutes,
        modality=modality,
        kind=kind,
        note=note,
        place=place,
        person_present=person_present,
        goals=goals,
        reason="",
    )
    _overlap_refused(engagement, version)
    contact = Contact.objects.create(
        engagement=engagement,
        peer=engagement.peer,
        recorded_by=actor,
        occurred_at=version.occurred_at(engagement.organization.zone),
        sessions_before=before,
        plan_missing=not compliance.compliant,
        needs_cosign=_needs_cosign(engagement),
    )
    contact.current_version = _version_save(contact, version, goal_list)
    contact.save(update_fields=["current_version", "updated_at"])
    _log(actor, engagement, AccessAction.CREATED, "recorded a contact")
    return contact


@transaction.atomic
def contact_correct(
    *,
    contact: Contact,
    actor: User,
    reason: str,
    occurred_on: dt.date,
    started_at: dt.time,
    duration_minutes: int,
    modality: str,
    kind: str,
    note: str,
    place: str = "",
    person_present: bool = True,
    goals: Iterable[PlanGoal] = (),
) -> ContactVersion:
    """A correction is a new version (number, who, when, reason); the earlier ones stay.

    After billing locked the contact, a reason is required and the locked version stays as billed. A
    correction withdraws an earlier co-sign: the supervisor co-signs what the record now says.
    """
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    contact = Contact.objects.select_related(
        "engagement__organization", "engagement__participant", "engagement__peer"
    ).get(pk=contact.pk)
    engagement = contact.engagement
    if not contact_may_correct(contact, actor):
        raise ActionRefused(_("Only the peer who recorded the contact or a supervisor corrects it."))
    if contact.is_locked and not reason.strip():
        raise ValidationError({"reason": _("This contact was billed: say why it is being corrected.")})
    number = (contact.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    version, goal_list = _version_checked(
        engagement=engagement,
        number=number,
        actor=actor,
        occurred_on=occurred_on,
        started_at=started_at,
        duration_minutes=duration_minutes,
        modality=modality,
        kind=kind,
        note=note,
        place=place,
        person_present=person_present,
        goals=goals,
        reason=reason.strip(),
    )
    if _unchanged(contact, version, goal_list):
        # Saved unchanged, a "correction" would be a copy that withdraws the supervisor's co-sign for nothing.
        raise ValidationError(_("Nothing was changed, so nothing was saved."))
    _overlap_refused(engagement, version, other_than=contact)
    contact.current_version = _version_save(contact, version, goal_list)
    contact.occurred_at = version.occurred_at(engagement.organization.zone)
    contact.cosigned_at = None
    contact.cosigned_by = None
    contact.cosigned_version = None
    contact.save()
    _log(actor, engagement, AccessAction.CHANGED, f"corrected a contact (version {number})")
    return version


@transaction.atomic
def contact_lock_for_billing(*, contact: Contact, actor: User | None = None) -> Contact:
    """Freeze the current version as the billed one. Locking twice keeps the first lock.

    ``actor``: the billing staff member, supervisor or administrator of the contact's organization who bills it
    (None for Peerway's own batch); anyone else is refused. The lock is recorded in the access log as a change.
    A contact whose organization asks for a co-sign is billed only once its current version is co-signed: one still
    waiting for it is refused (ActionRefused), as is one corrected after the co-sign until it is signed again. So
    is one recorded without the recovery plan it needed (``plan_missing``), which its page says billing refuses.
    """
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    contact = Contact.objects.select_related("engagement__organization", "engagement__participant").get(pk=contact.pk)
    engagement = contact.engagement
    if actor is not None and acting_role(actor, engagement.organization, LOCK_ROLES) == "none":
        raise ActionRefused(_("Only the organization's billing staff, supervisors or administrators bill a contact."))
    if contact.locked_at is not None:
        return contact
    if contact.awaiting_cosign:
        raise ActionRefused(_("This contact is awaiting its co-sign: it can be billed once a supervisor co-signs it."))
    if contact.plan_missing:
        raise ActionRefused(_("This contact was recorded without the recovery plan it needed: it cannot be billed."))
    contact.locked_at = timezone.now()
    contact.locked_version_id = contact.current_version_id
    contact.save(update_fields=["locked_at", "locked_version", "updated_at"])
    number = contact.versions.filter(pk=contact.locked_version_id).values_list("number", flat=True).first()
    _log(actor, engagement, AccessAction.CHANGED, f"locked a contact for billing (version {number})", roles=LOCK_ROLES)
    return contact


def contact_may_correct(contact: Contact, user: User) -> bool:
    """Whether ``user`` may correct ``contact``: the peer who recorded it, or a supervisor or administrator of its
    organization. The contact page offers the correction, and its page opens, only when this holds."""
    return contact.recorded_by_id == user.pk or user_leads(user, contact.engagement.organization_id)


def contact_cosign_own_work(contact: Contact, user: User) -> str | None:
    """Why ``user`` may not co-sign ``contact`` because it is their own work, or None: neither the peer who recorded
    it nor the author of its current version co-signs it (a co-sign is a second pair of eyes). The contact page
    offers the co-sign only when this is None."""
    if contact.recorded_by_id == user.pk:
        return _("Someone else co-signs the contacts you recorded.")
    # A supervisor who corrected the contact wrote what the record now says.
    if contact.current_version is not None and contact.current_version.created_by_id == user.pk:
        return _("Someone else co-signs a version you wrote.")
    return None


@transaction.atomic
def contact_cosign(*, contact: Contact, actor: User, version: int | None = None) -> Contact:
    """A supervisor co-signs the contact's current version, where the organization's policy asks.

    Neither the peer who recorded the contact nor the author of its current version co-signs it. ``version``: the
    number of the version the supervisor read (the page's form sends it); a co-sign of any other is refused, so a
    correction made while the page was open is never signed unseen.
    """
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    contact = Contact.objects.select_related(
        "engagement__organization", "engagement__participant", "current_version"
    ).get(pk=contact.pk)
    engagement = contact.engagement
    if not user_leads(actor, engagement.organization_id):
        raise ActionRefused(_("Only a supervisor co-signs contacts."))
    if not contact.needs_cosign:
        raise ActionRefused(_("This contact does not need a co-sign."))
    if contact.cosigned_at is not None:
        raise ActionRefused(_("This contact is already co-signed."))
    refusal = contact_cosign_own_work(contact, actor)
    if refusal:
        raise ActionRefused(refusal)
    current = contact.current_version.number if contact.current_version is not None else None
    if version is not None and version != current:
        raise ActionRefused(
            _("This contact was corrected after your page showed it: read version %(number)s, then co-sign it.")
            % {"number": current}
        )
    contact.cosigned_at = timezone.now()
    contact.cosigned_by = actor
    contact.cosigned_version_id = contact.current_version_id
    contact.save()
    ContactCosign.objects.create(version_id=contact.current_version_id, signed_by=actor, signed_at=contact.cosigned_at)
    _log(actor, engagement, AccessAction.CHANGED, "co-signed a contact", roles=COSIGN_ROLES)
    return contact
