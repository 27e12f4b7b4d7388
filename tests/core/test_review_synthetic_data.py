"""Review: "only synthetic data, ever" — what `peerway seed --scale small` writes, the fixture files, the demo's
sign-ins, the test factories and every other phone number or address kept in the repository.

Phone numbers must be in the block reserved for fiction (North America: 555-0100 to 555-0199; the UK: Ofcom's drama
range 020 7946 0000 to 0999), e-mail addresses and web sites on reserved domains (example.org/.com/.net, .test,
.invalid), names plainly invented. The seed runs once, at the small scale, for the module (as in
test_seed_contents.py) and is rolled back when the module ends.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.db import models, transaction
from django.test import override_settings
from pytest_django import DjangoDbBlocker

from peerway.accounts.models import User
from peerway.core.management.commands.serve import Command as ServeCommand
from peerway.core.seed import SeedReport, seed_run
from peerway.core.seed.names import NAME_POOLS
from peerway.resources.models import Resource
from tests.factories import ParticipantFactory

TODAY = dt.date(2026, 11, 23)
PROJECT = Path(__file__).resolve().parents[2]

# A North American number written as one: an area code and an exchange that can be dialled (2-9), then four digits.
NANP = re.compile(
    r"(?<![\w+/.-])(?:\+?1[\s.-]?)?(\(?)([2-9]\d\d)\)?([\s.\u2010-\u2015\u2212-]?)([2-9]\d\d)"
    r"([\s.\u2010-\u2015\u2212-]?)(\d{4})(?![\w-])"
)
# A number given with a country code other than North America's: "+" and at least eight more digits.
INTERNATIONAL = re.compile(r"(?<![\w+])\+(?!1\b|1\d{4}-)(?:\(?\d[\s().\u2010-\u2015\u2212-]{0,3}){8,15}\d?")
EMAIL = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
URL = re.compile(r"https?://([\w.-]+)")
RESERVED_DOMAINS = ("example.org", "example.com", "example.net", "test", "invalid", "example", "localhost")


def fictional_nanp(exchange: str, line: str) -> bool:
    return exchange == "555" and 100 <= int(line) <= 199


def fictional_international(number: str) -> bool:
    digits = re.sub(r"\D", "", number.replace("(0)", ""))
    if len(digits) == 11 and digits.startswith("1"):  # +16125550101: North American, written without spaces
        return fictional_nanp(digits[4:7], digits[7:])
    # Ofcom's drama numbers: 020 7946 0000 to 020 7946 0999.
    return digits.startswith("442079460")


def reserved_domain(host: str) -> bool:
    host = host.lower().rstrip(".").split(":")[0]
    return any(host == domain or host.endswith("." + domain) for domain in RESERVED_DOMAINS)


def real_looking_numbers(text: str) -> list[str]:
    found = [
        m.group(0)
        for m in NANP.finditer(text)
        # Written as a phone number: in parentheses, or grouped 3-3-4 throughout, or ten digits in a row (not
        # "404 2097152", a status and a size in a log line).
        if (m.group(1) or bool(m.group(3)) == bool(m.group(5))) and not fictional_nanp(m.group(4), m.group(6))
    ]
    found += [m.group(0) for m in INTERNATIONAL.finditer(text) if not fictional_international(m.group(0))]
    return found


@dataclass(frozen=True)
class Seeded:
    report: SeedReport
    var_dir: Path


@pytest.fixture(scope="module")
def seeded(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seeded]:
    var_dir = tmp_path_factory.mktemp("synthetic-var")
    with django_db_blocker.unblock(), override_settings(VAR_DIR=var_dir), transaction.atomic():
        report = seed_run(scale="small", seed=42, today=TODAY, progress=False)
        yield Seeded(report=report, var_dir=var_dir)
        transaction.set_rollback(True)


TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def every_text_value() -> Iterator[tuple[str, str]]:
    """(model.field, text) for every text and JSON value in the database, read through the ORM (decrypted)."""
    for model in apps.get_models():
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, TEXT_FIELDS) or ("Encrypted" in type(f).__name__ and "Date" not in type(f).__name__)
        ]
        if not fields:
            continue
        names = [f.attname for f in fields]
        for row in model._default_manager.values_list(*names).iterator():
            for name, value in zip(names, row, strict=True):
                if value in (None, ""):
                    continue
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                yield f"{model._meta.label}.{name}", text


def fixture_hosts() -> set[str]:
    """Hosts named in the shipped reference fixtures (certification boards, FHIR code systems): public data the
    project loads on purpose."""
    hosts: set[str] = set()
    for path in (PROJECT / "src" / "peerway").glob("*/fixtures/*.json"):
        hosts.update(host.lower() for host in URL.findall(path.read_text(encoding="utf-8")))
    return hosts


@pytest.mark.django_db
def test_every_phone_number_the_small_seed_writes_is_in_the_fictional_block(seeded: Seeded) -> None:
    checked = fictional = 0
    offenders: list[tuple[str, str]] = []
    for where, text in every_text_value():
        checked += 1
        fictional += len(re.findall(r"555-01\d\d", text))
        offenders += [(where, number) for number in real_looking_numbers(text)]
    # The scan reads decrypted values: the participants' and askers' encrypted phone numbers are among them.
    assert checked > 1000 and fictional > 300
    assert not offenders, offenders[:20]


@pytest.mark.django_db
def test_every_email_and_web_address_the_small_seed_writes_is_on_a_reserved_domain(seeded: Seeded) -> None:
    public_reference = fixture_hosts()
    emails = webs = 0
    offenders: list[tuple[str, str]] = []
    for where, text in every_text_value():
        for domain in EMAIL.findall(text):
            emails += 1
            if not reserved_domain(domain):
                offenders.append((where, domain))
        for host in URL.findall(text):
            webs += 1
            if not reserved_domain(host) and host.lower() not in public_reference:
                offenders.append((where, host))
    assert emails > 100 and webs > 100
    assert not offenders, offenders[:20]


@pytest.mark.django_db
def test_seeded_resources_have_invented_addresses_and_fictional_numbers(seeded: Seeded) -> None:
    resources = list(Resource.objects.all())
    assert len(resources) == 300
    for resource in resources:
        assert resource.description == "Invented for demonstration; not a real service.", resource.name
        assert " Example " in f" {resource.street} ", resource.street
        assert re.fullmatch(r"\(\d{3}\) 555-01\d\d", resource.phone), resource.phone
        assert reserved_domain(urlsplit(resource.website).hostname or ""), resource.website


# Well-known Minnesotans whose first and last names are both in one of the seed's name pools, so a draw can give a
# generated staff member their exact name (names.py says famous Minnesotans' names were kept out of the pools).
WELL_KNOWN_MINNESOTANS = (
    ("Tou", "Thao"),  # the former Minneapolis police officer convicted over George Floyd's killing
    ("Fue", "Lee"),  # a member of the Minnesota House of Representatives
    ("Hodan", "Hassan"),  # a member of the Minnesota House of Representatives
    ("Abdi", "Warsame"),  # a former Minneapolis City Council member
)


def test_no_two_names_of_one_pool_make_a_well_known_minnesotans_name() -> None:
    possible = [
        (first, last)
        for first, last in WELL_KNOWN_MINNESOTANS
        for pool in NAME_POOLS.values()
        if first in pool.first_names and last in pool.last_names
    ]
    assert not possible


@pytest.mark.django_db
def test_demo_sign_ins_are_owner_only_and_each_password_is_its_own(seeded: Seeded) -> None:
    path = seeded.var_dir / "demo-accounts.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    accounts = json.loads(path.read_text(encoding="utf-8"))
    passwords = [account["password"] for account in accounts]
    assert len(set(passwords)) == len(passwords)
    assert all(re.fullmatch(r"([a-hj-km-np-z2-9]{4}-){3}[a-hj-km-np-z2-9]{4}", p) for p in passwords)
    demo_users = User.objects.filter(username__in=[account["username"] for account in accounts])
    assert all(user.email.endswith("@example.org") for user in demo_users)


def test_make_demo_serves_its_published_sign_ins_on_localhost_only() -> None:
    makefile = (PROJECT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    serve_lines = [line for line in recipe.splitlines() if "peerway serve" in line]
    assert len(serve_lines) == 1 and "--host" not in serve_lines[0], recipe
    parser = ServeCommand().create_parser("peerway", "serve")
    assert parser.parse_args([]).host == "127.0.0.1"


def test_the_participant_factory_makes_only_fictional_phone_numbers() -> None:
    # 250 consecutive sequence numbers cannot all fall inside a block of 100, wherever the sequence stands.
    phones = [participant.phone for participant in ParticipantFactory.build_batch(250)]
    assert all(re.fullmatch(r"\(\d{3}\) 555-01\d\d", phone) for phone in phones), sorted(
        p for p in phones if not p.startswith("(612) 555-01")
    )[:5]


def repository_text_files() -> Iterator[Path]:
    roots = [PROJECT / name for name in ("src", "tests", "docs", "bench", "scripts")]
    roots += [PROJECT / "README.md", PROJECT / "Makefile"]
    for root in roots:
        paths = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in paths:
            if path.resolve() == Path(__file__).resolve() or not path.is_file():
                continue
            if "__pycache__" in path.parts or path.suffix not in {".py", ".json", ".csv", ".md", ".html", ".txt", ""}:
                continue
            yield path


def test_fixture_files_and_the_sample_csv_hold_only_fictional_contacts() -> None:
    paths = [
        *sorted((PROJECT / "src" / "peerway").glob("*/fixtures/*.json")),
        PROJECT / "docs" / "resources-sample.csv",
    ]
    assert len(paths) >= 10
    offenders: list[tuple[str, str]] = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        offenders += [(path.name, number) for number in real_looking_numbers(text)]
        offenders += [(path.name, domain) for domain in EMAIL.findall(text) if not reserved_domain(domain)]
    assert not offenders, offenders
    sample = (PROJECT / "docs" / "resources-sample.csv").read_text(encoding="utf-8")
    assert all(reserved_domain(host) for host in URL.findall(sample))


def test_the_repository_holds_no_real_looking_phone_number() -> None:
    offenders: list[tuple[str, str]] = []
    for path in repository_text_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        offenders += [(str(path.relative_to(PROJECT)), number) for number in real_looking_numbers(text)]
    assert not offenders, offenders
