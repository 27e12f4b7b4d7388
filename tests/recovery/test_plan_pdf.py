"""The printable plan: a real PDF, laid out in the person's language, served to allowed staff (audited)."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse

from peerway.core.models import AccessEvent
from peerway.recovery.selectors.plans import plan_pdf_document
from peerway.recovery.services import plans as svc
from tests.helpers import Cast
from tests.recovery.plan_helpers import engagement_for


def _document_text(document) -> str:  # type: ignore[no-untyped-def]
    """Every piece of text WeasyPrint laid out, page by page (the text that ends up in the PDF)."""
    pieces: list[str] = []

    def walk(box) -> None:  # type: ignore[no-untyped-def]
        text = getattr(box, "text", None)
        if isinstance(text, str):
            pieces.append(text)
        for child in getattr(box, "children", []) or []:
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return " ".join(pieces)


def _plan_with_goal(cast: Cast, language: str):  # type: ignore[no-untyped-def]
    engagement = engagement_for(cast, language=language)
    plan = svc.plan_get_or_create(engagement)
    goal = svc.goal_add(
        plan=plan,
        actor=cast.alice,
        life_area="housing",
        description="Vivir con mi hija",
        target_date=dt.date(2027, 3, 15),
    )
    svc.step_add(goal=goal, actor=cast.alice, description="Llamar a la agencia", who_helps="Tía Carmen")
    return engagement


def test_the_pdf_is_in_spanish_for_a_spanish_speaker(cast: Cast) -> None:
    engagement = _plan_with_goal(cast, "es")
    document = plan_pdf_document(engagement)
    text = _document_text(document)
    assert "Vivir con mi hija" in text and "Tía Carmen" in text
    assert "marzo" in text  # the target date, written the Spanish way
    assert "¿En crisis?" in text  # a string from Peerway's Spanish catalog
    assert document.write_pdf().startswith(b"%PDF")


def test_the_pdf_falls_back_to_english(cast: Cast) -> None:
    engagement = _plan_with_goal(cast, "en")
    text = _document_text(plan_pdf_document(engagement))
    assert "March" in text and "In crisis?" in text


def test_staff_download_is_audited(cast: Cast) -> None:
    engagement = _plan_with_goal(cast, "es")
    client = Client()
    client.force_login(cast.bill)
    AccessEvent.objects.all().delete()
    response = client.get(reverse("recovery:engagement_plan_pdf", args=[engagement.public_id]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    event = AccessEvent.objects.get(subject_id=engagement.participant.public_id)
    assert (event.action, event.actor) == ("exported", cast.bill)
