"""Seed stage "people": staff accounts and their memberships, and the published demo accounts.

Each organization gets the roles its kind allows (``ROLE_ORG_KINDS``). The first person in each role of
each organization is its demo account ("riverbend-peer"), with a password generated from the seed and
published in var/demo-accounts.json; every other account has an unusable password. The first person in a
role joined in the organization's first four weeks, so the demo peer (the heavy caseload of the first
organizations, engagements.py) has been there for the whole five years of history.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import math
import os
import string
import tempfile
from pathlib import Path

from django.contrib.auth.hashers import Argon2PasswordHasher, BasePasswordHasher, get_hasher, make_password

from peerway.accounts.models import Membership, User
from peerway.accounts.roles import ROLE_ORG_KINDS, Role
from peerway.core.seed.apportion import apportion
from peerway.core.seed.communities import PROFILES, profile_weights
from peerway.core.seed.context import DemoAccount, OrganizationSeed, SeedContext, StaffSeed
from peerway.core.seed.names import NAME_POOLS, ascii_handle
from peerway.organizations.models import OrganizationKind

# How many peers an organization of each kind has, relative to the others: RCOs are peer-run, licensed
# programs employ a few peers beside clinical staff.
PEER_WEIGHT_BY_KIND: dict[str, float] = {
    OrganizationKind.RCO: 3.0,
    OrganizationKind.SUD_PROGRAM_245G: 1.0,
    OrganizationKind.WITHDRAWAL_MANAGEMENT: 1.5,
}
# UI languages a staff member may choose (settings.LANGUAGES) and the share who pick theirs over English.
UI_LANGUAGES = ("es", "so", "hmn")
UI_LANGUAGE_SHARE = 0.3
# Unambiguous characters for published passwords (no 0/o, 1/l/i), read aloud or typed from a screen.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105 (an alphabet, not a password)
SALT_ALPHABET = string.ascii_letters + string.digits
# Staff joined at least a week before --today, and within an hour of that their membership was recorded.
JOINED_BEFORE_ANCHOR_DAYS = 7
# The first person in each role (its demo account) joined within this many days of the organization's start.
FOUNDING_STAFF_DAYS = 28
MEMBERSHIP_DELAY_SECONDS = 3_600


class PublishedPasswordArgon2Hasher(Argon2PasswordHasher):
    """Argon2id at OWASP's minimum cost (19 MiB, 2 passes), for demo passwords only.

    Demo passwords are printed in var/demo-accounts.json, so Django's default cost (100 MiB, about 130 ms
    a hash) would protect nothing and make `make demo` wait seconds. Django sees the lower parameters on
    the first sign-in and re-hashes at the configured cost.
    """

    time_cost = 2
    memory_cost = 19_456
    parallelism = 1


def people_seed(ctx: SeedContext) -> None:
    """Create every staff user and membership; record them in ``ctx.staff`` and ``ctx.demo_accounts``."""
    hasher = _demo_password_hasher()
    peers_by_org = _peer_counts(ctx)
    users: list[User] = []
    memberships: list[tuple[int, str]] = []  # (index into ctx.organizations, role) per user
    profiles: list[str] = []
    with ctx.progress_bar("people", ctx.scale.peers) as bar:
        for org_index, seeded in enumerate(ctx.organizations):
            for role, count in _role_counts(ctx, seeded, peers_by_org.get(org_index, 0)):
                for position in range(count):
                    # The running number keeps usernames unique however often a name pair repeats.
                    serial = len(users) + 1
                    user, profile = _user_build(ctx, seeded, role, serial=serial, demo=position == 0, hasher=hasher)
                    users.append(user)
                    memberships.append((org_index, role))
                    profiles.append(profile)
                    if role == Role.PEER:
                        bar.update(1)
        ctx.insert(User, users)
        ctx.insert(
            Membership,
            [
                _membership_build(ctx, user, ctx.organizations[org_index], role)
                for user, (org_index, role) in zip(users, memberships, strict=True)
            ],
        )
    demo_usernames = {account.username for account in ctx.demo_accounts}
    for user, (org_index, role), profile in zip(users, memberships, profiles, strict=True):
        ctx.staff.append(
            StaffSeed(
                user_id=user.pk,
                organization_id=ctx.organizations[org_index].organization.pk,
                role=role,
                profile=profile,
                first_name=user.first_name,
                joined=user.date_joined,
                username=user.username,
                demo=user.username in demo_usernames,
            )
        )


def demo_accounts_write(path: Path, accounts: list[DemoAccount]) -> Path:
    """Write the published demo accounts as a JSON list to a new file beside ``path``; return that file.

    The file is readable only by the owner. The caller moves it onto ``path`` with ``os.replace`` once the
    accounts are committed (or deletes it), so ``path`` never lists accounts the database does not have
    and never holds half a list. Raises OSError when the folder cannot be made or written to.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_dir():
        # os.replace could not put the file there after the commit: refuse while the seed can still roll back.
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    rows = [
        {"username": a.username, "password": a.password, "role": a.role, "organization": a.organization}
        for a in accounts
    ]
    # mkstemp creates the file for the owner only (0600), in the same folder so os.replace is one rename.
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Path(temporary)


def _demo_password_hasher() -> BasePasswordHasher:
    hasher = get_hasher("default")
    return PublishedPasswordArgon2Hasher() if isinstance(hasher, Argon2PasswordHasher) else hasher


def _peer_counts(ctx: SeedContext) -> dict[int, int]:
    """Peers per service organization (by index in ``ctx.organizations``): at least one each, since every
    service organization has a demo peer, the rest in proportion to kind and a random size."""
    service = [index for index, seeded in enumerate(ctx.organizations) if seeded.organization.serves_people]
    weights = [
        PEER_WEIGHT_BY_KIND[ctx.organizations[index].organization.kind] * ctx.rng.uniform(0.5, 1.5) for index in service
    ]
    return dict(zip(service, apportion(ctx.scale.peers, weights, minimum=1), strict=True))


def _role_counts(ctx: SeedContext, seeded: OrganizationSeed, peers: int) -> list[tuple[str, int]]:
    """How many people hold each role in one organization; every role its kind allows gets at least one."""
    kind = seeded.organization.kind
    scale = ctx.scale
    if seeded.organization.serves_people:
        counts = [
            (Role.PEER, peers),
            (Role.SUPERVISOR, max(1, math.ceil(peers / scale.peers_per_supervisor))),
            (Role.ORG_ADMIN, 1 if peers < 30 else 2),
            (Role.BILLING, 1 if peers < 40 else 2),
        ]
    elif kind == OrganizationKind.CERTIFICATION_BOARD:
        counts = [(Role.BOARD_ADMIN, scale.board_admins), (Role.ORG_ADMIN, 1)]
    elif kind == OrganizationKind.ACCREDITATION_BODY:
        counts = [(Role.EVALUATOR, scale.evaluators), (Role.ORG_ADMIN, 1)]
    else:
        counts = [(Role.ANALYST, scale.analysts), (Role.PLATFORM_ADMIN, scale.platform_admins), (Role.ORG_ADMIN, 1)]
    for role, _ in counts:
        # The same rule Membership.clean() enforces; bulk_create does not call clean().
        if kind not in ROLE_ORG_KINDS[Role(role)]:
            raise AssertionError(f"role {role} is not allowed in a {kind} organization")
    return [(str(role), count) for role, count in counts]


def _user_build(
    ctx: SeedContext, seeded: OrganizationSeed, role: str, *, serial: int, demo: bool, hasher: BasePasswordHasher
) -> tuple[User, str]:
    """One unsaved user with a name from a community profile of the organization's region; returns the
    user and the profile's key."""
    keys, weights = profile_weights(seeded.region, seeded.focus_profile)
    profile = ctx.rng.choices(keys, weights)[0]
    pool = NAME_POOLS[PROFILES[profile].name_pool]
    first_name, last_name = ctx.rng.choice(pool.first_names), ctx.rng.choice(pool.last_names)
    slug = seeded.organization.slug
    if demo:
        username = f"{slug}-{role.replace('_', '-')}"
        password = "-".join(ctx.random_text(4, PASSWORD_ALPHABET) for _ in range(4))
        stored_password = make_password(password, salt=ctx.random_text(22, SALT_ALPHABET), hasher=hasher)
        ctx.demo_accounts.append(DemoAccount(username=username, password=password, role=role, organization=slug))
    else:
        username = f"{ascii_handle(first_name, last_name)}.{serial}"
        # The same shape as Django's unusable password ("!" + 40 random characters), drawn from the seed.
        stored_password = "!" + ctx.random_text(40)
    founded = seeded.organization.created_at
    latest_join = ctx.moment_days_ago(JOINED_BEFORE_ANCHOR_DAYS)
    if demo:
        latest_join = min(latest_join, founded + dt.timedelta(days=FOUNDING_STAFF_DAYS))
    date_joined = ctx.moment_between(founded, latest_join)
    languages = [slug for slug, _ in PROFILES[profile].languages if slug in UI_LANGUAGES]
    preferred_language = languages[0] if languages and ctx.rng.random() < UI_LANGUAGE_SHARE else "en"
    user = User(
        public_id=ctx.public_id(),
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=f"{username}@example.org",
        password=stored_password,
        is_active=True,
        date_joined=date_joined,
        preferred_language=preferred_language,
    )
    return user, profile


def _membership_build(ctx: SeedContext, user: User, seeded: OrganizationSeed, role: str) -> Membership:
    recorded = user.date_joined + dt.timedelta(seconds=ctx.rng.randint(0, MEMBERSHIP_DELAY_SECONDS))
    return Membership(
        public_id=ctx.public_id(),
        user=user,
        organization=seeded.organization,
        role=role,
        active=True,
        created_at=min(recorded, ctx.anchor),
    )
