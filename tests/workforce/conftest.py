from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _private_files(settings: object, tmp_path: Path) -> None:
    # CE certificates are stored privately; keep test files out of the repository's var/.
    settings.PEERWAY_PRIVATE_FILES_DIR = tmp_path / "private"  # type: ignore[attr-defined]
