"""Changes to participants' records: one transaction each, audited inside it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from peerway.accounts.models import User
from peerway.accounts.roles import SERVICE_ORG_KINDS
from peerway.core.access import access_events_record, acting_role
from peerway.core.models import AccessAction, Community, Language
from peerway.organizations.models import Organization
from peerway.recovery.models import SUBJECT_PARTICIPANT, Engagement, Participant
from peerway.recovery.selectors.participants import MERGE_ROLES, PARTICIPANT_EDIT_ROLES
from peerway.recovery.services.engagements import user_leads
from peerway.recovery.services.refusals import ActionRefused


@transaction.atomic
def participant_create(
    *,
    organization: Organization,
    actor: User | None,
    preferred_name: str = "",
    phone: str = "",
    email: str = "",
    medicaid_id: str = "",
    date_of_birth: dt.date | None = None,
    language: Language | None = None,
    communities: Iterable[Community] = (),
    communities_own_words: str = "",
    reason: str = "",
) -> Participant:
    """Create a participant in ``organization`` and log the creation.

    Only a service organization (an RCO, a 245G or 245F program) keeps records about people: a certification
    board, the accreditation body or the state agency never holds one (ActionRefused).
    """
    if organization.kind not in SERVICE_ORG_KINDS:
        raise ActionRefused(_("Records about people belong to a recovery organization or a treatment program."))
    participant = Participant(
        organization=organization,
        preferred_name=preferred_name,
        phone=phone,
        email=email,
        medicaid_id=medicaid_id,
        date_of_birth=date_of_birth,
        language=language,
        communities_own_words=communities_own_words,
    )
    participant.full_clean()
    participant.save()
    participant.communities.set(list(communities))
    access_events_record(
        actor=actor,
        role=acting_role(actor, organization, PARTICIPANT_EDIT_ROLES),
        organization=organization,
        subject_type=SUBJECT_PARTICIPANT,
        subject_ids=[participant.public_id],
        action=AccessAction.CREATED,
        reason=reason,
    )
    return participant


@transaction.atomic
def participant_update(
    *,
    participant: Participant,
    actor: User,
    preferred_name: str = "",
    phone: str = "",
    email: str = "",
    medicaid_id: str = "",
    date_of_birth: dt.date | None = None,
    language: Language | None = None,
    communities: Iterable[Community] = (),
    communities_own_words: str = "",
) -> Participant:
    """Change a participant's details; the change history keeps the earlier values."""
    fresh = Participant.objects.select_for_update().get(pk=participant.pk)
    if fresh.is_merged:
        raise ActionRefused(_("This record was merged into another; edit the kept record."))
    fresh.preferred_name = preferred_name
    fresh.phone = phone
    fresh.email = email
    fresh.medicaid_id = medicaid_id
    fresh.date_of_birth = date_of_birth
    fresh.language = language
    fresh.communities_own_words = communities_own_words
    fresh.full_clean()
    fresh.save()
    fresh.communities.set(list(communities))
    access_events_record(
        actor=actor,
        role=acting_role(actor, fresh.organization, PARTICIPANT_EDIT_ROLES),
        organization=fresh.organization,
        subject_type=SUBJECT_PARTICIPANT,
        subject_ids=[fresh.public_id],
        action=AccessAction.CHANGED,
        reason="edited details",
    )
    return fresh


MERGE_FILLED_FIELDS = ("preferred_name", "phone", "email", "medicaid_id", "date_of_birth", "communities_own_words")


def _related_to_move() -> list[tuple[type[models.Model], str]]:
    """Every model with a foreign key to Participant (engagements, and whatever later records hang off the
    person), except change history and the merge tombstone link itself."""
    found = []
    for relation in Participant._meta.related_objects:
        model = relation.related_model
        if not relation.many_to_one or model is Participant or model.__name__.startswith("Historical"):
            continue
        found.append((model, relation.field.name))
    return found


@transaction.atomic
def participant_merge(*, keep: Participant, duplicate: Participant, actor: User) -> Participant:
    """Merge ``duplicate`` into ``keep``, all or nothing.

    Engagements (with their contacts, plans and everything hanging off them) and any other record of the
    duplicate move to the kept record; details the kept record lacks are filled from the duplicate; the
    duplicate stays as a tombstone (``merged_into``) so the audit trail still resolves. Both records get an
    AccessEvent and a history row. Only supervisors and organization administrators merge.
    """
    keep = Participant.objects.select_for_update().select_related("organization").get(pk=keep.pk)
    duplicate = Participant.objects.select_for_update().get(pk=duplicate.pk)
    if keep.pk == duplicate.pk:
        raise ActionRefused(_("A record cannot be merged into itself."))
    if keep.organization_id != duplicate.organization_id:
        raise ActionRefused(_("Records of different organizations are never merged."))
    if keep.is_merged or duplicate.is_merged:
        raise ActionRefused(_("One of these records was already merged."))
    if not user_leads(actor, keep.organization_id):
        raise ActionRefused(_("Only a supervisor or administrator merges records."))
    # Engagements move one by one through save() so each gets its change-history row.
    for engagement in Engagement.objects.filter(participant=duplicate):
        engagement.participant = keep
        engagement.save(update_fields=["participant", "updated_at"])
    for model, field_name in _related_to_move():
        if model is Engagement:
            continue
        model._default_manager.filter(**{field_name: duplicate}).update(**{field_name: keep})
    for name in MERGE_FILLED_FIELDS:
        if not getattr(keep, name) and getattr(duplicate, name):
            setattr(keep, name, getattr(duplicate, name))
    if keep.language_id is None:
        keep.language_id = duplicate.language_id
    keep.save()
    keep.communities.add(*duplicate.communities.all())
    duplicate.merged_into = keep
    duplicate.merged_at = timezone.now()
    duplicate.save()
    role = acting_role(actor, keep.organization, MERGE_ROLES)
    for subject, reason in (
        (keep, f"kept in a merge of {duplicate.public_id}"),
        (duplicate, f"merged into {keep.public_id}"),
    ):
        access_events_record(
            actor=actor,
            role=role,
            organization=keep.organization,
            subject_type=SUBJECT_PARTICIPANT,
            subject_ids=[subject.public_id],
            action=AccessAction.CHANGED,
            reason=reason,
        )
    return keep
