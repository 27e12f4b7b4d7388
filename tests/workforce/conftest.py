from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from peerway.core.models import Community, Language, LivedExperience
from peerway.intake.models import HelpRequest
from peerway.intake.services import RequestInput, request_submit


@pytest.fixture(autouse=True)
def _private_files(settings: object, tmp_path: Path) -> None:
    # CE certificates are stored privately; keep test files out of the repository's var/.
    settings.PEERWAY_PRIVATE_FILES_DIR = tmp_path / "private"  # type: ignore[attr-defined]


@pytest.fixture
def submit(db: None) -> Callable[..., tuple[HelpRequest, str]]:
    """Submit a request as the public form would; its routing task is queued, not run (as tests/intake's)."""

    def _submit(
        *,
        language: str = "en",
        language_required: bool = False,
        communities: tuple[str, ...] = (),
        lived_experience: tuple[str, ...] = (),
        modalities: tuple[str, ...] = ("phone",),
        **extra: Any,
    ) -> tuple[HelpRequest, str]:
        data = RequestInput(
            contact_method=extra.pop("contact_method", "call"),
            language=Language.objects.get(slug=language),
            language_required=language_required,
            consent_to_contact=True,
            first_name=extra.pop("first_name", "Sample"),
            phone=extra.pop("phone", "(612) 555-0101"),
            communities=list(Community.objects.filter(slug__in=communities)),
            lived_experience=list(LivedExperience.objects.filter(slug__in=lived_experience)),
            modalities=modalities,
            **extra,
        )
        return request_submit(data=data)

    return _submit
