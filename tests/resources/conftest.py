from __future__ import annotations

from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "resources-sample.csv"


@pytest.fixture
def sample_csv() -> bytes:
    return SAMPLE.read_bytes()
