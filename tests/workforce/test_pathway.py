"""Career pathway: progress toward other credentials from what a peer already recorded."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peerway.certification import services as certification
from peerway.workforce.pathway import pathway_for_peer, peer_record
from peerway.workforce.supervision import supervisees_for_user, supervision_session_add
from tests.helpers import Cast
from tests.workforce.credentials_helpers import credential, credential_type


def test_pathway_uses_recorded_hours_and_the_rules_checklist(cast: Cast) -> None:
    # The hours are recorded in the application for CPRS, made before CPRS was issued (a holder cannot apply again).
    application = certification.application_create(applicant=cast.alice, credential_type=credential_type("CPRS"))
    credential(cast.alice, expires_on=dt.date(2099, 1, 1))  # CPRS held: CPRSR is its reciprocal level
    day = dt.date(2025, 5, 1)
    for domain, hours in (("advocacy", 10), ("mentoring_education", 10), ("recovery_wellness", 10), ("ethics", 12)):
        certification.training_add(application, domain=domain, provider="P", completed_on=day, hours=Decimal(hours))
    certification.exam_add(application, exam="icrc_pr", taken_on=day, passed=True)
    certification.attestations_set(
        application, kinds={"ethics", "lived_experience", "education"}, jurisdiction_share_percent=80
    )
    supervision_session_add(
        supervisor=cast.sam, supervisee=supervisees_for_user(cast.sam)[0], held_on=dt.date(2025, 6, 1), minutes=600
    )
    record = peer_record(cast.alice)
    assert record.training_hours["ethics"] == Decimal(12) and record.supervision_hours == Decimal(10)
    steps = {step.credential_type.code: step for step in pathway_for_peer(cast.alice)}
    assert list(steps) == ["CPRSR", "PRSUP", "LADC"]
    assert steps["CPRSR"].reason == "reciprocal"
    cprsr = steps["CPRSR"].checklist
    assert [line.summary for line in cprsr.gaps] == [
        "Ethical responsibility: 12 of 16 hours",
        "Training, all domains: 42 of 46 hours",
        "Experience: 0 of 500 hours",
        "Supervision: 10 of 25 hours",
    ]
    assert not any(line.key.startswith("evidence:") for line in cprsr.lines)
    assert cprsr.line("exam").met and cprsr.line("jurisdiction_share").met
    ladc = steps["LADC"].checklist
    assert not ladc.line("exam").met and not ladc.line("education").met  # icrc_pr is not the LADC exam; no degree
    assert steps["CPRSR"].percent > steps["LADC"].percent
    client = Client()
    client.force_login(cast.alice)
    page = " ".join(client.get(reverse("career:pathway")).content.decode().split())
    assert "Ethical responsibility: 12 of 16 hours" in page and "Licensed Alcohol and Drug Counselor" in page


def test_a_credential_held_active_is_not_a_step(cast: Cast) -> None:
    credential(cast.alice, expires_on=dt.date(2099, 1, 1), code="CPRSR")
    codes = [step.credential_type.code for step in pathway_for_peer(cast.alice)]
    assert "CPRSR" not in codes and codes == ["PRSUP", "LADC"]


def test_a_credential_past_its_expiry_date_is_a_step_again_before_the_nightly_job(cast: Cast) -> None:
    # Still marked active (credentials_expire has not run), but it expired yesterday: the peer needs it again.
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    credential(cast.alice, expires_on=yesterday, issued_on=yesterday - dt.timedelta(days=730), code="CPRSR")
    codes = [step.credential_type.code for step in pathway_for_peer(cast.alice)]
    assert "CPRSR" in codes


def test_training_for_another_credential_does_not_count_toward_a_targets_total(cast: Cast) -> None:
    cps = credential_type("CPS", board="mn-dhs-cps")
    application = certification.application_create(applicant=cast.alice, credential_type=cps)
    for days_ago in (30, 20, 10):
        certification.training_add(
            application,
            domain="dhs_cps_training",
            provider="DHS",
            completed_on=dt.date.today() - dt.timedelta(days=days_ago),
            hours=Decimal(20),
        )
    steps = {step.credential_type.code: step for step in pathway_for_peer(cast.alice)}
    total = steps["CPRSR"].checklist.line("training_total")
    # 60 hours of DHS peer specialist training, none in any of CPRSR's four domains.
    assert (total.have, total.met) == (Decimal(0), False)
