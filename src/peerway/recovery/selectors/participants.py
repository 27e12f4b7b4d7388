"""Reads of participants' records, scoped to the acting user and audited.

Anything outside the user's organizations does not exist for them: a 404, never a 403.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from peerway.accounts.models import User
from peerway.accounts.roles import ACCESS_LOG_ROLES, PARTICIPANT_RECORD_ROLES, PLAN_EDIT_ROLES, SERVICE_ORG_KINDS, Role
from peerway.accounts.selectors import memberships_for_user
from peerway.core.access import access_events_record, acting_role
from peerway.core.models import AccessAction, AccessEvent
from peerway.organizations.models import Organization
from peerway.privacy.fields import phone_index
from peerway.recovery.models import SUBJECT_PARTICIPANT, Engagement, Participant
from peerway.recovery.selectors.scope import record_organization_ids

PAGE_SIZE = 50


def participants_for_user(user: User) -> QuerySet[Participant]:
    """Participants of the organizations where the user holds a role that may open records.

    Lazy and unaudited: callers that show records use the functions below, which write the access log.
    """
    return Participant.objects.filter(organization_id__in=record_organization_ids(user, PARTICIPANT_RECORD_ROLES))


@transaction.atomic
def participant_get_for_user(user: User, public_id: uuid.UUID | str, *, reason: str = "") -> Participant:
    """One participant's record, with one ``viewed`` AccessEvent written in the same transaction."""
    try:
        participant = (
            participants_for_user(user)
            .select_related("organization", "language", "merged_into")
            .prefetch_related(
                "communities",
                Prefetch(
                    "engagements",
                    queryset=Engagement.objects.select_related("peer", "help_request").order_by("-started_at"),
                ),
            )
            .get(public_id=public_id)
        )
    except (Participant.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such participant.") from None
    access_events_record(
        actor=user,
        role=acting_role(user, participant.organization, PARTICIPANT_RECORD_ROLES),
        organization=participant.organization,
        subject_type=SUBJECT_PARTICIPANT,
        subject_ids=[participant.public_id],
        action=AccessAction.VIEWED,
        reason=reason,
    )
    return participant


@transaction.atomic
def participant_page_for_user(user: User, *, page_number: int | str = 1, phone: str = "") -> Page:
    """One page of the participant list; each person shown gets one ``listed`` AccessEvent.

    ``phone`` finds people by the blind index of their phone number, never by decrypting everyone.
    """
    if not participant_list_open_to(user):
        raise Http404("No participant list for this account.")
    queryset = participants_for_user(user).filter(merged_into__isnull=True).select_related("organization", "language")
    if phone:
        queryset = queryset.filter(phone_index=phone_index(phone))
    page = Paginator(queryset, PAGE_SIZE).get_page(page_number)
    by_org: dict[int, list[Participant]] = {}
    for participant in page.object_list:
        by_org.setdefault(participant.organization_id, []).append(participant)
    for people in by_org.values():
        organization = people[0].organization
        access_events_record(
            actor=user,
            role=acting_role(user, organization, PARTICIPANT_RECORD_ROLES),
            organization=organization,
            subject_type=SUBJECT_PARTICIPANT,
            subject_ids=[p.public_id for p in people],
            action=AccessAction.LISTED,
            reason="participant list",
        )
    return page


def participant_list_open_to(user: User) -> bool:
    """Whether the participant list opens for the user: not for one whose every role is held in organizations
    that keep no records about people (a board, the accreditation body, the state agency). Someone signed in
    with no role anywhere sees an empty list."""
    return record_organization_ids(user, PARTICIPANT_RECORD_ROLES).exists() or not memberships_for_user(user).exists()


def participants_for_access_history(user: User) -> QuerySet[Participant]:
    """Records whose access history the user reads: supervisors and administrators of their organization."""
    return Participant.objects.filter(organization_id__in=record_organization_ids(user, ACCESS_LOG_ROLES))


def can_read_access_history(user: User, participant: Participant) -> bool:
    return participants_for_access_history(user).filter(pk=participant.pk).exists()


@transaction.atomic
def participant_access_history_for_user(
    user: User, public_id: uuid.UUID | str
) -> tuple[Participant, QuerySet[AccessEvent]]:
    """Who accessed a participant's record; for supervisors and organization administrators only.

    Reading the history shows the person's name, so it is itself a ``viewed`` access.
    """
    allowed = participants_for_access_history(user)
    try:
        participant = allowed.select_related("organization").get(public_id=public_id)
    except (Participant.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such participant.") from None
    access_events_record(
        actor=user,
        role=acting_role(user, participant.organization, ACCESS_LOG_ROLES),
        organization=participant.organization,
        subject_type=SUBJECT_PARTICIPANT,
        subject_ids=[participant.public_id],
        action=AccessAction.VIEWED,
        reason="access history",
    )
    # The record's own events, those of the duplicates merged into it (whoever saw the person under those), and those
    # of the first-call requests its engagements began from, seen in this organization (the live queue, the
    # accept, a staff entry): never another organization's sight of a request it was offered too.
    records = [participant.public_id]
    merged = [participant.pk]
    while merged:
        found = list(Participant.objects.filter(merged_into_id__in=merged).values_list("pk", "public_id"))
        merged = [pk for pk, _public_id in found]
        records += [public_id for _pk, public_id in found]
    requests = (
        Engagement.objects.filter(participant__public_id__in=records)
        .exclude(began_from_request=None)
        .values_list("began_from_request__public_id", flat=True)
    )
    from peerway.workforce.selectors import SUBJECT_HELP_REQUEST  # workforce builds on recovery

    events = AccessEvent.objects.filter(
        Q(subject_type=SUBJECT_PARTICIPANT, subject_id__in=records)
        | Q(subject_type=SUBJECT_HELP_REQUEST, subject_id__in=list(requests), organization=participant.organization)
    ).select_related("actor")
    return participant, events


MATCH_LABELS = {"phone_index": "phone", "email_index": "email", "medicaid_id_index": "Medicaid id"}


def participant_duplicates(
    *, organization_id: int, phone: str = "", email: str = "", medicaid_id: str = "", exclude_pk: int | None = None
) -> list[tuple[Participant, list[str]]]:
    """Records in the organization that share a phone, email or Medicaid id (by blind index), with what
    matched. Unaudited: callers that show them write the access events."""
    probe = Participant(phone=phone, email=email, medicaid_id=medicaid_id)
    probe.refresh_blind_indexes()
    wanted = {name: getattr(probe, name) for name in MATCH_LABELS if getattr(probe, name)}
    if not wanted:
        return []
    condition = Q()
    for name, value in wanted.items():
        condition |= Q(**{name: value})
    candidates = Participant.objects.filter(condition, organization_id=organization_id, merged_into__isnull=True)
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    return [
        (
            other,
            [label for name, label in MATCH_LABELS.items() if name in wanted and getattr(other, name) == wanted[name]],
        )
        for other in candidates.order_by("created_at", "id")[:20]
    ]


def participant_duplicates_of(participant: Participant) -> list[tuple[Participant, list[str]]]:
    return participant_duplicates(
        organization_id=participant.organization_id,
        phone=participant.phone or "",
        email=participant.email or "",
        medicaid_id=participant.medicaid_id or "",
        exclude_pk=participant.pk,
    )


@transaction.atomic
def participant_compare_for_user(
    user: User, public_id: uuid.UUID | str, other_id: uuid.UUID | str
) -> tuple[Participant, Participant, list[str]]:
    """Two records side by side and what matched between them; both get a ``viewed`` AccessEvent.

    A 404 unless both are live records of one organization where the user may open records.
    """
    allowed = participants_for_user(user).filter(merged_into__isnull=True).select_related("organization", "language")
    try:
        first = allowed.get(public_id=public_id)
        second = allowed.get(public_id=other_id, organization_id=first.organization_id)
    except (Participant.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such participant.") from None
    if first.pk == second.pk:
        raise Http404("No such participant.")
    matched = [
        label
        for name, label in MATCH_LABELS.items()
        if getattr(first, name) and getattr(first, name) == getattr(second, name)
    ]
    access_events_record(
        actor=user,
        role=acting_role(user, first.organization, PARTICIPANT_RECORD_ROLES),
        organization=first.organization,
        subject_type=SUBJECT_PARTICIPANT,
        subject_ids=[first.public_id, second.public_id],
        action=AccessAction.VIEWED,
        reason="compared as possible duplicates",
    )
    return first, second, matched


# Who creates and edits participants' records, and who merges them.
PARTICIPANT_EDIT_ROLES = frozenset({Role.PEER, Role.SUPERVISOR, Role.ORG_ADMIN})
MERGE_ROLES = frozenset({Role.SUPERVISOR, Role.ORG_ADMIN})


def organizations_for_new_record(user: User) -> list[Organization]:
    """The service organizations where the user may create a participant's record, by name (records never belong to
    a board, the accreditation body or the state agency). With more than one, the form asks which."""
    return list(
        Organization.objects.filter(
            pk__in=record_organization_ids(user, PARTICIPANT_EDIT_ROLES),
            kind__in=sorted(SERVICE_ORG_KINDS),
            active=True,
        ).order_by("name", "pk")
    )


def organization_for_new_record_or_none(user: User) -> Organization | None:
    """The first of ``organizations_for_new_record``, or None when there is none."""
    organizations = organizations_for_new_record(user)
    return organizations[0] if organizations else None


def can_create_participant(user: User) -> bool:
    return organization_for_new_record_or_none(user) is not None


@transaction.atomic
def participant_duplicates_listed(
    user: User, *, organization: Organization, phone: str, email: str, medicaid_id: str
) -> list[tuple[Participant, list[str]]]:
    """Possible duplicates for a record about to be created, each shown one with a ``listed`` AccessEvent."""
    duplicates = participant_duplicates(
        organization_id=organization.pk, phone=phone, email=email, medicaid_id=medicaid_id
    )
    if duplicates:
        access_events_record(
            actor=user,
            role=acting_role(user, organization, PARTICIPANT_EDIT_ROLES),
            organization=organization,
            subject_type=SUBJECT_PARTICIPANT,
            subject_ids=[other.public_id for other, _matched in duplicates],
            action=AccessAction.LISTED,
            reason="possible duplicates of a new record",
        )
    return duplicates


def participants_for_edit(user: User) -> QuerySet[Participant]:
    """Live records the user may edit and start an engagement for. Lazy and unaudited."""
    return Participant.objects.filter(
        organization_id__in=record_organization_ids(user, PARTICIPANT_EDIT_ROLES), merged_into__isnull=True
    )


def can_edit_participant(user: User, participant: Participant) -> bool:
    return participants_for_edit(user).filter(pk=participant.pk).exists()


def participants_for_private_link(user: User) -> QuerySet[Participant]:
    """Live records whose private link the user sends or stops (those who change the plan; not billing)."""
    return Participant.objects.filter(
        organization_id__in=record_organization_ids(user, PLAN_EDIT_ROLES), merged_into__isnull=True
    )


def can_send_private_link(user: User, participant: Participant) -> bool:
    return participants_for_private_link(user).filter(pk=participant.pk).exists()


@transaction.atomic
def participant_for_edit_for_user(user: User, public_id: uuid.UUID | str) -> Participant:
    """A live record the user may edit, with a ``viewed`` AccessEvent (the form shows its details)."""
    try:
        participant = participants_for_edit(user).select_related("organization", "language").get(public_id=public_id)
    except (Participant.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such participant.") from None
    access_events_record(
        actor=user,
        role=acting_role(user, participant.organization, PARTICIPANT_EDIT_ROLES),
        organization=participant.organization,
        subject_type=SUBJECT_PARTICIPANT,
        subject_ids=[participant.public_id],
        action=AccessAction.VIEWED,
        reason="edit form",
    )
    return participant


def participants_for_merge(
    user: User, public_id: uuid.UUID | str, other_id: uuid.UUID | str
) -> tuple[Participant, Participant]:
    """Two live records of one organization where the user may merge, or a 404. Unaudited: the merge
    service writes the events."""
    allowed = Participant.objects.filter(
        organization_id__in=record_organization_ids(user, MERGE_ROLES), merged_into__isnull=True
    )
    try:
        first = allowed.get(public_id=public_id)
        second = allowed.get(public_id=other_id, organization_id=first.organization_id)
    except (Participant.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such participant.") from None
    return first, second
