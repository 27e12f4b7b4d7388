"""Changes to the resource directory: one resource by hand, or a CSV import, all or nothing, each in one
transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction

from peerway.accounts.models import User
from peerway.core.models import Community, Language
from peerway.organizations.geography import place_for_zip
from peerway.organizations.models import County, Organization
from peerway.resources.csv_rows import LineError, resource_rows_parse
from peerway.resources.models import Resource, ResourceCategory


class ResourceImportRejected(Exception):
    """The file had bad lines; nothing was imported. ``errors`` lists every one with its line number."""

    def __init__(self, errors: list[LineError]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the file; nothing was imported.")
        self.errors = errors


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int


FIELDS = (
    "name",
    "category",
    "description",
    "hours",
    "street",
    "city",
    "zip_code",
    "latitude",
    "longitude",
    "phone",
    "website",
    "eligibility",
    "active",
)

# The PostgreSQL advisory lock that serialises imports of the shared (state-wide) resources, which have no
# owner row to lock. Any fixed number no other lock uses; it reads "PWRESIMP" in ASCII.
SHARED_IMPORT_LOCK = 0x5057_5245_5349_4D50


def _import_lock(organization: Organization | None) -> None:
    """Wait for any other import into the same owner's resources to commit, until this transaction ends.

    Without it, two imports of the same file at once (a double click on Import, two administrators) both find
    no existing rows, both insert, and the second fails on the unique (owner, external_id) constraint. After
    the lock, the second import's reads see what the first committed, so it updates those resources instead.
    An organization's imports lock its row (FOR NO KEY UPDATE: rows that merely reference the organization
    can still be added meanwhile); the shared resources take an advisory lock on PostgreSQL. SQLite lets one
    writer at a time in anyway.
    """
    if organization is not None:
        list(Organization.objects.select_for_update(no_key=True).filter(pk=organization.pk).values_list("pk"))
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SHARED_IMPORT_LOCK])


@transaction.atomic
def resources_import(*, data: bytes, organization: Organization | None, actor: User | None = None) -> ImportSummary:
    """Import a CSV file into ``organization``'s resources (None: the shared, state-wide ones).

    Every row is checked first; if any is bad, ResourceImportRejected lists every bad line and nothing is
    written. A row whose external_id the owner already has updates that resource instead of adding one.
    Imports into the same owner's resources run one after the other: a second one waits for the first to
    commit, then updates what the first added.
    """
    language_ids = dict(Language.objects.values_list("slug", "id"))
    community_ids = dict(Community.objects.values_list("slug", "id"))
    counties = {name.lower(): name for name in County.objects.filter(state="MN").values_list("name", flat=True)}
    county_ids = dict(County.objects.filter(state="MN").values_list("name", "id"))
    result = resource_rows_parse(
        data,
        categories=set(ResourceCategory.values),
        languages=set(language_ids),
        communities=set(community_ids),
        counties=counties,
    )
    if not result.ok:
        raise ResourceImportRejected(result.errors)

    _import_lock(organization)
    existing = {
        resource.external_id: resource
        for resource in Resource.objects.select_for_update().filter(
            organization=organization, external_id__in=[row.external_id for row in result.rows]
        )
    }
    created = updated = 0
    for row in result.rows:
        resource = existing.get(row.external_id)
        if resource is None:
            resource = Resource(organization=organization, external_id=row.external_id)
            created += 1
        else:
            updated += 1
        for name in FIELDS:
            setattr(resource, name, getattr(row, name))
        resource.county_id = county_ids[row.county] if row.county else None
        resource.save()
        resource.languages.set([language_ids[slug] for slug in row.languages])
        resource.communities.set([community_ids[slug] for slug in row.communities])
    return ImportSummary(created=created, updated=updated)


@transaction.atomic
def resource_save(
    *, resource: Resource, languages: Iterable[Language], communities: Iterable[Community], zip_changed: bool
) -> Resource:
    """Save a resource added or corrected by hand, with its languages and communities.

    When its ZIP code changed, its map position follows the ZIP code (none for a ZIP code Peerway does not
    know), so distances to it are not computed from where it used to be.
    """
    if zip_changed:
        place = place_for_zip(resource.zip_code) if resource.zip_code else None
        resource.latitude = place.latitude if place else None
        resource.longitude = place.longitude if place else None
    resource.full_clean(exclude=["languages", "communities"])
    resource.save()
    resource.languages.set(list(languages))
    resource.communities.set(list(communities))
    return resource
