"""Words on Peerway's pages that came out in English in Spanish, Somali and Hmong: each now goes through the
translation catalogs (or, for a check-in instrument, through the translations the instrument itself carries).

The page tests give the messages they check a recognizable Spanish "translation" ("[es] " and the English) for
the length of the test, so they prove a message is translated where it is shown whatever the catalogs hold today.
``test_labels_from_data_files_are_listed_for_the_catalogs`` checks that labels which come from data files, and are
translated by value, are listed in templates/i18n/strings_from_code.html for `makemessages`;
``test_every_message_in_our_python_code_is_in_the_catalog`` (a catalog test, run with the others by
`make test-e2e`) checks that the catalogs translate every message our Python code asks for.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import secrets
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import extract
from babel.messages.pofile import read_po
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import trans_real
from django.utils.translation.template import templatize

from peerway.certification import rules
from peerway.certification.models import Credential, CredentialType
from peerway.certification.selectors import refusal_text, shortfall_text
from peerway.core.models import Language
from peerway.intake.models import HelpRequest
from peerway.organizations.models import County, ServiceArea
from peerway.recovery.models import Instrument
from peerway.recovery.models.engagements import EngagementStatus, Program
from peerway.recovery.services.checkins import checkin_record_by_staff
from peerway.workforce.models import AgeBand, Gender, Modality, PeerProfile
from peerway.workforce.supervision import supervision_topics
from peerway.workforce.supply import supply_demand
from tests.factories import ParticipantFactory
from tests.helpers import Cast
from tests.recovery.records import ready_engagement
from tests.workforce.credentials_helpers import credential

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "peerway"
LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
STRINGS_FROM_CODE = Path(settings.TEMPLATES[0]["DIRS"][0]) / "i18n" / "strings_from_code.html"
MARK = "[es] "
Mark = Callable[..., None]


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    # A request to /es/... leaves Spanish active in this thread; later tests' reverse() would use it.
    yield
    translation.deactivate()


@pytest.fixture
def spanish_marks() -> Iterator[Mark]:
    """``mark(*msgids, plurals=[(singular, plural)])`` shows those messages in Spanish as "[es] " and the English,
    until the test ends. It writes into the Spanish translation Django has loaded (a private structure of
    django.utils.translation.trans_real) and puts back what was there."""
    catalog = trans_real.translation("es")._catalog._catalogs[0]  # type: ignore[attr-defined]
    missing = object()
    saved: dict[object, object] = {}

    def put(key: object, text: str) -> None:
        saved.setdefault(key, catalog.get(key, missing))
        catalog[key] = text

    def mark(*msgids: str, plurals: tuple[tuple[str, str], ...] = ()) -> None:
        for msgid in msgids:
            put(msgid, MARK + msgid)
        for singular, plural in plurals:
            # Spanish has three plural forms: one, a multiple of a million, other.
            for index, text in enumerate((singular, plural, plural)):
                put((singular, index), MARK + text)

    yield mark
    for key, value in saved.items():
        if value is missing:
            del catalog[key]
        else:
            catalog[key] = value


def _page(user: object, name: str, *args: object) -> str:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    with translation.override("es"):
        url = reverse(name, args=args)
    assert url.startswith("/es/")
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(" ".join(response.content.decode().split()))


# ---------------------------------------------------------------- 1. engagement programs and statuses


def test_engagement_program_and_status_labels_are_translated(cast: Cast, spanish_marks: Mark) -> None:
    spanish_marks(*(str(label) for label in [*Program.labels, *EngagementStatus.labels]))
    with translation.override("es"):
        assert [str(label) for label in Program.labels] == [
            MARK + "Recovery community organization",
            MARK + "Licensed SUD treatment program (245G)",
            MARK + "Withdrawal management program (245F)",
        ]
        assert str(EngagementStatus.CLOSED.label) == MARK + "Closed"
    engagement = ready_engagement(cast, program=Program.SUD_245G)
    page = _page(cast.alice, "recovery:engagement_detail", engagement.public_id)
    assert f"{MARK}Licensed SUD treatment program (245G)" in page
    assert f"{MARK}Active support" in page


# ---------------------------------------------------------------- 2. the peer profile


def test_the_peer_profile_form_shows_its_help_texts_and_choices_translated(cast: Cast, spanish_marks: Mark) -> None:
    help_texts = ("The first name people seeking help see.", "A short self-introduction.")
    choices = [str(label) for label in [*Gender.labels, *AgeBand.labels, *Modality.labels]]
    spanish_marks(*help_texts, *choices)
    PeerProfile.objects.create(user=cast.alice, organization=cast.org, display_name="Alice", modalities=["phone"])
    page = _page(cast.alice, "workforce:profile_edit")
    for text in (*help_texts, *choices):
        assert MARK + text in page, text
    assert f"{MARK}65 and over" in page


# ---------------------------------------------------------------- 3. reciprocity on /staff/certification/

REASON_SENTENCES = (
    "%(credential)s does not meet the IC&RC minimums: %(shortfalls)s.",
    "%(requirement)s: %(have)s of %(need)s hours",
    "Minnesota state peer recovery exam",
    "IC&RC Peer Recovery exam",
    "Experience",
    "Supervision",
)
EXAM_SENTENCE = (
    "Exam: %(exams)s is not an accepted exam (accepted: %(accepted)s)",
    "Exam: %(exams)s are not accepted exams (accepted: %(accepted)s)",
)


def test_reciprocity_reasons_are_sentences_in_the_readers_language(cast: Cast, spanish_marks: Mark) -> None:
    spanish_marks(*REASON_SENTENCES, plurals=(EXAM_SENTENCE,))
    Credential.objects.create(
        holder=cast.alice,
        credential_type=CredentialType.objects.get(board__slug="mn-mcb", code="CPRS"),
        issued_on=timezone.localdate() - dt.timedelta(days=30),
    )
    page = _page(cast.alice, "certification:my")
    assert (
        f"{MARK}Minnesota Certification Board CPRS does not meet the IC&RC minimums: "
        f"{MARK}{MARK}Experience: 0 of 500 hours; {MARK}{MARK}Supervision: 0 of 25 hours; "
        f"{MARK}Exam: {MARK}Minnesota state peer recovery exam is not an accepted exam "
        f"(accepted: {MARK}IC&RC Peer Recovery exam)."
    ) in page
    assert "mn_state" not in page and "icrc_pr" not in page


SHORTFALLS = (
    rules.Shortfall(rules.ShortfallKind.TRAINING_DOMAIN, "Ethical responsibility", Decimal(12), Decimal(16)),
    rules.Shortfall(rules.ShortfallKind.HOURS, "Experience", Decimal("2.5"), Decimal(500)),
    rules.Shortfall(rules.ShortfallKind.NO_EXAM),
    rules.Shortfall(rules.ShortfallKind.ATTESTATION, "Signed code of ethics"),
    rules.Shortfall(rules.ShortfallKind.NO_RENEWAL),
    rules.Shortfall(rules.ShortfallKind.RENEWAL_PERIOD, have=Decimal(36), need=Decimal(24)),
)


def test_in_english_the_reasons_read_as_the_rules_write_them_but_name_exams() -> None:
    with translation.override("en"):
        for shortfall in SHORTFALLS:
            assert shortfall_text(shortfall) == shortfall.text
        for refusal in (
            rules.Refusal(rules.RefusalKind.NOT_OFFERED),
            rules.Refusal(rules.RefusalKind.BOARD_NOT_MEMBER, "Board X CPS"),
            rules.Refusal(rules.RefusalKind.NOT_ACTIVE, "Board X CPS"),
            rules.Refusal(rules.RefusalKind.BELOW_MINIMUMS, "Board X CPS", SHORTFALLS),
        ):
            assert refusal_text(refusal) == refusal.text
        exams = rules.Shortfall(rules.ShortfallKind.EXAM_NOT_ACCEPTED, exams=("mn_state",), accepted=("icrc_pr",))
        assert exams.text == "Exam: mn_state is not an accepted exam (icrc_pr)"
        assert shortfall_text(exams) == (
            "Exam: Minnesota state peer recovery exam is not an accepted exam (accepted: IC&RC Peer Recovery exam)"
        )
        unknown = rules.Shortfall(rules.ShortfallKind.EXAM_NOT_ACCEPTED, exams=("zz", "yy"), accepted=("icrc_pr",))
        assert shortfall_text(unknown) == "Exam: zz, yy are not accepted exams (accepted: IC&RC Peer Recovery exam)"


def test_hours_in_reasons_are_written_as_the_reader_writes_numbers(spanish_marks: Mark) -> None:
    spanish_marks("%(requirement)s: %(have)s of %(need)s hours", "Experience")
    with translation.override("es"):
        assert shortfall_text(SHORTFALLS[1]) == f"{MARK}{MARK}Experience: 2,5 of 500 hours"


# ---------------------------------------------------------------- 4. supervision topics


def test_supervision_topics_are_shown_in_the_readers_language(cast: Cast, spanish_marks: Mark) -> None:
    spanish_marks("Ethics and boundaries", "Self-care and burnout")
    with translation.override("es"):
        assert str(supervision_topics()["ethics_boundaries"]) == MARK + "Ethics and boundaries"
    with translation.override("en"):
        assert str(supervision_topics()["ethics_boundaries"]) == "Ethics and boundaries"
    page = _page(cast.sam, "career:supervision")
    assert f"{MARK}Ethics and boundaries" in page and f"{MARK}Self-care and burnout" in page


# ---------------------------------------------------------------- 5. the public standards page


@pytest.mark.django_db
def test_the_standards_page_shows_training_domains_in_the_readers_language(spanish_marks: Mark) -> None:
    spanish_marks("Ethical responsibility", "Mentoring and education", "Harm reduction")
    with translation.override("es"):
        url = reverse("certification:standards")
    page = html.unescape(" ".join(Client().get(url).content.decode().split()))
    assert f"{MARK}Ethical responsibility: 16" in page
    assert f"{MARK}Mentoring and education: 10" in page
    assert f"{MARK}Harm reduction: 6" in page


# ---------------------------------------------------------------- 6. the check-in instrument's title


def test_the_check_in_list_names_the_instrument_in_the_readers_language(cast: Cast) -> None:
    instrument = Instrument.objects.get(organization=None, url__endswith="recovery-capital-checkin")
    with translation.override("es"):
        assert str(instrument) == "Chequeo de capital de recuperación (v1)"
    with translation.override("so"):
        assert instrument.title_shown == "Hubinta hantida soo kabashada"
    with translation.override("en"):
        assert str(instrument) == "Recovery capital check-in (v1)"
    participant = ParticipantFactory(organization=cast.org)
    items = [item.link_id for item in instrument.definition.items]
    checkin_record_by_staff(
        participant=participant,
        instrument=instrument,
        answers=dict.fromkeys(items, "3"),
        actor=cast.alice,
        answered_at=timezone.now() - dt.timedelta(days=1),
    )
    page = _page(cast.sam, "recovery:checkin_list", participant.public_id)
    assert "<td>Chequeo de capital de recuperación</td>" in page
    assert "Chequeo de capital de recuperación (v1)</option>" in page
    assert "Recovery capital check-in" not in page


# ---------------------------------------------------------------- 7. workforce supply regions


def test_supply_regions_are_named_in_the_readers_language(cast: Cast, spanish_marks: Mark) -> None:
    spanish_marks("Metro")
    hennepin = County.objects.get(name="Hennepin", state="MN")
    assert hennepin.region == "Metro"
    ServiceArea.objects.create(organization=cast.org, county=hennepin)
    peer = PeerProfile.objects.create(user=cast.alice, organization=cast.org, display_name="Alice")
    credential(peer.user, expires_on=dt.date(2099, 1, 1))
    HelpRequest.objects.create(
        status_token_hash=secrets.token_hex(32),
        status_token_expires_at=timezone.now() + dt.timedelta(days=1),
        contact_method="call",
        phone="(612) 555-0100",
        language=Language.objects.get(slug="en"),
        consent_to_contact=True,
        county=hennepin,
    )
    with translation.override("es"):
        assert [row.label for row in supply_demand().facet("region")] == [MARK + "Metro"]
    with translation.override("en"):
        assert [row.label for row in supply_demand().facet("region")] == ["Metro"]
    page = _page(cast.analyst, "career:supply")
    assert f'<th scope="row">{MARK}Metro</th>' in page


# ---------------------------------------------------------------- msgids for labels from data files


def _strings_from_code() -> set[str]:
    code = "\n".join(
        line.lstrip()
        for line in templatize(
            STRINGS_FROM_CODE.read_text(encoding="utf-8"), origin=str(STRINGS_FROM_CODE)
        ).splitlines()
    )
    found = set()
    for _line, message, _comments, _context in extract("python", io.BytesIO(code.encode())):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _rules_labels() -> set[str]:
    """Every label certification/rules.py puts in a shortfall, found by asking it about a spec that asks nothing."""
    domain = rules.DomainRequirement("some_domain", "Some domain", Decimal(1))
    everything = rules.RequirementSpec(
        training_domains=(domain,),
        training_total_hours=Decimal(1),
        experience_hours=Decimal(1),
        supervision_hours=Decimal(1),
        attestations=rules.ATTESTATION_KINDS,
        renewal=rules.RenewalRule(12, Decimal(2), Decimal(1)),
    )
    nothing = rules.RequirementSpec(renewal=rules.RenewalRule(12, Decimal(0), Decimal(0)))
    return {shortfall.label for shortfall in rules.shortfalls(nothing, everything)} - {domain.label}


def test_labels_from_data_files_are_listed_for_the_catalogs() -> None:
    listed = _strings_from_code()
    domains = {
        row.get("label", row["slug"])
        for path in (PACKAGE / "certification" / "fixtures").glob("*.json")
        for credential_type in json.loads(path.read_text())["credential_types"]
        for row in credential_type["requirements"].get("training", {}).get("domains", [])
    }
    topics = {
        row["label"]
        for row in json.loads((PACKAGE / "workforce/fixtures/supervision_topics.json").read_text())["topics"]
    }
    counties = json.loads((PACKAGE / "organizations/fixtures/mn_counties.json").read_text())["counties"]
    regions = {county["region"] for county in counties if county.get("region")}
    rules_labels = _rules_labels()
    assert {"Experience", "Training, all domains", "Continuing education in ethics"} <= rules_labels
    assert len(domains) > 5 and len(topics) > 5 and len(regions) > 3
    for kind, labels in {
        "training domains (certification/fixtures)": domains,
        "requirement labels (certification/rules.py)": rules_labels,
        "supervision topics (workforce/fixtures/supervision_topics.json)": topics,
        "regions (organizations/fixtures/mn_counties.json)": regions,
    }.items():
        missing = sorted(labels - listed)
        assert not missing, f"add the {kind} to templates/i18n/strings_from_code.html: {missing}"


# ---------------------------------------------------------------- the catalogs (with the other catalog tests)

KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}


def python_msgids() -> set[tuple[str | None, str]]:
    """Every (context, msgid) our Python code asks to translate, found with makemessages' keywords."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for _line, message, _comments, context in extract("python", io.BytesIO(path.read_bytes()), keywords=KEYWORDS):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found.add((context, msgid))
    return found


@pytest.mark.e2e
@pytest.mark.parametrize("language", ["es", "so", "hmn"])
def test_every_message_in_our_python_code_is_in_the_catalog(language: str) -> None:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "django.po").open("rb") as po_file:
        catalog = read_po(po_file)
    wanted = python_msgids()
    assert len(wanted) > 100, "the code seems to ask for almost no translations: is the extraction broken?"
    missing = sorted(msgid for context, msgid in wanted if not catalog.get(msgid, context=context))
    assert not missing, f"run makemessages and translate: {language} lacks {missing}"


# ---------------------------------------------------------------- the application's checklist and training domains


def test_an_applications_checklist_and_training_domains_are_in_the_readers_language(
    cast: Cast, spanish_marks: Mark
) -> None:
    from peerway.certification import services as certification
    from tests.workforce.credentials_helpers import credential_type

    application = certification.application_create(applicant=cast.alice, credential_type=credential_type("CPRS"))
    spanish_marks("Exam passed", "Ethical responsibility", "Training, all domains")
    page = _page(cast.alice, "certification:application", application.public_id)
    assert f"{MARK}Exam passed:" in page
    assert f"{MARK}Training, all domains:" in page
    # The training form's domain choices.
    assert f">{MARK}Ethical responsibility</option>" in page


def test_gaps_and_conflicts_in_refusal_messages_are_in_the_readers_language(cast: Cast, spanish_marks: Mark) -> None:
    from peerway.certification import services as certification
    from peerway.certification.selectors import checklist_line_text, conflict_of_interest
    from tests.workforce.credentials_helpers import credential_type

    application = certification.application_create(applicant=cast.alice, credential_type=credential_type("CPRS"))
    spanish_marks("Ethical responsibility", "%(have)s of %(need)s hours", "missing", "This is your own application.")
    hours = rules.Line(key="ethics", label="Ethical responsibility", have=Decimal("12.5"), need=Decimal(16))
    done = rules.Line(key="exam", label="Exam passed", have=Decimal(0), need=Decimal(1), unit="")
    with translation.override("es"):
        assert checklist_line_text(hours) == f"{MARK}Ethical responsibility: {MARK}12,5 of 16 hours"
        assert checklist_line_text(done).endswith(f": {MARK}missing")
        assert str(certification.SubmissionIncomplete((hours,))) == checklist_line_text(hours)
        assert conflict_of_interest(cast.alice, application) == f"{MARK}This is your own application."
