"""The application workflow on the database: allowed transitions work, others are refused, one audit row each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from peerway.accounts.models import User
from peerway.certification import services
from peerway.certification.models import (
    Application,
    ApplicationKind,
    ApplicationStatus,
    ApplicationTransition,
    Credential,
    CredentialStatus,
)
from peerway.workforce.credentials import ce_add
from tests.certification.conftest import Boards, complete_application, fill, held_credential
from tests.factories import MembershipFactory
from tests.helpers import Cast

S = ApplicationStatus


def _to(status: str, application: Application, boards: Boards) -> Application:
    """Bring a complete draft to ``status`` through the services."""
    bea = boards.bea
    steps: dict[str, list[Callable[[Application], object]]] = {
        S.DRAFT: [],
        S.SUBMITTED: [lambda a: services.application_submit(a, actor=a.applicant)],
        S.UNDER_REVIEW: [
            lambda a: services.application_submit(a, actor=a.applicant),
            lambda a: services.review_start(a, reviewer=bea),
        ],
        S.MORE_INFO_NEEDED: [
            lambda a: services.application_submit(a, actor=a.applicant),
            lambda a: services.review_start(a, reviewer=bea),
            lambda a: services.review_ask_for_more_info(a, reviewer=bea, message="Please add your exam result."),
        ],
        S.APPROVED: [
            lambda a: services.application_submit(a, actor=a.applicant),
            lambda a: services.review_start(a, reviewer=bea),
            lambda a: services.review_approve(a, reviewer=bea),
        ],
        S.DENIED: [
            lambda a: services.application_submit(a, actor=a.applicant),
            lambda a: services.review_start(a, reviewer=bea),
            lambda a: services.review_deny(a, reviewer=bea, reason="Training not from an approved provider."),
        ],
    }
    for step in steps[status]:
        step(application)
    return Application.objects.get(pk=application.pk)


ACTIONS: dict[str, Callable[[Application, Boards], object]] = {
    "submit": lambda a, b: services.application_submit(a, actor=a.applicant),
    "start_review": lambda a, b: services.review_start(a, reviewer=b.bea),
    "ask_for_more_info": lambda a, b: services.review_ask_for_more_info(a, reviewer=b.bea, message="More, please."),
    "approve": lambda a, b: services.review_approve(a, reviewer=b.bea, reason="Meets every requirement."),
    "deny": lambda a, b: services.review_deny(a, reviewer=b.bea, reason="Not eligible."),
}
ALLOWED = {
    (S.DRAFT, "submit"): S.SUBMITTED,
    (S.MORE_INFO_NEEDED, "submit"): S.SUBMITTED,
    (S.SUBMITTED, "start_review"): S.UNDER_REVIEW,
    (S.UNDER_REVIEW, "ask_for_more_info"): S.MORE_INFO_NEEDED,
    (S.UNDER_REVIEW, "approve"): S.APPROVED,
    (S.UNDER_REVIEW, "deny"): S.DENIED,
}


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_transition_is_allowed_or_refused_with_a_message(
    cast: Cast, boards: Boards, status: str, action: str
) -> None:
    application = _to(status, complete_application(cast.alice, boards.cprs), boards)
    audit_before = ApplicationTransition.objects.filter(application=application).count()
    expected = ALLOWED.get((status, action))
    if expected is None:
        with pytest.raises(services.TransitionRefused) as refused:
            ACTIONS[action](application, boards)
        assert "Cannot" in str(refused.value) and str(application.get_status_display()) in str(refused.value)
        assert Application.objects.get(pk=application.pk).status == status
        assert ApplicationTransition.objects.filter(application=application).count() == audit_before
        return
    ACTIONS[action](application, boards)
    application = Application.objects.get(pk=application.pk)
    assert application.status == expected
    rows = list(ApplicationTransition.objects.filter(application=application).order_by("id"))
    assert len(rows) == audit_before + 1
    last = rows[-1]
    assert (last.source, last.target) == (status, expected)
    assert last.actor == (cast.alice if action == "submit" else boards.bea)


def test_status_cannot_be_set_around_the_services(cast: Cast, boards: Boards) -> None:
    application = complete_application(cast.alice, boards.cprs)
    with pytest.raises(AttributeError):
        application.status = S.APPROVED
    with pytest.raises(TransitionNotAllowed):
        application.approve()


def test_approval_issues_an_active_credential_with_a_random_number(cast: Cast, boards: Boards) -> None:
    application = _to(S.APPROVED, complete_application(cast.alice, boards.cprs), boards)
    credential = Credential.objects.get(application=application)
    assert credential.holder == cast.alice and credential.status == "active"
    assert credential.expires_on is not None and credential.expires_on > timezone.localdate() + dt.timedelta(days=700)
    assert len(credential.number) == 8 and not credential.number.isdigit()


def test_submit_is_refused_with_what_is_missing(cast: Cast, boards: Boards) -> None:
    application = services.application_create(applicant=cast.alice, credential_type=boards.cprs)
    fill(application, skip="evidence:training_certificate")
    services.training_add(
        application, domain="ethics", provider="X", completed_on=timezone.localdate(), hours=Decimal(-0) + 1
    )
    with pytest.raises(services.SubmissionIncomplete) as incomplete:
        services.application_submit(application, actor=cast.alice)
    assert [line.key for line in incomplete.value.gaps] == ["evidence:training_certificate"]
    assert Application.objects.get(pk=application.pk).status == S.DRAFT
    assert not ApplicationTransition.objects.filter(application=application).exists()


def test_the_submit_page_lists_what_is_missing(cast: Cast, boards: Boards) -> None:
    application = services.application_create(applicant=cast.alice, credential_type=boards.cprs)
    fill(application, skip="attestation:ethics")
    client = Client()
    client.force_login(cast.alice)
    response = client.post(reverse("certification:submit", args=[application.public_id]))
    assert response.status_code == 400
    text = response.content.decode()
    assert "cannot be submitted yet" in text
    assert "Signed code of ethics" in text.split("Still missing:")[1].split("</ul>")[0]


def test_hour_gaps_go_to_the_reviewer_and_block_approval(cast: Cast, boards: Boards) -> None:
    application = services.application_create(applicant=cast.alice, credential_type=boards.cprs)
    fill(application, skip="training:ethics")
    services.training_add(
        application, domain="ethics", provider="X", completed_on=timezone.localdate(), hours=Decimal(12)
    )
    services.application_submit(application, actor=cast.alice)
    services.review_start(application, reviewer=boards.bea)
    client = Client()
    client.force_login(boards.bea)
    page = client.get(reverse("certification:review", args=[application.public_id])).content.decode()
    assert "Ethical responsibility:\n    12 of 16 hours" in page or "12 of 16 hours" in page
    with pytest.raises(
        services.TransitionRefused, match="Cannot approve: requirements not met: Ethical responsibility: 12 of 16 hours"
    ):
        services.review_approve(application, reviewer=boards.bea)
    assert Application.objects.get(pk=application.pk).status == S.UNDER_REVIEW


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"hours": Decimal(-3)}, "hours", "more than zero"),
        ({"hours": Decimal(25)}, "hours", "more than 24 hours a day"),
        ({"completed_on": timezone.localdate() + dt.timedelta(days=2)}, "completed_on", "future"),
    ],
)
def test_bad_training_hours_are_refused(
    cast: Cast, boards: Boards, kwargs: dict[str, object], field: str, message: str
) -> None:
    application = services.application_create(applicant=cast.alice, credential_type=boards.cprs)
    data: dict[str, object] = {
        "domain": "ethics",
        "provider": "X",
        "completed_on": timezone.localdate(),
        "hours": Decimal(8),
    } | kwargs
    with pytest.raises(ValidationError) as refused:
        services.training_add(application, **data)  # type: ignore[arg-type]
    assert message in " ".join(refused.value.message_dict[field])
    assert not application.training.exists()


def test_experience_over_24_hours_a_day_is_refused_on_the_page(cast: Cast, boards: Boards) -> None:
    application = services.application_create(applicant=cast.alice, credential_type=boards.cprsr)
    client = Client()
    client.force_login(cast.alice)
    day = timezone.localdate() - dt.timedelta(days=10)
    response = client.post(
        reverse("certification:entry_add", args=[application.public_id, "experience"]),
        {
            "experience-setting": "Riverbend",
            "experience-started_on": day.isoformat(),
            "experience-ended_on": (day + dt.timedelta(days=1)).isoformat(),
            "experience-hours": "49",
        },
    )
    assert response.status_code == 400
    assert "more than 24 hours a day" in response.content.decode()
    assert 'value="Riverbend"' in response.content.decode()  # typed values kept
    assert not application.experience.exists()


def test_entries_cannot_change_after_submission(cast: Cast, boards: Boards) -> None:
    application = _to(S.SUBMITTED, complete_application(cast.alice, boards.cprs), boards)
    with pytest.raises(services.TransitionRefused, match="can be changed only"):
        services.training_add(
            application, domain="ethics", provider="X", completed_on=timezone.localdate(), hours=Decimal(1)
        )


def test_more_info_lets_the_applicant_add_and_resubmit(cast: Cast, boards: Boards) -> None:
    application = _to(S.MORE_INFO_NEEDED, complete_application(cast.alice, boards.cprs), boards)
    client = Client()
    client.force_login(cast.alice)
    assert (
        "Please add your exam result."
        in client.get(reverse("certification:application", args=[application.public_id])).content.decode()
    )
    services.exam_add(application, exam="icrc_pr", taken_on=timezone.localdate(), passed=True)
    services.application_submit(application, actor=cast.alice)
    assert Application.objects.get(pk=application.pk).status == S.SUBMITTED
    assert ApplicationTransition.objects.filter(application=application).count() == 4


def test_decision_letter_is_a_pdf_in_the_applicants_language(cast: Cast, boards: Boards) -> None:
    cast.alice.preferred_language = "es"
    cast.alice.save()
    application = _to(S.APPROVED, complete_application(cast.alice, boards.cprs), boards)
    for user in (cast.alice, boards.bea):
        client = Client()
        client.force_login(user)
        response = client.get(reverse("certification:letter", args=[application.public_id]))
        assert response.status_code == 200, user.username
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
    for outsider in (cast.olive, cast.sam, boards.dora):
        client = Client()
        client.force_login(outsider)
        assert client.get(reverse("certification:letter", args=[application.public_id])).status_code == 404
    assert Client().get(reverse("certification:letter", args=[application.public_id])).status_code == 302


def test_reviewer_actions_through_the_pages(cast: Cast, boards: Boards) -> None:
    application = _to(S.SUBMITTED, complete_application(cast.alice, boards.cprs), boards)
    client = Client()
    client.force_login(boards.bea)
    url = lambda action: reverse("certification:review_action", args=[application.public_id, action])  # noqa: E731
    refused = client.post(url("approve"))
    assert refused.status_code == 400 and "Cannot approve: the application is Submitted." in refused.content.decode()
    assert Application.objects.get(pk=application.pk).status == S.SUBMITTED
    assert client.post(url("start")).status_code == 302
    response = client.post(url("more_info"), {"message": ""})
    assert response.status_code == 400 and "Tell the applicant what is needed." in response.content.decode()
    assert client.post(url("approve"), {"message": "ok"}).status_code == 302
    assert Application.objects.get(pk=application.pk).status == S.APPROVED
    # The Delaware board's reviewer cannot see it at all.
    other = Client()
    other.force_login(boards.dora)
    assert other.get(reverse("certification:review", args=[application.public_id])).status_code == 404


def test_a_refused_approval_keeps_the_reason_the_reviewer_typed(cast: Cast, boards: Boards) -> None:
    application = services.application_create(applicant=cast.alice, credential_type=boards.cprs)
    fill(application, skip="exam")  # submittable, but a requirement is not met, so approval is refused
    services.application_submit(application, actor=cast.alice)
    services.review_start(application, reviewer=boards.bea)
    client = Client()
    client.force_login(boards.bea)
    reason = "Sample reviewer reasoning that took a while to write"
    response = client.post(
        reverse("certification:review_action", args=[application.public_id, "approve"]), {"message": reason}
    )
    assert Application.objects.get(pk=application.pk).status == S.UNDER_REVIEW
    # Like a refused referral step (docs/resources.md): the page comes back with the refusal and the text typed.
    assert response.status_code == 400, f"got {response.status_code} to {response.get('Location')}: the text is lost"
    assert "Cannot approve: requirements not met" in response.content.decode()
    assert reason in response.content.decode()


def test_an_action_refused_for_a_conflict_of_interest_keeps_the_message_typed(cast: Cast, boards: Boards) -> None:
    # Sam supervises Alice at Riverbend and became a reviewer for the board after opening the page.
    application = _to(S.UNDER_REVIEW, complete_application(cast.alice, boards.cprs), boards)
    MembershipFactory(user=cast.sam, organization=boards.mcb.organization, role="board_admin")
    client = Client()
    client.force_login(cast.sam)
    reason = "Sample reasoning for a denial"
    response = client.post(
        reverse("certification:review_action", args=[application.public_id, "deny"]), {"message": reason}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Conflict of interest: You supervise this applicant" in page and reason in page
    assert Application.objects.get(pk=application.pk).status == S.UNDER_REVIEW


def test_an_entry_refused_because_the_application_was_submitted_meanwhile_keeps_what_was_typed(
    cast: Cast, boards: Boards
) -> None:
    # Submitted from another tab while this one still showed the draft's forms.
    application = _to(S.SUBMITTED, complete_application(cast.alice, boards.cprs), boards)
    client = Client()
    client.force_login(cast.alice)
    response = client.post(
        reverse("certification:entry_add", args=[application.public_id, "training"]),
        {
            "training-domain": "ethics",
            "training-provider": "Sample Late Training Co",
            "training-completed_on": (timezone.localdate() - dt.timedelta(days=3)).isoformat(),
            "training-hours": "8",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "it can be changed only as a draft or when more information is asked" in page
    assert 'value="Sample Late Training Co"' in page  # typed values kept
    assert not application.training.filter(provider="Sample Late Training Co").exists()


def _ce_for_renewal(peer: User) -> None:
    # 20 hours of continuing education, 6 of them in ethics, last week: enough for the renewals here.
    day = timezone.localdate() - dt.timedelta(days=7)
    ce_add(peer=peer, provider="P", topic="Ethics", completed_on=day, hours=Decimal(6), ethics=True)
    ce_add(peer=peer, provider="P", topic="Skills", completed_on=day, hours=Decimal(14))


def test_a_renewal_filed_for_another_boards_credential_is_refused(cast: Cast, boards: Boards) -> None:
    held = held_credential(cast.alice, boards.cprs, expires_on=timezone.localdate() + dt.timedelta(days=60))
    with pytest.raises(ValidationError, match="must be for the credential held"):
        services.application_create(
            applicant=cast.alice, credential_type=boards.de_cprs, kind=ApplicationKind.RENEWAL, held=held
        )
    assert not Application.objects.exists()


@pytest.mark.parametrize("status", [CredentialStatus.SUSPENDED, CredentialStatus.REVOKED])
def test_a_suspended_or_revoked_credential_cannot_be_renewed(cast: Cast, boards: Boards, status: str) -> None:
    held = held_credential(
        cast.alice, boards.cprs, expires_on=timezone.localdate() + dt.timedelta(days=60), status=status
    )
    with pytest.raises(ValidationError, match="only an active or expired credential can be renewed"):
        services.application_create(
            applicant=cast.alice, credential_type=boards.cprs, kind=ApplicationKind.RENEWAL, held=held
        )
    assert not Application.objects.exists()


def _renew(held: Credential, boards: Boards) -> Application:
    return services.application_create(
        applicant=held.holder, credential_type=boards.cprs, kind=ApplicationKind.RENEWAL, held=held
    )


@pytest.mark.parametrize("status", [S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.MORE_INFO_NEEDED])
def test_a_credential_has_one_open_renewal_at_a_time(cast: Cast, boards: Boards, status: str) -> None:
    held = held_credential(cast.alice, boards.cprs, expires_on=timezone.localdate() + dt.timedelta(days=60))
    _ce_for_renewal(cast.alice)
    first = _to(status, _renew(held, boards), boards)
    # A second start (a double click, a resent form, another tab) is refused with the reason.
    with pytest.raises(ValidationError, match="A renewal of this credential is already open"):
        _renew(held, boards)
    assert list(Application.objects.all()) == [first]


@pytest.mark.parametrize("status", [S.APPROVED, S.DENIED])
def test_a_decided_renewal_leaves_the_credential_free_to_renew_again(cast: Cast, boards: Boards, status: str) -> None:
    held = held_credential(cast.alice, boards.cprs, expires_on=timezone.localdate() + dt.timedelta(days=60))
    _ce_for_renewal(cast.alice)
    _to(status, _renew(held, boards), boards)
    again = _renew(held, boards)
    assert again.status == S.DRAFT
    assert Application.objects.filter(held_credential=held, kind=ApplicationKind.RENEWAL).count() == 2


def test_an_expired_credential_can_be_renewed_and_becomes_active(cast: Cast, boards: Boards) -> None:
    held = held_credential(
        cast.alice,
        boards.cprs,
        expires_on=timezone.localdate() - dt.timedelta(days=3),
        status=CredentialStatus.EXPIRED,
    )
    _ce_for_renewal(cast.alice)
    application = services.application_create(
        applicant=cast.alice, credential_type=boards.cprs, kind=ApplicationKind.RENEWAL, held=held
    )
    renewed = services.review_approve(_to(S.UNDER_REVIEW, application, boards), reviewer=boards.bea)
    assert renewed.pk == held.pk and renewed.status == CredentialStatus.ACTIVE


@pytest.mark.parametrize("status", [CredentialStatus.SUSPENDED, CredentialStatus.REVOKED])
def test_approving_a_renewal_never_reinstates_a_credential_suspended_or_revoked_meanwhile(
    cast: Cast, boards: Boards, status: str
) -> None:
    expires = timezone.localdate() + dt.timedelta(days=60)
    held = held_credential(cast.alice, boards.cprs, expires_on=expires)
    _ce_for_renewal(cast.alice)
    application = services.application_create(
        applicant=cast.alice, credential_type=boards.cprs, kind=ApplicationKind.RENEWAL, held=held
    )
    application = _to(S.UNDER_REVIEW, application, boards)
    Credential.objects.filter(pk=held.pk).update(status=status)
    with pytest.raises(services.TransitionRefused, match="only an active or expired credential can be renewed"):
        services.review_approve(application, reviewer=boards.bea)
    held.refresh_from_db()
    assert (held.status, held.expires_on) == (status, expires)
    assert Application.objects.get(pk=application.pk).status == S.UNDER_REVIEW


def test_another_boards_reviewer_cannot_extend_a_credential_through_a_mismatched_renewal(
    cast: Cast, boards: Boards
) -> None:
    expires = timezone.localdate() + dt.timedelta(days=60)
    held = held_credential(cast.alice, boards.cprs, expires_on=expires)
    _ce_for_renewal(cast.alice)
    # A Delaware renewal of the Minnesota credential, as filed before application_create checked the type.
    application = Application.objects.create(
        applicant=cast.alice, credential_type=boards.de_cprs, kind=ApplicationKind.RENEWAL, held_credential=held
    )
    services.application_submit(application, actor=cast.alice)
    services.review_start(application, reviewer=boards.dora)
    with pytest.raises(services.TransitionRefused, match="must be for the credential held"):
        services.review_approve(application, reviewer=boards.dora)
    held.refresh_from_db()
    assert held.expires_on == expires


def test_training_entries_show_the_domains_name_in_the_readers_language(cast: Cast, boards: Boards) -> None:
    # The entries under the checklist read "01/2025 · mentoring_education · 10 h", the stored slug, while the
    # checklist and the entry form name the domain: both the applicant's page and the reviewer's name it too.
    application = complete_application(cast.alice, boards.cprs)
    services.application_submit(application, actor=cast.alice)
    for user, url in (
        (cast.alice, reverse("certification:application", args=[application.public_id])),
        (boards.bea, reverse("certification:review", args=[application.public_id])),
    ):
        client = Client()
        client.force_login(user)
        page = client.get(url).content.decode()
        entries = page[page.index('<ul class="entries">') :][:600]
        assert "mentoring_education" not in entries, (url, entries)
        assert "Mentoring and education" in entries, (url, entries)
