"""Bad input and stale pages on the staff side of check-ups, recovery plans, referrals, messages and the caseload.

Guards: a check-up sent twice, or from a page left open after a colleague recorded it or the engagement closed, is
recorded once, says why it was refused, and never puts what was typed into the form of another check-up; a plan
edited from a page drawn before a colleague's change does not silently undo that change; a progress note or a
program's plan cannot be dated in year 1; a NUL character in staff text is a form error, not a 500 on PostgreSQL (run
this file there too); the team caseload answers any page number with a page. Forms are sent as a browser sends them,
with every field the page drew (so whatever a fix adds to a form, a token or the version shown, goes along).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from peerway.recovery.models import (
    Checkup,
    CheckupStatus,
    GoalStatus,
    Message,
    PlanGoal,
    PlanStep,
    ProgressNote,
    RecoveryPlan,
    Referral,
)
from peerway.recovery.services import plans as plan_services
from peerway.recovery.services.checkups import checkup_record
from peerway.recovery.services.engagements import engagement_transition
from peerway.recovery.services.referrals import referral_create
from peerway.resources.models import Resource
from tests.helpers import Cast
from tests.recovery.records import ready_engagement
from tests.recovery.test_bad_input_staff_records import drawn_form
from tests.recovery.test_checkups import at, scheduled

TYPED_STEPS = "Sample: call again after the housing appointment"
CHECKUP_DAY = dt.date(2024, 4, 12)


def _client(user: object) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _checkup_answers(client: Client, first: Checkup) -> dict[str, list[str]]:
    """The check-up form as the page drew it, filled in as the peer would: reached, doing well, a note."""
    page = reverse("recovery:checkup_list", args=[first.engagement.public_id])
    form = drawn_form(client, page, having="next_steps")
    return {**form, "reached": ["yes"], "wellbeing": ["doing_well"], "next_steps": [TYPED_STEPS]}


def _record_url(checkup: Checkup) -> str:
    return reverse("recovery:checkup_record", args=[checkup.engagement.public_id, checkup.public_id])


def _forms_holding(html: str, text: str) -> list[str]:
    """The actions of the forms on a page that carry ``text`` (as typed into a field)."""
    return [
        action
        for action, body in re.findall(r'<form[^>]*action="([^"]*)"[^>]*>(.*?)</form>', html, re.S)
        if text in body
    ]


# Check-ups --------------------------------------------------------------------------------------------------------


def test_a_check_up_sent_twice_is_recorded_once_and_the_second_sending_lands_on_the_check_up_page(cast: Cast) -> None:
    first = scheduled(cast)
    client = _client(cast.alice)
    with time_machine.travel(at(CHECKUP_DAY), tick=False):
        answers = _checkup_answers(client, first)
        responses = [client.post(_record_url(first), answers) for _ in range(2)]

    assert Checkup.objects.filter(engagement=first.engagement, status=CheckupStatus.RECORDED).count() == 1
    page = reverse("recovery:checkup_list", args=[first.engagement.public_id])
    assert [(r.status_code, r.get("Location")) for r in responses] == [(302, page), (302, page)]


def test_answers_for_a_check_up_a_colleague_recorded_meanwhile_are_not_put_in_the_next_check_ups_form(
    cast: Cast,
) -> None:
    first = scheduled(cast)
    following = first.engagement.checkups.get(sequence=2)
    client = _client(cast.alice)
    with time_machine.travel(at(CHECKUP_DAY), tick=False):
        answers = _checkup_answers(client, first)
        checkup_record(checkup=first, actor=cast.sam, reached=False, next_steps="Sample: left a voicemail")
        response = client.post(_record_url(first), answers)

    following.refresh_from_db()
    assert following.status == CheckupStatus.SCHEDULED
    first.refresh_from_db()
    assert first.next_steps == "Sample: left a voicemail", "the colleague's recording stands"
    html = response.content.decode()
    assert 'role="alert"' in html or 'class="messages"' in html, "the page says the check-up was already recorded"
    assert _record_url(following) not in _forms_holding(html, TYPED_STEPS)


def test_a_check_up_sent_from_a_page_left_open_after_the_engagement_closed_says_why(cast: Cast) -> None:
    first = scheduled(cast)
    client = _client(cast.alice)
    with time_machine.travel(at(CHECKUP_DAY), tick=False):
        answers = _checkup_answers(client, first)
        engagement_transition(engagement=first.engagement, action="close", actor=cast.sam)
        response = client.post(_record_url(first), answers, follow=True)

    first.refresh_from_db()
    assert first.status == CheckupStatus.CANCELLED
    assert response.status_code < 500
    html = response.content.decode()
    assert 'role="alert"' in html or 'class="messages"' in html, "the page says why nothing was recorded"


def test_next_steps_longer_than_a_progress_note_may_be_are_an_error_at_the_field_with_the_text_kept(cast: Cast) -> None:
    first = scheduled(cast)
    client = _client(cast.alice)
    steps = "Sample: " + "x" * 4100
    with time_machine.travel(at(CHECKUP_DAY), tick=False):
        response = client.post(_record_url(first), {**_checkup_answers(client, first), "next_steps": [steps]})

    assert response.status_code == 400
    first.refresh_from_db()
    assert first.status == CheckupStatus.SCHEDULED
    html = response.content.decode()
    assert 'id="id_next_steps_error"' in html and steps in html


# Plans ------------------------------------------------------------------------------------------------------------


def test_a_goal_edited_from_a_page_drawn_before_a_colleague_marked_it_met_does_not_undo_that(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    plan = plan_services.plan_get_or_create(engagement)
    goal = plan_services.goal_add(plan=plan, actor=cast.alice, life_area="housing", description="Find a room")
    client = _client(cast.alice)
    url = reverse("recovery:engagement_plan", args=[engagement.public_id])
    form = drawn_form(client, url, having=f"edit-{goal.public_id}-description")
    plan_services.goal_update(
        goal=PlanGoal.objects.get(pk=goal.pk), actor=cast.sam, description="Find a room", status="met", target_date=None
    )

    form[f"edit-{goal.public_id}-description"] = ["Find a room near the bus line"]
    response = client.post(url, form)

    assert response.status_code < 500
    goal.refresh_from_db()
    assert goal.status == GoalStatus.MET


def test_a_step_marked_done_from_a_page_left_open_keeps_the_day_it_was_done(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    plan = plan_services.plan_get_or_create(engagement)
    goal = plan_services.goal_add(plan=plan, actor=cast.alice, life_area="housing", description="Find a room")
    step = plan_services.step_add(goal=goal, actor=cast.alice, description="Call the housing line")
    client = _client(cast.alice)
    url = reverse("recovery:engagement_plan", args=[engagement.public_id])
    form = drawn_form(client, url, having="step")
    with time_machine.travel(dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC), tick=False):
        plan_services.step_set_done(step=step, actor=cast.sam, done=True)
    step.refresh_from_db()
    done_at = step.done_at

    response = client.post(url, form)

    assert response.status_code < 500 and form["action"] == ["step_done"]
    step.refresh_from_db()
    assert step.done_at == done_at


@pytest.mark.parametrize("program", ["rco", "sud_245g"], ids=["progress-note", "program-plan"])
def test_a_progress_note_or_a_programs_plan_dated_in_year_1_is_refused_with_what_was_typed(
    cast: Cast, program: str
) -> None:
    engagement = ready_engagement(cast, program=program)
    client = _client(cast.alice)
    url = reverse("recovery:engagement_plan", args=[engagement.public_id])
    if program == "rco":
        data = {"action": "note_add", "note-noted_on": "0001-01-01", "note-text": "Sample: visited two rooms"}
    else:
        data = {"action": "program_plan", "program-recorded": "on", "program-plan_date": "0001-01-01"}

    response = client.post(url, data)

    assert response.status_code == 400
    assert not ProgressNote.objects.filter(plan__engagement=engagement).exists()
    plan = RecoveryPlan.objects.filter(engagement=engagement).first()
    assert plan is None or not plan.program_plan_recorded
    html = response.content.decode()
    assert "field-errors" in html or "form-errors" in html
    if program == "rco":
        assert "Sample: visited two rooms</textarea>" in html


# NUL characters (PostgreSQL refuses them in text) and page numbers ---------------------------------------------------


NUL_TEXT = "Sample\x00 note"


def _nul_case(cast: Cast, case: str) -> tuple[str, dict[str, str], object]:
    """(url, POST data, a callable telling whether anything was stored) for each staff form with free text."""
    if case == "check-up":
        first = scheduled(cast)
        data = {"reached": "yes", "wellbeing": "doing_well", "next_steps": NUL_TEXT}
        return _record_url(first), data, lambda: Checkup.objects.filter(status=CheckupStatus.RECORDED).exists()
    engagement = ready_engagement(cast)
    if case == "message":
        url = reverse("recovery:engagement_messages", args=[engagement.public_id])
        return url, {"body": NUL_TEXT}, lambda: Message.objects.exists()
    if case == "plan-step":
        plan = plan_services.plan_get_or_create(engagement)
        goal = plan_services.goal_add(plan=plan, actor=cast.alice, life_area="housing", description="Find a room")
        url = reverse("recovery:engagement_plan", args=[engagement.public_id])
        data = {
            "action": "step_add",
            "goal": str(goal.public_id),
            f"step-{goal.public_id}-description": "Call",
            f"step-{goal.public_id}-who_helps": NUL_TEXT,
        }
        return url, data, lambda: PlanStep.objects.exists()
    resource = Resource.objects.create(organization=None, name="Sample Housing Line", category="housing")
    if case == "referral":
        url = reverse("recovery:engagement_referrals", args=[engagement.public_id])
        return url, {"resource": str(resource.public_id), "note": NUL_TEXT}, lambda: Referral.objects.exists()
    referral = referral_create(engagement=engagement, resource=resource, actor=cast.alice)
    url = reverse("recovery:referral_transition", args=[referral.public_id])
    data = {"action": "acknowledge", "outcome_note": NUL_TEXT}
    return url, data, lambda: Referral.objects.exclude(status="sent").exists()


@pytest.mark.parametrize("case", ["check-up", "message", "plan-step", "referral", "referral-outcome"])
def test_a_nul_character_in_staff_text_is_a_form_error_and_nothing_is_stored(cast: Cast, case: str) -> None:
    url, data, stored = _nul_case(cast, case)

    response = _client(cast.alice).post(url, data)

    assert response.status_code == 400
    assert not stored()  # type: ignore[operator]
    assert "field-errors" in response.content.decode()


@pytest.mark.parametrize("page", ["-1", "0", "two", "9" * 30, "1e9"])
def test_the_team_caseload_answers_any_page_number_with_a_page(cast: Cast, page: str) -> None:
    ready_engagement(cast)
    response = _client(cast.sam).get(reverse("recovery:team_caseload"), {"page": page, "due": "x\x00", "status": "?"})
    assert response.status_code == 200
