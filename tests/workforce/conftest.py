from __future__ import annotations

from pathlib import Path

import pytest

from peerway.workforce.models import PeerProfile
from tests.factories import OrganizationFactory, peer_profile


@pytest.fixture(autouse=True)
def _private_files(settings: object, tmp_path: Path) -> None:
    # CE certificates are stored privately; keep test files out of the repository's var/.
    settings.PEERWAY_PRIVATE_FILES_DIR = tmp_path / "private"  # type: ignore[attr-defined]


@pytest.fixture
def amina(db: None) -> PeerProfile:
    """A peer on shift who speaks Somali and English, is Somali and in recovery with medication."""
    return peer_profile(
        OrganizationFactory(),
        name="Amina",
        languages=("so", "en"),
        communities=("somali",),
        lived_experience=("medication-recovery",),
    )
