"""What every seed stage shares: the random source, the sizes, the anchor date and what earlier stages made.

Determinism rests on three rules kept here: every random choice comes from ``SeedContext.rng``; every
UUID comes from ``SeedContext.public_id``; every timestamp is computed back from ``SeedContext.anchor``,
never from the clock.
"""

from __future__ import annotations

import datetime as dt
import random
import string
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from django.db import models
from tqdm import tqdm

from peerway.core.seed.places import Place
from peerway.core.seed.scales import Scale
from peerway.organizations.models import Organization

ModelT = TypeVar("ModelT", bound=models.Model)

# Timestamps are anchored at midnight of --today in Minnesota, so nothing generated lies in the future
# whatever the hour the seed runs.
MINNESOTA = ZoneInfo("America/Chicago")
# Rows per INSERT statement: small enough for PostgreSQL's 65,535 parameters with any of our models,
# large enough that statement overhead stays small. Django lowers it further on SQLite.
BATCH_SIZE = 1_000


class SeedError(Exception):
    """The database is not in a state the generator can seed (missing reference data, existing data)."""


@dataclass(frozen=True)
class OrganizationSeed:
    """A generated organization and the facts later stages need about it."""

    organization: Organization
    region: str
    place: Place
    # A community profile the organization is known for serving (a culturally specific RCO), or None.
    focus_profile: str | None = None
    # Names of the counties it serves, its home county first (empty for organizations serving nobody).
    service_counties: tuple[str, ...] = ()


@dataclass(frozen=True)
class StaffSeed:
    """A generated staff member: the user, where they work, and the community profile their name came from
    (a later peer-profile stage gives peers communities and languages consistent with it)."""

    user_id: int
    organization_id: int
    role: str
    profile: str
    first_name: str
    joined: dt.datetime
    # The published demo account of its role and organization ("riverbend-peer").
    username: str
    demo: bool


@dataclass(frozen=True)
class ParticipantSeed:
    """A generated participant, reduced to what later stages (engagements, check-ins) need."""

    participant_id: int
    organization_id: int
    created_at: dt.datetime
    profile: str


@dataclass(frozen=True)
class PeerSeed:
    """A generated peer profile, with the matching facts later stages (help requests) route by.

    Term lists are vocabulary slugs in the order they were drawn; ``region`` is the organization's;
    ``service_counties`` are the names of the counties the peer serves, the one of their home point first.
    """

    profile_id: int
    public_id: uuid.UUID
    user_id: int
    organization_id: int
    region: str
    role: str
    demo_username: str | None
    languages: tuple[str, ...]
    communities: tuple[str, ...]
    lived_experience: tuple[str, ...]
    pathways: tuple[str, ...]
    gender: str
    age_band: str
    modalities: tuple[str, ...]
    service_counties: tuple[str, ...]
    latitude: float | None
    longitude: float | None
    service_radius_km: int
    caseload_limit: int
    status: str
    on_shift: bool
    created_at: dt.datetime


@dataclass(frozen=True)
class DemoAccount:
    """One account anybody may sign in with; its password is published in var/demo-accounts.json."""

    username: str
    password: str
    role: str
    organization: str


@dataclass(frozen=True)
class StageReport:
    name: str
    rows: dict[str, int]
    seconds: float


@dataclass
class SeedReport:
    """What a seed run made: rows per table per stage, time taken, and where the demo accounts are."""

    scale: str
    seed: int
    today: dt.date
    stages: list[StageReport]
    demo_accounts: list[DemoAccount]
    demo_accounts_file: Path

    @property
    def rows_by_table(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for stage in self.stages:
            for table, count in stage.rows.items():
                totals[table] = totals.get(table, 0) + count
        return totals

    @property
    def total_rows(self) -> int:
        return sum(self.rows_by_table.values())

    @property
    def seconds(self) -> float:
        return sum(stage.seconds for stage in self.stages)


@dataclass
class SeedContext:
    """State shared by the stages of one seed run.

    ``rng`` is the random source of the stage now running: the runner gives each stage its own, derived
    from the seed and the stage's name, so adding a stage never changes what the others generate.
    """

    seed: int
    scale_name: str
    scale: Scale
    today: dt.date
    progress: bool
    rng: random.Random = field(default_factory=random.Random)
    organizations: list[OrganizationSeed] = field(default_factory=list)
    staff: list[StaffSeed] = field(default_factory=list)
    peers: list[PeerSeed] = field(default_factory=list)
    participants: list[ParticipantSeed] = field(default_factory=list)
    demo_accounts: list[DemoAccount] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def anchor(self) -> dt.datetime:
        """Midnight at the start of ``today`` in Minnesota, in UTC: the latest moment any record carries."""
        return dt.datetime.combine(self.today, dt.time.min, tzinfo=MINNESOTA).astimezone(dt.UTC)

    @property
    def service_organizations(self) -> list[OrganizationSeed]:
        return [seeded for seeded in self.organizations if seeded.organization.serves_people]

    def stage_rng(self, stage: str) -> random.Random:
        # A string seed is hashed with SHA-512 by random.Random, the same on every platform and run.
        return random.Random(f"peerway-seed:{self.seed}:{stage}")

    def public_id(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def moment_days_ago(self, days: float) -> dt.datetime:
        """The anchor minus ``days``, to the whole second (so dumps compare without float noise)."""
        return self.anchor - dt.timedelta(seconds=int(days * 86_400))

    def moment_between(self, earliest: dt.datetime, latest: dt.datetime) -> dt.datetime:
        span = max(0, int((latest - earliest).total_seconds()))
        return earliest + dt.timedelta(seconds=self.rng.randint(0, span))

    def random_text(self, length: int, alphabet: str = string.ascii_letters + string.digits) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(length))

    def insert(self, model: type[ModelT], objects: Sequence[ModelT]) -> list[ModelT]:
        """Insert ``objects`` with bulk_create in batches and count them under the model's table.

        bulk_create skips save() and signals: no change-history rows and no clock-based defaults are
        written, which is what keeps two runs identical.
        """
        created = model._default_manager.bulk_create(objects, batch_size=BATCH_SIZE)
        table = model._meta.db_table
        self.rows[table] = self.rows.get(table, 0) + len(created)
        return created

    def progress_bar(self, description: str, total: int) -> tqdm:
        # disable=None lets tqdm hide itself when stderr is not a terminal (CI logs, pipes, tests).
        return tqdm(total=total, desc=description, unit="row", leave=False, disable=None if self.progress else True)
